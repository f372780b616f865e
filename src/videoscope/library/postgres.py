"""The PostgreSQL store: the same interface as the embedded one, on a server with pgvector.

Chosen by a ``postgresql://`` URL (``database_url`` in the settings). Records and timelines live in
ordinary tables, ``user_metadata`` in JSONB, the moments' words in a generated ``tsvector``
(English stems and the plain words, so stop words and prefixes match as in the embedded store)
with a GIN index, and vectors in a pgvector ``vector`` column. Vectors of every dimension share
one table; once a (space, dimension) holds ``hnsw_min_rows`` vectors, a partial HNSW index
(``vector_cosine_ops``) is built for it and nearest-neighbour queries use it, with pgvector's
iterative scans so that filtering by index never starves a query. Each video is written in one
transaction.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
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
from videoscope.library.sqlite import new_id
from videoscope.library.store import (
    MomentInput,
    NewVideo,
    check_metadata_key,
    merge_metadata,
)
from videoscope.timeline.model import Timeline

#: The tables, run on every open (idempotent).
_SCHEMA = (Path(__file__).parent / "postgres_schema.sql").read_text()
log = logging.getLogger(__name__)
_SPACE = re.compile(r"^[a-z0-9_]{1,32}$")
_VIDEO_COLUMNS = (
    "id, index_id, content_hash, filename, duration, width, height, fps, size_bytes, "
    "user_metadata, created_at, updated_at"
)
_INDEX_SELECT = (
    "SELECT i.*, COUNT(v.id) AS video_count, COALESCE(SUM(v.duration), 0) AS total "
    "FROM indexes i LEFT JOIN videos v ON v.index_id = i.id "
)
#: Candidates an HNSW scan keeps (pgvector's ``hnsw.ef_search``). At 1M rows 100 gave recall@10
#: 0.961-0.979 (two builds), 200 gives 0.989 for ~1.5x the query's CPU (bench/results/search.md).
EF_SEARCH = 200


class PostgresStore:
    """The :class:`~videoscope.library.store.Store` on PostgreSQL with pgvector at ``url``.

    ``hnsw_min_rows``: a (space, dimension) gets its HNSW index once it holds this many vectors
    (below, an exact scan is as fast and exact); ``None`` leaves building to
    :meth:`build_vector_indexes` (for bulk loads).
    """

    def __init__(self, url: str, *, hnsw_min_rows: int | None = 10_000) -> None:
        import psycopg
        from pgvector.psycopg import register_vector
        from psycopg.rows import dict_row

        self.url = url
        self.hnsw_min_rows = hnsw_min_rows
        self._lock = threading.RLock()
        # No server-side prepared statements: each query is planned with its own values, so a
        # generic plan never guesses an index's size (psycopg prepares after five runs).
        self._db = psycopg.connect(
            url, autocommit=True, row_factory=dict_row, prepare_threshold=None
        )
        self._db.execute("SET TIME ZONE 'UTC'")
        self._db.execute("SET jit = off")  # short queries: compiling would cost more than it saves
        with self._db.transaction():
            self._db.execute("SELECT pg_advisory_xact_lock(7220601)")  # one schema creator
            self._db.execute(_SCHEMA)
        register_vector(self._db)
        self._db.execute(f"SET hnsw.ef_search = {EF_SEARCH}")
        try:  # pgvector >= 0.8: keep scanning the graph until `limit` rows pass the filters
            self._db.execute("SET hnsw.iterative_scan = relaxed_order")
        except psycopg.Error:
            log.warning("pgvector < 0.8: filtered HNSW scans may return fewer hits")
        self._indexed = {
            (m.group(1), int(m.group(2)))
            for r in self._query(
                "SELECT indexname FROM pg_indexes "
                "WHERE tablename = 'vectors' AND schemaname = current_schema()"
            )
            if (m := re.fullmatch(r"vectors_hnsw_([a-z0-9_]+)_(\d+)", r["indexname"]))
        }

    @contextmanager
    def _transaction(self) -> Iterator[Any]:
        with self._lock, self._db.transaction():
            yield self._db

    def _query(self, sql: Any, params: Any = ()) -> list[dict[str, Any]]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    # -- indexes ---------------------------------------------------------------------------
    def create_index(self, name: str, models: list[IndexModel]) -> IndexRecord:
        """Create an index with a unique name."""
        from psycopg.errors import UniqueViolation

        now, index_id = utc_now(), new_id()
        models_json = json.dumps([m.model_dump() for m in models])
        try:
            with self._transaction() as db:
                db.execute(
                    "INSERT INTO indexes VALUES (%s, %s, %s, %s, %s)",
                    (index_id, name, models_json, now, now),
                )
        except UniqueViolation as error:
            raise ConflictError(
                f"index {name!r}", "an index with this name exists", "choose another name"
            ) from error
        return self.get_index(index_id)

    def get_index(self, index_id: str) -> IndexRecord:
        """The index with its video count and total duration."""
        rows = self._query(_INDEX_SELECT + "WHERE i.id = %s GROUP BY i.id", (index_id,))
        if not rows:
            raise NotFoundError(f"index {index_id!r}", "no such index", "list indexes to see ids")
        return _index_record(rows[0])

    def list_indexes(
        self, page: int = 1, limit: int = 10, name: str | None = None
    ) -> Page[IndexRecord]:
        """Indexes, newest first."""
        where, params = ("WHERE i.name = %s ", (name,)) if name else ("", ())
        total = self._query(f"SELECT COUNT(*) AS n FROM indexes i {where}", params)[0]["n"]
        rows = self._query(
            f"{_INDEX_SELECT}{where}GROUP BY i.id ORDER BY i.created_at DESC, i.id "
            "LIMIT %s OFFSET %s",
            (*params, limit, (page - 1) * limit),
        )
        items = [_index_record(r) for r in rows]
        return Page(items=items, page=page, limit_per_page=limit, total_results=total)

    def rename_index(self, index_id: str, name: str) -> IndexRecord:
        """Rename an index (names stay unique)."""
        from psycopg.errors import UniqueViolation

        self.get_index(index_id)
        try:
            with self._transaction() as db:
                db.execute(
                    "UPDATE indexes SET name = %s, updated_at = %s WHERE id = %s",
                    (name, utc_now(), index_id),
                )
        except UniqueViolation as error:
            raise ConflictError(
                f"index {name!r}", "an index with this name exists", "choose another name"
            ) from error
        return self.get_index(index_id)

    def delete_index(self, index_id: str) -> None:
        """Delete an index and everything in it."""
        self.get_index(index_id)
        with self._transaction() as db:
            db.execute("DELETE FROM indexes WHERE id = %s", (index_id,))

    # -- videos ----------------------------------------------------------------------------
    def add_video(
        self, index_id: str, video: NewVideo, timeline: Timeline, moments: list[MomentInput]
    ) -> VideoRecord:
        """Store the video, its timeline and moments in one transaction."""
        self.get_index(index_id)
        timeline.validate_tracks()
        video_id, now, ref = new_id(), utc_now(), timeline.video
        touched: set[tuple[str, int]] = set()
        with self._transaction() as db:
            db.execute(
                f"INSERT INTO videos ({_VIDEO_COLUMNS}, timeline, embeddings) VALUES "
                "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
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
            ids = [
                r["id"]
                for r in db.execute(
                    "SELECT nextval('moments_id_seq') AS id FROM generate_series(1, %s)",
                    (len(moments),),
                )
            ]
            with db.cursor().copy(
                'COPY moments (id, index_id, video_id, modality, start, "end", text) FROM STDIN'
            ) as copy:
                for moment_id, item in zip(ids, moments, strict=True):
                    m = item.moment
                    copy.write_row(
                        (moment_id, index_id, video_id, m.modality, m.start, m.end, m.text)
                    )
            with db.cursor().copy(
                "COPY vectors (moment_id, index_id, space, dim, embedding) FROM STDIN "
                "WITH (FORMAT BINARY)"
            ) as copy:
                copy.set_types(["int8", "text", "text", "int4", "vector"])
                for moment_id, item in zip(ids, moments, strict=True):
                    if item.vector is None or item.space is None:
                        continue
                    vector = np.ascontiguousarray(item.vector, dtype=np.float32).ravel()
                    copy.write_row((moment_id, index_id, item.space, len(vector), vector))
                    touched.add((item.space, len(vector)))
        if self.hnsw_min_rows is not None:
            for space, dim in touched - self._indexed:
                count = self._query(
                    "SELECT COUNT(*) AS n FROM vectors WHERE space = %s AND dim = %s", (space, dim)
                )[0]["n"]
                if count >= self.hnsw_min_rows:
                    self._build_hnsw(space, dim)
        return self.get_video(index_id, video_id)

    def get_video(self, index_id: str, video_id: str) -> VideoRecord:
        """The video record."""
        rows = self._query(
            f"SELECT {_VIDEO_COLUMNS} FROM videos WHERE id = %s AND index_id = %s",
            (video_id, index_id),
        )
        if not rows:
            raise NotFoundError(
                f"video {video_id!r} in index {index_id!r}",
                "no such video",
                "list the index's videos to see ids",
            )
        return VideoRecord(**rows[0])

    def get_timeline(self, index_id: str, video_id: str) -> Timeline:
        """The video's timeline with its embeddings."""
        self.get_video(index_id, video_id)
        row = self._query("SELECT timeline, embeddings FROM videos WHERE id = %s", (video_id,))[0]
        timeline = Timeline.model_validate_json(row["timeline"])
        if row["embeddings"]:
            timeline.load_embeddings(bytes(row["embeddings"]))
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
        clauses, params = ["index_id = %s"], [index_id]
        for key, value in (metadata_filter or {}).items():
            check_metadata_key(key)
            clauses.append("user_metadata -> %s = %s::jsonb")
            params += [key, json.dumps(value)]
        where = " AND ".join(clauses)
        total = self._query(f"SELECT COUNT(*) AS n FROM videos WHERE {where}", params)[0]["n"]
        rows = self._query(
            f"SELECT {_VIDEO_COLUMNS} FROM videos WHERE {where} "
            "ORDER BY created_at DESC, id LIMIT %s OFFSET %s",
            (*params, limit, (page - 1) * limit),
        )
        items = [VideoRecord(**r) for r in rows]
        return Page(items=items, page=page, limit_per_page=limit, total_results=total)

    def update_video_metadata(
        self, index_id: str, video_id: str, user_metadata: dict[str, Any]
    ) -> VideoRecord:
        """Merge keys into user_metadata; a None value removes the key."""
        current = merge_metadata(self.get_video(index_id, video_id).user_metadata, user_metadata)
        with self._transaction() as db:
            db.execute(
                "UPDATE videos SET user_metadata = %s, updated_at = %s WHERE id = %s",
                (json.dumps(current), utc_now(), video_id),
            )
        return self.get_video(index_id, video_id)

    def delete_video(self, index_id: str, video_id: str) -> None:
        """Delete a video with its moments and vectors."""
        self.get_video(index_id, video_id)
        with self._transaction() as db:
            db.execute("DELETE FROM videos WHERE id = %s", (video_id,))

    # -- retrieval -------------------------------------------------------------------------
    def search_text(
        self, index_id: str, query: str, modalities: list[Modality], limit: int
    ) -> list[MomentHit]:
        """Ranked full-text search; every query word must match (prefixes allowed)."""
        terms = re.findall(r"\w+", query.lower())
        if not terms or not modalities:
            return []
        words = " && ".join(
            "(to_tsquery('english', %s) || to_tsquery('simple', %s))" for _ in terms
        )
        rows = self._query(
            'SELECT m.id, m.video_id, m.modality, m.start, m."end", m.text, '
            f"ts_rank(m.words, q) AS score FROM moments m, ({'SELECT ' + words} AS q) query "
            "WHERE m.words @@ q AND m.index_id = %s AND m.modality = ANY(%s) "
            f"ORDER BY score DESC, m.id LIMIT {int(limit)}",
            (*[f"{t}:*" for t in terms for _ in range(2)], index_id, list(modalities)),
        )
        return [_hit(r) for r in rows]

    def search_vectors(
        self, index_id: str, space: str, vector: np.ndarray, limit: int
    ) -> list[MomentHit]:
        """Cosine nearest moments in ``space`` (HNSW once the space is large, else exact)."""
        query = np.ascontiguousarray(vector, dtype=np.float32).ravel()
        dim = len(query)
        space_sql = _literal(space)
        # Dimension and space are literals so the planner can match the partial HNSW index, and
        # the limit is one so a prepared (generic) plan still expects a handful of rows.
        distance = f"embedding::vector({dim}) <=> %s::vector({dim})"
        with self._transaction() as db:
            rows = db.execute(
                "WITH nearest AS MATERIALIZED ("
                f"SELECT moment_id, {distance} AS distance FROM vectors "
                f"WHERE index_id = %s AND space = {space_sql} AND dim = {dim} "
                f"ORDER BY {distance} LIMIT {int(limit)}) "
                'SELECT m.id, m.video_id, m.modality, m.start, m."end", m.text, '
                "1 - n.distance AS score FROM nearest n JOIN moments m ON m.id = n.moment_id "
                "ORDER BY n.distance, m.id",
                (query, index_id, query),
            ).fetchall()
        return [_hit(r) for r in rows]

    def build_vector_indexes(self, min_rows: int = 0) -> list[str]:
        """Build the HNSW index of every (space, dimension) with at least ``min_rows`` vectors.

        Writes build them on their own once :attr:`hnsw_min_rows` is reached; call this after a
        bulk load into a store opened with ``hnsw_min_rows=None`` to build each in one pass.
        It ends with ``ANALYZE``: a freshly loaded table has no statistics (the build's lock holds
        autovacuum off), and without them the planner takes an index for a handful of vectors
        and scans all of them exactly (seconds at 1M) instead of using the graph.
        Returns the names of the indexes built.
        """
        groups = self._query(
            "SELECT space, dim FROM vectors GROUP BY space, dim HAVING COUNT(*) >= %s",
            (max(min_rows, 1),),
        )
        built = [
            name
            for g in groups
            if (name := self._build_hnsw(g["space"], int(g["dim"]))) is not None
        ]
        with self._lock:
            self._db.execute("ANALYZE vectors")
        return built

    def _build_hnsw(self, space: str, dim: int) -> str | None:
        if (space, dim) in self._indexed or not _SPACE.match(space):
            return None  # odd space names are searched exactly
        name = f"vectors_hnsw_{space}_{dim}"
        with self._lock:
            self._db.execute(
                f"CREATE INDEX IF NOT EXISTS {name} ON vectors USING hnsw "
                f"((embedding::vector({dim})) vector_cosine_ops) "
                f"WITH (m = 16, ef_construction = 64) "
                f"WHERE space = {_literal(space)} AND dim = {dim}"
            )
        self._indexed.add((space, dim))
        return name

    def prewarm(self) -> int:
        """Read the HNSW indexes into the server's memory; returns the pages read.

        After a restart or a bulk load the graph's pages are cold, and each of the first queries
        reads thousands of them from disk (hundreds of ms at 1M vectors). Uses the ``pg_prewarm``
        extension (PostgreSQL contrib; creating it needs a superuser); without it, does nothing.
        Size ``shared_buffers`` to hold the indexes (:func:`~videoscope.library.pgserver.
        vector_settings`); what does not fit stays in the OS cache.
        """
        import psycopg

        try:
            with self._lock:
                self._db.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
        except psycopg.Error as error:
            log.warning("pg_prewarm unavailable (%s): HNSW pages stay cold", error)
            return 0
        schema = self._query(
            "SELECT extnamespace::regnamespace::text AS s FROM pg_extension "
            "WHERE extname = 'pg_prewarm'"
        )[0]["s"]
        names = [f"vectors_hnsw_{space}_{dim}" for space, dim in sorted(self._indexed)]
        return sum(
            self._query(f"SELECT {schema}.pg_prewarm(%s::regclass) AS n", (name,))[0]["n"]
            for name in names
        )

    def close(self) -> None:
        """Close the database connection."""
        with self._lock:
            self._db.close()


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _hit(row: dict[str, Any]) -> MomentHit:
    return MomentHit(
        moment_id=row["id"],
        video_id=row["video_id"],
        modality=row["modality"],
        start=row["start"],
        end=row["end"],
        text=row["text"],
        score=float(row["score"]),
    )


def _index_record(row: dict[str, Any]) -> IndexRecord:
    return IndexRecord(
        id=row["id"],
        name=row["name"],
        models=[IndexModel(**m) for m in row["models"]],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        video_count=row["video_count"],
        total_duration=float(row["total"]),
    )
