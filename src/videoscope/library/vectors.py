"""Vector indexes: exact search in NumPy, behind a small interface an ANN index can implement.

Vectors are L2-normalised float32 rows; the score is the inner product (cosine similarity).
"""

from __future__ import annotations

import threading
from typing import Protocol

import numpy as np


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
