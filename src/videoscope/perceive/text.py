"""On-screen text: OCR only where the picture changed, merged across frames into timed items.

Frames arrive at ``frame_rate`` (default 4 per second) at ``frame_size`` (960 px). OCR costs
hundreds of milliseconds per frame on a laptop, so each sampled frame is first reduced to a cheap
signature: the mean luma and the mean gradient magnitude of each cell of a 32x18 grid. A frame is
read (full-frame OCR) only when

* it is the first frame;
* some cells changed far more than the rest of the frame since the previous sampled frame (text
  popping in or out, a caption changing a digit on a still background);
* most of the frame changed since the last read frame (a cut, the end of a dissolve, a long pan);
* ``refresh_seconds`` passed since the last read and the frame is not identical to it.

Readings (confidence at least ``min_confidence``) are tracked across read frames: the same
normalised text (case and spaces ignored, similarity ratio at least ``similarity``) in an
overlapping box continues an item, unless the pixels under the box changed and the text differs
(a scoreboard going from 1-0 to 2-0 is two items). An item ends at the first read frame that no
longer shows it. Its start and end are refined by bisecting the sampled frames kept since the last
read (a bounded ring buffer) with OCR on a crop around the item's box, then set to the midpoint
between the last frame without and the first frame with the text, so they are within half a
sampling step of the truth. Memory stays bounded: the ring buffer plus one small record per item.

Example:
    >>> stage = OnScreenTextStage()
    >>> timeline = index_video("clip.mp4", [stage])  # doctest: +SKIP
    >>> [(t.text, t.start, t.end) for t in timeline.texts]  # doctest: +SKIP
    [('BREAKING NEWS', 0.5, 5.5)]
"""

from __future__ import annotations

import logging
import re
from collections import Counter, deque
from dataclasses import asdict, dataclass, field
from difflib import SequenceMatcher
from typing import Any

import numpy as np

from videoscope.backends.base import TextDetection, TextRecognizer
from videoscope.backends.registry import load_backend
from videoscope.config import Settings
from videoscope.media.probe import MediaInfo
from videoscope.perceive.base import Stage
from videoscope.timeline.model import OnScreenText, Timeline

logger = logging.getLogger(__name__)

Box = tuple[float, float, float, float]
_GRID = (18, 32)  # rows, columns of the change signature
_MAX_READINGS = 64  # per item: memory stays bounded for text shown for hours
_LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32) / 255.0


@dataclass(frozen=True)
class TextOptions:
    """Settings of the text stage; every field is part of its cache key."""

    #: OCR backend name (``videoscope.backends`` role ``ocr``) and its constructor options.
    backend: str = "rapidocr"
    backend_options: dict[str, Any] = field(default_factory=dict)
    #: Sampled frames per second and their longest side in pixels.
    frame_rate: float = 4.0
    frame_size: int = 960
    #: Readings below this OCR confidence, or with fewer letters/digits, are dropped.
    min_confidence: float = 0.8
    min_chars: int = 2
    #: Two readings are the same text when their similarity ratio reaches this (0..1).
    similarity: float = 0.8
    #: A cell whose change exceeds ``event_threshold`` plus ``event_ratio`` times the frame's
    #: 90th-percentile cell change marks a local event (text appearing, disappearing, changing).
    event_threshold: float = 0.04
    event_ratio: float = 3.0
    #: Median cell change since the last read frame that counts as a new picture (cut, pan).
    drift_threshold: float = 0.12
    #: Read again after this many seconds unless nothing changed at all (largest cell change
    #: below ``same_threshold``).
    refresh_seconds: float = 3.0
    same_threshold: float = 0.01
    #: Sampled frames kept for bisecting start and end times (bounds memory).
    buffer_frames: int = 16


@dataclass(frozen=True, slots=True)
class _Frame:
    time: float
    image: np.ndarray
    signature: np.ndarray


@dataclass(frozen=True, slots=True)
class _Reading:
    text: str
    key: str  # normalised for comparison
    box: Box  # fractions of the frame
    confidence: float


