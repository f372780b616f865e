"""Segmentation metrics: Temporal F1 (N:N on the merged time axis) and Segment F1 (Hungarian 1:1).

Intervals are ``(n, 2)`` float arrays of ``[start, end]`` seconds (or sequences of pairs).

Edge cases (see docs/evaluation.md): when both sides are empty the score is 1 (absence was
predicted correctly); when exactly one side is empty precision, recall and F1 are 0.

Example:
    >>> temporal_f1([(0, 10)], [(5, 15)]).f1
    0.5
    >>> round(segment_f1([(0, 10)], [(5, 15)]).f1, 3)
    0.333
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

IntervalsLike = np.ndarray | Sequence[tuple[float, float]] | Sequence[Sequence[float]]


@dataclass(frozen=True, slots=True)
class PRF:
    """Precision, recall and their harmonic mean F1, each in [0, 1]."""

    precision: float
    recall: float
    f1: float

    @classmethod
    def from_pr(cls, precision: float, recall: float) -> PRF:
        """Build from precision and recall; F1 is 0 when both are 0."""
        total = precision + recall
        return cls(precision, recall, 2.0 * precision * recall / total if total > 0 else 0.0)


PERFECT = PRF(1.0, 1.0, 1.0)
ZERO = PRF(0.0, 0.0, 0.0)


@dataclass(frozen=True, slots=True)
class SegmentMatch:
    """Segment F1 with its optimal assignment: ``pairs`` are (prediction index, truth index) into
    the arrays as given, ``ious`` the IoU of each pair (IoU > 0, or hits >= the threshold)."""

    precision: float
    recall: float
    f1: float
    pairs: tuple[tuple[int, int], ...]
    ious: tuple[float, ...]
    n_pred: int
    n_truth: int

    @property
    def false_positives(self) -> int:
        """Predictions left unmatched."""
        return self.n_pred - len(self.pairs)

    @property
    def false_negatives(self) -> int:
        """Ground-truth segments left unmatched."""
        return self.n_truth - len(self.pairs)


def as_intervals(intervals: IntervalsLike) -> np.ndarray:
    """An ``(n, 2)`` float64 array; raises ValueError on a wrong shape."""
    arr = np.asarray(intervals, dtype=np.float64)
    if arr.size == 0:
        return np.zeros((0, 2), dtype=np.float64)
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ValueError(f"intervals must have shape (n, 2), got {arr.shape}")
    return arr


def merge_intervals(intervals: IntervalsLike) -> np.ndarray:
    """The union of ``intervals`` as sorted, disjoint, positive-length intervals.

    Zero-length and inverted intervals have no duration and are dropped; touching or overlapping
    intervals are merged, so overlapping predictions count once.
    """
    arr = as_intervals(intervals)
    arr = arr[arr[:, 1] > arr[:, 0]]
    if len(arr) <= 1:
        return arr.copy()
    arr = arr[np.argsort(arr[:, 0], kind="stable")]
    starts, ends = arr[:, 0], np.maximum.accumulate(arr[:, 1])
    # a new run begins where the start lies after every earlier end
    new_run = np.empty(len(arr), dtype=bool)
    new_run[0] = True
    new_run[1:] = starts[1:] > ends[:-1]
    run_id = np.cumsum(new_run) - 1
    out = np.empty((int(run_id[-1]) + 1, 2), dtype=np.float64)
    out[:, 0] = starts[new_run]
    out[:, 1] = np.maximum.reduceat(ends, np.flatnonzero(new_run))
    return out


def union_duration(intervals: IntervalsLike) -> float:
    """Total duration |U(S)| of the union of ``intervals``."""
    merged = merge_intervals(intervals)
    return float(np.sum(merged[:, 1] - merged[:, 0]))


def _merged_overlap(ma: np.ndarray, mb: np.ndarray) -> float:
    if len(ma) == 0 or len(mb) == 0:
        return 0.0
    lo = np.maximum(ma[:, None, 0], mb[None, :, 0])
    hi = np.minimum(ma[:, None, 1], mb[None, :, 1])
    return float(np.clip(hi - lo, 0.0, None).sum())


def intersection_duration(a: IntervalsLike, b: IntervalsLike) -> float:
    """|U(A) ∩ U(B)|: duration shared by the unions of two interval sets."""
    return _merged_overlap(merge_intervals(a), merge_intervals(b))


def temporal_f1(pred: IntervalsLike, truth: IntervalsLike) -> PRF:
    """Temporal F1 on the merged time axis (N:N, segment identity ignored).

    precision = |U(P) ∩ U(G)| / |U(P)|, recall = |U(P) ∩ U(G)| / |U(G)|. Both unions of zero
    duration -> 1; exactly one of zero duration -> 0.

    Example:
        >>> temporal_f1([(0, 4), (2, 6)], [(0, 3)])  # U(P) = [0, 6]: p = 3/6, r = 3/3
        PRF(precision=0.5, recall=1.0, f1=0.6666666666666666)
    """
    mp, mg = merge_intervals(pred), merge_intervals(truth)
    dp, dg = float((mp[:, 1] - mp[:, 0]).sum()), float((mg[:, 1] - mg[:, 0]).sum())
    if dp == 0.0 and dg == 0.0:
        return PERFECT
    if dp == 0.0 or dg == 0.0:
        return ZERO
    inter = _merged_overlap(mp, mg)
    return PRF.from_pr(inter / dp, inter / dg)


def iou_matrix(pred: IntervalsLike, truth: IntervalsLike) -> np.ndarray:
    """``(n_pred, n_truth)`` temporal IoU. Two zero-length segments at the same instant have IoU
    1; a zero-length segment against anything else has IoU 0."""
    p, g = as_intervals(pred), as_intervals(truth)
    lo = np.maximum(p[:, None, 0], g[None, :, 0])
    hi = np.minimum(p[:, None, 1], g[None, :, 1])
    inter = np.clip(hi - lo, 0.0, None)
    len_p = np.clip(p[:, 1] - p[:, 0], 0.0, None)
    len_g = np.clip(g[:, 1] - g[:, 0], 0.0, None)
    union = len_p[:, None] + len_g[None, :] - inter
    with np.errstate(divide="ignore", invalid="ignore"):
        iou = np.where(union > 0, inter / np.where(union > 0, union, 1.0), 0.0)
    same_point = (union == 0) & (p[:, None, 0] == g[None, :, 0])
    return np.where(same_point, 1.0, iou)


def segment_f1(
    pred: IntervalsLike, truth: IntervalsLike, *, iou_threshold: float | None = None
) -> SegmentMatch:
    """Segment F1 from the 1:1 assignment that maximises total IoU (Hungarian algorithm).

    Without a threshold: precision = Σ matched IoU / |P|, recall = Σ matched IoU / |G|.
    With ``iou_threshold=t`` (detection-style F1@t): a pair is a hit when IoU >= t, the
    assignment maximises the number of hits (ties broken by total IoU), and precision =
    hits / |P|, recall = hits / |G|. Unmatched predictions are false positives, unmatched truths
    false negatives. Both empty -> 1; one empty -> 0.
    """
    p, g = as_intervals(pred), as_intervals(truth)
    n, m = len(p), len(g)
    if n == 0 and m == 0:
        return SegmentMatch(1.0, 1.0, 1.0, (), (), 0, 0)
    if n == 0 or m == 0:
        return SegmentMatch(0.0, 0.0, 0.0, (), (), n, m)
    iou = iou_matrix(p, g)
    if iou_threshold is None:
        rows, cols = linear_sum_assignment(iou, maximize=True)
        keep = iou[rows, cols] > 0
    else:
        hit = iou >= iou_threshold
        # one hit outweighs any IoU difference: the scaled IoU sums to at most 0.5 < 1
        rows, cols = linear_sum_assignment(hit + iou * (0.5 / max(n, m)), maximize=True)
        keep = hit[rows, cols]
    rows, cols = rows[keep], cols[keep]
    ious = iou[rows, cols]
    gain = float(ious.sum()) if iou_threshold is None else float(len(rows))
    prf = PRF.from_pr(gain / n, gain / m)
    pairs = tuple(zip(rows.tolist(), cols.tolist(), strict=True))
    return SegmentMatch(prf.precision, prf.recall, prf.f1, pairs, tuple(ious.tolist()), n, m)
