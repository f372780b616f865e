"""Persistent tasks: the table, the worker pool, and a real kill -9 during indexing."""

from __future__ import annotations

import shutil
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api.conftest import ProcessServer
from tests.conftest import MediaFactory
from videoscope.api.deps import ServerState
from videoscope.api.tasks.handlers import index_task
from videoscope.api.tasks.store import Task, TaskStore
from videoscope.api.tasks.workers import TaskContext, WorkerPool
from videoscope.config import Settings
from videoscope.errors import ConfigError, ConflictError, NotAVideoError, NotFoundError
from videoscope.library.records import IndexModel
from videoscope.samples import ShotSpec, SpeechSpec, VideoSpec

twelvelabs = pytest.importorskip("twelvelabs")
from twelvelabs.indexes import IndexesCreateRequestModelsItem  # noqa: E402


def _wait(store: TaskStore, task_id: str, timeout: float = 10.0) -> Task:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        task = store.get(task_id)
        if task.finished:
            return task
        time.sleep(0.02)
    raise AssertionError(f"task {task_id} did not finish")


def test_handlers_results_and_errors_are_stored(tmp_path: Path) -> None:
    store = TaskStore(tmp_path / "tasks.db")

    def handler(task: Task, context: TaskContext) -> tuple[dict[str, Any] | None, str | None]:
        context.status("indexing", "work")
        context.progress(0.5, "work")
        if task.payload["mode"] == "media":
            raise NotAVideoError("clip.mp4", "no video stream")
        if task.payload["mode"] == "crash":
            raise RuntimeError("boom")
        return {"answer": 42}, "video-1"

    pool = WorkerPool(store, {"index": handler}, workers=2)
    pool.start()
    try:
        ok = store.create("index", {"mode": "ok"}, index_id="i")
        media = store.create("index", {"mode": "media"})
        crash = store.create("index", {"mode": "crash"})
        pool.notify()
        done = _wait(store, ok.id)
        assert (done.status, done.result, done.video_id, done.progress) == (
            "ready",
            {"answer": 42},
            "video-1",
            1.0,
        )
        failed = _wait(store, media.id)
        assert failed.status == "failed" and failed.error == {
            "code": "not_a_video",
            "message": "clip.mp4: no video stream",
        }
        assert _wait(store, crash.id).error["code"] == "internal_error"  # type: ignore[index]
        tasks, total = store.page("index", filters={"status": ["failed"]})
        assert total == 2 and {t.id for t in tasks} == {media.id, crash.id}
    finally:
        pool.stop()


def test_cancel_stops_a_running_task_and_finished_tasks_conflict(tmp_path: Path) -> None:
    store = TaskStore(tmp_path / "tasks.db")
    started = threading.Event()

    def slow(task: Task, context: TaskContext) -> tuple[dict[str, Any] | None, str | None]:
        context.status("processing", "slow")
        started.set()
        for step in range(200):
            time.sleep(0.02)
            context.progress(step / 200, "slow")
        return {}, None

    pool = WorkerPool(store, {"analyze": slow})
    pool.start()
    try:
        task = store.create("analyze", {})
        pool.notify()
        assert started.wait(5)
        assert store.cancel(task.id, "analyze").status == "canceled"
        time.sleep(0.8)
        assert store.get(task.id).status == "canceled"
        with pytest.raises(ConflictError):
            store.cancel(_finished(store), "analyze")
        with pytest.raises(NotFoundError):
            store.get(task.id, "index")
    finally:
        pool.stop()


def _finished(store: TaskStore) -> str:
    task = store.create("analyze", {})
    store.finish(task.id, "ready", result={})
    return task.id


def test_recovery_requeues_then_fails_after_max_attempts(tmp_path: Path) -> None:
    store = TaskStore(tmp_path / "tasks.db")
    task = store.create("index", {})
    for attempt in range(1, 4):
        claimed = store.claim(["index"])
        assert claimed is not None and claimed.attempts == attempt
        assert claimed.status == "validating"
        requeued, failed = TaskStore(tmp_path / "tasks.db").recover(max_attempts=3)
        assert (requeued, failed) == ((1, 0) if attempt < 3 else (0, 1))
    final = store.get(task.id)
    assert final.status == "failed" and final.error["code"] == "task_interrupted"  # type: ignore[index]
    assert store.claim(["index"]) is None


