"""Optimal partition of a sequence of units into coherent groups (scenes of shots, stories of
scenes), by dynamic programming.

Each unit ``j`` has a unit vector ``x_j`` (what it shows or says) and a weight ``w_j`` (how much
that vector counts; 0 for a unit with nothing measured). A group ``G`` costs its spread around
its own centroid, ``sum_G w_j (1 - cos(x_j, c_G))``, which for unit vectors is
``W_G - |sum_G w_j x_j|``. Each group also costs ``penalty``, and opening a group just before unit
``j`` earns ``bonus[j - 1]`` (positive where a cue marks a boundary: a silence, a new title;
negative where a cue links the units: a sentence spoken across the cut). The partition with the
lowest total is exact (``O(n^2 d)``), so no greedy choice, window or local threshold is involved;
``penalty`` and the bonuses are the only knobs and are fitted on the benchmark
(``bench/analyze_tbm.py``).

Example:
    >>> x = np.array([[1, 0], [1, 0], [0, 1], [0, 1]], dtype=np.float32)
    >>> partition(x, np.ones(4), np.zeros(3), penalty=0.2)
    [0, 2]
"""

from __future__ import annotations

import numpy as np


def partition(
    vectors: np.ndarray, weights: np.ndarray, bonus: np.ndarray, penalty: float
) -> list[int]:
    """Indices of the first unit of each group of the cheapest partition (always starts at 0).

    Args:
        vectors: ``(n, d)`` unit vectors (rows of zeros allowed where ``weights`` is 0).
        weights: ``(n,)`` non-negative weight per unit.
        bonus: ``(n - 1,)`` reward for a boundary between unit ``j`` and ``j + 1``.
        penalty: cost of each group.
    """
    count = len(vectors)
    if count == 0:
        return []
    weighted = vectors.astype(np.float64) * weights[:, None]
    sums = np.vstack([np.zeros((1, vectors.shape[1])), np.cumsum(weighted, axis=0)])
    mass = np.concatenate([[0.0], np.cumsum(weights, dtype=np.float64)])
    gain = np.concatenate([[0.0], np.asarray(bonus, dtype=np.float64)])  # gain[a]: cut before a
    best = np.full(count + 1, np.inf)
    best[0] = 0.0
    start = np.zeros(count + 1, dtype=np.int64)
    for end in range(1, count + 1):
        firsts = np.arange(end)
        spread = (mass[end] - mass[firsts]) - np.linalg.norm(sums[end] - sums[firsts], axis=1)
        total = (
            best[firsts] + np.maximum(spread, 0.0) + penalty - np.where(firsts > 0, gain[firsts], 0)
        )
        choice = int(np.argmin(total))  # lowest index on ties: deterministic
        best[end], start[end] = total[choice], choice
    starts: list[int] = []
    end = count
    while end > 0:
        starts.append(int(start[end]))
        end = int(start[end])
    return starts[::-1]


def unit_rows(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero)."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.where(norms > 1e-12, vectors / np.maximum(norms, 1e-12), 0.0).astype(np.float32)
