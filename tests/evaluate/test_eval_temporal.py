"""Temporal F1 and Segment F1: hand-computed cases, edge cases and invariants."""

from __future__ import annotations

import itertools
from random import Random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from videoscope.evaluate.temporal import (
    iou_matrix,
    merge_intervals,
    segment_f1,
    temporal_f1,
    union_duration,
)


def test_merge_counts_overlaps_once_and_drops_zero_length() -> None:
    merged = merge_intervals([(5, 6), (0, 2), (1, 3), (3, 4), (7, 7)])
    # (0,2)+(1,3)+(3,4) touch/overlap -> [0,4]; (5,6) alone; (7,7) has no duration
    assert merged.tolist() == [[0, 4], [5, 6]]
    assert union_duration([(0, 10), (0, 10), (2, 3)]) == 10.0


def test_temporal_f1_overlapping_predictions() -> None:
    # U(P) = [0,6] (6 s), U(G) = [0,3] (3 s), overlap 3 s: p = 3/6, r = 3/3, F1 = 2*.5*1/1.5
    r = temporal_f1([(0, 4), (2, 6)], [(0, 3)])
    assert (r.precision, r.recall) == (0.5, 1.0)
    assert r.f1 == pytest.approx(2 / 3)


def test_temporal_f1_many_to_many() -> None:
    # U(P) = 20 s, U(G) = 20 s, overlap [5,10] + [20,25] = 10 s -> p = r = 0.5
    r = temporal_f1([(0, 10), (20, 30)], [(5, 25)])
    assert (r.precision, r.recall, r.f1) == (0.5, 0.5, 0.5)


@pytest.mark.parametrize(
    ("pred", "truth", "expected"),
    [
        ([], [], 1.0),  # absence predicted correctly
        ([], [(0, 1)], 0.0),  # missed everything
        ([(0, 1)], [], 0.0),  # all false positive
        ([(2, 2)], [(0, 5)], 0.0),  # zero-length prediction has no duration
        ([(2, 2)], [(3, 3)], 1.0),  # both unions have zero duration
    ],
)
def test_temporal_f1_edge_cases(pred: list, truth: list, expected: float) -> None:
    assert temporal_f1(pred, truth).f1 == expected


def test_segment_f1_hand_computed() -> None:
    # IoU(p0,g0) = 10/10 = 1; IoU(p1,g1) = 8/10 = 0.8; g2 unmatched
    # p = 1.8/2 = 0.9, r = 1.8/3 = 0.6, F1 = 2*0.54/1.5 = 0.72
    m = segment_f1([(0, 10), (10, 20)], [(0, 10), (12, 20), (30, 40)])
    assert m.precision == pytest.approx(0.9)
    assert m.recall == pytest.approx(0.6)
    assert m.f1 == pytest.approx(0.72)
    assert m.pairs == ((0, 0), (1, 1))
    assert (m.false_positives, m.false_negatives) == (0, 1)


def test_segment_f1_single_pair() -> None:
    # [0,10] vs [5,15]: intersection 5, union 15 -> IoU 1/3 = p = r = F1
    m = segment_f1([(0, 10)], [(5, 15)])
    assert m.f1 == pytest.approx(1 / 3)


def test_segment_f1_threshold_variant() -> None:
    # three 1 s fragments of one 3 s truth: each IoU 1/3
    frags, truth = [(0, 1), (1, 2), (2, 3)], [(0, 3)]
    at_03 = segment_f1(frags, truth, iou_threshold=0.3)  # 1 hit: p = 1/3, r = 1/1, F1 = 0.5
    assert (at_03.precision, at_03.recall, at_03.f1) == pytest.approx((1 / 3, 1.0, 0.5))
    assert segment_f1(frags, truth, iou_threshold=0.5).f1 == 0.0


def test_threshold_maximises_hits_not_iou() -> None:
    # p0 = [0,10] overlaps g0 = [0,10] (IoU 1) and g1 = [5,15] (1/3); p1 = [5,15] only g1 (1)
    # both assignments are considered; the best gives 2 hits at t = 0.3
    m = segment_f1([(0, 10), (5, 15)], [(0, 10), (5, 15)], iou_threshold=0.3)
    assert m.f1 == 1.0 and len(m.pairs) == 2


def test_segment_f1_edge_cases() -> None:
    assert segment_f1([], []).f1 == 1.0
    assert segment_f1([], [(0, 1)]).f1 == 0.0
    assert segment_f1([(0, 1)], []).f1 == 0.0
    assert segment_f1([(0, 1)], [(5, 6)]).pairs == ()  # zero IoU is no match


def test_iou_zero_length() -> None:
    iou = iou_matrix([(2, 2), (2, 2)], [(2, 2), (0, 4)])
    assert iou.tolist() == [[1.0, 0.0], [1.0, 0.0]]


intervals = st.lists(
    st.tuples(
        st.integers(0, 200).map(lambda x: x / 2), st.integers(1, 40).map(lambda x: x / 2)
    ).map(lambda t: (t[0], t[0] + t[1])),
    max_size=8,
)


@settings(max_examples=150, deadline=None)
@given(intervals, intervals, st.randoms())
def test_scores_in_unit_interval_and_order_invariant(pred: list, truth: list, rnd: Random) -> None:
    t, s = temporal_f1(pred, truth), segment_f1(pred, truth)
    for v in (t.precision, t.recall, t.f1, s.precision, s.recall, s.f1):
        assert 0.0 <= v <= 1.0 + 1e-12
    p2, g2 = pred[:], truth[:]
    rnd.shuffle(p2)
    rnd.shuffle(g2)
    assert temporal_f1(p2, g2).f1 == pytest.approx(t.f1)
    assert segment_f1(p2, g2).f1 == pytest.approx(s.f1)


@settings(max_examples=100, deadline=None)
@given(intervals.filter(bool))
def test_perfect_is_one_and_disjoint_is_zero(truth: list) -> None:
    assert temporal_f1(truth, truth).f1 == pytest.approx(1.0)
    assert segment_f1(truth, truth).f1 == pytest.approx(1.0)
    shifted = [(a + 1000, b + 1000) for a, b in truth]
    assert temporal_f1(shifted, truth).f1 == 0.0
    assert segment_f1(shifted, truth).f1 == 0.0


@settings(max_examples=60, deadline=None)
@given(intervals.filter(lambda x: len(x) <= 4), intervals.filter(lambda x: len(x) <= 4))
def test_hungarian_matches_brute_force(pred: list, truth: list) -> None:
    m = segment_f1(pred, truth)
    iou = iou_matrix(pred, truth) if pred and truth else np.zeros((0, 0))
    n, k = len(pred), len(truth)
    best = 0.0
    if n and k:
        small, large = (n, k) if n <= k else (k, n)
        for perm in itertools.permutations(range(large), small):
            pairs = zip(range(small), perm, strict=True)
            best = max(
                best,
                sum(iou[i, j] if n <= k else iou[j, i] for i, j in pairs),
            )
    assert sum(m.ious) == pytest.approx(best)
