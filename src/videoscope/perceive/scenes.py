"""Scenes and stories: shots grouped by what they show and sound like, scenes grouped by topic.

The stage decodes nothing; it runs after the other stages and reads their tracks.

**Scenes** (``timeline.scenes``) partition the shots. Each shot is represented by its mean visual
embedding (``embeddings["visual"]``); shots are grouped by :func:`~videoscope.perceive.partition.
partition`, which trades the visual spread of each scene against a per-scene ``penalty``. Cues at
each cut move that trade: a sentence spoken across the cut, music or crowd sound running across
it, or an on-screen text (a scoreboard, a logo) visible on both sides link the shots; a silence at
the cut or a fade marks a boundary.

**Stories** (``timeline.stories``) partition the scenes by topic, TextTiling-style but solved
exactly: each scene is represented by the text embedding of what is said and shown in it (speech
and on-screen text, MiniLM), weighted 1 when it holds text and 0 when it holds none (a silent
shot joins a neighbour for free). Cues at each scene boundary: a new on-screen title appearing at
the scene's start, a silence, a jingle (music starting or stopping there) mark a boundary; a
sentence spoken across it links.

Every boundary carries its evidence (``Scene.boundary``, ``Story.boundary``): the change in what
was seen (``visual_change``) or said (``topic_shift``, 1 - cosine of the groups' centroids) and
each cue that fired. The default weights are fitted on the tuning videos of the TBM benchmark
(``bench/analyze_tbm.py``).

Example:
    >>> stages = [ShotStage(), SpeechStage(), OnScreenTextStage(), VisualStage(), SceneStage()]
    >>> timeline = index_video("news.mp4", stages)  # doctest: +SKIP
    >>> [(s.start, s.end, s.title) for s in timeline.stories]  # doctest: +SKIP
    [(0.0, 31.5, 'SPACE REPORT'), (31.5, 62.0, 'SPORTS')]
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from videoscope.backends.base import TextEmbedder
from videoscope.backends.registry import load_backend
from videoscope.config import Settings
from videoscope.errors import VideoscopeError
from videoscope.perceive.base import Stage
from videoscope.perceive.partition import partition, unit_rows
from videoscope.timeline.interval import Interval
from videoscope.timeline.model import Scene, Shot, Story, TimedItem, Timeline

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SceneOptions:
    """Weights of the scene and story partitions; every field is part of the cache key."""

    #: ``text_embedder`` backend for the stories' topic vectors.
    text_embedder: str = "minilm"
    #: Cost of one more scene, against the visual spread it saves.
    scene_penalty: float = 0.35
    #: Boundary rewards (+) and link costs (-, given as positive numbers) at a cut.
    scene_silence: float = 0.3
    scene_fade: float = 0.3
    scene_speech_link: float = 0.5
    scene_sound_link: float = 0.3
    scene_text_link: float = 1.0
    #: Cost of one more story, against the topic spread it saves.
    story_penalty: float = 0.45
    #: Boundary rewards and link costs at a scene boundary.
    story_title: float = 0.3
    story_silence: float = 0.2
    story_jingle: float = 0.2
    story_speech_link: float = 1.0
    #: A cue counts at a boundary when within this many seconds of it.
    reach: float = 0.3
    #: A title is an on-screen text first appearing this soon after a scene starts (s).
    title_window: float = 3.0
    #: A silence is a cue when at least this long (s) and ``long_pause`` times the video's median
    #: silence (pauses between sentences are everywhere; a marked pause is longer than usual).
    min_silence: float = 0.5
    long_pause: float = 1.5


class SceneStage(Stage):
    """Writes ``timeline.scenes`` and ``timeline.stories`` from the tracks of earlier stages."""

    name = "scenes"
    reads = ("shots", "silence", "speech", "text", "visual", "audio_events")

    def __init__(self, options: SceneOptions | None = None, **overrides: Any) -> None:
        self.settings = options or SceneOptions(**overrides)
        self._embedder: TextEmbedder | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> SceneStage:
        """The stage with the text embedder chosen in ``settings``."""
        return cls(text_embedder=settings.backends.text_embedder)

    def options(self) -> dict[str, Any]:
        """Every weight (they change the result)."""
        return asdict(self.settings)

    def end(self, timeline: Timeline) -> None:
        """Partition the shots into scenes and the scenes into stories."""
        duration = timeline.video.duration
        shots = timeline.shots or [Shot(start=0.0, end=duration, index=0, transition="start")]
        timeline.scenes.extend(scene_partition(timeline, shots, self.settings))
        timeline.stories.extend(
            story_partition(timeline, timeline.scenes, self._texts, self.settings)
        )

    def _texts(self, texts: Sequence[str]) -> np.ndarray | None:
        """Unit vectors of ``texts`` (zero rows for empty ones); None without an embedder."""
        if self._embedder is None:
            try:
                self._embedder = load_backend("text_embedder", self.settings.text_embedder)
            except VideoscopeError as error:
                logger.warning("stories without topic vectors: %s", error)
                return None
        rows = np.zeros((len(texts), int(self._embedder.dim)), dtype=np.float32)
        filled = [i for i, text in enumerate(texts) if text.strip()]
        if filled:
            rows[filled] = self._embedder.embed_texts([texts[i] for i in filled])
        return unit_rows(rows)


def scene_partition(
    timeline: Timeline, shots: Sequence[Shot], options: SceneOptions
) -> list[Scene]:
    """Scenes of ``shots`` (see the module docstring)."""
    vectors, weights = _shot_vectors(timeline, shots)
    bonus = np.zeros(max(len(shots) - 1, 0))
    cues: list[list[str]] = []
    for gap, shot in enumerate(shots[1:]):
        found = _cut_cues(timeline, shots[gap], shot, options)
        bonus[gap] = sum(value for _, value in found)
        cues.append([name for name, _ in found])
    starts = partition(vectors, weights, bonus, options.scene_penalty)
    scenes = []
    for position, (first, last) in enumerate(_runs(starts, len(shots))):
        boundary = ["video_start"]
        if first > 0:
            change = _change(
                vectors, weights, _runs(starts, len(shots))[position - 1], (first, last)
            )
            boundary = ([f"visual_change {change:.2f}"] if change is not None else []) + cues[
                first - 1
            ]
        scenes.append(
            Scene(
                start=shots[first].start,
                end=shots[last - 1].end,
                index=position,
                shots=[s.index for s in shots[first:last]],
                boundary=boundary,
            )
        )
    return scenes


def story_partition(
    timeline: Timeline,
    scenes: Sequence[Scene],
    embed: Any,
    options: SceneOptions,
) -> list[Story]:
    """Stories of ``scenes``; ``embed(texts)`` gives unit topic vectors (or None)."""
    if not scenes:
        return []
    texts = [_said_and_shown(timeline, scene) for scene in scenes]
    vectors = embed(texts)
    if vectors is None:
        vectors = np.zeros((len(scenes), 1), dtype=np.float32)
    weights = (np.linalg.norm(vectors, axis=1) > 0).astype(np.float64)
    bonus = np.zeros(len(scenes) - 1)
    cues: list[list[str]] = []
    titles: list[str | None] = [_title(timeline, None, scenes[0], options)]
    for gap, scene in enumerate(scenes[1:]):
        title = _title(timeline, scenes[gap], scene, options)
        titles.append(title)
        found = _story_cues(timeline, scene.start, title, options)
        bonus[gap] = sum(value for _, value in found)
        cues.append([name for name, _ in found])
    starts = partition(vectors, weights, bonus, options.story_penalty)
    runs = _runs(starts, len(scenes))
    stories = []
    for position, (first, last) in enumerate(runs):
        boundary = ["video_start"]
        if first > 0:
            shift = _change(vectors, weights, runs[position - 1], (first, last))
            boundary = ([f"topic_shift {shift:.2f}"] if shift is not None else []) + cues[first - 1]
        stories.append(
            Story(
                start=scenes[first].start,
                end=scenes[last - 1].end,
                index=position,
                scenes=[s.index for s in scenes[first:last]],
                boundary=boundary,
                title=next((t for t in titles[first:last] if t), None),
            )
        )
    return stories


def _runs(starts: list[int], count: int) -> list[tuple[int, int]]:
    """``(first, last + 1)`` of each group from the first indices."""
    ends = [*starts[1:], count]
    return list(zip(starts, ends, strict=True))


def _change(
    vectors: np.ndarray, weights: np.ndarray, left: tuple[int, int], right: tuple[int, int]
) -> float | None:
    """1 - cosine of two groups' weighted centroids; None when either has nothing measured."""
    a = (vectors[left[0] : left[1]] * weights[left[0] : left[1], None]).sum(axis=0)
    b = (vectors[right[0] : right[1]] * weights[right[0] : right[1], None]).sum(axis=0)
    na, nb = float(np.linalg.norm(a)), float(np.linalg.norm(b))
    if na < 1e-9 or nb < 1e-9:
        return None
    return round(1.0 - float(a @ b) / (na * nb), 4)


