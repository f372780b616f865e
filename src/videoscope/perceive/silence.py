"""Silences: stretches where the sound level stays far below the file's own speaking level.

Measured on 20 ms RMS frames in dBFS. The threshold adapts to the recording: ``margin_db`` below
the 95th-percentile loudness, but never above ``floor_db``, so quiet and loud files both work. A
silence must last ``min_duration`` seconds. Silences are boundary evidence for segmentation.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from videoscope.media.decode import SAMPLE_RATE, AudioChunk
from videoscope.perceive.base import Stage
from videoscope.timeline.model import Silence, Timeline

_FRAME = SAMPLE_RATE // 50  # 20 ms


class SilenceStage(Stage):
    """Finds silences from the audio level alone (no model)."""

    name = "silence"
    wants_audio = True

    def __init__(self, min_duration: float = 0.4, margin_db: float = 35.0, floor_db: float = -40.0):
        self.min_duration = min_duration
        self.margin_db = margin_db
        self.floor_db = floor_db
        self._levels: list[np.ndarray] = []
        self._origin: float | None = None
        self._carry = np.zeros(0, dtype=np.float32)

    def options(self) -> dict[str, Any]:
        """Thresholds that change the result."""
        return {
            "min_duration": self.min_duration,
            "margin_db": self.margin_db,
            "floor_db": self.floor_db,
        }

    def feed_audio(self, chunk: AudioChunk) -> None:
        """Reduce the chunk to 20 ms levels (50 floats per second are all that is kept)."""
        if self._origin is None:
            self._origin = chunk.start
        samples = np.concatenate([self._carry, chunk.samples])
        whole = len(samples) // _FRAME * _FRAME
        frames = samples[:whole].reshape(-1, _FRAME)
        self._carry = samples[whole:]
        rms = np.sqrt(np.mean(frames.astype(np.float64) ** 2, axis=1) + 1e-12)
        self._levels.append((20 * np.log10(rms)).astype(np.float32))

    def end(self, timeline: Timeline) -> None:
        """Threshold the levels and write the ``silences`` track."""
        if not self._levels:
            return
        levels = np.concatenate(self._levels)
        loud = float(np.percentile(levels, 95))
        threshold = min(self.floor_db, loud - self.margin_db)
        quiet = levels < threshold
        origin = self._origin or 0.0
        duration = timeline.video.duration
        edges = np.flatnonzero(np.diff(np.concatenate([[0], quiet.astype(np.int8), [0]])))
        for begin, finish in zip(edges[::2], edges[1::2], strict=True):
            start = origin + begin * _FRAME / SAMPLE_RATE
            end = min(duration, origin + finish * _FRAME / SAMPLE_RATE)
            if end - start >= self.min_duration:
                timeline.silences.append(Silence(start=round(start, 3), end=round(end, 3)))
