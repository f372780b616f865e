"""Persistent tasks: a SQLite table of work items (run by :mod:`videoscope.api.tasks.workers`).

Indexing a video and analyzing one are long; the API answers at once with a task id and a worker
does the work. Every task is a row (``id, kind, status, progress, payload, result, error,
heartbeat, attempts``) in ``tasks.db``, so a restart finds everything that was queued or running.
On start-up, tasks that a crash left *running* are re-queued (indexing resumes from the
per-stage cache, so finished stages are not redone) until ``max_attempts`` runs were interrupted;
then they fail with a reason. No task stays stuck.

Each kind names its own statuses (Twelve Labs' words): indexing tasks go ``pending`` ->
``validating`` -> ``indexing`` -> ``ready``/``failed``; analysis tasks ``queued`` ->
``processing`` -> ``ready``/``failed``/``canceled``.

Example:
    >>> store = TaskStore(tmp / "tasks.db")  # doctest: +SKIP
    >>> pool = WorkerPool(store, {"index": run_index}, workers=1)  # doctest: +SKIP
    >>> pool.start(); store.create("index", {"path": "clip.mp4"})  # doctest: +SKIP
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from videoscope.errors import ConflictError, NotFoundError
from videoscope.library.sqlite import Database, new_id

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class KindStatuses:
    """The status names of one task kind."""

    queued: str
    running: tuple[str, ...]
    done: str = "ready"
    failed: str = "failed"
    canceled: str = "canceled"


STATUSES: dict[str, KindStatuses] = {
    "index": KindStatuses("pending", ("validating", "indexing")),
    "analyze": KindStatuses("queued", ("processing",)),
    "embed": KindStatuses("pending", ("processing",)),
}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS tasks (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, status TEXT NOT NULL,
    progress REAL NOT NULL DEFAULT 0, stage TEXT NOT NULL DEFAULT '',
    payload TEXT NOT NULL, result TEXT, error TEXT,
    attempts INTEGER NOT NULL DEFAULT 0, heartbeat REAL,
    index_id TEXT, video_id TEXT,
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL, completed_at TEXT);
CREATE INDEX IF NOT EXISTS tasks_by_kind ON tasks(kind, status, created_at);
"""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class Task:
    """One task row, decoded."""

    id: str
    kind: str
    status: str
    progress: float
    stage: str
    payload: dict[str, Any]
    result: dict[str, Any] | None
    error: dict[str, Any] | None
    attempts: int
    index_id: str | None
    video_id: str | None
    created_at: str
    updated_at: str
    completed_at: str | None

    @property
    def finished(self) -> bool:
        """Whether the task reached a final status."""
        s = STATUSES[self.kind]
        return self.status in (s.done, s.failed, s.canceled)