def _shot_vectors(timeline: Timeline, shots: Sequence[Shot]) -> tuple[np.ndarray, np.ndarray]:
    """Per shot: the overlap-weighted mean of the visual windows, centred on the video's mean
    window, unit length, weight 1; zero rows and weights without visual embeddings."""
    visual = timeline.embeddings.get("visual")
    if visual is None or not len(visual.windows):
        return np.zeros((len(shots), 1), dtype=np.float32), np.zeros(len(shots))
    starts = np.array([w.start for w in visual.windows])
    ends = np.array([w.end for w in visual.windows])
    rows = np.zeros((len(shots), visual.dim), dtype=np.float32)
    for i, shot in enumerate(shots):
        overlap = np.clip(np.minimum(ends, shot.end) - np.maximum(starts, shot.start), 0, None)
        if overlap.sum() > 0:
            rows[i] = (overlap[:, None] * visual.vectors).sum(axis=0)
    # Embeddings of one backend share a large common direction (ImageNet-concept vectors of two
    # unrelated photos have cosine ~0.9); centring on the video's mean window keeps what differs.
    rows = unit_rows(unit_rows(rows) - visual.vectors.mean(axis=0))
    return rows, (np.linalg.norm(rows, axis=1) > 0).astype(np.float64)


def _spans(item: TimedItem, time: float, reach: float) -> bool:
    return item.start < time - reach and item.end > time + reach


