"""Classify the videos of a library index (the shape the HTTP API serves).

``index_id`` is required to find the videos; ``video_ids`` narrows the run to those videos.
Videos that match no class are left out of ``data``, as Twelve Labs does. ``page_info`` counts
the videos that matched; paging across calls is the API's business (``page_limit`` caps ``data``).

Example:
    >>> response = classify_videos(store, ClassifyRequest(index_id=idx, classes=[...]), clf)
    ... # doctest: +SKIP
"""

from __future__ import annotations

from videoscope.classify.engine import Classifier
from videoscope.classify.models import (
    ClassifyPageInfo,
    ClassifyRequest,
    ClassifyResponse,
    VideoClassification,
)
from videoscope.errors import InvalidRequestError
from videoscope.library.store import Store

_LISTING_PAGE = 50


def classify_videos(
    store: Store, request: ClassifyRequest, classifier: Classifier
) -> ClassifyResponse:
    """Run ``request`` over the videos of ``request.index_id`` held in ``store``.

    Raises:
        InvalidRequestError: no ``index_id`` was given.
        NotFoundError: the index or a named video does not exist.
    """
    if request.index_id is None:
        raise InvalidRequestError("index_id", "is required", "name the index the videos are in")
    video_ids = request.video_ids or _all_video_ids(store, request.index_id)
    matched: list[VideoClassification] = []
    for video_id in video_ids:
        store.get_video(request.index_id, video_id)  # NotFoundError for an unknown id
        result = classifier.classify(
            store.get_timeline(request.index_id, video_id),
            request.classes,
            options=request.options,
            threshold=request.threshold,
            include_clips=request.include_clips,
            show_detailed_score=request.show_detailed_score,
            video_id=video_id,
        )
        if result.classes:
            matched.append(result)
    matched.sort(key=lambda v: -max(c.score for c in v.classes))
    return ClassifyResponse(
        data=matched[: request.page_limit],
        page_info=ClassifyPageInfo(limit_per_page=request.page_limit, total_results=len(matched)),
    )


def _all_video_ids(store: Store, index_id: str) -> list[str]:
    ids: list[str] = []
    page = 1
    while True:
        listing = store.list_videos(index_id, page=page, limit=_LISTING_PAGE)
        ids.extend(video.id for video in listing.items)
        if page >= listing.total_pages:
            return ids
        page += 1
