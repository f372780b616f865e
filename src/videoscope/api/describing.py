"""Open-prompt analysis (``POST /analyze``, streamed or not), ``/gist`` and ``/summarize``.

These are served by the ``videoscope.describe`` package when it is installed, through this small
interface (module-level functions, each taking the video's :class:`Timeline`):

* ``analyze(timeline, prompt, *, response_format=None, temperature=None, max_tokens=None)``
  -> text, or an object/dict with ``data`` (or ``text``), ``finish_reason``, ``usage``;
* ``analyze_stream(timeline, prompt, **same)`` -> iterator of text pieces (optional: the
  server falls back to one piece from ``analyze``);
* ``gist(timeline, types)`` -> ``{"title": ..., "topics": [...], "hashtags": [...]}``;
* ``summarize(timeline, type, prompt=None)`` -> ``{"summary": ...}`` or ``{"chapters": [...]}``
  or ``{"highlights": [...]}``.

Without it these routes answer 501 ``{code: "not_implemented"}`` with a clear message, and
time-based metadata (``/analyze/tasks``) keeps working.
"""

from __future__ import annotations

import importlib
import json
import uuid
from collections.abc import Iterator
from types import ModuleType
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends
from fastapi.responses import StreamingResponse
from pydantic import Field

from videoscope.api.analyze import resolve_source
from videoscope.api.schemas import ApiModel
from videoscope.api.state import ServerState, get_state
from videoscope.errors import InvalidRequestError, NotFoundError, VideoscopeError
from videoscope.timeline.model import Timeline

router = APIRouter(tags=["analyze"])
State = Annotated[ServerState, Depends(get_state)]


class NotAvailableError(VideoscopeError):
    """A feature this build of videoscope does not include."""

    code = "not_implemented"


def require_describer(function: str = "analyze") -> ModuleType:
    """The ``videoscope.describe`` module if it offers ``function``, else 501."""
    try:
        module = importlib.import_module("videoscope.describe")
    except ImportError:
        module = None
    if module is None or not callable(getattr(module, function, None)):
        raise NotAvailableError(
            function,
            "open-prompt analysis, gist and summaries need the videoscope.describe package, "
            "which this server does not have",
            "use /analyze/tasks with analysis_mode=time_based_metadata, or install a build "
            "with videoscope.describe and a configured language model",
        )
    return module


