"""``/search``: text, image or composed queries over an index; ``/search/{page_token}`` pages.

The form fields are Twelve Labs' (``index_id``, ``search_options`` repeated, ``query_text``,
``query_media_type=image`` with ``query_media_file`` or ``query_media_url``, ``group_by``,
``operator``, ``page_limit``, ``filter`` as a JSON string of user-metadata values,
``include_user_metadata``). Results carry ``rank`` and also videoscope's ``score``,
``confidence`` and ``modules`` (which modalities matched).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, UploadFile

from videoscope.api.deps import ServerState, State
from videoscope.api.schemas import ClipOut, SearchPageInfo, SearchPool, SearchResults
from videoscope.api.security import download
from videoscope.api.services.queries import MAX_IMAGE_BYTES, parse_search_options, query_image
from videoscope.errors import InvalidRequestError, NotFoundError
from videoscope.search.engine import Clip, SearchPage, SearchRequest

router = APIRouter(tags=["search"])
#: Filter keys Twelve Labs reserves for system metadata (not supported as filters here).
_SYSTEM_KEYS = {"id", "duration", "width", "height", "size", "filename", "fps"}


def _filter(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise InvalidRequestError("filter", "is not valid JSON", "send a JSON object") from error
    if not isinstance(value, dict):
        raise InvalidRequestError("filter", "must be a JSON object", "")
    system = sorted(_SYSTEM_KEYS & set(value))
    if system:
        raise InvalidRequestError(
            "filter",
            f"system-metadata filters ({', '.join(system)}) are not supported",
            "filter on user_metadata keys; see docs/api.md",
        )
    for key, item in value.items():
        if not isinstance(item, str | int | float | bool):
            raise InvalidRequestError(
                f"filter.{key}", "must be a string, number or boolean", "exact-value filters only"
            )
    return value


def _clip_out(clip: Clip, metadata: dict[str, Any] | None) -> ClipOut:
    speech = [e.text for e in clip.evidence if e.modality == "transcription" and e.text]
    return ClipOut(
        video_id=clip.video_id,
        start=round(clip.start, 3),
        end=round(clip.end, 3),
        rank=clip.rank,
        score=round(clip.score, 6),
        confidence=clip.confidence,
        modules=clip.modules,
        transcription=" ".join(speech) or None,
        user_metadata=metadata,
    )


def results(
    state: ServerState,
    index_id: str,
    page: SearchPage,
    include_metadata: bool,
) -> SearchResults:
    """The Twelve Labs shape of an engine page."""
    store = state.library.store
    cache: dict[str, dict[str, Any] | None] = {}

    def metadata(video_id: str) -> dict[str, Any] | None:
        if not include_metadata:
            return None
        if video_id not in cache:
            cache[video_id] = dict(store.get_video(index_id, video_id).user_metadata)
        return cache[video_id]

    if page.groups:
        data = [
            ClipOut(
                id=g.video_id,
                video_id=g.video_id,
                rank=g.rank,
                score=round(g.score, 6),
                user_metadata=metadata(g.video_id),
                clips=[_clip_out(c, metadata(g.video_id)) for c in g.clips],
            )
            for g in page.groups
        ]
    else:
        data = [_clip_out(c, metadata(c.video_id)) for c in page.clips]
    index = store.get_index(index_id)
    expires = datetime.now(UTC) + timedelta(hours=1)
    return SearchResults(
        data=data,
        page_info=SearchPageInfo(
            limit_per_page=page.page_limit,
            total_results=page.total_results,
            page_expires_at=expires.isoformat(timespec="seconds").replace("+00:00", "Z"),
            next_page_token=page.next_page_token,
            prev_page_token=page.prev_page_token,
        ),
        search_pool=SearchPool(
            total_count=index.video_count, total_duration=index.total_duration, index_id=index_id
        ),
    )


@router.post("/search", response_model=SearchResults)
def search(
    state: State,
    index_id: Annotated[str, Form(min_length=1, max_length=64)],
    search_options: Annotated[list[str], Form()],
    query_text: Annotated[str | None, Form(max_length=2000)] = None,
    query_media_type: Annotated[str | None, Form(max_length=20)] = None,
    query_media_url: Annotated[str | None, Form(max_length=4096)] = None,
    query_media_file: Annotated[UploadFile | None, File()] = None,
    group_by: Annotated[str, Form(pattern="^(clip|video)$")] = "clip",
    operator: Annotated[str, Form(pattern="^(or|and)$")] = "or",
    page_limit: Annotated[int, Form(ge=1, le=50)] = 10,
    filter: Annotated[str | None, Form(max_length=65536)] = None,
    include_user_metadata: Annotated[bool, Form()] = False,
    transcription_options: Annotated[list[str] | None, Form()] = None,
) -> SearchResults:
    """Search an index by text, by image, or both."""
    options = parse_search_options(search_options)
    image = None
    has_media = (query_media_file is not None and query_media_file.filename) or query_media_url
    if has_media:
        if query_media_type not in (None, "image"):
            raise InvalidRequestError("query_media_type", "only 'image' is supported", "")
        if query_media_url:
            folder = state.folder / "queries"
            path = download(query_media_url, folder, state.settings.server, "query")
            try:
                data = Path(path).read_bytes()
            finally:
                Path(path).unlink(missing_ok=True)
        else:
            assert query_media_file is not None
            data = query_media_file.file.read(MAX_IMAGE_BYTES + 1)
        image = query_image(data)
    elif query_media_type is not None:
        raise InvalidRequestError(
            "query_media_file",
            "query_media_type is set but no query_media_file or query_media_url was given",
            "",
        )
    request = SearchRequest(
        index_id=index_id,
        query_text=query_text or None,
        query_image=image,
        search_options=options,  # type: ignore[arg-type]
        operator=operator,  # type: ignore[arg-type]
        group_by=group_by,  # type: ignore[arg-type]
        page_limit=page_limit,
        metadata_filter=_filter(filter),
    )
    page = state.library.search(request)
    if page.next_page_token:
        state.search_pages[page.next_page_token] = (index_id, include_user_metadata)
    return results(state, index_id, page, include_user_metadata)


@router.get("/search/{page_token}", response_model=SearchResults)
def next_page(
    page_token: str,
    state: State,
    include_user_metadata: Annotated[bool | None, Query()] = None,
) -> SearchResults:
    """The page a ``next_page_token`` (or ``prev_page_token``) names."""
    page = state.library.engine.page(page_token)
    found = state.search_pages.get(page_token)
    if found is None:
        raise NotFoundError(
            f"page token {page_token!r}", "unknown or expired", "run the search again"
        )
    index_id, include = found
    if include_user_metadata is not None:
        include = include_user_metadata
    for token in (page.next_page_token, page.prev_page_token):
        if token:
            state.search_pages[token] = (index_id, include)
    return results(state, index_id, page, include)
