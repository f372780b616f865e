"""``/tasks``: upload a video file or give a ``video_url`` to index it; follow the task.

``POST /tasks`` answers at once (201) with the task id; a worker fetches, validates and indexes
the video (:func:`videoscope.api.tasks.handlers.index_task`). Status values are Twelve Labs':
``pending``, ``validating``, ``indexing``, ``ready``, ``failed``. Each task also reports
``progress`` (0..1) and the current ``stage``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Response, UploadFile

from videoscope.api.deps import State, parse_metadata
from videoscope.api.schemas import (
    ErrorBody,
    TaskCreated,
    TaskList,
    TaskOut,
    TaskSystemMetadata,
    page_info,
)
from videoscope.api.security import check_url
from videoscope.api.services.assets import store_upload
from videoscope.api.tasks.store import Task
from videoscope.errors import InvalidRequestError

router = APIRouter(tags=["tasks"])
_STATUSES = ("pending", "validating", "indexing", "ready", "failed")


def task_out(task: Task) -> TaskOut:
    """The API view of an indexing task."""
    meta: dict[str, Any] | None = task.payload.get("system_metadata")
    if meta is None and task.payload.get("filename"):
        meta = {"filename": task.payload["filename"]}
    return TaskOut(
        id=task.id,
        index_id=task.index_id,
        video_id=task.video_id,
        status=task.status,
        system_metadata=TaskSystemMetadata(**meta) if meta else None,
        created_at=task.created_at,
        updated_at=task.updated_at,
        progress=round(task.progress, 3),
        stage=task.stage,
        error=ErrorBody(**task.error) if task.error else None,
    )


@router.post("/tasks", status_code=201, response_model=TaskCreated)
def create_task(
    state: State,
    index_id: Annotated[str, Form(min_length=1, max_length=64)],
    video_file: Annotated[UploadFile | None, File()] = None,
    video_url: Annotated[str | None, Form(max_length=4096)] = None,
    enable_video_stream: Annotated[bool | None, Form()] = None,
    user_metadata: Annotated[str | None, Form(max_length=65536)] = None,
) -> TaskCreated:
    """Queue a video (uploaded file or ``video_url``) for indexing into ``index_id``."""
    metadata = parse_metadata(user_metadata)
    state.library.store.get_index(index_id)
    if video_file is not None and video_file.filename:
        asset = store_upload(state, video_file, metadata)
    elif video_url:
        check_url(video_url, state.settings.server)
        asset = state.assets.create(
            "url",
            video_url.rsplit("/", 1)[-1].split("?")[0] or "video",
            url=video_url,
            user_metadata=metadata,
        )
    else:
        raise InvalidRequestError(
            "video_file", "neither video_file nor video_url was given", "send one of them"
        )
    task = state.tasks.create(
        "index",
        {"asset_id": asset.id, "filename": asset.filename, "user_metadata": metadata},
        index_id=index_id,
    )
    state.pool.notify()
    return TaskCreated(id=task.id, video_id=None)


@router.get("/tasks", response_model=TaskList)
def list_tasks(
    state: State,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    page_limit: Annotated[int, Query(ge=1, le=50)] = 10,
    index_id: Annotated[str | None, Query(max_length=64)] = None,
    status: Annotated[list[str] | None, Query()] = None,
    sort_option: Annotated[str | None, Query(pattern="^(asc|desc)$")] = None,
) -> TaskList:
    """Indexing tasks, newest first; filter by index and status."""
    filters: dict[str, Any] = {}
    if index_id:
        filters["index_id"] = index_id
    if status:
        wanted = [s.strip() for value in status for s in value.split(",") if s.strip()]
        unknown = [s for s in wanted if s not in _STATUSES]
        if unknown:
            raise InvalidRequestError(
                "status", f"unknown status {unknown[0][:40]!r}", f"use {', '.join(_STATUSES)}"
            )
        filters["status"] = wanted
    tasks, total = state.tasks.page(
        "index", page=page, limit=page_limit, filters=filters, ascending=sort_option == "asc"
    )
    return TaskList(data=[task_out(t) for t in tasks], page_info=page_info(page, page_limit, total))


@router.get("/tasks/{task_id}", response_model=TaskOut)
def get_task(task_id: str, state: State) -> TaskOut:
    """One indexing task with its status and progress."""
    return task_out(state.tasks.get(task_id, "index"))


@router.delete("/tasks/{task_id}", status_code=204)
def delete_task(task_id: str, state: State) -> Response:
    """Delete a task that is not running (its video, if any, stays in the index)."""
    state.tasks.delete(task_id, "index")
    return Response(status_code=204)
