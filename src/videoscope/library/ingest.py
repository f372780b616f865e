"""Turn an indexed video's Timeline into the searchable moments a store keeps.

Moments per modality:

* ``speech``: one per utterance, its text, and its text embedding in space ``speech``;
* ``text``: one per on-screen text item, its text, and its text embedding in space ``text``;
* ``visual``: one per visual embedding window (shot keyframes and <= 4 s windows), its vector in
  space ``visual`` and, as evidence text, the visual tags that overlap it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from videoscope.backends.base import TextEmbedder
from videoscope.library.records import Moment, VideoRecord
from videoscope.library.store import MomentInput, NewVideo, Store
from videoscope.timeline.model import Timeline

#: The embedding set of a Timeline that visual search runs over.
VISUAL_EMBEDDINGS = "visual"


def timeline_moments(timeline: Timeline, text_embedder: TextEmbedder | None) -> list[MomentInput]:
    """The moments of ``timeline``; texts are embedded with ``text_embedder`` when given."""
    moments: list[MomentInput] = []
    spoken = [
        Moment(video_id="", modality="speech", start=u.start, end=u.end, text=u.text)
        for u in timeline.utterances
        if u.text.strip()
    ]
    shown = [
        Moment(video_id="", modality="text", start=t.start, end=t.end, text=t.text)
        for t in timeline.texts
        if t.text.strip()
    ]
    for modality, items in (("speech", spoken), ("text", shown)):
        vectors = (
            text_embedder.embed_texts([m.text for m in items])
            if text_embedder is not None and items
            else None
        )
        for position, moment in enumerate(items):
            vector = None if vectors is None else vectors[position]
            moments.append(MomentInput(moment, modality if vector is not None else None, vector))
    visual = timeline.embeddings.get(VISUAL_EMBEDDINGS)
    if visual is not None:
        for window, vector in zip(visual.windows, visual.vectors, strict=True):
            tags = sorted(
                {t.label for t in timeline.visual_tags if t.interval.overlaps(window.interval)}
            )
            moment = Moment(
                video_id="",
                modality="visual",
                start=window.start,
                end=window.end,
                text=", ".join(tags),
            )
            moments.append(MomentInput(moment, "visual", np.asarray(vector, dtype=np.float32)))
    return moments


def add_to_library(
    store: Store,
    index_id: str,
    path: str | Path,
    timeline: Timeline,
    *,
    text_embedder: TextEmbedder | None,
    user_metadata: dict[str, Any] | None = None,
    moments: list[MomentInput] | None = None,
) -> VideoRecord:
    """Store ``timeline`` of the video at ``path`` in index ``index_id`` with its moments
    (``moments`` when already computed, e.g. on a cluster worker; else computed here)."""
    file = Path(path)
    video = NewVideo(
        filename=file.name,
        size_bytes=file.stat().st_size if file.exists() else None,
        user_metadata=user_metadata,
    )
    if moments is None:
        moments = timeline_moments(timeline, text_embedder)
    return store.add_video(index_id, video, timeline, moments)
