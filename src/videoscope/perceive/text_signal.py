"""Cheap per-frame signals for the on-screen text stage: where the picture changed, where new
text may have appeared, and whether the pixels under a known line are still the same.

All of it costs about a millisecond per 960x540 frame, against tens to hundreds of milliseconds
for one OCR call, so the text stage can look at every sampled frame and call OCR on few of them.

Example:
    >>> a, b = signature(frame), signature(next_frame)  # doctest: +SKIP
    >>> cell_change(a, b).max()  # doctest: +SKIP
    0.41
"""

from __future__ import annotations

import cv2
import numpy as np

Box = tuple[float, float, float, float]
#: Rows and columns of the change signature.
GRID = (18, 32)
#: Rows and columns of a line's thumbnail (see :func:`thumbnail`).
_THUMB = (8, 32)
_THUMB_INSET = 0.25


def signature(image: np.ndarray) -> np.ndarray:
    """Per-cell mean luma and mean gradient magnitude, shaped ``(2, 18, 32)``, in 0..1.

    The gradient magnitude is |dx| + |dy| of the luma between neighbouring pixels; text, with its
    sharp strokes, has far more of it than most of a photograph.
    """
    grey = cv2.cvtColor(np.ascontiguousarray(image), cv2.COLOR_RGB2GRAY)
    if grey.shape[0] < GRID[0] + 1 or grey.shape[1] < GRID[1] + 1:
        height, width = max(grey.shape[0], GRID[0] + 1), max(grey.shape[1], GRID[1] + 1)
        grey = cv2.resize(grey, (width, height), interpolation=cv2.INTER_NEAREST)
    dx = cv2.absdiff(grey[:, 1:], grey[:, :-1])
    dy = cv2.absdiff(grey[1:, :], grey[:-1, :])
    luma, edges = _cell_means(grey), _cell_means(dx) + _cell_means(dy)
    return np.stack([luma, edges]).astype(np.float32) / np.float32(255.0)


def _cell_means(values: np.ndarray) -> np.ndarray:
    """Mean of ``values`` (uint8) over each grid cell, from its integral image."""
    height, width = values.shape
    rows = np.linspace(0, height, GRID[0] + 1).astype(int)
    cols = np.linspace(0, width, GRID[1] + 1).astype(int)
    corners = cv2.integral(values)[np.ix_(rows, cols)].astype(np.float64)
    sums = corners[1:, 1:] - corners[:-1, 1:] - corners[1:, :-1] + corners[:-1, :-1]
    return sums / np.outer(np.diff(rows), np.diff(cols))


def cell_change(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per-cell change between two signatures (luma difference plus twice the edge difference)."""
    return np.abs(a[0] - b[0]) + 2.0 * np.abs(a[1] - b[1])


def new_edges(now: np.ndarray, then: np.ndarray, ignore: np.ndarray | None = None) -> float:
    """Largest rise of a cell's gradient energy over its 3x3 neighbourhood in ``then``.

    Text appearing (even slowly, fading in) adds strong edges where there were none nearby; a
    slow pan or zoom moves edges by about a cell, which the neighbourhood absorbs. Cells where
    ``ignore`` is True (known text) do not count.
    """
    padded = np.pad(then[1], 1, mode="edge")
    rows, cols = then.shape[1:]
    around = np.max(
        [padded[i : i + rows, j : j + cols] for i in range(3) for j in range(3)], axis=0
    )
    rise = now[1] - around
    if ignore is not None:
        rise = np.where(ignore, 0.0, rise)
    return float(rise.max())


def box_cells(box: Box, grow: int = 0) -> np.ndarray:
    """Boolean ``(18, 32)`` mask of the grid cells whose centre lies in ``box`` (fractions).

    A box thinner than a cell takes the row or column of its centre; ``grow`` adds that many
    cells around the mask.
    """
    rows, cols = GRID
    x0, y0, x1, y1 = box
    centres_y, centres_x = (np.arange(rows) + 0.5) / rows, (np.arange(cols) + 0.5) / cols
    inside_y = (centres_y >= y0) & (centres_y <= y1)
    inside_x = (centres_x >= x0) & (centres_x <= x1)
    if not inside_y.any():
        inside_y[min(rows - 1, max(0, int((y0 + y1) / 2 * rows)))] = True
    if not inside_x.any():
        inside_x[min(cols - 1, max(0, int((x0 + x1) / 2 * cols)))] = True
    if grow:
        inside_y = np.convolve(inside_y, np.ones(2 * grow + 1), mode="same") > 0
        inside_x = np.convolve(inside_x, np.ones(2 * grow + 1), mode="same") > 0
    return np.outer(inside_y, inside_x)


def pixel_region(box: Box, shape: tuple[int, ...], margin: float = 0.0) -> tuple[int, ...]:
    """``(left, top, right, bottom)`` pixels of ``box`` grown by ``margin`` times its height."""
    height, width = shape[:2]
    x0, y0, x1, y1 = box
    pad = margin * (y1 - y0)
    left, right = int(max(0.0, x0 - pad) * width), int(np.ceil(min(1.0, x1 + pad) * width))
    top, bottom = int(max(0.0, y0 - pad) * height), int(np.ceil(min(1.0, y1 + pad) * height))
    return left, top, max(right, left + 1), max(bottom, top + 1)


def thumbnail(image: np.ndarray, box: Box) -> np.ndarray:
    """The luma inside ``box`` averaged down to 8x32 cells, in 0..1: a line's pixel fingerprint.

    The box is first shrunk by a quarter of its height on every side: detected boxes reach past
    the text (and past a caption's plate) into the picture, which moves. Comparing thumbnails
    taken at the same box says whether a line's pixels changed (a digit of a score, the text
    leaving: 0.5-0.9) without OCR; a picture panning or dissolving behind a translucent plate
    moves them far less (about 0.1).
    """
    x0, y0, x1, y1 = box
    inset = _THUMB_INSET * (y1 - y0)
    inner = (x0 + inset, y0 + inset, max(x0 + inset, x1 - inset), max(y0 + inset, y1 - inset))
    left, top, right, bottom = pixel_region(inner, image.shape)
    crop = np.ascontiguousarray(image[top:bottom, left:right])
    grey = cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY).astype(np.float32)
    small = cv2.resize(grey, (_THUMB[1], _THUMB[0]), interpolation=cv2.INTER_AREA)
    return small / np.float32(255.0)


def thumb_change(a: np.ndarray, b: np.ndarray) -> float:
    """Largest cell difference (0..1) between two thumbnails of the same box."""
    return float(np.abs(a - b).max())


def _intersection(a: Box, b: Box) -> float:
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    return width * height if width > 0 and height > 0 else 0.0


def _area(box: Box) -> float:
    return max(0.0, box[2] - box[0]) * max(0.0, box[3] - box[1])


def iou(a: Box, b: Box) -> float:
    """Intersection over union of two (x0, y0, x1, y1) boxes."""
    inter = _intersection(a, b)
    return inter / (_area(a) + _area(b) - inter) if inter > 0 else 0.0


def overlap(a: Box, b: Box) -> float:
    """Intersection over the smaller box: a reading that grew or shrank still overlaps."""
    inter = _intersection(a, b)
    return inter / min(_area(a), _area(b)) if inter > 0 else 0.0
