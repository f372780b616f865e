"""On-screen text: OCR only where the picture changed, merged across frames into timed items.

Frames arrive at ``frame_rate`` (default 4 per second) at ``frame_size`` (960 px). OCR costs tens
to hundreds of milliseconds per call, so each sampled frame is first reduced to a cheap signature
(:mod:`videoscope.perceive.text_signal`: mean luma and gradient energy of a 32x18 grid, about a
millisecond). A frame is read only when

* it is the first frame (or the last);
* ``event``: some cells changed far more than the rest of the frame since the previous sampled
  frame (text popping in or out, a caption changing a digit on a still background);
* ``drift``: most of the frame changed since the last read frame, and within the last second
  (a cut, a dissolve, a fade);
* ``item``: the pixels under a tracked line changed (a thumbnail of its box), so it may be gone;
* ``text``: a cell away from tracked lines gained strong edges that no cell around it had at the
  last read (text fading in, scene text coming into view); a slow pan moves edges by about a cell
  and does not count;
* ``refresh``: ``refresh_seconds`` passed since the last read (off by default).

A read detects text lines at ``detect_size`` (400 px) and recognises each line in a crop of the
``frame_size`` frame, except lines whose box matches a tracked line with the same pixels under it
(thumbnail change at most ``reuse_threshold``): their reading is reused. Backends without
separate detection and recognition are called with ``read(image)`` instead.

Readings are tracked across read frames: the same text (case and spaces ignored) in an
overlapping box continues an item, unless the pixels under the box changed and the text differs
(a score going from 1-0 to 2-0 is two items). Start and end are refined by bisecting the sampled
frames kept since the last read, mostly by thumbnails alone, to within half a sampling step.
docs/onscreen_text.md explains it all with measurements.

Example:
    >>> stage = OnScreenTextStage()
    >>> timeline = index_video("clip.mp4", [stage])  # doctest: +SKIP
    >>> [(t.text, t.start, t.end) for t in timeline.texts]  # doctest: +SKIP
    [('BREAKING NEWS', 0.5, 5.5)]
"""

from __future__ import annotations

import logging
from collections import Counter, deque
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from videoscope.backends.base import TextRecognizer
from videoscope.backends.registry import load_backend
from videoscope.config import Settings
from videoscope.media.probe import MediaInfo
from videoscope.perceive.base import Stage
from videoscope.perceive.text_lines import (
    Item,
    LineReader,
    Reading,
    key_similarity,
    normalize,
    similar,
)
from videoscope.perceive.text_signal import (
    box_cells,
    cell_change,
    iou,
    new_edges,
    overlap,
    signature,
)
from videoscope.timeline.model import Timeline

