"""The embedded store: one SQLite file in WAL mode, FTS5 for text, vectors as float32 blobs.

Everything of a video (record, timeline JSON, embeddings blob, moments, vectors) is written in one
transaction, so a crash mid-write leaves the previous state and no half-indexed video. Vector
search runs on an in-memory index per (index, space): exact below ``ann_min_rows`` vectors, an
HNSW graph (FAISS) above. When a writer has changed the vectors (a generation counter per index
and space tells), the index is brought up to date by adding and removing only the rows that
changed (moment ids are never reused); HNSW graphs are saved next to the database
(``vectors/*.hnsw``) after a full build and on :meth:`SQLiteStore.close`, so reopening a large
library loads its graph and catches up instead of rebuilding.
"""

from __future__ import annotations

import json
import re
import secrets
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from videoscope.errors import ConflictError, NotFoundError
from videoscope.library.records import (
    IndexModel,
    IndexRecord,
    Modality,
    MomentHit,
    Page,
    VideoRecord,
    utc_now,
)
from videoscope.library.store import (
    MomentInput,
    NewVideo,
    check_metadata_key,
    merge_metadata,
)
from videoscope.library.vectors import ANN_MIN_ROWS, VectorCache, VectorIndex
from videoscope.timeline.model import Timeline

_SCHEMA = """
CREATE TABLE IF NOT EXISTS indexes (
    id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, models TEXT NOT NULL,
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS videos (
    id TEXT PRIMARY KEY, index_id TEXT NOT NULL REFERENCES indexes(id) ON DELETE CASCADE,
    content_hash TEXT NOT NULL, filename TEXT NOT NULL, duration REAL NOT NULL,
    width INTEGER, height INTEGER, fps REAL, size_bytes INTEGER,
    user_metadata TEXT NOT NULL, timeline TEXT NOT NULL, embeddings BLOB,
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS videos_by_index ON videos(index_id, created_at);
CREATE TABLE IF NOT EXISTS moments (
    id INTEGER PRIMARY KEY AUTOINCREMENT, index_id TEXT NOT NULL,
    video_id TEXT NOT NULL REFERENCES videos(id) ON DELETE CASCADE,
    modality TEXT NOT NULL CHECK (modality IN ('visual', 'speech', 'text')),
    start REAL NOT NULL CHECK (start >= 0), "end" REAL NOT NULL CHECK ("end" >= start),
    text TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS moments_by_video ON moments(video_id);
CREATE VIRTUAL TABLE IF NOT EXISTS moments_fts USING fts5(
    text, content='moments', content_rowid='id', tokenize='porter unicode61');
CREATE TRIGGER IF NOT EXISTS moments_ai AFTER INSERT ON moments BEGIN
    INSERT INTO moments_fts(rowid, text) VALUES (new.id, new.text); END;
CREATE TRIGGER IF NOT EXISTS moments_ad AFTER DELETE ON moments BEGIN
    INSERT INTO moments_fts(moments_fts, rowid, text) VALUES ('delete', old.id, old.text); END;
CREATE TABLE IF NOT EXISTS vectors (
    moment_id INTEGER PRIMARY KEY REFERENCES moments(id) ON DELETE CASCADE,
    index_id TEXT NOT NULL, space TEXT NOT NULL, data BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS vectors_by_space ON vectors(index_id, space);
CREATE TABLE IF NOT EXISTS generations (
    index_id TEXT NOT NULL, space TEXT NOT NULL, generation INTEGER NOT NULL,
    PRIMARY KEY (index_id, space));
"""
_VIDEO_COLUMNS = (
    "id, index_id, content_hash, filename, duration, width, height, fps, size_bytes, "
    "user_metadata, created_at, updated_at"
)


def new_id() -> str:
    """A 24-hex-digit id, the shape Twelve Labs uses."""
    return secrets.token_hex(12)


