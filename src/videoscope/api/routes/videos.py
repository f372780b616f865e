"""``/indexes/{index_id}/videos``: list (paged, filtered), get (with transcript), update
``user_metadata``, delete."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from videoscope.api.deps import ServerState, State, check_metadata
from videoscope.api.schemas import (
    TranscriptionItem,
    VideoList,
    VideoOut,
    VideoSystemMetadata,
    VideoUpdate,
    iso,
    page_info,
)
from videoscope.errors import InvalidRequestError
from videoscope.library.records import VideoRecord

router = APIRouter(tags=["videos"])
#: Query parameters that are not user-metadata filters.
_KNOWN = {"page", "page_limit", "sort_by", "sort_option", "filename", "created_at", "updated_at"}
_RANGES = ("duration", "fps", "width", "height", "size")


def video_out(state: ServerState, record: VideoRecord, asset_id: str | None = None) -> VideoOut:
    """The API view of a video."""
    return VideoOut(
        id=record.id,
        asset_id=asset_id,
        created_at=iso(record.created_at),
        updated_at=iso(record.updated_at),
        indexed_at=iso(record.created_at),
        system_metadata=VideoSystemMetadata(
            filename=record.filename,
            duration=record.duration,
            fps=record.fps,
            width=record.width,
            height=record.height,
            size=float(record.size_bytes) if record.size_bytes is not None else None,
        ),
        user_metadata=record.user_metadata,
    )


def _asset_of(state: ServerState, video_id: str) -> str | None:
    tasks, _ = state.tasks.page("index", limit=1, filters={"video_id": video_id})
    return str(tasks[0].payload.get("asset_id")) if tasks else None


def _scalar(text: str) -> Any:
    """A query-string value as JSON scalar when it reads as one (``true``, ``3``), else text."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return text
    return value if isinstance(value, str | int | float | bool) else text


def _system_filters(query: dict[str, str]) -> list[tuple[str, str, float]]:
    filters = []
    for key, text in query.items():
        name, _, op = key.partition("[")
        if name not in _RANGES:
            continue
        op = op.rstrip("]") or "eq"
        if op not in ("eq", "gte", "lte"):
            raise InvalidRequestError(key, "unknown range operator", "use [gte] or [lte]")
        try:
            filters.append((name, op, float(text)))
        except ValueError as error:
            raise InvalidRequestError(key, f"{text[:40]!r} is not a number", "") from error
    return filters


def _matches(
    record: VideoRecord,
    filters: list[tuple[str, str, float]],
    filename: str | None,
) -> bool:
    if filename is not None and record.filename != filename:
        return False
    values = {
        "duration": record.duration,
        "fps": record.fps,
        "width": record.width,
        "height": record.height,
        "size": record.size_bytes,
    }
    for name, op, bound in filters:
        value = values[name]
        if value is None:
            return False
        if (
            (op == "eq" and abs(value - bound) > 1e-6)
            or (op == "gte" and value < bound)
            or (op == "lte" and value > bound)
        ):
            return False
    return True


@router.get("/indexes/{index_id}/videos", response_model=VideoList)
def list_videos(
    index_id: str,
    request: Request,
    state: State,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    page_limit: Annotated[int, Query(ge=1, le=50)] = 10,
    filename: Annotated[str | None, Query(max_length=512)] = None,
    sort_option: Annotated[str | None, Query(pattern="^(asc|desc)$")] = None,
) -> VideoList:
    """Videos of an index, newest first. Any other query parameter filters ``user_metadata``
    by exact value; ``duration``, ``fps``, ``width``, ``height``, ``size`` accept ``[gte]`` and
    ``[lte]``."""
    query = dict(request.query_params)
    system = _system_filters(query)
    metadata = {
        k: _scalar(v)
        for k, v in query.items()
        if k not in _KNOWN and k.partition("[")[0] not in _RANGES
    }
    store = state.library.store
    if not system and filename is None and sort_option != "asc":
        listing = store.list_videos(index_id, page=page, limit=page_limit, metadata_filter=metadata)
        items, total = listing.items, listing.total_results
    else:
        everything: list[VideoRecord] = []
        number = 1
        while True:
            listing = store.list_videos(index_id, page=number, limit=200, metadata_filter=metadata)
            everything.extend(v for v in listing.items if _matches(v, system, filename))
            if number >= listing.total_pages:
                break
            number += 1
        if sort_option == "asc":
            everything.reverse()
        total = len(everything)
        items = everything[(page - 1) * page_limit : page * page_limit]
    return VideoList(
        data=[video_out(state, v, _asset_of(state, v.id)) for v in items],
        page_info=page_info(page, page_limit, total),
    )


@router.get("/indexes/{index_id}/videos/{video_id}", response_model=VideoOut)
def get_video(
    index_id: str,
    video_id: str,
    state: State,
    transcription: bool = False,
    embedding_option: Annotated[list[str] | None, Query()] = None,
) -> VideoOut:
    """One video; ``transcription=true`` adds its utterances, ``embedding_option=visual`` its
    visual embeddings."""
    store = state.library.store
    out = video_out(state, store.get_video(index_id, video_id), _asset_of(state, video_id))
    if transcription or embedding_option:
        timeline = store.get_timeline(index_id, video_id)
        if transcription:
            out.transcription = [
                TranscriptionItem(start=u.start, end=u.end, value=u.text)
                for u in timeline.utterances
            ]
        if embedding_option:
            segments = []
            for option in embedding_option:
                embeddings = timeline.embeddings.get(option)
                if embeddings is None:
                    continue
                for window, vector in zip(embeddings.windows, embeddings.vectors, strict=True):
                    segments.append(
                        {
                            "float": [round(float(x), 6) for x in vector],
                            "start_offset_sec": window.start,
                            "end_offset_sec": window.end,
                            "embedding_option": option,
                            "embedding_scope": "clip",
                        }
                    )
            out.embedding = {
                "model_name": "videoscope-1",
                "video_embedding": {"segments": segments},
            }
    return out


def _update(index_id: str, video_id: str, body: VideoUpdate, state: ServerState) -> Response:
    state.library.store.update_video_metadata(
        index_id, video_id, check_metadata(body.user_metadata)
    )
    return Response(status_code=204)


@router.patch("/indexes/{index_id}/videos/{video_id}", status_code=204)
def update_video(index_id: str, video_id: str, body: VideoUpdate, state: State) -> Response:
    """Merge keys into the video's ``user_metadata`` (``null`` removes a key)."""
    return _update(index_id, video_id, body, state)


@router.put("/indexes/{index_id}/videos/{video_id}", status_code=204)
def put_video(index_id: str, video_id: str, body: VideoUpdate, state: State) -> Response:
    """Same as ``PATCH`` (older clients use ``PUT``)."""
    return _update(index_id, video_id, body, state)


@router.delete("/indexes/{index_id}/videos/{video_id}", status_code=204)
def delete_video(index_id: str, video_id: str, state: State) -> Response:
    """Delete a video from its index."""
    state.library.store.delete_video(index_id, video_id)
    return Response(status_code=204)
