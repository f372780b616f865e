"""Interval algebra: hand-checked cases and invariants over random interval sets."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from videoscope.errors import TimelineError
from videoscope.timeline import Interval, complement, intersect, merge, total_length


def test_hand_checked_cases() -> None:
    a, b = Interval(0, 4), Interval(2, 6)
    assert a.intersection(b) == Interval(2, 4)
    assert a.iou(b) == pytest.approx(2 / 6)  # overlap 2 s over a union of 6 s
    assert merge([Interval(5, 6), Interval(0, 2), Interval(1, 3)]) == [
        Interval(0, 3),
        Interval(5, 6),
    ]
    assert merge([Interval(0, 1), Interval(1.2, 2)], gap=0.5) == [Interval(0, 2)]
    assert total_length([Interval(0, 2), Interval(1, 3), Interval(10, 11)]) == 4.0
    assert intersect([Interval(0, 5)], [Interval(1, 2), Interval(4, 8)]) == [
        Interval(1, 2),
        Interval(4, 5),
    ]
    assert complement([Interval(1, 2), Interval(3, 4)], Interval(0, 5)) == [
        Interval(0, 1),
        Interval(2, 3),
        Interval(4, 5),
    ]
    assert Interval(3, 3).iou(Interval(3, 3)) == 0.0  # two instants share no time


def test_invalid_intervals_are_refused() -> None:
    with pytest.raises(TimelineError, match="end is before start"):
        Interval(2, 1)
    with pytest.raises(TimelineError, match="finite"):
        Interval(0, float("nan"))


spans = st.lists(
    st.tuples(st.floats(0, 100), st.floats(0, 20)).map(lambda t: Interval(t[0], t[0] + t[1])),
    max_size=12,
)


@given(spans)
def test_merge_is_sorted_disjoint_and_keeps_length(items: list[Interval]) -> None:
    merged = merge(items)
    assert all(x.end < y.start for x, y in itertools.pairwise(merged))
    assert total_length(merged) == pytest.approx(total_length(items))
    assert total_length(items) <= sum(i.duration for i in items) + 1e-9


@given(spans, spans)
def test_intersection_is_symmetric_and_bounded(a: list[Interval], b: list[Interval]) -> None:
    ab, ba = total_length(intersect(a, b)), total_length(intersect(b, a))
    assert ab == pytest.approx(ba)
    assert ab <= min(total_length(a), total_length(b)) + 1e-9


@given(spans)
def test_complement_and_union_tile_the_window(items: list[Interval]) -> None:
    window = Interval(0, 120)
    inside = [c for i in items if (c := i.clip(window)) is not None]
    gaps = complement(inside, window)
    assert total_length(gaps) + total_length(inside) == pytest.approx(window.duration)
    assert total_length(intersect(gaps, inside)) == pytest.approx(0.0, abs=1e-9)
