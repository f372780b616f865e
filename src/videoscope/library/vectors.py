"""Vector indexes: exact search in NumPy, and an HNSW graph (FAISS) for large collections.

Vectors are L2-normalised float32 rows; the score is the inner product (cosine similarity).
Below :data:`ANN_MIN_ROWS` rows an exact scan is fast enough (a few ms) and exact; above it the
HNSW index answers in about a millisecond at 1M rows (see ``docs/library.md`` for the benchmark
that chose FAISS HNSW over usearch, hnswlib, voyager and sqlite-vec).
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Protocol

import numpy as np

log = logging.getLogger(__name__)

#: From this many rows on, a (index, space) is searched through :class:`HNSWIndex`.
ANN_MIN_ROWS = 20_000


def _faiss() -> Any:
    import faiss  # imported on first use: a large library that small stores never need

    return faiss


def hnsw_available() -> bool:
    """Whether FAISS (which :class:`HNSWIndex` runs on) is installed."""
    import importlib.util

    return importlib.util.find_spec("faiss") is not None


class VectorIndex(Protocol):
    """Nearest-neighbour search over (id, vector) pairs of one dimension."""

    dim: int

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Insert rows (``ids`` int64, ``vectors`` float32 ``(n, dim)``)."""
        ...

    def remove(self, ids: np.ndarray) -> None:
        """Delete the rows with these ids (unknown ids are ignored)."""
        ...

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` best (ids, scores) for one query vector, best first."""
        ...

    def ids(self) -> np.ndarray:
        """Every stored id."""
        ...

    def __len__(self) -> int: ...


class ExactIndex:
    """Brute-force inner-product search: exact, and fast up to a few hundred thousand rows."""

    def __init__(self, dim: int) -> None:
        self.dim = dim
        self._ids = np.zeros(0, dtype=np.int64)
        self._vectors = np.zeros((0, dim), dtype=np.float32)
        self._lock = threading.Lock()

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Append rows."""
        with self._lock:
            self._ids = np.concatenate([self._ids, ids.astype(np.int64)])
            self._vectors = np.concatenate([self._vectors, vectors.astype(np.float32)])

    def remove(self, ids: np.ndarray) -> None:
        """Drop rows by id."""
        with self._lock:
            keep = ~np.isin(self._ids, ids)
            self._ids, self._vectors = self._ids[keep], self._vectors[keep]

    def ids(self) -> np.ndarray:
        """Every stored id."""
        with self._lock:
            return self._ids.copy()

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top ``k`` by inner product."""
        with self._lock:
            ids, vectors = self._ids, self._vectors
        if len(ids) == 0 or k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        scores = vectors @ query.astype(np.float32)
        k = min(k, len(ids))
        top = np.argpartition(-scores, k - 1)[:k]
        order = top[np.argsort(-scores[top], kind="stable")]
        return ids[order], scores[order]

    def __len__(self) -> int:
        return len(self._ids)


class HNSWIndex:
    """Approximate inner-product search on an HNSW graph (FAISS ``IndexHNSWFlat``; chosen by
    ``bench/vector_index.py``, see ``docs/library.md``).

    ``m``, ``ef_construction`` and ``ef`` are HNSW's usual knobs; the defaults keep recall@10
    >= 0.95 on 384-d embeddings. FAISS cannot take rows out of an HNSW graph, so removed ids are
    kept in a tombstone set that search skips (an id selector, so ``k`` live hits still come
    back), and the graph is rebuilt from its live rows once a quarter of it is tombstoned.
    :meth:`save` and :meth:`load` keep the graph and its tombstones.
    """

    def __init__(self, dim: int, *, m: int = 16, ef_construction: int = 128, ef: int = 128) -> None:
        faiss = _faiss()
        graph = faiss.IndexHNSWFlat(dim, m, faiss.METRIC_INNER_PRODUCT)
        graph.hnsw.efConstruction = ef_construction
        self._setup(faiss.IndexIDMap2(graph), ef, set())

    def _setup(self, index: Any, ef: int, deleted: set[int]) -> None:
        self.dim, self.ef, self._index, self._deleted = index.d, ef, index, deleted
        self._lock = threading.Lock()
        self._selector: tuple[Any, ...] = ()
        self._update_selector()

    @classmethod
    def load(cls, path: str | Path, ef: int = 128) -> HNSWIndex:
        """An index saved by :meth:`save`."""
        faiss = _faiss()
        index = cls.__new__(cls)
        tombstones = Path(f"{path}.deleted.npy")
        deleted = set(np.load(tombstones).tolist()) if tombstones.exists() else set()
        index._setup(faiss.read_index(str(path)), ef, deleted)
        return index

    def save(self, path: str | Path) -> None:
        """Write the index to ``path`` (and its tombstones to ``path.deleted.npy``) atomically."""
        faiss = _faiss()
        target = Path(path)
        with self._lock:
            np.save(f"{target}.partial.npy", np.array(sorted(self._deleted), dtype=np.int64))
            faiss.write_index(self._index, f"{target}.partial")
        os.replace(f"{target}.partial.npy", f"{target}.deleted.npy")
        os.replace(f"{target}.partial", target)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Insert rows (on every core)."""
        faiss = _faiss()
        if len(ids) == 0:
            return
        with self._lock:
            faiss.omp_set_num_threads(os.cpu_count() or 1)
            self._index.add_with_ids(
                np.ascontiguousarray(vectors, dtype=np.float32), ids.astype(np.int64)
            )

    def remove(self, ids: np.ndarray) -> None:
        """Tombstone rows; rebuild once a quarter of the graph is tombstoned."""
        with self._lock:
            stored = self._stored()
            self._deleted |= set(ids[np.isin(ids, stored)].tolist())
            if len(self._deleted) > max(1000, len(stored) // 4):
                self._compact(stored)
            self._update_selector()

    def _compact(self, stored: np.ndarray) -> None:
        faiss = _faiss()
        live = np.setdiff1d(stored, np.array(sorted(self._deleted), dtype=np.int64))
        old = faiss.downcast_index(self._index.index)
        graph = faiss.IndexHNSWFlat(self.dim, old.hnsw.nb_neighbors(1), faiss.METRIC_INNER_PRODUCT)
        graph.hnsw.efConstruction = old.hnsw.efConstruction
        fresh = faiss.IndexIDMap2(graph)
        faiss.omp_set_num_threads(os.cpu_count() or 1)
        for part in np.array_split(live, max(1, len(live) // 50_000)):
            if len(part):
                fresh.add_with_ids(self._index.reconstruct_batch(part), part)
        self._index, self._deleted = fresh, set()

    def _stored(self) -> np.ndarray:
        faiss = _faiss()
        return faiss.vector_to_array(self._index.id_map).astype(np.int64)

    def _update_selector(self) -> None:
        faiss = _faiss()
        if not self._deleted:
            self._selector = ()
            return
        batch = faiss.IDSelectorBatch(np.array(sorted(self._deleted), dtype=np.int64))
        self._selector = (batch, faiss.IDSelectorNot(batch))  # keep both alive (SWIG)

    def ids(self) -> np.ndarray:
        """Every stored, live id."""
        with self._lock:
            return np.setdiff1d(self._stored(), np.array(sorted(self._deleted), dtype=np.int64))

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """About the top ``k`` by inner product, best first."""
        faiss = _faiss()
        k = min(k, len(self))
        if k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        with self._lock:
            faiss.omp_set_num_threads(1)  # one query: no thread pool to wake on a busy machine
            params = faiss.SearchParametersHNSW(efSearch=max(self.ef, k))
            if self._selector:
                params.sel = self._selector[1]
            scores, ids = self._index.search(
                np.ascontiguousarray(query, dtype=np.float32)[None], k, params=params
            )
        found = ids[0] >= 0
        return ids[0][found].astype(np.int64), scores[0][found].astype(np.float32)

    def __len__(self) -> int:
        return int(self._index.ntotal) - len(self._deleted)


#: Where a store's stored vectors come from: ``fetch(None)`` yields every (ids, matrix) chunk of
#: the (index, space), ``fetch(ids)`` those of the given ids.
Fetch = Callable[[np.ndarray | None], Iterator[tuple[np.ndarray, np.ndarray]]]


class VectorCache:
    """The vector index of each (index, space) of a store, kept in step with its database.

    Exact below ``ann_min_rows`` vectors, :class:`HNSWIndex` above. A stale index (its generation
    differs from the database's) catches up by removing and adding only the changed ids, which
    needs ids that are never reused. HNSW graphs are saved in ``folder`` after a full build and
    on :meth:`save`, and loaded from there before building anew.
    """

    def __init__(self, folder: Path, ann_min_rows: int = ANN_MIN_ROWS) -> None:
        self.folder = folder
        self.ann_min_rows = ann_min_rows
        self._indexes: dict[tuple[str, str], tuple[int, VectorIndex]] = {}
        self._unsaved: set[tuple[str, str]] = set()
        self._lock = threading.Lock()

    def get(
        self, key: tuple[str, str], generation: int, ids: Callable[[], np.ndarray], fetch: Fetch
    ) -> VectorIndex | None:
        """The up-to-date index of ``key`` (None when it holds no vectors)."""
        cached = self._indexes.get(key)
        if cached is not None and cached[0] == generation:
            return cached[1]
        with self._lock:
            return self._sync(key, generation, ids(), fetch)

    def _sync(
        self, key: tuple[str, str], generation: int, ids: np.ndarray, fetch: Fetch
    ) -> VectorIndex | None:
        if len(ids) == 0:
            self._indexes.pop(key, None)
            return None
        cached = self._indexes.get(key)
        index = cached[1] if cached is not None else None
        want_ann = len(ids) >= self.ann_min_rows and hnsw_available()
        if index is None and want_ann:
            index = self._load(key)
        if index is not None and isinstance(index, HNSWIndex) != want_ann:
            index = None  # crossed the threshold: rebuild as the other kind
        known = index.ids() if index is not None else np.zeros(0, dtype=np.int64)
        gone, new = np.setdiff1d(known, ids), np.setdiff1d(ids, known)
        if index is not None:
            index.remove(gone)
        for chunk_ids, matrix in fetch(None if len(known) == 0 else new):
            if index is None:
                index = HNSWIndex(matrix.shape[1]) if want_ann else ExactIndex(matrix.shape[1])
            index.add(chunk_ids, matrix)
        if index is None:
            return None
        self._indexes[key] = (generation, index)
        if isinstance(index, HNSWIndex) and (len(gone) or len(new)):
            self._unsaved.add(key)
            if len(known) == 0:
                self._save(key)  # a full build is worth keeping at once
        return index

    def drop(self, index_id: str) -> None:
        """Forget an index's vectors, in memory and on disk."""
        with self._lock:
            self._indexes = {k: v for k, v in self._indexes.items() if k[0] != index_id}
            self._unsaved = {k for k in self._unsaved if k[0] != index_id}
            for saved in self.folder.glob(f"{index_id}.*"):
                saved.unlink(missing_ok=True)

    def save(self) -> None:
        """Save every HNSW graph changed since it was last saved."""
        with self._lock:
            for key in list(self._unsaved):
                self._save(key)

    def _path(self, key: tuple[str, str]) -> Path:
        return self.folder / f"{key[0]}.{re.sub(r'[^A-Za-z0-9_-]', '_', key[1])}.hnsw"

    def _load(self, key: tuple[str, str]) -> HNSWIndex | None:
        path = self._path(key)
        if not path.exists():
            return None
        try:
            return HNSWIndex.load(path)
        except Exception:
            log.warning("vector index %s unreadable; rebuilding it", path)
            return None

    def _save(self, key: tuple[str, str]) -> None:
        cached = self._indexes.get(key)
        if cached is not None and isinstance(cached[1], HNSWIndex):
            self.folder.mkdir(parents=True, exist_ok=True)
            cached[1].save(self._path(key))
        self._unsaved.discard(key)
