"""The playground: a web page at ``/`` over the API, and the few extension routes it needs.

The page (``api/static/``: plain HTML, ES modules and CSS, no build step) calls the Twelve Labs
compatible routes for indexes, tasks, analysis, gist and summaries, plus these videoscope
extensions under the API prefix (same ``x-api-key`` rule as every other route):

* ``GET  /playground/videos/{index_id}/{video_id}``: the video's facts, its whole Timeline
  (every track) and signed ``media_url`` / ``thumbnail_url`` links;
* ``POST /playground/search``: ``/search`` with each hit's evidence (words said, text on screen,
  visual), its video's file name and a thumbnail link.

The media routes feed ``<video>`` and ``<img>`` elements, which cannot send headers, so they take
a signed ``token`` (HMAC of the video and an expiry, made with a per-server secret) instead of
``x-api-key``; the token is required only when API keys are configured:

* ``GET /playground/media/{index_id}/{video_id}``: the original file (HTTP Range supported);
* ``GET /playground/thumbnail/{index_id}/{video_id}?t=SECONDS``: a JPEG frame.

:func:`videoscope.api.app.create_app` includes :data:`router` (guarded), :data:`media_router`
(token-checked), :data:`page_router` (``/``) and mounts :data:`STATIC` at ``/playground``.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import time
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import FileResponse, Response

from videoscope.api.deps import ServerState, State
from videoscope.api.security import UnauthorizedError
from videoscope.api.services.queries import MAX_IMAGE_BYTES, parse_search_options, query_image
from videoscope.errors import InvalidRequestError, NotFoundError
from videoscope.library.records import VideoRecord
from videoscope.search.engine import Clip, SearchRequest

#: The page's files: ``index.html``, ``style.css`` and ``js/*.js``.
STATIC = Path(__file__).parent.parent / "static"
#: How long a media link stays valid (seconds).
TOKEN_TTL_S = 6 * 3600
_THUMB_SIDE = 320

#: The JSON extension routes (guarded by the API key like every other route).
router = APIRouter(tags=["playground"])
#: The media routes (``<video>``/``<img>`` cannot send headers: they check a signed token).
media_router = APIRouter(tags=["playground"])
#: The page itself at ``/``.
page_router = APIRouter(include_in_schema=False)


@page_router.get("/")
def page() -> FileResponse:
    """The playground page."""
    return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})


def sign(request: Request, index_id: str, video_id: str, expires: int) -> str:
    """The token that lets a media link of this video through until ``expires`` (epoch s)."""
    secret: bytes = request.app.state.playground_secret
    message = f"{index_id}/{video_id}/{expires}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def check_token(request: Request, index_id: str, video_id: str, token: str, expires: int) -> None:
    """Refuse a media request without a valid token when API keys are configured."""
    if not request.app.state.settings.server.api_keys:
        return
    good = sign(request, index_id, video_id, expires)
    if expires < time.time() or not hmac.compare_digest(good, token):
        raise UnauthorizedError(
            "token", "this media link is not valid or has expired", "reload the video in the page"
        )


def media_path(state: ServerState, index_id: str, video_id: str) -> Path:
    """The original file of an indexed video: its uploaded asset, else the path its Timeline
    recorded (videos indexed by the CLI), if that file still exists."""
    store = state.library.store
    store.get_video(index_id, video_id)
    tasks, _ = state.tasks.page("index", limit=1, filters={"video_id": video_id})
    if tasks and tasks[0].payload.get("asset_id"):
        try:
            asset = state.assets.get(str(tasks[0].payload["asset_id"]))
            if asset.file is not None and state.assets.path(asset).is_file():
                return state.assets.path(asset)
        except NotFoundError:
            pass
    recorded = store.get_timeline(index_id, video_id).video.path
    if recorded and Path(recorded).is_file():
        return Path(recorded)
    raise NotFoundError(
        f"video {video_id!r}",
        "its media file is no longer kept on this server (the uploaded asset was deleted)",
        "upload the video again to watch it; its timeline, search and analysis still work",
    )


def _links(request: Request, index_id: str, video_id: str) -> dict[str, str]:
    expires = int(time.time()) + TOKEN_TTL_S
    query = f"?token={sign(request, index_id, video_id, expires)}&expires={expires}"
    ids = {"index_id": index_id, "video_id": video_id}
    return {
        "media_url": request.url_for("playground_media", **ids).path + query,
        "thumbnail_url": request.url_for("playground_thumbnail", **ids).path + query,
    }


def _video_facts(record: VideoRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "index_id": record.index_id,
        "filename": record.filename,
        "duration": record.duration,
        "width": record.width,
        "height": record.height,
        "fps": record.fps,
        "user_metadata": record.user_metadata,
    }


@router.get("/playground/videos/{index_id}/{video_id}")
def video_view(index_id: str, video_id: str, request: Request, state: State) -> dict[str, Any]:
    """A video's facts, its Timeline (every track, without embeddings) and media links."""
    store = state.library.store
    record = store.get_video(index_id, video_id)
    timeline = store.get_timeline(index_id, video_id)
    tracks = timeline.model_dump(mode="json", exclude={"video"})
    links = _links(request, record.index_id, record.id)
    return {"video": _video_facts(record), "timeline": tracks, **links}


