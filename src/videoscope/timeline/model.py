"""The Timeline: one video's typed tracks of timed items, the language every stage speaks.

Each track is a list of items with ``start``/``end`` seconds on the video's time axis. A
:class:`Timeline` validates on construction that every track is sorted and inside
``[0, duration]``, and that tracks meant to partition time (shots) do not overlap. Embeddings live
beside the JSON as NumPy arrays (:class:`Embeddings`), referenced by track name.

Example:
    >>> timeline = Timeline(video=VideoRef(content_hash="ab", duration=10.0))
    >>> timeline.shots.append(Shot(start=0.0, end=10.0, index=0, transition="start"))
    >>> Timeline.model_validate_json(timeline.model_dump_json()).shots[0].end
    10.0
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any, Literal, Self

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from videoscope.errors import TimelineError
from videoscope.timeline.interval import Interval

#: Float noise tolerated when checking bounds (seconds).
EPSILON = 1e-3


class TimedItem(BaseModel):
    """Anything that happens during ``[start, end]`` seconds of the video."""

    model_config = ConfigDict(frozen=True)

    start: float = Field(ge=0.0)
    end: float = Field(ge=0.0)

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        return self

    @property
    def interval(self) -> Interval:
        """The item's span as an :class:`Interval`."""
        return Interval(self.start, self.end)


class Shot(TimedItem):
    """A continuous camera take; ``transition`` says how it began."""

    index: int
    transition: Literal["start", "cut", "dissolve", "fade"] = "cut"
    keyframe_time: float | None = None


class Word(TimedItem):
    """A recognised spoken word."""

    text: str
    confidence: float = 1.0


class Utterance(TimedItem):
    """A stretch of continuous speech (a sentence or a speaker turn)."""

    text: str
    language: str | None = None
    speaker: str | None = None


class Silence(TimedItem):
    """A stretch with no speech and little sound energy."""


class OnScreenText(TimedItem):
    """Text visible on screen; ``box`` is (x0, y0, x1, y1) as fractions of the frame."""

    text: str
    box: tuple[float, float, float, float] | None = None
    confidence: float = 1.0


class AudioEvent(TimedItem):
    """A labelled sound: speech, music, silence, crowd, ..."""

    label: str
    score: float = 1.0


class VisualTag(TimedItem):
    """A zero-shot visual label or caption for a stretch of the video."""

    label: str
    score: float = 1.0


class Scene(TimedItem):
    """Consecutive shots that belong together: one place, one shared graphic, one stretch of sound.

    ``shots`` are the indices of its shots; ``boundary`` says what separates it from the scene
    before (``"video_start"`` for the first), e.g. ``["visual_change 0.42", "silence 0.8s"]``.
    """

    index: int
    shots: list[int] = Field(default_factory=list)
    boundary: list[str] = Field(default_factory=list)


class Story(TimedItem):
    """Consecutive scenes on one topic: a news item, a report, a chapter of a program.

    ``scenes`` are the indices of its scenes; ``boundary`` says what separates it from the story
    before (e.g. ``["topic_shift 0.61", "title 'SPORTS'", "silence 1.2s"]``); ``title`` is the
    on-screen text that appeared at its start, if any.
    """

    index: int
    scenes: list[int] = Field(default_factory=list)
    boundary: list[str] = Field(default_factory=list)
    title: str | None = None


class VideoRef(BaseModel):
    """Which video a timeline describes."""

    model_config = ConfigDict(frozen=True)

    content_hash: str
    duration: float = Field(gt=0.0)
    path: str | None = None
    width: int | None = None
    height: int | None = None
    fps: float | None = None
    has_audio: bool = False