class Database:
    """One SQLite file in WAL mode shared by threads: a connection, its lock, transactions."""

    def __init__(
        self, path: Path, schema: str, *, synchronous: str = "NORMAL", foreign_keys: bool = True
    ) -> None:
        self.connection = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.connection.row_factory = sqlite3.Row
        self.lock = threading.RLock()
        with self.lock:
            self.connection.execute("PRAGMA journal_mode=WAL")
            if foreign_keys:
                self.connection.execute("PRAGMA foreign_keys=ON")
            self.connection.execute(f"PRAGMA synchronous={synchronous}")
            self.connection.executescript(schema)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE`` ... ``COMMIT``, rolled back if the block raises."""
        with self.lock:
            self.connection.execute("BEGIN IMMEDIATE")
            try:
                yield self.connection
            except BaseException:
                self.connection.execute("ROLLBACK")
                raise
            self.connection.execute("COMMIT")


class SQLiteStore:
    """The embedded :class:`~videoscope.library.store.Store` in ``folder/library.db``.

    ``ann_min_rows``: from this many vectors in an (index, space) on, search uses HNSW.
    """

    def __init__(self, folder: str | Path, *, ann_min_rows: int = ANN_MIN_ROWS) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.path = self.folder / "library.db"
        self._database = Database(self.path, _SCHEMA)
        self._db, self._lock = self._database.connection, self._database.lock
        self._transaction = self._database.transaction
        self.ann_min_rows = ann_min_rows
        self._vectors = VectorCache(self.folder / "vectors", ann_min_rows)

    def _query(self, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    # -- indexes ---------------------------------------------------------------------------
    def create_index(self, name: str, models: list[IndexModel]) -> IndexRecord:
        """Create an index with a unique name."""
        now = utc_now().isoformat()
        index_id = new_id()
        models_json = json.dumps([m.model_dump() for m in models])
        try:
            with self._transaction() as db:
                db.execute(
                    "INSERT INTO indexes VALUES (?, ?, ?, ?, ?)",
                    (index_id, name, models_json, now, now),
                )
        except sqlite3.IntegrityError as error:
            raise ConflictError(
                f"index {name!r}", "an index with this name exists", "choose another name"
            ) from error
        return self.get_index(index_id)

    def get_index(self, index_id: str) -> IndexRecord:
        """The index with its video count and total duration."""
        rows = self._query(
            "SELECT i.*, COUNT(v.id) AS video_count, COALESCE(SUM(v.duration), 0) AS total "
            "FROM indexes i LEFT JOIN videos v ON v.index_id = i.id WHERE i.id = ? GROUP BY i.id",
            (index_id,),
        )
        if not rows:
            raise NotFoundError(f"index {index_id!r}", "no such index", "list indexes to see ids")
        return _index_record(rows[0])

    def list_indexes(
        self, page: int = 1, limit: int = 10, name: str | None = None
    ) -> Page[IndexRecord]:
        """Indexes, newest first."""
        where, params = ("WHERE i.name = ?", (name,)) if name else ("", ())
        total = self._query(f"SELECT COUNT(*) FROM indexes i {where}", params)[0][0]
        rows = self._query(
            "SELECT i.*, COUNT(v.id) AS video_count, COALESCE(SUM(v.duration), 0) AS total "
            f"FROM indexes i LEFT JOIN videos v ON v.index_id = i.id {where} GROUP BY i.id "
            "ORDER BY i.created_at DESC, i.id LIMIT ? OFFSET ?",
            (*params, limit, (page - 1) * limit),
        )
        return Page(
            items=[_index_record(r) for r in rows],
            page=page,
            limit_per_page=limit,
            total_results=total,
        )

    def rename_index(self, index_id: str, name: str) -> IndexRecord:
        """Rename an index (names stay unique)."""
        self.get_index(index_id)
        try:
            with self._transaction() as db:
                db.execute(
                    "UPDATE indexes SET name = ?, updated_at = ? WHERE id = ?",
                    (name, utc_now().isoformat(), index_id),
                )
        except sqlite3.IntegrityError as error:
            raise ConflictError(
                f"index {name!r}", "an index with this name exists", "choose another name"
            ) from error
        return self.get_index(index_id)

    def delete_index(self, index_id: str) -> None:
        """Delete an index and everything in it."""
        self.get_index(index_id)
        with self._transaction() as db:
            db.execute("DELETE FROM moments WHERE index_id = ?", (index_id,))
            db.execute("DELETE FROM indexes WHERE id = ?", (index_id,))
            db.execute("DELETE FROM generations WHERE index_id = ?", (index_id,))
        self._vectors.drop(index_id)

    # -- videos ----------------------------------------------------------------------------
    def add_video(
        self, index_id: str, video: NewVideo, timeline: Timeline, moments: list[MomentInput]
    ) -> VideoRecord:
        """Store the video, its timeline and moments in one transaction."""
        self.get_index(index_id)
        timeline.validate_tracks()
        video_id, now, ref = new_id(), utc_now().isoformat(), timeline.video
        spaces = {m.space for m in moments if m.space is not None}
        with self._transaction() as db:
            db.execute(
                f"INSERT INTO videos ({_VIDEO_COLUMNS}, timeline, embeddings) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    video_id,
                    index_id,
                    ref.content_hash,
                    video.filename,
                    ref.duration,
                    ref.width,
                    ref.height,
                    ref.fps,
                    video.size_bytes,
                    json.dumps(video.user_metadata or {}),
                    now,
                    now,
                    timeline.model_dump_json(),
                    timeline.embeddings_to_bytes(),
                ),
            )
            for item in moments:
                m = item.moment
                cursor = db.execute(
                    'INSERT INTO moments (index_id, video_id, modality, start, "end", text) '
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (index_id, video_id, m.modality, m.start, m.end, m.text),
                )
                if item.vector is not None and item.space is not None:
                    data = np.ascontiguousarray(item.vector, dtype=np.float32).tobytes()
                    db.execute(
                        "INSERT INTO vectors VALUES (?, ?, ?, ?)",
                        (cursor.lastrowid, index_id, item.space, data),
                    )
            for space in spaces:
                _bump_generation(db, index_id, space)
        return self.get_video(index_id, video_id)

    def get_video(self, index_id: str, video_id: str) -> VideoRecord:
        """The video record."""
        rows = self._query(
            f"SELECT {_VIDEO_COLUMNS} FROM videos WHERE id = ? AND index_id = ?",
            (video_id, index_id),
        )
        if not rows:
            raise NotFoundError(
                f"video {video_id!r} in index {index_id!r}",
                "no such video",
                "list the index's videos to see ids",
            )
        return _video_record(rows[0])

    def get_timeline(self, index_id: str, video_id: str) -> Timeline:
        """The video's timeline with its embeddings."""
        self.get_video(index_id, video_id)
        row = self._query("SELECT timeline, embeddings FROM videos WHERE id = ?", (video_id,))[0]
        timeline = Timeline.model_validate_json(row["timeline"])
        if row["embeddings"]:
            timeline.load_embeddings(row["embeddings"])
        return timeline

    def list_videos(
        self,
        index_id: str,
        page: int = 1,
        limit: int = 10,
        metadata_filter: dict[str, Any] | None = None,
    ) -> Page[VideoRecord]:
        """Videos of an index, newest first, filtered on user_metadata by exact value."""
        self.get_index(index_id)
        clauses, params = ["index_id = ?"], [index_id]
        for key, value in (metadata_filter or {}).items():
            check_metadata_key(key)
            clauses.append("json_extract(user_metadata, ?) = ?")
            params += [f'$."{key}"', value]
        where = " AND ".join(clauses)
        total = self._query(f"SELECT COUNT(*) FROM videos WHERE {where}", tuple(params))[0][0]
        rows = self._query(
            f"SELECT {_VIDEO_COLUMNS} FROM videos WHERE {where} "
            "ORDER BY created_at DESC, id LIMIT ? OFFSET ?",
            (*params, limit, (page - 1) * limit),
        )
        return Page(
            items=[_video_record(r) for r in rows],
            page=page,
            limit_per_page=limit,
            total_results=total,
        )

    def update_video_metadata(
        self, index_id: str, video_id: str, user_metadata: dict[str, Any]
    ) -> VideoRecord:
        """Merge keys into user_metadata; a None value removes the key."""
        current = merge_metadata(self.get_video(index_id, video_id).user_metadata, user_metadata)
        with self._transaction() as db:
            db.execute(
                "UPDATE videos SET user_metadata = ?, updated_at = ? WHERE id = ?",
                (json.dumps(current), utc_now().isoformat(), video_id),
            )
        return self.get_video(index_id, video_id)

    def delete_video(self, index_id: str, video_id: str) -> None:
        """Delete a video with its moments and vectors."""
        self.get_video(index_id, video_id)
        with self._transaction() as db:
            spaces = [
                r[0]
                for r in db.execute(
                    "SELECT DISTINCT space FROM vectors v JOIN moments m ON m.id = v.moment_id "
                    "WHERE m.video_id = ?",
                    (video_id,),
                )
            ]
            db.execute("DELETE FROM moments WHERE video_id = ?", (video_id,))
            db.execute("DELETE FROM videos WHERE id = ?", (video_id,))
            for space in spaces:
                _bump_generation(db, index_id, space)

    # -- retrieval -------------------------------------------------------------------------
    def search_text(
        self, index_id: str, query: str, modalities: list[Modality], limit: int
    ) -> list[MomentHit]:
        """BM25 full-text search; every query word must match (prefixes allowed)."""
        terms = re.findall(r"\w+", query.lower())
        if not terms or not modalities:
            return []
        match = " ".join(f'"{t}"*' for t in terms)
        marks = ", ".join("?" for _ in modalities)
        rows = self._query(
            'SELECT m.id, m.video_id, m.modality, m.start, m."end", m.text, '
            "bm25(moments_fts) AS rank FROM moments_fts JOIN moments m ON m.id = moments_fts.rowid "
            f"WHERE moments_fts MATCH ? AND m.index_id = ? AND m.modality IN ({marks}) "
            "ORDER BY rank LIMIT ?",
            (match, index_id, *modalities, limit),
        )
        return [
            MomentHit(
                moment_id=r["id"],
                video_id=r["video_id"],
                modality=r["modality"],
                start=r["start"],
                end=r["end"],
                text=r["text"],
                score=-float(r["rank"]),
            )
            for r in rows
        ]

    def search_vectors(
        self, index_id: str, space: str, vector: np.ndarray, limit: int
    ) -> list[MomentHit]:
        """Cosine nearest moments in ``space``."""
        index = self._vector_index(index_id, space)
        if index is None:
            return []
        ids, scores = index.search(np.asarray(vector, dtype=np.float32), limit)
        if len(ids) == 0:
            return []
        marks = ", ".join("?" for _ in ids)
        rows = {
            r["id"]: r
            for r in self._query(
                f'SELECT id, video_id, modality, start, "end", text FROM moments '
                f"WHERE id IN ({marks})",
                tuple(int(i) for i in ids),
            )
        }
        return [
            MomentHit(
                moment_id=int(i),
                video_id=rows[i]["video_id"],
                modality=rows[i]["modality"],
                start=rows[i]["start"],
                end=rows[i]["end"],
                text=rows[i]["text"],
                score=float(s),
            )
            for i, s in zip(ids.tolist(), scores.tolist(), strict=True)
            if i in rows
        ]

    def _vector_index(self, index_id: str, space: str) -> VectorIndex | None:
        rows = self._query(
            "SELECT generation FROM generations WHERE index_id = ? AND space = ?",
            (index_id, space),
        )
        if not rows:
            return None
        key = (index_id, space)

        def ids() -> np.ndarray:
            sql = "SELECT moment_id FROM vectors WHERE index_id = ? AND space = ?"
            return np.array([r[0] for r in self._query(sql, key)], dtype=np.int64)

        return self._vectors.get(
            key, rows[0][0], ids, lambda wanted: self._stored_vectors(key, wanted)
        )

    def _stored_vectors(
        self, key: tuple[str, str], ids: np.ndarray | None, chunk: int = 20_000
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """(ids, matrix) chunks of the (index, space)'s vectors: all of them, or ``ids``."""
        after = -1
        while ids is None:  # everything, in id order, a chunk at a time
            rows = self._query(
                "SELECT moment_id, data FROM vectors WHERE index_id = ? AND space = ? "
                "AND moment_id > ? ORDER BY moment_id LIMIT ?",
                (*key, after, chunk),
            )
            if not rows:
                return
            after = rows[-1]["moment_id"]
            yield _vector_rows(rows)
        for part in np.array_split(ids, max(1, -(-len(ids) // 5000))):
            if len(part):
                marks = ", ".join("?" for _ in part)
                sql = f"SELECT moment_id, data FROM vectors WHERE moment_id IN ({marks})"
                rows = self._query(sql, tuple(int(i) for i in part))
                if rows:
                    yield _vector_rows(rows)

    def close(self) -> None:
        """Save changed HNSW graphs and close the database connection."""
        self._vectors.save()
        with self._lock:
            self._db.close()


def _vector_rows(rows: list[sqlite3.Row]) -> tuple[np.ndarray, np.ndarray]:
    matrix = np.stack([np.frombuffer(r["data"], dtype=np.float32) for r in rows])
    return np.array([r["moment_id"] for r in rows], dtype=np.int64), matrix


def _bump_generation(db: sqlite3.Connection, index_id: str, space: str) -> None:
    db.execute(
        "INSERT INTO generations VALUES (?, ?, 1) ON CONFLICT(index_id, space) "
        "DO UPDATE SET generation = generation + 1",
        (index_id, space),
    )


def _index_record(row: sqlite3.Row) -> IndexRecord:
    return IndexRecord(
        id=row["id"],
        name=row["name"],
        models=[IndexModel(**m) for m in json.loads(row["models"])],
        created_at=datetime.fromisoformat(row["created_at"]),
        updated_at=datetime.fromisoformat(row["updated_at"]),
        video_count=row["video_count"],
        total_duration=float(row["total"]),
    )


def _video_record(row: sqlite3.Row) -> VideoRecord:
    data = dict(row)
    data["user_metadata"] = json.loads(data["user_metadata"])
    return VideoRecord(**data)