@router.post("/playground/search")
def search_with_evidence(
    request: Request,
    state: State,
    index_id: Annotated[str, Form(min_length=1, max_length=64)],
    search_options: Annotated[list[str], Form()],
    query_text: Annotated[str | None, Form(max_length=2000)] = None,
    query_media_file: Annotated[UploadFile | None, File()] = None,
    operator: Annotated[str, Form(pattern="^(or|and)$")] = "or",
    page_limit: Annotated[int, Form(ge=1, le=50)] = 12,
) -> dict[str, Any]:
    """Search an index by text and/or image; each hit carries the evidence that matched."""
    options = parse_search_options(search_options)
    image = None
    if query_media_file is not None and query_media_file.filename:
        image = query_image(query_media_file.file.read(MAX_IMAGE_BYTES + 1))
    if image is None and not (query_text or "").strip():
        raise InvalidRequestError("query", "is empty", "type some words or choose an image")
    page = state.library.search(
        SearchRequest(
            index_id=index_id,
            query_text=(query_text or "").strip() or None,
            query_image=image,
            search_options=options,  # type: ignore[arg-type]
            operator=operator,  # type: ignore[arg-type]
            page_limit=page_limit,
        )
    )
    records: dict[str, VideoRecord] = {}
    hits = []
    for clip in page.clips:
        if clip.video_id not in records:
            records[clip.video_id] = state.library.store.get_video(index_id, clip.video_id)
        hits.append(_hit(request, records[clip.video_id], clip))
    return {"data": hits, "total_results": page.total_results}


def _hit(request: Request, record: VideoRecord, clip: Clip) -> dict[str, Any]:
    links = _links(request, record.index_id, record.id)
    return {
        "video_id": clip.video_id,
        "index_id": record.index_id,
        "filename": record.filename,
        "start": round(clip.start, 3),
        "end": round(clip.end, 3),
        "rank": clip.rank,
        "score": round(clip.score, 6),
        "confidence": clip.confidence,
        "modules": clip.modules,
        "evidence": [e.model_dump() for e in clip.evidence],
        "thumbnail_time": round(clip.thumbnail_time, 3),
        "thumbnail_url": f"{links['thumbnail_url']}&t={clip.thumbnail_time:.2f}",
    }


@media_router.get("/playground/media/{index_id}/{video_id}", name="playground_media")
def media(
    index_id: str,
    video_id: str,
    request: Request,
    state: State,
    token: Annotated[str, Query(max_length=128)] = "",
    expires: Annotated[int, Query()] = 0,
) -> FileResponse:
    """The video's original file, for the page's player (HTTP Range requests work)."""
    check_token(request, index_id, video_id, token, expires)
    path = media_path(state, index_id, video_id)
    return FileResponse(path, headers={"Cache-Control": "private, max-age=3600"})


@media_router.get("/playground/thumbnail/{index_id}/{video_id}", name="playground_thumbnail")
def thumbnail(
    index_id: str,
    video_id: str,
    request: Request,
    state: State,
    t: Annotated[float, Query(ge=0.0, le=1e7)] = 0.0,
    token: Annotated[str, Query(max_length=128)] = "",
    expires: Annotated[int, Query()] = 0,
) -> Response:
    """A JPEG of the frame shown at ``t`` seconds (at most 320 px on its longest side)."""
    check_token(request, index_id, video_id, token, expires)
    path = media_path(state, index_id, video_id)
    data = frame_jpeg(str(path), path.stat().st_mtime_ns, round(t, 1), _THUMB_SIDE)
    return Response(data, media_type="image/jpeg", headers={"Cache-Control": "max-age=3600"})


@lru_cache(maxsize=512)
def frame_jpeg(path: str, mtime_ns: int, at: float, max_side: int) -> bytes:
    """The frame of ``path`` shown at ``at`` seconds as JPEG bytes (cached; ``mtime_ns`` keys
    the cache on the file's version)."""
    import av
    from PIL import Image

    from videoscope.media.decode import DecodedFrame
    from videoscope.media.probe import open_container, probe

    info = probe(path)
    if info.video is None:
        raise InvalidRequestError(path, "has no video stream", "a thumbnail needs pictures")
    at = min(at, max(0.0, info.duration - 0.05))
    chosen: Any = None
    with open_container(Path(path)) as container:
        stream = container.streams.video[0]
        try:
            if stream.time_base is not None:
                container.seek(int(at / stream.time_base), stream=stream, backward=True)
            for frame in container.decode(stream):
                if frame.time is None:
                    continue
                chosen = frame
                if frame.time >= at - 0.02:
                    break
        except av.error.FFmpegError:
            pass
        if chosen is None:
            raise InvalidRequestError(path, f"no frame could be decoded at {at:.2f}s", "")
        video = info.video
        upright = DecodedFrame(chosen, 0.0, 0, video.rotation, video.sample_aspect_ratio)
        rgb = upright.rgb(max_side)
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format="JPEG", quality=80)
    return buffer.getvalue()
