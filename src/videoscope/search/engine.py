"""Moment search: per-modality retrieval, rank fusion, clips snapped to shots and utterances.

A query (text, image or both) runs against the modalities the caller picks:

* ``visual``: the query text (or image) embedded by the image-text embedder, nearest visual
  windows; plus on-screen text (lexical and semantic) as ``text_in_video``;
* ``audio``: the transcript, lexically (BM25 over utterances) and semantically (text embedding).

Each retrieval list is cut by a score floor and fused with reciprocal rank fusion (RRF), the
standard way to combine rankings whose scores are not comparable. Hits in the same video that touch
are merged into a clip; a clip's bounds are snapped outward to the enclosing shot and utterance
edges. ``operator="and"`` keeps only clips matched by every selected modality. Results can be
grouped by video, filtered on user metadata, and paged with tokens.

Example:
    >>> engine = SearchEngine(store, text_embedder, image_text_embedder)  # doctest: +SKIP
    >>> page = engine.search(SearchRequest(index_id=idx, query_text="a rocket launch"))
    >>> page.clips[0].video_id, page.clips[0].start  # doctest: +SKIP
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from videoscope.backends.base import ImageTextEmbedder, TextEmbedder
from videoscope.errors import InvalidRequestError, NotFoundError
from videoscope.library.records import Modality, MomentHit
from videoscope.library.store import Store
from videoscope.timeline.model import Timeline

SearchOption = Literal["visual", "audio", "transcription", "conversation", "text_in_video"]
#: Which stored modalities each search option reads.
_OPTION_MODALITIES: dict[str, tuple[Modality, ...]] = {
    "visual": ("visual", "text"),
    "text_in_video": ("text",),
    "audio": ("speech",),
    "transcription": ("speech",),
    "conversation": ("speech",),
}
#: Public names of the stored modalities in results.
MODALITY_NAMES: dict[Modality, str] = {
    "visual": "visual",
    "text": "text_in_video",
    "speech": "transcription",
}
_RRF_K = 60.0
_CANDIDATES = 100
_MERGE_GAP = 1.0
_PAGE_TTL = 3600.0


def _default_options() -> list[SearchOption]:
    return ["visual", "audio"]


class SearchRequest(BaseModel):
    """What to search for, where, and how to shape the results."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    index_id: str
    query_text: str | None = None
    query_image: np.ndarray | None = None
    search_options: list[SearchOption] = Field(default_factory=_default_options)
    operator: Literal["or", "and"] = "or"
    group_by: Literal["clip", "video"] = "clip"
    page_limit: int = Field(default=10, ge=1, le=50)
    metadata_filter: dict[str, Any] = Field(default_factory=dict)
    #: Minimum cosine similarity for a semantic hit to count.
    min_similarity: float = 0.25


class Evidence(BaseModel):
    """Why a clip matched in one modality: the matched text (words said, text shown) and score."""

    modality: str
    start: float
    end: float
    text: str
    score: float


class Clip(BaseModel):
    """A matching moment: video, bounds, fused score, rank and per-modality evidence."""

    video_id: str
    start: float
    end: float
    score: float
    rank: int = 0
    confidence: Literal["high", "medium", "low"] = "low"
    modules: list[str] = Field(default_factory=list)
    evidence: list[Evidence] = Field(default_factory=list)
    thumbnail_time: float = 0.0


class VideoGroup(BaseModel):
    """Clips of one video (``group_by="video"``), best first."""

    video_id: str
    score: float
    rank: int
    clips: list[Clip]


class SearchPage(BaseModel):
    """One page of results; ``next_page_token`` fetches the next."""

    clips: list[Clip] = Field(default_factory=list)
    groups: list[VideoGroup] = Field(default_factory=list)
    total_results: int
    page_limit: int
    next_page_token: str | None = None
    prev_page_token: str | None = None


@dataclass
class _Stored:
    request: SearchRequest
    items: list[Clip] | list[VideoGroup]
    created: float = field(default_factory=time.monotonic)


