"""The stage interface: what a perception stage asks of the shared decode, and what it returns.

A stage declares the frames it wants (``frame_rate`` per second at ``frame_size`` pixels on the
longest side) and whether it wants audio. The pipeline decodes the file once and feeds every
stage from that single pass, each on its own worker thread; when the decode ends it calls
:meth:`Stage.end` in pipeline order, so a later stage may read what an earlier one wrote (the
visual stage pools per shot after the shot stage has run).

Adding a stage never touches the others: subclass :class:`Stage`, implement the three feed
methods you need, register it in ``videoscope.perceive.registry``.
"""

from __future__ import annotations

import hashlib
import json
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from videoscope.media.decode import AudioChunk
from videoscope.media.probe import MediaInfo
from videoscope.timeline.model import Timeline


@dataclass(frozen=True, slots=True)
class ProgressEvent:
    """``stage`` has done ``fraction`` (0..1) of its work; ``message`` says what, briefly."""

    stage: str
    fraction: float
    message: str = ""


ProgressCallback = Callable[[ProgressEvent], None]


@dataclass(slots=True)
class StepTime:
    """Seconds one indexing step took: ``wall`` (busy, elapsed) and ``cpu`` (its thread's CPU).

    ``cpu`` counts only the thread that ran the step; model runtimes' own thread pools (ONNX
    Runtime, CTranslate2, FFmpeg's decoder threads) show up in the process total instead.
    """

    wall: float = 0.0
    cpu: float = 0.0

    def add(self, wall: float, cpu: float) -> None:
        """Add one timed call."""
        self.wall += wall
        self.cpu += cpu


class Stage(ABC):
    """One perception step: reads frames and/or audio, writes tracks of a :class:`Timeline`."""

    #: Unique stage name; also the cache key prefix and the progress label.
    name: ClassVar[str]
    #: Frames per second this stage wants; 0 for none, ``float("inf")`` for every frame.
    frame_rate: float = 0.0
    #: Longest side, in pixels, of the frames this stage wants.
    frame_size: int = 0
    #: Whether this stage wants the 16 kHz mono audio.
    wants_audio: bool = False
    #: Stages whose tracks this stage reads in :meth:`end`; their options join its cache key.
    reads: ClassVar[tuple[str, ...]] = ()

    def options(self) -> dict[str, Any]:
        """Everything that changes this stage's output (backend names, thresholds).

        Part of the cache key: change an option and the stage runs again.
        """
        return {"frame_rate": self.frame_rate, "frame_size": self.frame_size}

    def cache_key(self, upstream: Sequence[str] = ()) -> str:
        """Stable digest of the stage name, :meth:`options` and the keys of ``upstream`` stages.

        ``upstream`` holds the cache keys of the stages named in :attr:`reads`, so that a change
        in, say, the shot options also invalidates a stage that pools per shot.
        """
        blob = json.dumps(
            {"stage": self.name, "upstream": sorted(upstream), **self.options()},
            sort_keys=True,
            default=str,
        )
        return f"{self.name}-{hashlib.sha1(blob.encode()).hexdigest()[:12]}"

    def begin(self, info: MediaInfo) -> None:  # noqa: B027 - optional hook
        """Called once before the first frame or chunk."""

    def feed_frame(self, time: float, image: np.ndarray) -> None:  # noqa: B027 - optional hook
        """One frame at ``time`` seconds: upright uint8 RGB, longest side ``frame_size``."""

    def feed_audio(self, chunk: AudioChunk) -> None:  # noqa: B027 - optional hook
        """The next chunk of 16 kHz mono float32 audio, in order, without gaps."""

    @abstractmethod
    def end(self, timeline: Timeline) -> None:
        """Finish and write this stage's tracks into ``timeline``.

        ``timeline`` already holds the tracks of the stages that ran before this one.
        """