class TaskStore:
    """The task table; safe to use from many threads."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        database = Database(self.path, _SCHEMA, synchronous="FULL", foreign_keys=False)
        self._db, self._lock, self._transaction = (
            database.connection,
            database.lock,
            database.transaction,
        )

    def create(
        self,
        kind: str,
        payload: dict[str, Any],
        *,
        index_id: str | None = None,
        task_id: str | None = None,
    ) -> Task:
        """Queue a new task of ``kind`` with its ``payload``."""
        now = _now()
        task_id = task_id or new_id()
        with self._transaction() as db:
            db.execute(
                "INSERT INTO tasks (id, kind, status, payload, index_id, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (task_id, kind, STATUSES[kind].queued, json.dumps(payload), index_id, now, now),
            )
        return self.get(task_id)

    def get(self, task_id: str, kind: str | None = None) -> Task:
        """The task, or ``NotFoundError`` (also when it is of another kind)."""
        with self._lock:
            row = self._db.execute("SELECT * FROM tasks WHERE id = ?", (task_id,)).fetchone()
        if row is None or (kind is not None and row["kind"] != kind):
            raise NotFoundError(f"task {task_id!r}", "no such task", "check the task id")
        return _task(row)

    def page(
        self,
        kind: str,
        *,
        page: int = 1,
        limit: int = 10,
        filters: dict[str, Any] | None = None,
        ascending: bool = False,
    ) -> tuple[list[Task], int]:
        """A page of tasks of ``kind``, newest first, and the total count; ``filters`` match
        columns exactly (``status`` may be a list)."""
        where, params = ["kind = ?"], [kind]
        for column, value in (filters or {}).items():
            if column not in ("status", "index_id", "video_id"):
                continue
            values = value if isinstance(value, list) else [value]
            where.append(f"{column} IN ({', '.join('?' * len(values))})")
            params.extend(values)
        sql_where = " AND ".join(where)
        order = "ASC" if ascending else "DESC"
        with self._lock:
            total = self._db.execute(
                f"SELECT COUNT(*) FROM tasks WHERE {sql_where}", params
            ).fetchone()[0]
            rows = self._db.execute(
                f"SELECT * FROM tasks WHERE {sql_where} ORDER BY created_at {order}, id {order}"
                " LIMIT ? OFFSET ?",
                [*params, limit, (page - 1) * limit],
            ).fetchall()
        return [_task(r) for r in rows], int(total)

    def update(self, task_id: str, **fields: Any) -> None:
        """Set columns of a task (``payload``/``result``/``error`` as dicts)."""
        for key in ("payload", "result", "error"):
            if key in fields and fields[key] is not None:
                fields[key] = json.dumps(fields[key])
        fields["updated_at"] = _now()
        columns = ", ".join(f"{k} = ?" for k in fields)
        with self._transaction() as db:
            db.execute(f"UPDATE tasks SET {columns} WHERE id = ?", [*fields.values(), task_id])

    def advance(self, task_id: str, **fields: Any) -> bool:
        """Update a running task unless it was canceled (then False, nothing changed)."""
        fields["updated_at"] = _now()
        columns = ", ".join(f"{k} = ?" for k in fields)
        with self._transaction() as db:
            row = db.execute("SELECT kind, status FROM tasks WHERE id = ?", (task_id,)).fetchone()
            if row is None or row["status"] == STATUSES[row["kind"]].canceled:
                return False
            db.execute(f"UPDATE tasks SET {columns} WHERE id = ?", [*fields.values(), task_id])
        return True

    def finish(
        self,
        task_id: str,
        status: str,
        *,
        result: dict[str, Any] | None = None,
        error: dict[str, Any] | None = None,
        video_id: str | None = None,
    ) -> None:
        """Move a task to a final status, unless it was canceled meanwhile."""
        now = _now()
        with self._transaction() as db:
            row = db.execute("SELECT kind, status FROM tasks WHERE id = ?", (task_id,)).fetchone()
            if row is None or row["status"] == STATUSES[row["kind"]].canceled:
                return
            db.execute(
                "UPDATE tasks SET status = ?, result = ?, error = ?, progress = ?,"
                " video_id = COALESCE(?, video_id), updated_at = ?, completed_at = ?"
                " WHERE id = ?",
                (
                    status,
                    json.dumps(result) if result is not None else None,
                    json.dumps(error) if error is not None else None,
                    1.0 if status == STATUSES[row["kind"]].done else row_progress(db, task_id),
                    video_id,
                    now,
                    now,
                    task_id,
                ),
            )

    def cancel(self, task_id: str, kind: str) -> Task:
        """Cancel a queued or running task; ``ConflictError`` once it has finished."""
        statuses = STATUSES[kind]
        self.get(task_id, kind)
        now = _now()
        with self._transaction() as db:
            status = db.execute("SELECT status FROM tasks WHERE id = ?", (task_id,)).fetchone()[0]
            if status in (statuses.done, statuses.failed):
                raise ConflictError(
                    f"task {task_id!r}", f"the task is already {status}", "nothing to cancel"
                )
            if status != statuses.canceled:
                db.execute(
                    "UPDATE tasks SET status = ?, updated_at = ?, completed_at = ? WHERE id = ?",
                    (statuses.canceled, now, now, task_id),
                )
        return self.get(task_id)

    def delete(self, task_id: str, kind: str) -> Task:
        """Delete a task that is not running (``ConflictError`` while it runs)."""
        task = self.get(task_id, kind)
        if task.status in STATUSES[kind].running:
            raise ConflictError(
                f"task {task_id!r}", f"the task is {task.status}", "cancel it or wait for it"
            )
        with self._transaction() as db:
            db.execute("DELETE FROM tasks WHERE id = ?", (task_id,))
        return task

    def claim(self, kinds: list[str]) -> Task | None:
        """Atomically take the oldest queued task of ``kinds`` and mark it running."""
        with self._transaction() as db:
            for row in db.execute(
                "SELECT id, kind, status FROM tasks ORDER BY created_at, id"
            ).fetchall():
                if row["kind"] in kinds and row["status"] == STATUSES[row["kind"]].queued:
                    db.execute(
                        "UPDATE tasks SET status = ?, attempts = attempts + 1, heartbeat = ?,"
                        " updated_at = ? WHERE id = ?",
                        (STATUSES[row["kind"]].running[0], time.time(), _now(), row["id"]),
                    )
                    return _task(
                        db.execute("SELECT * FROM tasks WHERE id = ?", (row["id"],)).fetchone()
                    )
        return None

    def recover(self, max_attempts: int) -> tuple[int, int]:
        """Re-queue tasks a crash left running, or fail those interrupted ``max_attempts``
        times; returns (requeued, failed)."""
        requeued = failed = 0
        now = _now()
        with self._transaction() as db:
            for row in db.execute("SELECT id, kind, status, attempts FROM tasks").fetchall():
                statuses = STATUSES.get(row["kind"])
                if statuses is None or row["status"] not in statuses.running:
                    continue
                if row["attempts"] >= max_attempts:
                    error = {
                        "code": "task_interrupted",
                        "message": f"the server stopped while this task ran, "
                        f"{row['attempts']} times; giving up",
                    }
                    db.execute(
                        "UPDATE tasks SET status = ?, error = ?, updated_at = ?,"
                        " completed_at = ? WHERE id = ?",
                        (statuses.failed, json.dumps(error), now, now, row["id"]),
                    )
                    failed += 1
                else:
                    db.execute(
                        "UPDATE tasks SET status = ?, updated_at = ? WHERE id = ?",
                        (statuses.queued, now, row["id"]),
                    )
                    requeued += 1
        return requeued, failed

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._db.close()


def row_progress(db: sqlite3.Connection, task_id: str) -> float:
    """The stored progress of a task (used when it fails: progress stays where it stopped)."""
    row = db.execute("SELECT progress FROM tasks WHERE id = ?", (task_id,)).fetchone()
    return float(row[0]) if row else 0.0


def _task(row: sqlite3.Row) -> Task:
    return Task(
        id=row["id"],
        kind=row["kind"],
        status=row["status"],
        progress=row["progress"],
        stage=row["stage"],
        payload=json.loads(row["payload"]),
        result=json.loads(row["result"]) if row["result"] else None,
        error=json.loads(row["error"]) if row["error"] else None,
        attempts=row["attempts"],
        index_id=row["index_id"],
        video_id=row["video_id"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        completed_at=row["completed_at"],
    )