class SearchEngine:
    """Searches one store with the given embedders; keeps result pages for token paging."""

    def __init__(
        self,
        store: Store,
        text_embedder: TextEmbedder | None,
        image_text_embedder: ImageTextEmbedder | None,
    ) -> None:
        self.store = store
        self.text_embedder = text_embedder
        self.image_text_embedder = image_text_embedder
        self._pages: dict[str, tuple[str, int]] = {}
        self._results: dict[str, _Stored] = {}
        self._lock = threading.Lock()

    def search(self, request: SearchRequest) -> SearchPage:
        """Run ``request`` and return its first page."""
        if request.query_text is None and request.query_image is None:
            raise InvalidRequestError(
                "search", "neither query_text nor query_media was given", "give a text or an image"
            )
        if not request.search_options:
            raise InvalidRequestError("search_options", "is empty", "use 'visual' and/or 'audio'")
        self.store.get_index(request.index_id)
        clips = self._ranked_clips(request)
        items: list[Clip] | list[VideoGroup] = (
            _group_by_video(clips) if request.group_by == "video" else clips
        )
        result_id = secrets.token_hex(8)
        with self._lock:
            self._expire()
            self._results[result_id] = _Stored(request, items)
        return self._page(result_id, 0)

    def page(self, token: str) -> SearchPage:
        """The page a ``next_page_token``/``prev_page_token`` points to."""
        with self._lock:
            self._expire()
            found = self._pages.get(token)
        if found is None:
            raise NotFoundError(
                f"page token {token!r}", "unknown or expired", "run the search again"
            )
        return self._page(*found)

    def _page(self, result_id: str, number: int) -> SearchPage:
        stored = self._results[result_id]
        limit = stored.request.page_limit
        items = stored.items[number * limit : (number + 1) * limit]
        page = SearchPage(total_results=len(stored.items), page_limit=limit)
        if stored.request.group_by == "video":
            page.groups = [g for g in items if isinstance(g, VideoGroup)]
        else:
            page.clips = [c for c in items if isinstance(c, Clip)]
        with self._lock:
            if (number + 1) * limit < len(stored.items):
                page.next_page_token = self._token(result_id, number + 1)
            if number > 0:
                page.prev_page_token = self._token(result_id, number - 1)
        return page

    def _token(self, result_id: str, number: int) -> str:
        token = f"{result_id}-{number}"
        self._pages[token] = (result_id, number)
        return token

    def _expire(self) -> None:
        now = time.monotonic()
        for result_id in [k for k, v in self._results.items() if now - v.created > _PAGE_TTL]:
            del self._results[result_id]
        self._pages = {k: v for k, v in self._pages.items() if v[0] in self._results}

    # -- retrieval and fusion ---------------------------------------------------------------
    def _ranked_clips(self, request: SearchRequest) -> list[Clip]:
        allowed = self._allowed_videos(request)
        lists = [
            (name, [h for h in hits if allowed is None or h.video_id in allowed])
            for name, hits in self._retrieve(request)
        ]
        fused: dict[int, float] = defaultdict(float)
        hits_by_id: dict[int, MomentHit] = {}
        methods: dict[int, set[str]] = defaultdict(set)
        for name, hits in lists:
            for rank, hit in enumerate(hits):
                fused[hit.moment_id] += 1.0 / (_RRF_K + rank + 1)
                hits_by_id.setdefault(hit.moment_id, hit)
                methods[hit.moment_id].add(name)
        best = {
            moment_id: max(h.score for _, hs in lists for h in hs if h.moment_id == moment_id)
            for moment_id in fused
        }
        clips = self._merge_into_clips(request.index_id, hits_by_id, fused, best)
        if request.operator == "and":
            wanted = {o for option in request.search_options for o in _OPTION_MODALITIES[option]}
            needed = {_option_group(m) for m in wanted}
            clips = [c for c in clips if {_option_group_name(m) for m in c.modules} >= needed]
        clips.sort(key=lambda c: (-c.score, c.video_id, c.start))
        top = clips[0].score if clips else 1.0
        for rank, clip in enumerate(clips, start=1):
            clip.rank = rank
            relative = clip.score / top if top else 0.0
            clip.confidence = "high" if relative > 0.75 else "medium" if relative > 0.4 else "low"
        return clips

    def _allowed_videos(self, request: SearchRequest) -> set[str] | None:
        if not request.metadata_filter:
            return None
        allowed: set[str] = set()
        page = 1
        while True:
            listing = self.store.list_videos(
                request.index_id, page=page, limit=500, metadata_filter=request.metadata_filter
            )
            allowed.update(v.id for v in listing.items)
            if page >= listing.total_pages:
                return allowed
            page += 1

    def _retrieve(self, request: SearchRequest) -> list[tuple[str, list[MomentHit]]]:
        modalities = {m for option in request.search_options for m in _OPTION_MODALITIES[option]}
        lists: list[tuple[str, list[MomentHit]]] = []
        index_id, text = request.index_id, request.query_text
        floor = request.min_similarity
        if text:
            lexical = [m for m in ("speech", "text") if m in modalities]
            for modality in lexical:
                lists.append(
                    (
                        f"{modality}:lexical",
                        self.store.search_text(index_id, text, [modality], _CANDIDATES),
                    )
                )
            if self.text_embedder is not None and lexical:
                vector = self.text_embedder.embed_texts([text])[0]
                for modality in lexical:
                    hits = self.store.search_vectors(index_id, modality, vector, _CANDIDATES)
                    lists.append((f"{modality}:semantic", [h for h in hits if h.score >= floor]))
        if "visual" in modalities and self.image_text_embedder is not None:
            queries = []
            if request.query_image is not None:
                queries.append(
                    (
                        "visual:image",
                        self.image_text_embedder.embed_images([request.query_image])[0],
                    )
                )
            if text:
                queries.append(("visual:text", self.image_text_embedder.embed_texts([text])[0]))
            for name, vector in queries:
                hits = self.store.search_vectors(index_id, "visual", vector, _CANDIDATES)
                lists.append((name, _relative_floor(hits)))
        return [(name, hits) for name, hits in lists if hits]

    def _merge_into_clips(
        self,
        index_id: str,
        hits: dict[int, MomentHit],
        fused: dict[int, float],
        best: dict[int, float],
    ) -> list[Clip]:
        """Merge touching hits of a video into clips snapped to its shot and utterance edges."""
        by_video: dict[str, list[MomentHit]] = defaultdict(list)
        for hit in hits.values():
            by_video[hit.video_id].append(hit)
        clips: list[Clip] = []
        for video_id, video_hits in by_video.items():
            timeline = self.store.get_timeline(index_id, video_id)
            video_hits.sort(key=lambda h: (h.start, h.end))
            group: list[MomentHit] = []
            for hit in video_hits:
                if group and hit.start > max(h.end for h in group) + _MERGE_GAP:
                    clips.append(_clip(video_id, group, fused, best, timeline))
                    group = []
                group.append(hit)
            if group:
                clips.append(_clip(video_id, group, fused, best, timeline))
        return clips


