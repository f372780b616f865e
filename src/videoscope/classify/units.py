"""The scoring units of a Timeline: visual windows, utterances and on-screen text items.

A unit is a stretch of the video with one L2-normalised vector in the space its option is scored
in: visual windows carry the visual stage's image embeddings (``timeline.embeddings["visual"]``,
shot keyframes and windows of at most 4 s); utterances and on-screen texts are embedded with the
text embedder. Both spaces are 384-d MiniLM for the default backends, but they are kept apart: a
visual window is only compared with prompts embedded by the image-text embedder.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from videoscope.backends.base import TextEmbedder
from videoscope.classify.models import ClassifyOption
from videoscope.timeline.model import Timeline

#: The embedding set of a Timeline that visual classification reads.
VISUAL_EMBEDDINGS = "visual"
#: Span given to a zero-length visual window (a keyframe instant), centred on it, in seconds.
INSTANT_SPAN = 1.0


@dataclass(frozen=True, slots=True)
class Units:
    """The units of one option: their spans ``(n, 2)``, vectors ``(n, dim)`` and texts."""

    option: ClassifyOption
    spans: np.ndarray
    vectors: np.ndarray
    texts: tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self.spans)


def gather_units(
    timeline: Timeline,
    options: Sequence[ClassifyOption],
    text_embedder: TextEmbedder | None,
) -> list[Units]:
    """The units of ``timeline`` for each of ``options`` that has any (empty ones are left out)."""
    result: list[Units] = []
    for option in options:
        units = (
            visual_units(timeline)
            if option == "visual"
            else text_units(timeline, option, text_embedder)
        )
        if units is not None and len(units):
            result.append(units)
    return result


def visual_units(timeline: Timeline) -> Units | None:
    """The visual windows, instants widened to :data:`INSTANT_SPAN` (inside the video)."""
    embeddings = timeline.embeddings.get(VISUAL_EMBEDDINGS)
    if embeddings is None or not embeddings.windows:
        return None
    duration = timeline.video.duration
    spans = []
    for window in embeddings.windows:
        start, end = window.start, window.end
        if end - start <= 1e-6:
            start = max(0.0, start - INSTANT_SPAN / 2)
            end = min(duration, end + INSTANT_SPAN / 2)
        spans.append((start, end))
    return Units("visual", np.asarray(spans, dtype=np.float64), _normalised(embeddings.vectors))


def text_units(
    timeline: Timeline, option: ClassifyOption, text_embedder: TextEmbedder | None
) -> Units | None:
    """Utterances (``conversation``) or on-screen texts (``text_in_video``), embedded."""
    items = timeline.utterances if option == "conversation" else timeline.texts
    kept = [item for item in items if item.text.strip()]
    if not kept or text_embedder is None:
        return None
    texts = tuple(item.text.strip() for item in kept)
    vectors = np.asarray(text_embedder.embed_texts(list(texts)), dtype=np.float32)
    spans = np.asarray([(item.start, item.end) for item in kept], dtype=np.float64)
    return Units(option, spans, _normalised(vectors), texts)


def _normalised(vectors: np.ndarray) -> np.ndarray:
    array = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(array, axis=1, keepdims=True)
    return array / np.maximum(norms, 1e-12)