def _answer(raw: Any) -> dict[str, Any]:
    if isinstance(raw, str):
        text, finish, usage = raw, "stop", {}
    else:
        get = raw.get if isinstance(raw, dict) else lambda k, d=None: getattr(raw, k, d)
        value = get("data") if get("data") is not None else get("text", "")
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        finish, usage = get("finish_reason", "stop") or "stop", dict(get("usage", {}) or {})
    usage = {
        "output_tokens": int(usage.get("output_tokens", max(1, len(text) // 4))),
        "input_tokens": int(usage.get("input_tokens", 0)),
    }
    return {
        "generation_id": str(uuid.uuid4()),
        "data": text,
        "finish_reason": finish,
        "usage": usage,
    }


def run_prompt(timeline: Timeline, params: dict[str, Any]) -> dict[str, Any]:
    """Answer ``params["prompt"]`` about ``timeline`` with the describe package."""
    module = require_describer()
    raw = module.analyze(
        timeline,
        params.get("prompt", ""),
        response_format=params.get("response_format"),
        temperature=params.get("temperature"),
        max_tokens=_tokens(params.get("max_tokens")),
    )
    return _answer(raw)


def _tokens(value: Any) -> int | None:
    return value if isinstance(value, int) else None


class AnalyzeSync(ApiModel):
    """``POST /analyze`` as the SDK sends it."""

    model_name: str | None = Field(default=None, max_length=64)
    video: dict[str, Any] | None = None
    video_id: str | None = Field(default=None, max_length=64)
    index_id: str | None = Field(default=None, max_length=64)
    prompt: str | None = Field(default=None, max_length=20000)
    temperature: float | None = Field(default=None, ge=0.0, le=1.0)
    response_format: dict[str, Any] | None = None
    max_tokens: int | None = Field(default=None, ge=1)
    start_time: float | None = None
    end_time: float | None = None
    stream: bool = True


class AnalyzeAnswer(ApiModel):
    """A non-streamed analysis answer."""

    id: str
    data: str
    finish_reason: str
    usage: dict[str, int]


def _timeline(
    state: ServerState, video: dict[str, Any] | None, video_id: str | None, index_id: str | None
) -> Timeline:
    from videoscope.api.jobs import timeline_for_source

    if video is None and video_id and not index_id:
        index_id = find_index_of(state, video_id)
    source = resolve_source(state, video, video_id, index_id)
    return timeline_for_source(state, source, None)


def find_index_of(state: ServerState, video_id: str) -> str:
    """The index holding ``video_id`` (legacy routes name a video without its index)."""
    store, page = state.library.store, 1
    while True:
        listing = store.list_indexes(page=page, limit=100)
        for index in listing.items:
            try:
                store.get_video(index.id, video_id)
            except NotFoundError:
                continue
            return index.id
        if page >= listing.total_pages:
            raise NotFoundError(f"video {video_id!r}", "no index holds this video", "")
        page += 1


@router.post("/analyze", response_model=AnalyzeAnswer)
def analyze(body: AnalyzeSync, state: State) -> Any:
    """Answer a prompt about a video; NDJSON events when ``stream`` is true (the default)."""
    module = require_describer()
    if not body.prompt:
        raise InvalidRequestError("prompt", "is required", "")
    timeline = _timeline(state, body.video, body.video_id, body.index_id)
    kwargs = {
        "response_format": body.response_format,
        "temperature": body.temperature,
        "max_tokens": body.max_tokens,
    }
    if not body.stream:
        answer = _answer(module.analyze(timeline, body.prompt, **kwargs))
        return AnalyzeAnswer(
            id=answer["generation_id"],
            data=answer["data"],
            finish_reason=answer["finish_reason"],
            usage=answer["usage"],
        )

    def events() -> Iterator[bytes]:
        generation = str(uuid.uuid4())
        yield _line({"event_type": "stream_start", "metadata": {"generation_id": generation}})
        streamer = getattr(module, "analyze_stream", None)
        pieces: list[str] = []
        try:
            if callable(streamer):
                for piece in streamer(timeline, body.prompt, **kwargs):
                    pieces.append(piece)
                    yield _line({"event_type": "text_generation", "text": piece})
            else:
                text = _answer(module.analyze(timeline, body.prompt, **kwargs))["data"]
                pieces.append(text)
                yield _line({"event_type": "text_generation", "text": text})
        except VideoscopeError as error:
            yield _line(
                {
                    "event_type": "stream_end",
                    "finish_reason": "stop",
                    "error": {"code": error.code, "message": str(error)},
                }
            )
            return
        usage = {"output_tokens": max(1, len("".join(pieces)) // 4), "input_tokens": 0}
        yield _line(
            {
                "event_type": "stream_end",
                "finish_reason": "stop",
                "metadata": {"generation_id": generation, "usage": usage},
            }
        )

    return StreamingResponse(events(), media_type="application/x-ndjson")


def _line(event: dict[str, Any]) -> bytes:
    return (json.dumps(event, ensure_ascii=False) + "\n").encode()


class GistRequest(ApiModel):
    """``POST /gist``."""

    video_id: str = Field(min_length=1, max_length=64)
    index_id: str | None = Field(default=None, max_length=64)
    types: list[Literal["title", "topic", "hashtag"]] = Field(min_length=1)


class SummarizeRequest(ApiModel):
    """``POST /summarize``."""

    video_id: str = Field(min_length=1, max_length=64)
    index_id: str | None = Field(default=None, max_length=64)
    type: Literal["summary", "chapter", "highlight"]
    prompt: str | None = Field(default=None, max_length=2000)
    temperature: float | None = Field(default=None, ge=0.0, le=1.0)


@router.post("/gist")
def gist(body: GistRequest, state: State) -> dict[str, Any]:
    """Title, topics and hashtags of an indexed video."""
    module = require_describer("gist")
    timeline = _timeline(state, None, body.video_id, body.index_id)
    result = dict(module.gist(timeline, list(body.types)))
    return {"id": str(uuid.uuid4()), **result}


@router.post("/summarize")
def summarize(body: SummarizeRequest, state: State) -> dict[str, Any]:
    """A summary, chapters or highlights of an indexed video."""
    module = require_describer("summarize")
    timeline = _timeline(state, None, body.video_id, body.index_id)
    result = dict(module.summarize(timeline, body.type, body.prompt))
    return {"id": str(uuid.uuid4()), "summarize_type": body.type, **result}