class Embeddings(BaseModel):
    """Vectors for timed windows of the video, one row per item of ``windows``."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    model: str
    windows: list[TimedItem]
    vectors: np.ndarray = Field(exclude=True)

    @field_validator("vectors")
    @classmethod
    def _matrix(cls, value: np.ndarray) -> np.ndarray:
        if value.ndim != 2:
            raise ValueError("vectors must be a 2-D array (n, dim)")
        return value.astype(np.float32, copy=False)

    @model_validator(mode="after")
    def _aligned(self) -> Self:
        if len(self.windows) != len(self.vectors):
            raise ValueError(f"{len(self.windows)} windows but {len(self.vectors)} vectors")
        return self

    @property
    def dim(self) -> int:
        """Vector dimension."""
        return int(self.vectors.shape[1])


#: Tracks whose items must not overlap each other.
_PARTITION_TRACKS = ("shots", "utterances", "silences", "scenes", "stories")
#: Every list-valued track of a :class:`Timeline`, in display order.
TRACKS = (
    "shots",
    "words",
    "utterances",
    "silences",
    "texts",
    "audio_events",
    "visual_tags",
    "scenes",
    "stories",
)


class Timeline(BaseModel):
    """Everything measured about one video, as typed, sorted, in-bounds tracks."""

    video: VideoRef
    shots: list[Shot] = Field(default_factory=list)
    words: list[Word] = Field(default_factory=list)
    utterances: list[Utterance] = Field(default_factory=list)
    silences: list[Silence] = Field(default_factory=list)
    texts: list[OnScreenText] = Field(default_factory=list)
    audio_events: list[AudioEvent] = Field(default_factory=list)
    visual_tags: list[VisualTag] = Field(default_factory=list)
    scenes: list[Scene] = Field(default_factory=list)
    stories: list[Story] = Field(default_factory=list)
    embeddings: dict[str, Embeddings] = Field(default_factory=dict, exclude=True)
    warnings: list[str] = Field(default_factory=list)
    stages: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="per stage: backend names and options used"
    )

    def validate_tracks(self) -> None:
        """Check every track: sorted by start, inside the video, no overlap where required.

        Raises:
            TimelineError: naming the track, the item index and what is wrong.
        """
        duration = self.video.duration
        for name in TRACKS:
            items: list[TimedItem] = getattr(self, name)
            previous: TimedItem | None = None
            for position, item in enumerate(items):
                subject = f"timeline track {name!r} item {position}"
                if item.end > duration + EPSILON:
                    raise TimelineError(
                        subject, f"ends at {item.end:.3f}s, after the video ({duration:.3f}s)"
                    )
                if previous is not None and item.start < previous.start - EPSILON:
                    raise TimelineError(subject, "is not sorted by start time")
                if (
                    name in _PARTITION_TRACKS
                    and previous is not None
                    and item.start < previous.end - EPSILON
                ):
                    raise TimelineError(subject, f"overlaps the previous item in {name!r}")
                previous = item

    def sort_tracks(self) -> None:
        """Sort every track by (start, end) in place."""
        for name in TRACKS:
            getattr(self, name).sort(key=lambda item: (item.start, item.end))

    def summary(self) -> dict[str, int]:
        """Item count per track (and per embedding set)."""
        counts = {name: len(getattr(self, name)) for name in TRACKS}
        counts.update({f"embeddings:{k}": len(v.windows) for k, v in self.embeddings.items()})
        return counts

    def transcript(self, window: Interval | None = None) -> str:
        """The spoken text, optionally only utterances overlapping ``window``."""
        return " ".join(
            u.text for u in self.utterances if window is None or u.interval.overlaps(window)
        )

    def embeddings_to_bytes(self) -> bytes:
        """The embeddings as one ``.npz`` blob (vectors plus a JSON entry of models and windows)."""
        meta = {
            name: {"model": e.model, "windows": [w.model_dump() for w in e.windows]}
            for name, e in self.embeddings.items()
        }
        arrays = {f"vectors/{name}": e.vectors for name, e in self.embeddings.items()}
        buffer = io.BytesIO()
        np.savez(buffer, __meta__=np.array(json.dumps(meta)), **arrays)  # type: ignore[arg-type]
        return buffer.getvalue()

    def load_embeddings(self, blob: bytes) -> None:
        """Fill :attr:`embeddings` from a blob written by :meth:`embeddings_to_bytes`."""
        with np.load(io.BytesIO(blob), allow_pickle=False) as arrays:
            meta = json.loads(str(arrays["__meta__"]))
            for name, entry in meta.items():
                self.embeddings[name] = Embeddings(
                    model=entry["model"],
                    windows=[TimedItem(**w) for w in entry["windows"]],
                    vectors=arrays[f"vectors/{name}"],
                )

    def save(self, folder: str | Path) -> None:
        """Write ``timeline.json`` and ``embeddings.npz`` into ``folder``, each atomically."""
        target = Path(folder)
        target.mkdir(parents=True, exist_ok=True)
        self.validate_tracks()
        _write_atomic(target / "embeddings.npz", self.embeddings_to_bytes())
        _write_atomic(target / "timeline.json", self.model_dump_json(indent=1).encode())

    @classmethod
    def load(cls, folder: str | Path) -> Timeline:
        """Read a timeline written by :meth:`save`."""
        source = Path(folder)
        timeline = cls.model_validate_json((source / "timeline.json").read_bytes())
        blob = source / "embeddings.npz"
        if blob.exists():
            timeline.load_embeddings(blob.read_bytes())
        return timeline


def _write_atomic(path: Path, data: bytes) -> None:
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_bytes(data)
    temporary.replace(path)
