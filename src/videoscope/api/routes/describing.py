"""Open-prompt analysis (``POST /analyze``, streamed or not), ``/gist`` and ``/summarize``.

Served by the ``videoscope.describe`` package through :mod:`videoscope.api.services.describer`
(which documents the interface). Without it these routes answer 501
``{code: "not_implemented"}`` with a clear message, and time-based metadata (``/analyze/tasks``)
keeps working.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any, Literal

from fastapi import APIRouter
from fastapi.responses import StreamingResponse
from pydantic import Field

from videoscope.api.deps import State
from videoscope.api.schemas import ApiModel
from videoscope.api.services.describer import answer_of, require_describer
from videoscope.api.services.sources import named_timeline
from videoscope.errors import InvalidRequestError, VideoscopeError

router = APIRouter(tags=["analyze"])


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


@router.post("/analyze", response_model=AnalyzeAnswer)
def analyze(body: AnalyzeSync, state: State) -> Any:
    """Answer a prompt about a video; NDJSON events when ``stream`` is true (the default)."""
    module = require_describer()
    if not body.prompt:
        raise InvalidRequestError("prompt", "is required", "")
    timeline = named_timeline(state, body.video, body.video_id, body.index_id)
    kwargs = {
        "response_format": body.response_format,
        "temperature": body.temperature,
        "max_tokens": body.max_tokens,
    }
    if not body.stream:
        answer = answer_of(module.analyze(timeline, body.prompt, **kwargs))
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
                text = answer_of(module.analyze(timeline, body.prompt, **kwargs))["data"]
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
    timeline = named_timeline(state, None, body.video_id, body.index_id)
    result = dict(module.gist(timeline, list(body.types)))
    return {"id": str(uuid.uuid4()), **result}


@router.post("/summarize")
def summarize(body: SummarizeRequest, state: State) -> dict[str, Any]:
    """A summary, chapters or highlights of an indexed video."""
    module = require_describer("summarize")
    timeline = named_timeline(state, None, body.video_id, body.index_id)
    result = dict(module.summarize(timeline, body.type, body.prompt))
    for key in ("chapters", "highlights"):
        if result.get(key) is not None:
            result[key] = [_sdk_times(item) for item in result[key]]
    return {"id": str(uuid.uuid4()), "summarize_type": body.type, **result}


def _sdk_times(item: Any) -> dict[str, Any]:
    """A chapter or highlight as both SDKs type it: ``start``/``end`` whole seconds (SDK 1.2.0
    and 1.3.x declare them ``int``), the exact times in ``start_sec``/``end_sec``. Rounding (not
    floor/ceil) keeps back-to-back chapters back to back."""
    out = dict(item.model_dump() if hasattr(item, "model_dump") else item)
    start, end = float(out["start"]), float(out["end"])
    out.update(start=round(start), end=round(end), start_sec=start, end_sec=end)
    return out
