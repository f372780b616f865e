"""Visual embeddings: image-text vectors per shot and per window of at most 4 s, and per video.

Frames arrive at ``frame_rate`` (default 1 per second) at ``frame_size`` pixels (320). A frame is
embedded when ``embed_interval`` seconds (default 1: every sampled frame) have passed since the
last embedded one, or at once when the picture changed (a cut, a flash: the mean difference of
12x16 grey thumbnails from the last embedded frame exceeds ``change_threshold``), so with a longer
interval each shot still gets a frame near its start while a still picture costs one embedding
per interval (2 s halves the stage's cost, but 2.5 s windows then hold one frame and tag and class
scores get noisier: the rocket shot of the classify tests drops below its threshold). Frames are
embedded in small batches and only their vectors (and, for concept backends, their top class
probabilities) are kept, so memory stays flat whatever the video's length.

When the decode ends (after the shot stage, so ``timeline.shots`` is known; no shots means one
shot spanning the video) each shot gets windows: a shot no longer than ``window_seconds`` is one
window; a longer one is cut into the fewest equal windows of at most ``window_seconds``. A
window's vector is the normalised mean of the frames sampled inside it; a window too short to hold
a sampled frame takes the frame nearest its shot's keyframe (``Shot.keyframe_time``, else the
window's middle). The stage writes

* ``timeline.embeddings["visual"]``: one row per window, in time order;
* ``timeline.embeddings["visual_video"]``: one row for the whole video (mean of every frame);
* ``timeline.visual_tags``: for backends that classify (``ConceptTagger``, e.g. the ImageNet
  concept backend), up to ``tag_count`` labels per shot whose mean probability over the shot's
  frames reaches ``tag_threshold``, each spanning the shot.

Example:
    >>> timeline = index_video("clip.mp4", [ShotStage(), VisualStage()])  # doctest: +SKIP
    >>> query = VisualStage().embedder.embed_texts(["a cat"])  # doctest: +SKIP
    >>> scores = timeline.embeddings["visual"].vectors @ query[0]  # doctest: +SKIP
"""

from __future__ import annotations

import logging
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np

from videoscope.backends.base import ImageTextEmbedder
from videoscope.backends.registry import load_backend
from videoscope.config import Settings
from videoscope.errors import ConfigError
from videoscope.media.probe import MediaInfo
from videoscope.perceive.base import Stage
from videoscope.timeline.model import Embeddings, Shot, TimedItem, Timeline, VisualTag

logger = logging.getLogger(__name__)

#: Backend name used when the settings say ``"default"``.
DEFAULT_BACKEND = "imagenet-concepts"
#: Class probabilities kept per frame for tagging (the rest is negligible mass).
_KEEP_CLASSES = 10


@runtime_checkable
class ConceptTagger(Protocol):
    """An image-text embedder that also classifies images into named concepts."""

    labels: Sequence[str]

    def probabilities(self, images: Sequence[np.ndarray]) -> np.ndarray:
        """``(len(images), len(labels))`` class probabilities."""
        ...

    def embed_probabilities(self, probabilities: np.ndarray) -> np.ndarray:
        """Embeddings of images from their class probabilities."""
        ...


@dataclass(frozen=True)
class VisualOptions:
    """Settings of the visual stage; every field is part of its cache key."""

    #: ``image_text_embedder`` backend name and its constructor options.
    backend: str = DEFAULT_BACKEND
    backend_options: dict[str, Any] = field(default_factory=dict)
    #: Sampled frames per second and their longest side in pixels.
    frame_rate: float = 1.0
    frame_size: int = 320
    #: Embed a frame at least this often (seconds), and sooner when the picture changes by more
    #: than ``change_threshold`` (mean absolute grey difference, 0-255, of 12x16 thumbnails; cuts
    #: measure 45-110, camera motion within a shot up to ~16).
    embed_interval: float = 1.0
    change_threshold: float = 25.0
    #: Longest window; longer shots are cut into equal windows no longer than this.
    window_seconds: float = 4.0
    #: Frames embedded per backend call.
    batch_frames: int = 8
    #: At most this many tags per shot, each with mean probability at least ``tag_threshold``.
    tag_count: int = 3
    tag_threshold: float = 0.2


