"""Text lines for the on-screen text stage: readings, tracked items, and how OCR reads them.

:class:`LineReader` is the only place the text stage calls OCR. With a backend that detects and
recognises separately (:class:`TwoStepOCR`, e.g. ``rapidocr``) it detects lines on a small copy
of the frame and recognises only the lines it has not read before: a detected line whose box
matches a tracked item, with the same pixels under it (a thumbnail, see
:func:`videoscope.perceive.text_signal.thumbnail`), takes the item's reading. Other backends are
called with ``read(image)``.

Example:
    >>> reader = LineReader(load_backend("ocr", "rapidocr"))  # doctest: +SKIP
    >>> [r.text for r in reader.read_frame(frame, items=[])]  # doctest: +SKIP
    ['BREAKING NEWS']
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field, replace
from difflib import SequenceMatcher
from typing import Protocol, runtime_checkable

import numpy as np

from videoscope.backends.base import TextDetection, TextRecognizer
from videoscope.perceive.text_signal import Box, iou, pixel_region, thumb_change, thumbnail
from videoscope.timeline.model import OnScreenText

_MAX_READINGS = 64  # per item: memory stays bounded for text shown for hours


@runtime_checkable
class TwoStepOCR(Protocol):
    """An OCR backend that can detect lines and recognise given lines separately."""

    def detect(self, image: np.ndarray, max_side: int | None = None) -> np.ndarray:
        """Quadrilaterals ``(n, 4, 2)`` of the text lines in ``image``, in its pixels."""
        ...

    def recognize(self, image: np.ndarray, quads: np.ndarray) -> list[TextDetection]:
        """One reading per quadrilateral of ``image``."""
        ...


@dataclass(frozen=True, slots=True)
class Reading:
    """One line read in one frame."""

    text: str
    key: str  # normalised for comparison
    box: Box  # fractions of the frame
    confidence: float
    #: Luma thumbnail of ``box`` when this line was recognised; None when the reading was reused.
    thumb: np.ndarray | None = field(default=None, compare=False)


@dataclass
class Item:
    """A text being tracked: its readings and when it was last seen and not seen."""

    readings: list[Reading]
    first_seen: float
    last_seen: float
    last_absent: float | None  # last checked time before ``first_seen`` without it
    first_absent: float | None = None  # first checked time after ``last_seen`` without it
    seen_signature: np.ndarray | None = None
    #: The latest recognised (not reused) reading, with the thumbnail of its box.
    recognised: Reading | None = None

    def __post_init__(self) -> None:
        for reading in self.readings:
            if reading.thumb is not None:
                self.recognised = reading

    def add(self, reading: Reading) -> None:
        """Record a sighting; keeps at most ``_MAX_READINGS`` (the first and the latest)."""
        self.readings.append(reading)
        if reading.thumb is not None:
            self.recognised = reading
        if len(self.readings) > _MAX_READINGS:
            del self.readings[1 : _MAX_READINGS // 2]

    @property
    def key(self) -> str:
        """The most common normalised reading."""
        return Counter(r.key for r in self.readings).most_common(1)[0][0]

    @property
    def box(self) -> Box:
        """The median box of the readings."""
        boxes = np.array([r.box for r in self.readings])
        x0, y0, x1, y1 = (float(v) for v in np.median(boxes, axis=0))
        return (x0, y0, x1, y1)

    @property
    def best_text(self) -> str:
        """The most confident spelling among the most common reading."""
        key = self.key
        return max((r for r in self.readings if r.key == key), key=lambda r: r.confidence).text

    def to_text(self, period: float, duration: float) -> OnScreenText:
        """The timed item: each edge mid-way in ``(a + period, b]`` for the sampled frames ``a``
        (before the change) and ``b`` (after it); ``period`` is the video's frame duration."""
        start = self.first_seen
        if self.last_absent is not None:
            start = min(self.first_seen, (self.last_absent + period + self.first_seen) / 2)
        end = duration
        if self.first_absent is not None:
            end = min(self.first_absent, (self.last_seen + period + self.first_absent) / 2)
        x0, y0, x1, y1 = (round(v, 4) for v in self.box)
        return OnScreenText(
            start=round(max(0.0, start), 3),
            end=round(min(duration, max(end, start)), 3),
            text=self.best_text,
            box=(x0, y0, x1, y1),
            confidence=round(float(np.mean([r.confidence for r in self.readings])), 4),
        )

    def pixels_changed(self, image: np.ndarray) -> float:
        """Thumbnail change under the line since it was recognised (inf when unknown)."""
        last = self.recognised
        if last is None or last.thumb is None:
            return float("inf")
        return thumb_change(thumbnail(image, last.box), last.thumb)