@dataclass
class _Item:
    """A text being tracked: its readings and when it was last seen and not seen."""

    readings: list[_Reading]
    first_seen: float
    last_seen: float
    last_absent: float | None  # last checked time before ``first_seen`` without it
    first_absent: float | None = None  # first checked time after ``last_seen`` without it
    seen_signature: np.ndarray | None = None

    def add(self, reading: _Reading) -> None:
        """Record a sighting; keeps at most ``_MAX_READINGS`` (the first and the latest)."""
        self.readings.append(reading)
        if len(self.readings) > _MAX_READINGS:
            del self.readings[1 : _MAX_READINGS // 2]

    @property
    def key(self) -> str:
        return Counter(r.key for r in self.readings).most_common(1)[0][0]

    @property
    def box(self) -> Box:
        boxes = np.array([r.box for r in self.readings])
        x0, y0, x1, y1 = (float(v) for v in np.median(boxes, axis=0))
        return (x0, y0, x1, y1)


def normalize(text: str) -> str:
    """Case-folded text with whitespace collapsed: the form overlays are compared in."""
    return " ".join(text.casefold().split())


def _key(text: str) -> str:
    """Comparison key: OCR often drops or adds spaces, so they are ignored."""
    return re.sub(r"\s+", "", text.casefold())


def similar(a: str, b: str) -> float:
    """Similarity ratio (0..1) of two texts, ignoring case and spaces."""
    return SequenceMatcher(None, _key(a), _key(b)).ratio()


def signature(image: np.ndarray) -> np.ndarray:
    """Per-cell mean luma and mean gradient magnitude, shaped ``(2, 18, 32)``, in 0..1."""
    grey = image.astype(np.float32) @ _LUMA
    edges = np.abs(np.diff(grey, axis=1))[:-1] + np.abs(np.diff(grey, axis=0))[:, :-1]
    return np.stack([_cell_means(grey), _cell_means(edges)])


def _cell_means(values: np.ndarray) -> np.ndarray:
    height, width = values.shape
    rows = np.linspace(0, height, _GRID[0] + 1).astype(int)
    cols = np.linspace(0, width, _GRID[1] + 1).astype(int)
    sums = np.add.reduceat(np.add.reduceat(values, rows[:-1], axis=0), cols[:-1], axis=1)
    return sums / np.outer(np.diff(rows), np.diff(cols))


def cell_change(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per-cell change between two signatures (luma difference plus twice the edge difference)."""
    return np.abs(a[0] - b[0]) + 2.0 * np.abs(a[1] - b[1])


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


def _overlap(a: Box, b: Box) -> float:
    """Intersection over the smaller box: a reading that grew or shrank still overlaps."""
    inter = _intersection(a, b)
    return inter / min(_area(a), _area(b)) if inter > 0 else 0.0


class OnScreenTextStage(Stage):
    """Finds overlay and scene text with its box and time span (``timeline.texts``).

    After a run, ``frames_sampled``, ``frames_read`` (full-frame OCR calls) and ``crops_read``
    (OCR calls on crops while bisecting) tell how much OCR the change detection saved.
    """

    name = "text"

    def __init__(self, options: TextOptions | None = None, **overrides: Any) -> None:
        self.settings = options or TextOptions(**overrides)
        self.frame_rate = self.settings.frame_rate
        self.frame_size = self.settings.frame_size
        self._recognizer: TextRecognizer | None = None
        self.begin(None)

    @classmethod
    def from_settings(cls, settings: Settings) -> OnScreenTextStage:
        """The stage with the OCR backend chosen in ``settings``."""
        return cls(
            backend=settings.backends.ocr,
            backend_options=dict(settings.backends.options.get("ocr", {})),
        )

    def options(self) -> dict[str, Any]:
        """Backend and thresholds that change the result."""
        return asdict(self.settings)

    @property
    def recognizer(self) -> TextRecognizer:
        """The OCR backend, loaded on first use."""
        if self._recognizer is None:
            options = self.settings.backend_options
            self._recognizer = load_backend("ocr", self.settings.backend, **options)
        return self._recognizer

    def begin(self, info: MediaInfo | None) -> None:
        """Reset the per-video state and the OCR counters."""
        self.frames_sampled = self.frames_read = self.crops_read = 0
        fps = info.video.average_fps if info is not None and info.video is not None else 0.0
        self._period = 1.0 / fps if fps > 0 else 0.0
        self._reset()

    def _reset(self) -> None:
        self._buffer: deque[_Frame] = deque(maxlen=self.settings.buffer_frames)
        self._previous: _Frame | None = None
        self._last_read: _Frame | None = None
        self._active: list[_Item] = []
        self._done: list[_Item] = []

    def feed_frame(self, time: float, image: np.ndarray) -> None:
        """Sign the frame, read it if the picture changed, and update the tracked items."""
        frame = _Frame(time, image, signature(image))
        self.frames_sampled += 1
        if self._should_read(frame):
            self._read(frame)
        else:
            self._buffer.append(frame)
        self._previous = frame

    def end(self, timeline: Timeline) -> None:
        """Read the last frame if needed, close every item and write ``timeline.texts``."""
        if self._previous is not None and self._previous is not self._last_read:
            self._buffer.pop()  # it is read now, not bisected
            self._read(self._previous)
        duration = timeline.video.duration
        period = self._period  # a frame shown at t stays until t + period
        for item in self._done + self._active:
            # Each edge lies in (a + period, b] for the sampled frames a (before) and b (after).
            start = item.first_seen
            if item.last_absent is not None:
                start = min(item.first_seen, (item.last_absent + period + item.first_seen) / 2)
            end = duration
            if item.first_absent is not None:
                end = min(item.first_absent, (item.last_seen + period + item.first_absent) / 2)
            text = _best_text(item)
            confidence = float(np.mean([r.confidence for r in item.readings]))
            timeline.texts.append(
                OnScreenText(
                    start=round(max(0.0, start), 3),
                    end=round(min(duration, max(end, start)), 3),
                    text=text,
                    box=tuple(round(v, 4) for v in item.box),  # type: ignore[arg-type]
                    confidence=round(confidence, 4),
                )
            )
        logger.info(
            "text: %d items; OCR on %d of %d sampled frames (+%d crops)",
            len(self._done) + len(self._active),
            self.frames_read,
            self.frames_sampled,
            self.crops_read,
        )
        self._reset()

    def _should_read(self, frame: _Frame) -> bool:
        options = self.settings
        if self._last_read is None or self._previous is None:
            return True
        step = cell_change(frame.signature, self._previous.signature)
        if step.max() > options.event_threshold + options.event_ratio * np.percentile(step, 90):
            return True
        since = cell_change(frame.signature, self._last_read.signature)
        if np.median(since) > options.drift_threshold:
            return True
        return (
            frame.time - self._last_read.time >= options.refresh_seconds - 1e-6
            and since.max() > options.same_threshold
        )

    def _read(self, frame: _Frame) -> None:
        """Full-frame OCR of ``frame``; continue, end and start items; bisect their edges."""
        self.frames_read += 1
        readings = self._ocr(frame.image)
        between = list(self._buffer)
        previous_time = self._last_read.time if self._last_read is not None else None
        still: list[_Item] = []
        ended: list[_Item] = []
        for item in self._active:
            match = self._match(item, readings, frame)
            if match is None:
                item.first_absent = frame.time
                ended.append(item)
                continue
            readings.remove(match)
            item.add(match)
            item.last_seen, item.seen_signature = frame.time, frame.signature
            still.append(item)
        born = [
            _Item([r], frame.time, frame.time, previous_time, None, frame.signature)
            for r in readings
        ]
        for item in ended:
            rivals = [other.key for other in born + still if _overlap(other.box, item.box) > 0]
            if self._changed_in_last_step(item, frame):
                item.last_seen = between[-1].time if between else item.last_seen
            else:
                self._refine_end(item, between, rivals)
        for item in born:
            rivals = [other.key for other in ended + still if _overlap(other.box, item.box) > 0]
            if self._changed_in_last_step(item, frame):
                item.last_absent = between[-1].time if between else item.last_absent
            else:
                self._refine_start(item, between, rivals)
        for item in ended:
            item.seen_signature = None  # only needed while the item is active
        self._done.extend(ended)
        self._active = still + born
        self._buffer.clear()
        self._last_read = frame

    def _match(self, item: _Item, readings: list[_Reading], frame: _Frame) -> _Reading | None:
        """The reading that continues ``item`` in ``frame``, if any."""
        options = self.settings
        best, best_score = None, 0.0
        for reading in readings:
            if _overlap(reading.box, item.box) < 0.5:
                continue
            score = SequenceMatcher(None, reading.key, item.key).ratio()
            if score < options.similarity:
                continue
            if score < 1.0 and self._box_cells(item, frame.signature, item.seen_signature):
                continue  # different text where the pixels changed: a new item
            if score > best_score:
                best, best_score = reading, score
        return best

    def _changed_in_last_step(self, item: _Item, frame: _Frame) -> bool:
        """Whether the pixels under the item's box changed sharply since the previous sample.

        Then the text appeared (or left) in that one step and no bisection is needed.
        """
        previous = self._buffer[-1] if self._buffer else None
        if previous is None:
            return False
        step = cell_change(frame.signature, previous.signature)
        limit = self.settings.event_threshold + self.settings.event_ratio * np.percentile(step, 90)
        return self._box_cells(item, frame.signature, previous.signature, limit)

    def _box_cells(
        self, item: _Item, now: np.ndarray, then: np.ndarray | None, limit: float | None = None
    ) -> bool:
        """Whether any grid cell under the item's box changed by more than ``limit``."""
        if then is None:
            return True
        rows, cols = _GRID
        x0, y0, x1, y1 = item.box
        centres_y, centres_x = (np.arange(rows) + 0.5) / rows, (np.arange(cols) + 0.5) / cols
        inside_y = (centres_y >= y0) & (centres_y <= y1)
        inside_x = (centres_x >= x0) & (centres_x <= x1)
        if not inside_y.any():  # a box thinner than a cell: take the row of its centre
            inside_y[min(rows - 1, int((y0 + y1) / 2 * rows))] = True
        if not inside_x.any():
            inside_x[min(cols - 1, int((x0 + x1) / 2 * cols))] = True
        cells = cell_change(now, then)[np.ix_(inside_y, inside_x)]
        return bool(cells.max() > (self.settings.event_threshold if limit is None else limit))

    def _refine_start(self, item: _Item, between: list[_Frame], rivals: list[str]) -> None:
        """Move ``last_absent`` and ``first_seen`` to adjacent sampled frames by bisection."""
        before, after = self._bisect(item, between, rivals, showing_before=False)
        if after is not None:
            item.first_seen = after
        if before is not None:
            item.last_absent = before

    def _refine_end(self, item: _Item, between: list[_Frame], rivals: list[str]) -> None:
        """Move ``last_seen`` and ``first_absent`` to adjacent sampled frames by bisection."""
        later = [frame for frame in between if frame.time > item.last_seen]
        before, after = self._bisect(item, later, rivals, showing_before=True)
        if before is not None:
            item.last_seen = before
        if after is not None:
            item.first_absent = after

    def _bisect(
        self, item: _Item, frames: list[_Frame], rivals: list[str], showing_before: bool
    ) -> tuple[float | None, float | None]:
        """Times of the last frame in the old state and the first in the new one, if in ``frames``.

        The text shows (``showing_before``) or not before the change and the opposite after it;
        the frames on either side of ``frames`` are known to be in the old and the new state.
        """
        low, high = -1, len(frames)
        while high - low > 1:
            middle = (low + high) // 2
            if self._present(item, frames[middle], rivals) == showing_before:
                low = middle
            else:
                high = middle
        return (
            frames[low].time if low >= 0 else None,
            frames[high].time if high < len(frames) else None,
        )

    def _present(self, item: _Item, frame: _Frame, rivals: list[str]) -> bool:
        """Whether ``frame`` shows the item's text around its box (OCR on a crop).

        A different reading only counts where the pixels under the box did not change (OCR
        noise), and never when it is closer to a rival's text (one that replaced this in place).
        """
        image = frame.image
        height, width = image.shape[:2]
        x0, y0, x1, y1 = item.box
        margin = y1 - y0
        left, right = int(max(0.0, x0 - margin) * width), int(min(1.0, x1 + margin) * width)
        top, bottom = int(max(0.0, y0 - margin) * height), int(min(1.0, y1 + margin) * height)
        self.crops_read += 1
        crop = np.ascontiguousarray(image[top:bottom, left:right])
        key = item.key
        for reading in self._ocr(crop):
            score = SequenceMatcher(None, reading.key, key).ratio()
            if score < self.settings.similarity:
                continue
            if score < 1.0 and self._box_cells(item, frame.signature, item.seen_signature):
                continue
            if all(SequenceMatcher(None, reading.key, rival).ratio() < score for rival in rivals):
                return True
        return False

    def _ocr(self, image: np.ndarray) -> list[_Reading]:
        """Confident readings of ``image`` with boxes as fractions of it."""
        height, width = image.shape[:2]
        readings = []
        for detection in self.recognizer.read(image):
            if not self._keep(detection):
                continue
            x0, y0, x1, y1 = detection.box
            box = (
                max(0.0, x0 / width),
                max(0.0, y0 / height),
                min(1.0, x1 / width),
                min(1.0, y1 / height),
            )
            text = " ".join(detection.text.split())
            readings.append(_Reading(text, _key(text), box, float(detection.confidence)))
        return readings

    def _keep(self, detection: TextDetection) -> bool:
        letters = sum(character.isalnum() for character in detection.text)
        return (
            detection.confidence >= self.settings.min_confidence
            and letters >= self.settings.min_chars
        )


def _best_text(item: _Item) -> str:
    """The most confident spelling among the item's most common reading."""
    key = item.key
    return max((r for r in item.readings if r.key == key), key=lambda r: r.confidence).text