__all__ = [
    "OnScreenTextStage",
    "TextOptions",
    "cell_change",
    "iou",
    "normalize",
    "signature",
    "similar",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TextOptions:
    """Settings of the text stage; every field is part of its cache key."""

    #: OCR backend name (``videoscope.backends`` role ``ocr``) and its constructor options.
    backend: str = "rapidocr"
    backend_options: dict[str, Any] = field(default_factory=dict)
    #: Sampled frames per second and their longest side in pixels.
    frame_rate: float = 4.0
    frame_size: int = 960
    #: Longest side of the image text lines are detected in (two-step backends); lines are then
    #: recognised in crops of the ``frame_size`` frame. Lines under ~10 px tall at this size
    #: (~24 px in a 960 px frame) are missed: raise it for small text, at a cost.
    detect_size: int = 400
    #: Readings below this OCR confidence, or with fewer letters/digits, are dropped.
    min_confidence: float = 0.8
    min_chars: int = 2
    #: Two readings are the same text when their similarity ratio reaches this (0..1).
    similarity: float = 0.8
    #: A cell whose change exceeds ``event_threshold`` plus ``event_ratio`` times the frame's
    #: 90th-percentile cell change marks a local event (text appearing, disappearing, changing).
    event_threshold: float = 0.04
    event_ratio: float = 3.0
    #: Median cell change, both since the last read frame and within the last
    #: ``drift_seconds``, that counts as a new picture (a cut, a dissolve, a fast pan). Slow
    #: pans and zooms are left to the ``text`` test.
    drift_threshold: float = 0.12
    drift_seconds: float = 1.0
    #: Rise of a cell's gradient energy over its neighbourhood at the last read that may be new
    #: text (cells of tracked lines excluded).
    text_threshold: float = 0.08
    #: Change of a tracked line's thumbnail (largest cell, 0..1) since it was recognised that
    #: makes a read; at most ``reuse_threshold``, its reading is reused without recognition.
    item_threshold: float = 0.3
    reuse_threshold: float = 0.2
    #: A frame whose every cell has less gradient energy than this holds no text (black, a
    #: flat colour): it is read without OCR.
    blank_threshold: float = 0.02
    #: Read again after this many seconds (0: never) unless nothing changed at all (largest
    #: cell change below ``same_threshold``).
    refresh_seconds: float = 0.0
    same_threshold: float = 0.01
    #: Sampled frames kept for bisecting start and end times (bounds memory).
    buffer_frames: int = 16


@dataclass(frozen=True, slots=True)
class _Frame:
    time: float
    image: np.ndarray
    signature: np.ndarray


class OnScreenTextStage(Stage):
    """Finds overlay and scene text with its box and time span (``timeline.texts``).

    After a run, ``frames_sampled``, ``frames_read`` (full-frame OCR calls), ``crops_read``
    (OCR calls on crops while bisecting), ``lines_recognised`` and ``lines_reused`` tell how
    much OCR the change detection saved; ``read_reasons`` counts why frames were read.
    """

    name = "text"

    def __init__(self, options: TextOptions | None = None, **overrides: Any) -> None:
        self.settings = options or TextOptions(**overrides)
        self.frame_rate = self.settings.frame_rate
        self.frame_size = self.settings.frame_size
        self._recognizer: TextRecognizer | None = None
        self._reader: LineReader | None = None
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

    @property
    def reader(self) -> LineReader:
        """Reads frames and boxes with :attr:`recognizer`; counts lines recognised and reused."""
        if self._reader is None:
            options = self.settings
            self._reader = LineReader(
                self.recognizer,
                min_confidence=options.min_confidence,
                min_chars=options.min_chars,
                detect_size=options.detect_size,
                reuse_threshold=options.reuse_threshold,
            )
        return self._reader

    @property
    def lines_recognised(self) -> int:
        """Text lines recognised (OCR) in full-frame reads of the last video."""
        return self._reader.lines_recognised if self._reader is not None else 0

    @property
    def lines_reused(self) -> int:
        """Text lines whose earlier reading was reused (same pixels) in the last video."""
        return self._reader.lines_reused if self._reader is not None else 0

    def begin(self, info: MediaInfo | None) -> None:
        """Reset the per-video state and the OCR counters."""
        self.frames_sampled = self.frames_read = self.crops_read = 0
        self._reader = None
        self.read_reasons: Counter[str] = Counter()
        fps = info.video.average_fps if info is not None and info.video is not None else 0.0
        self._period = 1.0 / fps if fps > 0 else 0.0
        self._reset()

    def _reset(self) -> None:
        self._buffer: deque[_Frame] = deque(maxlen=self.settings.buffer_frames)
        self._previous: _Frame | None = None
        self._last_read: _Frame | None = None
        self._deferred: float | None = None  # when a drift read was first put off
        self._active: list[Item] = []
        self._done: list[Item] = []
        self._known = np.zeros(signature(np.zeros((2, 2, 3), np.uint8)).shape[1:], dtype=bool)

    def feed_frame(self, time: float, image: np.ndarray) -> None:
        """Sign the frame, read it if the picture changed, and update the tracked items."""
        frame = _Frame(time, image, signature(image))
        self.frames_sampled += 1
        reason = self._should_read(frame)
        if reason is not None:
            self.read_reasons[reason] += 1
            self._read(frame)
        else:
            self._buffer.append(frame)
        self._previous = frame

    def end(self, timeline: Timeline) -> None:
        """Read the last frame if needed, close every item and write ``timeline.texts``."""
        if self._previous is not None and self._previous is not self._last_read:
            self._buffer.pop()  # it is read now, not bisected
            self.read_reasons["last"] += 1
            self._read(self._previous)
        duration = timeline.video.duration
        items = [item.to_text(self._period, duration) for item in self._done + self._active]
        timeline.texts.extend(sorted(items, key=lambda text: (text.start, text.end)))
        logger.info(
            "text: %d items; OCR on %d of %d sampled frames (%s), %d crops; "
            "%d lines recognised, %d reused",
            len(self._done) + len(self._active),
            self.frames_read,
            self.frames_sampled,
            ", ".join(f"{k} {v}" for k, v in sorted(self.read_reasons.items())),
            self.crops_read,
            self.lines_recognised,
            self.lines_reused,
        )
        self._reset()

    def _should_read(self, frame: _Frame) -> str | None:
        """Why ``frame`` must be read (see the module docstring), or None."""
        options = self.settings
        if self._last_read is None or self._previous is None:
            return "first"
        step = cell_change(frame.signature, self._previous.signature)
        if step.max() > options.event_threshold + options.event_ratio * np.percentile(step, 90):
            return "event"
        since = cell_change(frame.signature, self._last_read.signature)
        if np.median(since) > options.drift_threshold and self._sudden(frame, self._last_read):
            # Wait for the end of a fade or a flash (a second at most): read it settled.
            if np.median(step) <= options.drift_threshold:
                return "drift"
            self._deferred = self._deferred if self._deferred is not None else frame.time
            return "drift" if frame.time - self._deferred >= options.drift_seconds - 1e-6 else None
        if any(i.pixels_changed(frame.image) > options.item_threshold for i in self._active):
            return "item"
        if new_edges(frame.signature, self._last_read.signature, self._known) > (
            options.text_threshold
        ):
            return "text"
        if (
            options.refresh_seconds > 0
            and frame.time - self._last_read.time >= options.refresh_seconds - 1e-6
            and since.max() > options.same_threshold
        ):
            return "refresh"
        return None

    def _sudden(self, frame: _Frame, last_read: _Frame) -> bool:
        """Whether most of the picture changed within the last ``drift_seconds``."""
        window = frame.time - self.settings.drift_seconds - 1e-6
        recent = next(f for f in (last_read, *self._buffer, frame) if f.time >= window)
        change = cell_change(frame.signature, recent.signature)
        return bool(np.median(change) > self.settings.drift_threshold)

    def _read(self, frame: _Frame) -> None:
        """OCR of ``frame``; continue, end and start items; bisect their edges."""
        self.frames_read += 1
        if frame.signature[1].max() < self.settings.blank_threshold:
            readings: list[Reading] = []  # no edges, no text
        else:
            readings = self.reader.read_frame(frame.image, self._active)
        between = list(self._buffer)
        previous_time = self._last_read.time if self._last_read is not None else None
        still: list[Item] = []
        ended: list[Item] = []
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
            Item([r], frame.time, frame.time, previous_time, None, frame.signature)
            for r in readings
        ]
        for item in ended:
            rivals = [other.key for other in born + still if overlap(other.box, item.box) > 0]
            if self._changed_in_last_step(item, frame):
                item.last_seen = between[-1].time if between else item.last_seen
            else:
                self._refine_end(item, between, rivals)
        for item in born:
            rivals = [other.key for other in ended + still if overlap(other.box, item.box) > 0]
            if self._changed_in_last_step(item, frame):
                item.last_absent = between[-1].time if between else item.last_absent
            else:
                self._refine_start(item, between, rivals)
        for item in ended:  # only needed while the item is active
            item.seen_signature, item.recognised = None, None
        self._done.extend(ended)
        self._active = still + born
        self._known = np.zeros_like(self._known)
        for item in self._active:
            self._known |= box_cells(item.box, grow=1)
        self._buffer.clear()
        self._last_read, self._deferred = frame, None

    def _match(self, item: Item, readings: list[Reading], frame: _Frame) -> Reading | None:
        """The reading that continues ``item`` in ``frame``, if any."""
        best, best_score = None, 0.0
        for reading in readings:
            if overlap(reading.box, item.box) < 0.5:
                continue
            score = self._same_text(reading, item, frame)
            if score > best_score:
                best, best_score = reading, score
        return best

    def _same_text(self, reading: Reading, item: Item, frame: _Frame) -> float:
        """How surely ``reading`` shows the item's text: its similarity to the item's text, or 0
        below ``similarity`` or when the text differs where the pixels under the box changed
        (a new text in place, e.g. a score going from 1-0 to 2-0)."""
        score = key_similarity(reading.key, item.key)
        if score < self.settings.similarity:
            return 0.0
        if score < 1.0 and self._box_cells(item, frame.signature, item.seen_signature):
            return 0.0
        return score

    def _changed_in_last_step(self, item: Item, frame: _Frame) -> bool:
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
        self, item: Item, now: np.ndarray, then: np.ndarray | None, limit: float | None = None
    ) -> bool:
        """Whether any grid cell under the item's box changed by more than ``limit``."""
        if then is None:
            return True
        cells = cell_change(now, then)[box_cells(item.box)]
        return bool(cells.max() > (self.settings.event_threshold if limit is None else limit))

    def _refine_start(self, item: Item, between: list[_Frame], rivals: list[str]) -> None:
        """Move ``last_absent`` and ``first_seen`` to adjacent sampled frames by bisection."""
        before, after = self._bisect(item, between, rivals, showing_before=False)
        if after is not None:
            item.first_seen = after
        if before is not None:
            item.last_absent = before

    def _refine_end(self, item: Item, between: list[_Frame], rivals: list[str]) -> None:
        """Move ``last_seen`` and ``first_absent`` to adjacent sampled frames by bisection."""
        later = [frame for frame in between if frame.time > item.last_seen]
        before, after = self._bisect(item, later, rivals, showing_before=True)
        if before is not None:
            item.last_seen = before
        if after is not None:
            item.first_absent = after

    def _bisect(
        self, item: Item, frames: list[_Frame], rivals: list[str], showing_before: bool
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

    def _present(self, item: Item, frame: _Frame, rivals: list[str]) -> bool:
        """Whether ``frame`` shows the item's text around its box.

        The same pixels as when the line was recognised show it, very different ones do not
        (``reuse_threshold``, ``item_threshold``); in between, the box is read (OCR on a crop).
        A different reading only counts where the pixels under the box did not change (OCR
        noise), and never when it is closer to a rival's text (one that replaced this in place).
        """
        image = frame.image
        changed = item.pixels_changed(image)
        if changed <= self.settings.reuse_threshold:
            return True
        if changed > self.settings.item_threshold and item.recognised is not None:
            return False
        self.crops_read += 1
        readings = self.reader.read_box(image, item.box)
        for reading in readings:
            score = self._same_text(reading, item, frame)
            if score > 0 and all(key_similarity(reading.key, r) < score for r in rivals):
                return True
        return False