def normalize(text: str) -> str:
    """Case-folded text with whitespace collapsed: the form overlays are compared in."""
    return " ".join(text.casefold().split())


def text_key(text: str) -> str:
    """Comparison key: OCR often drops or adds spaces, so they are ignored."""
    return re.sub(r"\s+", "", text.casefold())


def key_similarity(a: str, b: str) -> float:
    """Similarity ratio (0..1) of two comparison keys (:func:`text_key`)."""
    return SequenceMatcher(None, a, b).ratio()


def similar(a: str, b: str) -> float:
    """Similarity ratio (0..1) of two texts, ignoring case and spaces."""
    return key_similarity(text_key(a), text_key(b))


@dataclass
class LineReader:
    """Reads frames and boxes with an OCR backend; counts what it recognised and reused."""

    ocr: TextRecognizer
    min_confidence: float = 0.8
    min_chars: int = 2
    detect_size: int = 400
    reuse_threshold: float = 0.2
    lines_recognised: int = 0
    lines_reused: int = 0

    def read_frame(self, image: np.ndarray, items: list[Item]) -> list[Reading]:
        """Confident readings of the frame; lines of ``items`` with unchanged pixels are reused."""
        ocr = self.ocr
        if not isinstance(ocr, TwoStepOCR):
            readings = self.readings(ocr.read(image), image)
            self.lines_recognised += len(readings)
            return readings
        height, width = image.shape[:2]
        quads = np.asarray(ocr.detect(image, self.detect_size), dtype=np.float32)
        reused: dict[int, Reading] = {}
        candidates = [item for item in items if item.recognised is not None]
        for index, quad in enumerate(quads):
            (x0, y0), (x1, y1) = quad.min(axis=0), quad.max(axis=0)
            box = (float(x0 / width), float(y0 / height), float(x1 / width), float(y1 / height))
            scored = [(iou(box, i.recognised.box), i) for i in candidates if i.recognised]
            overlap, item = max(scored, key=lambda pair: pair[0], default=(0.0, None))
            if item is None or item.recognised is None or overlap < 0.5:
                continue
            if item.pixels_changed(image) <= self.reuse_threshold:
                reused[index] = replace(item.recognised, box=box, thumb=None)
                candidates.remove(item)
        fresh = [index for index in range(len(quads)) if index not in reused]
        detections = ocr.recognize(image, quads[fresh]) if fresh else []
        self.lines_recognised += len(fresh)
        self.lines_reused += len(reused)
        return self.readings(detections, image) + list(reused.values())

    def read_box(self, image: np.ndarray, box: Box) -> list[Reading]:
        """Confident readings around ``box`` (fractions of ``image``): OCR on a crop."""
        ocr = self.ocr
        if isinstance(ocr, TwoStepOCR):  # recognise the box itself, slightly grown
            left, top, right, bottom = pixel_region(box, image.shape, margin=0.2)
            quad = np.array([[left, top], [right, top], [right, bottom], [left, bottom]])
            return self.readings(ocr.recognize(image, quad[None]), image, thumbs=False)
        left, top, right, bottom = pixel_region(box, image.shape, margin=1.0)
        crop = np.ascontiguousarray(image[top:bottom, left:right])
        return self.readings(ocr.read(crop), crop, thumbs=False)

    def readings(
        self, detections: list[TextDetection], image: np.ndarray, thumbs: bool = True
    ) -> list[Reading]:
        """Confident ``detections`` of ``image`` with boxes as fractions of it."""
        height, width = image.shape[:2]
        readings = []
        for detection in detections:
            letters = sum(character.isalnum() for character in detection.text)
            if detection.confidence < self.min_confidence or letters < self.min_chars:
                continue
            x0, y0, x1, y1 = detection.box
            box = (
                max(0.0, x0 / width),
                max(0.0, y0 / height),
                min(1.0, x1 / width),
                min(1.0, y1 / height),
            )
            text = " ".join(detection.text.split())
            thumb = thumbnail(image, box) if thumbs else None
            readings.append(Reading(text, text_key(text), box, float(detection.confidence), thumb))
        return readings