class VisualStage(Stage):
    """Embeds sampled frames and pools them per window, per shot and per video."""

    name = "visual"
    reads = ("shots",)

    def __init__(self, options: VisualOptions | None = None, **overrides: Any) -> None:
        self.settings = options or VisualOptions(**overrides)
        if min(self.settings.window_seconds, self.settings.frame_rate) <= 0:
            raise ConfigError("visual stage", "window_seconds and frame_rate must be positive")
        self.frame_rate = self.settings.frame_rate
        self.frame_size = self.settings.frame_size
        self._embedder: ImageTextEmbedder | None = None
        self.begin(None)

    @classmethod
    def from_settings(cls, settings: Settings) -> VisualStage:
        """The stage with the image-text backend chosen in ``settings``."""
        name = settings.backends.image_text_embedder
        options = dict(settings.backends.options.get("image_text_embedder", {}))
        if name in ("default", DEFAULT_BACKEND) and settings.threads:
            options.setdefault("threads", settings.threads)
        return cls(backend=DEFAULT_BACKEND if name == "default" else name, backend_options=options)

    def options(self) -> dict[str, Any]:
        """Backend and parameters that change the result (thread counts do not)."""
        options = asdict(self.settings)
        options["backend_options"].pop("threads", None)
        return options

    @property
    def embedder(self) -> ImageTextEmbedder:
        """The image-text backend, loaded on first use."""
        if self._embedder is None:
            options = self.settings.backend_options
            self._embedder = load_backend("image_text_embedder", self.settings.backend, **options)
        return self._embedder

    def begin(self, info: MediaInfo | None) -> None:
        """Reset the per-video state."""
        self._pending: list[tuple[float, np.ndarray]] = []
        self._times: list[float] = []
        self._vectors: list[np.ndarray] = []
        self._classes: list[tuple[np.ndarray, np.ndarray]] = []  # (indices, probabilities)
        self._last: tuple[float, np.ndarray] | None = None  # last embedded frame's time, thumb

    def feed_frame(self, time: float, image: np.ndarray) -> None:
        """Queue the frame if it is due or the picture changed; embed every ``batch_frames``."""
        thumb = _thumbnail(image)
        if self._last is not None:
            last_time, last_thumb = self._last
            due = time - last_time >= self.settings.embed_interval - 1e-6
            if not due and np.abs(thumb - last_thumb).mean() <= self.settings.change_threshold:
                return
        self._last = (time, thumb)
        self._pending.append((time, image))
        if len(self._pending) >= self.settings.batch_frames:
            self._flush()

    def _flush(self) -> None:
        if not self._pending:
            return
        times = [time for time, _ in self._pending]
        images = [image for _, image in self._pending]
        self._pending = []
        embedder = self.embedder
        if isinstance(embedder, ConceptTagger):
            probabilities = embedder.probabilities(images)
            vectors = embedder.embed_probabilities(probabilities)
            for row in probabilities:
                best = np.argsort(-row)[:_KEEP_CLASSES]
                self._classes.append((best.astype(np.int32), row[best].astype(np.float32)))
        else:
            vectors = embedder.embed_images(images)
        self._times.extend(times)
        self._vectors.extend(np.asarray(vectors, dtype=np.float32))

    def end(self, timeline: Timeline) -> None:
        """Pool the frame vectors into windows and write embeddings and tags."""
        self._flush()
        if not self._vectors:
            timeline.warnings.append("visual: no frame was sampled; no visual embeddings")
            return
        duration = timeline.video.duration
        times = np.asarray(self._times)
        vectors = np.stack(self._vectors)
        shots = timeline.shots or [Shot(start=0.0, end=duration, index=0, transition="start")]
        windows: list[TimedItem] = []
        rows: list[np.ndarray] = []
        for shot in shots:
            for start, end in split_windows(shot.start, shot.end, self.settings.window_seconds):
                windows.append(TimedItem(start=round(start, 3), end=round(end, 3)))
                rows.append(self._pool(times, vectors, start, end, shot.keyframe_time))
            timeline.visual_tags.extend(self._tags(shot, times))
        model = str(getattr(self.embedder, "name", self.settings.backend))
        timeline.embeddings["visual"] = Embeddings(
            model=model, windows=windows, vectors=np.stack(rows)
        )
        timeline.embeddings["visual_video"] = Embeddings(
            model=model,
            windows=[TimedItem(start=0.0, end=duration)],
            vectors=_normalise(vectors.mean(axis=0))[None],
        )

    def _pool(
        self,
        times: np.ndarray,
        vectors: np.ndarray,
        start: float,
        end: float,
        keyframe: float | None,
    ) -> np.ndarray:
        inside = (times >= start - 1e-6) & (times < end - 1e-6)
        if inside.any():
            return _normalise(vectors[inside].mean(axis=0))
        anchor = (
            keyframe if keyframe is not None and start <= keyframe <= end else (start + end) / 2
        )
        return vectors[int(np.argmin(np.abs(times - anchor)))]

    def _tags(self, shot: Shot, times: np.ndarray) -> list[VisualTag]:
        if not self._classes:
            return []
        labels: Sequence[str] = getattr(self.embedder, "labels", ())
        inside = np.flatnonzero((times >= shot.start - 1e-6) & (times < shot.end - 1e-6))
        if len(inside) == 0:
            inside = np.array([int(np.argmin(np.abs(times - (shot.start + shot.end) / 2)))])
        mass: dict[str, float] = defaultdict(float)
        for frame in inside:  # duplicate class names (ImageNet has two "missile") add up
            for index, probability in zip(*self._classes[frame], strict=True):
                mass[labels[index]] += float(probability) / len(inside)
        best = sorted(mass.items(), key=lambda item: -item[1])[: self.settings.tag_count]
        return [
            VisualTag(start=shot.start, end=shot.end, label=label, score=round(score, 4))
            for label, score in best
            if score >= self.settings.tag_threshold
        ]


def split_windows(start: float, end: float, longest: float) -> list[tuple[float, float]]:
    """Cut ``[start, end]`` into the fewest equal windows no longer than ``longest`` seconds."""
    count = max(1, math.ceil((end - start) / longest - 1e-9))
    step = (end - start) / count
    return [
        (start + i * step, end if i == count - 1 else start + (i + 1) * step) for i in range(count)
    ]


def _thumbnail(image: np.ndarray, rows: int = 12, cols: int = 16) -> np.ndarray:
    """Mean grey level of a ``rows`` x ``cols`` grid over ``image`` (float32, 0-255)."""
    grey = image.mean(axis=2, dtype=np.float32) if image.ndim == 3 else image.astype(np.float32)
    height, width = grey.shape
    if height < rows or width < cols:
        return np.full((rows, cols), float(grey.mean()), dtype=np.float32)
    grey = grey[: height - height % rows, : width - width % cols]
    return grey.reshape(rows, grey.shape[0] // rows, cols, grey.shape[1] // cols).mean(axis=(1, 3))


def _normalise(vector: np.ndarray) -> np.ndarray:
    return (vector / max(float(np.linalg.norm(vector)), 1e-12)).astype(np.float32)
