"""``/analyze`` and ``/analyze/tasks``: open-prompt analysis and time-based metadata.

* ``POST /analyze/tasks`` with ``analysis_mode: time_based_metadata`` and
  ``response_format: {type: segment_definitions, segment_definitions: [...]}`` runs
  :func:`videoscope.segments.analyze_timeline` as a persistent task (see
  :mod:`videoscope.api.tasks.handlers`); ``result.data`` is the JSON
  string keyed by definition id, as Twelve Labs returns it. The request is validated when the
  task is created (400 naming the definition and field at fault).
* Open prompts (``POST /analyze``, streamed or not, and ``analysis_mode: general``), ``/gist``
  and ``/summarize`` are served by :mod:`videoscope.api.routes.describing`.

A video is named as Twelve Labs does (``video: {type: asset_id | url | base64_string}``), or by
``{type: video_id, index_id, video_id}`` for a video already indexed here.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from pydantic import Field

from videoscope.api.deps import State
from videoscope.api.schemas import ApiModel, PageInfo, page_info
from videoscope.api.services.describer import require_describer
from videoscope.api.services.sources import resolve_source
from videoscope.api.tasks.store import Task
from videoscope.errors import InvalidRequestError
from videoscope.segments import parse_request

router = APIRouter(tags=["analyze"])
_STATUSES = ("queued", "pending", "processing", "ready", "failed", "canceled")


class AnalyzeTaskCreate(ApiModel):
    """``POST /analyze/tasks`` (fields as the SDK sends them)."""

    model_name: str | None = Field(default=None, max_length=64)
    custom_id: str | None = Field(default=None, max_length=256)
    video: dict[str, Any] | None = None
    video_id: str | None = Field(default=None, max_length=64)
    index_id: str | None = Field(default=None, max_length=64)
    prompt: str | None = Field(default=None, max_length=20000)
    analysis_mode: Literal["general", "time_based_metadata"] = "general"
    temperature: float | None = Field(default=None, ge=0.0, le=1.0)
    max_tokens: int | Literal["unlimited"] | None = None
    response_format: dict[str, Any] | None = None
    min_segment_duration: float | None = None
    max_segment_duration: float | None = None
    start_time: float | None = None
    end_time: float | None = None


class AnalyzeTaskResult(ApiModel):
    """A finished analysis: ``data`` is text (or a JSON string)."""

    generation_id: str
    data: str
    finish_reason: str = "stop"
    usage: dict[str, int] = Field(default_factory=dict)


class AnalyzeTaskOut(ApiModel):
    """An analysis task (the SDK's ``AnalyzeTaskResponse``) plus ``progress``."""

    task_id: str
    custom_id: str | None = None
    video_source: dict[str, Any] | None = None
    request_params: dict[str, Any] | None = None
    status: str
    created_at: str
    completed_at: str | None = None
    result: AnalyzeTaskResult | None = None
    error: dict[str, Any] | None = None
    progress: float = 0.0
    warnings: list[str] = Field(default_factory=list)


class AnalyzeTaskList(ApiModel):
    """``GET /analyze/tasks``."""

    data: list[AnalyzeTaskOut]
    page_info: PageInfo


class TaskStatus(ApiModel):
    """``POST /analyze/tasks`` and ``.../cancel`` answers."""

    task_id: str
    status: str


def task_out(task: Task) -> AnalyzeTaskOut:
    """The API view of an analysis task."""
    payload = task.payload
    result = task.result or {}
    return AnalyzeTaskOut(
        task_id=task.id,
        custom_id=payload.get("custom_id"),
        video_source={
            **payload.get("source", {}),
            **(
                {"system_metadata": result["system_metadata"]}
                if "system_metadata" in result
                else {}
            ),
        },
        request_params=payload.get("params"),
        status=task.status,
        created_at=task.created_at,
        completed_at=task.completed_at,
        result=AnalyzeTaskResult(
            **{k: result[k] for k in ("generation_id", "data", "finish_reason", "usage")}
        )
        if "data" in result
        else None,
        error=task.error,
        progress=round(task.progress, 3),
        warnings=result.get("warnings", []),
    )


@router.post("/analyze/tasks", status_code=201, response_model=TaskStatus)
def create_analyze_task(body: AnalyzeTaskCreate, state: State) -> TaskStatus:
    """Queue an analysis of a video (time-based metadata, or an open prompt)."""
    params = body.model_dump(
        exclude_none=True, exclude={"video", "video_id", "index_id", "custom_id"}
    )
    if body.analysis_mode == "time_based_metadata":
        parse_request(params)
    else:
        require_describer()
        if not body.prompt:
            raise InvalidRequestError("prompt", "is required for general analysis", "")
    source = resolve_source(state, body.video, body.video_id, body.index_id)
    task = state.tasks.create(
        "analyze", {"source": source, "params": params, "custom_id": body.custom_id}
    )
    state.pool.notify()
    return TaskStatus(task_id=task.id, status=task.status)


@router.get("/analyze/tasks", response_model=AnalyzeTaskList)
def list_analyze_tasks(
    state: State,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    page_limit: Annotated[int, Query(ge=1, le=50)] = 10,
    status: Annotated[str | None, Query(max_length=20)] = None,
    asset_id: Annotated[str | None, Query(max_length=64)] = None,
    video_url: Annotated[str | None, Query(max_length=4096)] = None,
    analysis_mode: Annotated[str | None, Query(pattern="^(general|time_based_metadata)$")] = None,
) -> AnalyzeTaskList:
    """Analysis tasks, newest first."""
    if status is not None and status not in _STATUSES:
        raise InvalidRequestError("status", f"{status!r} is not a status", ", ".join(_STATUSES))
    filters = {"status": "queued" if status == "pending" else status} if status else {}
    if not (asset_id or video_url or analysis_mode):
        tasks, total = state.tasks.page("analyze", page=page, limit=page_limit, filters=filters)
    else:
        everything: list[Task] = []
        number = 1
        while True:
            chunk, total = state.tasks.page("analyze", page=number, limit=200, filters=filters)
            everything.extend(
                t
                for t in chunk
                if (asset_id is None or t.payload["source"].get("asset_id") == asset_id)
                and (video_url is None or t.payload["source"].get("url") == video_url)
                and (
                    analysis_mode is None
                    or t.payload["params"].get("analysis_mode") == analysis_mode
                )
            )
            if number * 200 >= total:
                break
            number += 1
        total = len(everything)
        tasks = everything[(page - 1) * page_limit : page * page_limit]
    return AnalyzeTaskList(
        data=[task_out(t) for t in tasks], page_info=page_info(page, page_limit, total)
    )


@router.get("/analyze/tasks/{task_id}", response_model=AnalyzeTaskOut)
def get_analyze_task(task_id: str, state: State) -> AnalyzeTaskOut:
    """One analysis task, with its result once ``ready``."""
    return task_out(state.tasks.get(task_id, "analyze"))


@router.post("/analyze/tasks/{task_id}/cancel", response_model=TaskStatus)
def cancel_analyze_task(task_id: str, state: State) -> TaskStatus:
    """Cancel a queued or running analysis (409 once it has finished)."""
    task = state.tasks.cancel(task_id, "analyze")
    return TaskStatus(task_id=task.id, status=task.status)


@router.delete("/analyze/tasks/{task_id}", status_code=204)
def delete_analyze_task(task_id: str, state: State) -> Response:
    """Delete an analysis task that is not running."""
    state.tasks.delete(task_id, "analyze")
    return Response(status_code=204)