def _row(home: Path, task_id: str) -> sqlite3.Row:
    with sqlite3.connect(home / "server" / "tasks.db") as db:
        db.row_factory = sqlite3.Row
        return db.execute("SELECT * FROM tasks WHERE id = ?", (task_id,)).fetchone()


CRASH = VideoSpec(
    shots=[ShotSpec("rocket", 3.0), ShotSpec("coffee", 3.0)],
    speech=[SpeechSpec("The rocket launch was a complete success.", 0.5)],
    width=640,
    height=360,
)


def test_kill_9_during_indexing_loses_nothing(tmp_path: Path, media: MediaFactory) -> None:
    path, truth = media.build("api-crash.mp4", CRASH)
    home = tmp_path / "home"
    first = ProcessServer(home).start()
    try:
        client = twelvelabs.TwelveLabs(api_key="k", base_url=first.url)
        models = [IndexesCreateRequestModelsItem(model_name="m", model_options=["visual"])]
        index_id = client.indexes.create(index_name="crash", models=models).id
        with open(path, "rb") as video:
            task_id = client.tasks.create(index_id=index_id, video_file=video).id
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            task = httpx.get(f"{first.url}/tasks/{task_id}").json()
            if task["status"] == "indexing":
                break
            assert task["status"] in ("pending", "validating", "indexing"), task
            time.sleep(0.05)
        first.kill()
    finally:
        first.stop()
    crashed = _row(home, task_id)
    assert crashed["status"] == "indexing" and crashed["attempts"] == 1

    second = ProcessServer(home).start()
    try:
        client = twelvelabs.TwelveLabs(api_key="k", base_url=second.url)
        done = client.tasks.wait_for_done(task_id=task_id, sleep_interval=0.3)
        assert done.status == "ready"
        assert _row(home, task_id)["attempts"] == 2
        videos = list(client.indexes.videos.list(index_id))
        assert [v.id for v in videos] == [done.video_id]
        assert abs(videos[0].system_metadata.duration - truth.duration) < 0.1
        hits = list(
            client.search.query(index_id=index_id, search_options=["visual"], query_text="rocket")
        )
        assert hits and hits[0].video_id == done.video_id
        assert all(t.status == "ready" for t in client.tasks.list())
    finally:
        second.stop()


def test_a_rerun_adopts_the_video_an_interrupted_run_stored(
    tmp_path: Path, media: MediaFactory
) -> None:
    path, _ = media.build("api-crash.mp4", CRASH)
    state = ServerState(Settings(home=tmp_path))
    index = state.library.store.create_index(
        "adopt", [IndexModel(model_name="m", model_options=["visual"])]
    )
    asset = state.assets.create("direct", path.name)
    folder = state.assets.folder(asset.id)
    folder.mkdir(parents=True)
    state.assets.attach(asset.id, Path(shutil.copy(path, folder / path.name)))
    task = state.tasks.create("index", {"asset_id": asset.id}, index_id=index.id)
    first = state.tasks.claim(["index"])
    assert first is not None
    _, video_id = index_task(state, first, TaskContext(state.tasks, first))
    # the process dies here: the video is stored, the task still says "indexing"
    assert state.tasks.recover(max_attempts=3) == (1, 0)
    second = state.tasks.claim(["index"])
    assert second is not None and second.attempts == 2
    _, again = index_task(state, second, TaskContext(state.tasks, second))
    assert again == video_id
    assert state.library.store.list_videos(index.id).total_results == 1
    assert state.tasks.get(task.id).payload["system_metadata"]["duration"] > 5


def test_one_server_per_home(tmp_path: Path) -> None:
    first = ServerState(Settings(home=tmp_path))
    first.start()
    try:
        with pytest.raises(ConfigError):
            ServerState(Settings(home=tmp_path)).start()
    finally:
        first.stop()
    again = ServerState(Settings(home=tmp_path))
    again.start()
    again.stop()