def _silence_at(timeline: Timeline, time: float, options: SceneOptions) -> float:
    """Length of the silence within ``reach`` of ``time`` when it is a marked pause (at least
    ``min_silence`` and ``long_pause`` times the video's median silence), else 0."""
    lengths = sorted(s.end - s.start for s in timeline.silences)
    typical = lengths[len(lengths) // 2] if lengths else 0.0
    shortest = max(options.min_silence, options.long_pause * typical)
    for silence in timeline.silences:
        near = silence.start - options.reach <= time <= silence.end + options.reach
        if near and silence.end - silence.start >= shortest - 1e-6:
            return silence.end - silence.start
    return 0.0


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def _cut_cues(
    timeline: Timeline, before: Shot, shot: Shot, options: SceneOptions
) -> list[tuple[str, float]]:
    """(evidence, bonus) at the cut starting ``shot``: + marks a boundary, - links the shots."""
    time, reach = shot.start, options.reach
    found: list[tuple[str, float]] = []
    silence = _silence_at(timeline, time, options)
    if silence:
        found.append((f"silence {silence:.1f}s", options.scene_silence))
    if shot.transition == "fade":
        found.append(("fade", options.scene_fade))
    if any(_spans(u, time, reach) for u in timeline.utterances):
        found.append(("speech_across", -options.scene_speech_link))
    sounds = {e.label for e in timeline.audio_events if e.label in ("music", "crowd")}
    for label in sorted(sounds):
        if any(e.label == label and _spans(e, time, reach) for e in timeline.audio_events):
            found.append((f"{label}_across", -options.scene_sound_link))
    left = {_norm(t.text) for t in timeline.texts if t.interval.overlaps(before.interval)}
    right = {_norm(t.text) for t in timeline.texts if t.interval.overlaps(shot.interval)}
    shared = sorted(t for t in left & right if t)
    if shared:
        found.append((f"text_across {shared[0]!r}", -options.scene_text_link))
    return found


def _story_cues(
    timeline: Timeline, time: float, title: str | None, options: SceneOptions
) -> list[tuple[str, float]]:
    """(evidence, bonus) at a scene boundary at ``time``."""
    found: list[tuple[str, float]] = []
    if title:
        found.append((f"title {title!r}", options.story_title))
    silence = _silence_at(timeline, time, options)
    if silence:
        found.append((f"silence {silence:.1f}s", options.story_silence))
    window = Interval(time - 1.0, time + 1.0)
    jingle = any(
        e.label == "music" and (window.contains(e.start) or window.contains(e.end))
        for e in timeline.audio_events
    )
    if jingle:
        found.append(("jingle", options.story_jingle))
    if any(_spans(u, time, options.reach) for u in timeline.utterances):
        found.append(("speech_across", -options.story_speech_link))
    return found


def _title(
    timeline: Timeline, before: Scene | None, scene: Scene, options: SceneOptions
) -> str | None:
    """The first on-screen text appearing within ``title_window`` of the scene's start that the
    scene before did not show."""
    shown = set()
    if before is not None:
        shown = {_norm(t.text) for t in timeline.texts if t.interval.overlaps(before.interval)}
    for text in timeline.texts:
        starts_here = (
            scene.start - options.reach <= text.start <= scene.start + options.title_window
        )
        if starts_here and text.start < scene.end and _norm(text.text) not in shown:
            return text.text.strip() or None
    return None


def _said_and_shown(timeline: Timeline, scene: Scene) -> str:
    """The utterances whose middle lies in the scene, then its distinct on-screen texts."""
    said = [
        u.text.strip()
        for u in timeline.utterances
        if scene.start <= (u.start + u.end) / 2 < scene.end
    ]
    shown: dict[str, None] = {}
    for text in timeline.texts:
        if text.interval.overlaps(scene.interval) and text.text.strip():
            shown.setdefault(text.text.strip(), None)
    return " ".join(said + list(shown))
