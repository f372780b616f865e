"""The worker pool: threads that claim queued tasks from the :class:`TaskStore` and run them.

A handler gets the task and a :class:`TaskContext` to report status and progress; reporting also
checks for cancelation (:class:`TaskCanceled`). See :mod:`videoscope.api.tasks.store` for the
table and how a restart recovers what a crash left running.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from videoscope.api.tasks.store import STATUSES, Task, TaskStore
from videoscope.errors import VideoscopeError

logger = logging.getLogger(__name__)


class TaskCanceled(Exception):
    """Raised inside a handler's progress callback when its task was canceled."""


class TaskContext:
    """What a handler gets besides the task: progress reporting that also checks cancelation."""

    def __init__(self, store: TaskStore, task: Task) -> None:
        self.store = store
        self.task = task
        self._last = 0.0

    def status(self, status: str, stage: str = "") -> None:
        """Move the running task to another running ``status`` (e.g. ``indexing``); raises
        :class:`TaskCanceled` if the task was canceled."""
        if not self.store.advance(self.task.id, status=status, stage=stage, heartbeat=time.time()):
            raise TaskCanceled(self.task.id)

    def progress(self, fraction: float, stage: str = "") -> None:
        """Record progress (0..1); raises :class:`TaskCanceled` if the task was canceled."""
        now = time.monotonic()
        if now - self._last < 0.5 and fraction < 1.0:
            return
        self._last = now
        if not self.store.advance(
            self.task.id,
            progress=max(0.0, min(1.0, fraction)),
            stage=stage,
            heartbeat=time.time(),
        ):
            raise TaskCanceled(self.task.id)


Handler = Callable[[Task, TaskContext], tuple[dict[str, Any] | None, str | None]]


class WorkerPool:
    """Threads that claim queued tasks and run the handler of their kind.

    A handler returns ``(result, video_id)``; a :class:`VideoscopeError` fails the task with its
    code and message; any other exception fails it with ``internal_error`` (and is logged).
    """

    def __init__(self, store: TaskStore, handlers: dict[str, Handler], workers: int = 1) -> None:
        self.store = store
        self.handlers = handlers
        self.workers = max(1, workers)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self, max_attempts: int = 3) -> None:
        """Recover what a crash left running, then start the worker threads."""
        requeued, failed = self.store.recover(max_attempts)
        if requeued or failed:
            logger.warning(
                "recovered tasks after a restart: %d re-queued, %d failed", requeued, failed
            )
        for number in range(self.workers):
            thread = threading.Thread(
                target=self._loop, name=f"videoscope-task-{number}", daemon=True
            )
            thread.start()
            self._threads.append(thread)

    def notify(self) -> None:
        """Wake the workers (a task was queued)."""
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        """Ask the workers to stop after their current task (running tasks resume next start)."""
        self._stop.set()
        self._wake.set()
        for thread in self._threads:
            thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            task = self.store.claim(list(self.handlers))
            if task is None:
                self._wake.wait(1.0)
                self._wake.clear()
                continue
            self._run(task)

    def _run(self, task: Task) -> None:
        statuses = STATUSES[task.kind]
        context = TaskContext(self.store, task)
        try:
            result, video_id = self.handlers[task.kind](task, context)
        except TaskCanceled:
            logger.info("task %s canceled", task.id)
        except VideoscopeError as error:
            self.store.finish(
                task.id, statuses.failed, error={"code": error.code, "message": str(error)}
            )
        except Exception as error:
            logger.exception("task %s failed", task.id)
            self.store.finish(
                task.id,
                statuses.failed,
                error={"code": "internal_error", "message": f"{type(error).__name__}: {error}"},
            )
        else:
            self.store.finish(task.id, statuses.done, result=result, video_id=video_id)