def _relative_floor(hits: list[MomentHit], keep: float = 0.85) -> list[MomentHit]:
    """Visual similarities are relative: keep hits within ``keep`` of the best one."""
    if not hits:
        return hits
    top = hits[0].score
    return [h for h in hits if h.score >= top * keep]


def _option_group(modality: Modality) -> str:
    return "audio" if modality == "speech" else "visual"


def _option_group_name(module: str) -> str:
    return "audio" if module == "transcription" else "visual"


def _clip(
    video_id: str,
    group: list[MomentHit],
    fused: dict[int, float],
    best: dict[int, float],
    timeline: Timeline | None,
) -> Clip:
    start, end = min(h.start for h in group), max(h.end for h in group)
    top = max(group, key=lambda h: fused[h.moment_id])
    if timeline is not None:
        start, end = _snap(start, end, timeline)
    evidence = [
        Evidence(
            modality=MODALITY_NAMES[h.modality],
            start=h.start,
            end=h.end,
            text=h.text,
            score=round(best[h.moment_id], 4),
        )
        for h in sorted(group, key=lambda h: -fused[h.moment_id])
    ]
    return Clip(
        video_id=video_id,
        start=round(start, 3),
        end=round(end, 3),
        score=round(sum(fused[h.moment_id] for h in group) * 1000, 3),
        modules=sorted({MODALITY_NAMES[h.modality] for h in group}),
        evidence=evidence,
        thumbnail_time=round((top.start + top.end) / 2, 3),
    )


def _snap(start: float, end: float, timeline: Timeline, reach: float = 1.0) -> tuple[float, float]:
    """Move each end of [start, end] to the nearest shot or utterance edge within ``reach`` s.

    An end may move outward by up to ``reach`` but inward by at most a quarter of it, so the
    matched evidence stays inside the clip.
    """
    edges = sorted(
        {e for item in (*timeline.shots, *timeline.utterances) for e in (item.start, item.end)}
    )

    def nearest(time: float, low: float, high: float) -> float:
        candidates = [e for e in edges if low <= e <= high]
        return min(candidates, key=lambda e: abs(e - time)) if candidates else time

    snapped_start = nearest(start, start - reach, start + reach / 4)
    snapped_end = nearest(end, end - reach / 4, end + reach)
    if snapped_end <= snapped_start:
        return start, end
    return max(0.0, snapped_start), min(snapped_end, timeline.video.duration)


def _group_by_video(clips: list[Clip]) -> list[VideoGroup]:
    groups: dict[str, list[Clip]] = defaultdict(list)
    for clip in clips:
        groups[clip.video_id].append(clip)
    ranked = sorted(groups.items(), key=lambda kv: -max(c.score for c in kv[1]))
    return [
        VideoGroup(video_id=video_id, score=max(c.score for c in items), rank=rank, clips=items)
        for rank, (video_id, items) in enumerate(ranked, start=1)
    ]
