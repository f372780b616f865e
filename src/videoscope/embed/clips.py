"""Cutting a video into fixed-length clips and gathering each clip's evidence.

Example:
    >>> clip_spans(10.0, 4.0)
    [(0.0, 4.0), (4.0, 8.0), (8.0, 10.0)]
    >>> clip_spans(8.1, 4.0)
    [(0.0, 4.0), (4.0, 8.1)]
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from videoscope.backends.base import SAMPLE_RATE, AudioTagger
from videoscope.timeline.model import Embeddings, Timeline

#: A last clip shorter than this (seconds) is joined to the one before it.
MIN_LAST_CLIP = 0.5
#: Weight, in seconds, of a zero-length window (an instant) lying inside a clip.
INSTANT_WEIGHT = 0.5


def clip_spans(duration: float, length: float) -> list[tuple[float, float]]:
    """Consecutive ``length``-second clips covering ``[0, duration]``; the last may be shorter."""
    spans: list[tuple[float, float]] = []
    start = 0.0
    while start < duration - 1e-6:
        end = min(duration, start + length)
        spans.append((round(start, 3), round(end, 3)))
        start = end
    if len(spans) > 1 and spans[-1][1] - spans[-1][0] < MIN_LAST_CLIP:
        spans[-2:] = [(spans[-2][0], spans[-1][1])]
    return spans or [(0.0, round(duration, 3))]


def pool_windows(embeddings: Embeddings, spans: Sequence[tuple[float, float]]) -> np.ndarray:
    """Per span, the L2-normalised mean of the window vectors, weighted by overlap in seconds.

    A span no window overlaps takes the vector of the window whose centre is nearest.
    """
    windows = np.asarray([(w.start, w.end) for w in embeddings.windows], dtype=np.float64)
    vectors = np.asarray(embeddings.vectors, dtype=np.float32)
    centres = windows.mean(axis=1)
    rows = np.zeros((len(spans), vectors.shape[1]), dtype=np.float32)
    for position, (start, end) in enumerate(spans):
        overlap = np.clip(
            np.minimum(windows[:, 1], end) - np.maximum(windows[:, 0], start), 0, None
        )
        instants = (windows[:, 1] - windows[:, 0] <= 1e-6) & (
            (windows[:, 0] >= start) & (windows[:, 0] <= end)
        )
        weights = np.where(instants, INSTANT_WEIGHT, overlap)
        if weights.sum() <= 0:
            pooled = vectors[int(np.argmin(np.abs(centres - (start + end) / 2)))]
        else:
            pooled = weights @ vectors
        rows[position] = pooled / max(float(np.linalg.norm(pooled)), 1e-12)
    return rows


def spoken_texts(timeline: Timeline, spans: Sequence[tuple[float, float]]) -> list[str]:
    """Per span: the words spoken in it; without speech, ``"sounds: ..."`` or ``"silence"``.

    Words count when their middle lies in the span; without a words track, utterances that
    overlap the span are used whole.
    """
    texts: list[str] = []
    for start, end in spans:
        if timeline.words:
            spoken = " ".join(
                w.text.strip() for w in timeline.words if start <= (w.start + w.end) / 2 < end
            )
        else:
            spoken = " ".join(
                u.text.strip() for u in timeline.utterances if min(u.end, end) > max(u.start, start)
            )
        if spoken.strip():
            texts.append(spoken.strip())
            continue
        sounds = sorted(
            {
                e.label
                for e in timeline.audio_events
                if min(e.end, end) > max(e.start, start) and e.label not in ("speech", "silence")
            }
        )
        texts.append(f"sounds: {', '.join(sounds)}" if sounds else "silence")
    return texts


def sound_vectors(
    tagger: AudioTagger, path: str | Path, spans: Sequence[tuple[float, float]]
) -> np.ndarray:
    """Per span, YAMNet's 521 class scores averaged over the patches inside it (L2-normalised).

    Decodes the file's audio once; the tagger must offer ``scores(audio) -> (patches, 521)``.
    """
    from videoscope.backends.yamnet import HOP_SECONDS, PATCH_SECONDS
    from videoscope.media.decode import AudioChunk, decode
    from videoscope.media.probe import probe

    chunks = [
        item.samples
        for item in decode(probe(path), video=False, audio=True)
        if isinstance(item, AudioChunk)
    ]
    audio = np.concatenate(chunks) if chunks else np.zeros(SAMPLE_RATE, dtype=np.float32)
    scores = np.asarray(tagger.scores(audio), dtype=np.float32)  # type: ignore[attr-defined]
    centres = np.arange(len(scores)) * HOP_SECONDS + PATCH_SECONDS / 2
    rows = np.zeros((len(spans), scores.shape[1] if len(scores) else 521), dtype=np.float32)
    for position, (start, end) in enumerate(spans):
        inside = (centres >= start) & (centres < end)
        if not inside.any() and len(scores):
            inside = np.zeros(len(scores), dtype=bool)
            inside[int(np.argmin(np.abs(centres - (start + end) / 2)))] = True
        if inside.any():
            mean = scores[inside].mean(axis=0)
            rows[position] = mean / max(float(np.linalg.norm(mean)), 1e-12)
    return rows
