"""Time intervals and the set operations every stage needs: union, intersection, gaps.

Time is float seconds. An :class:`Interval` is closed-open in spirit ([start, end)); a zero-length
interval is allowed (an instant such as a cut) but contributes nothing to lengths.

Example:
    >>> merge([Interval(0, 2), Interval(1, 3), Interval(5, 6)])
    [Interval(start=0.0, end=3.0), Interval(start=5.0, end=6.0)]
    >>> complement([Interval(1, 2)], Interval(0, 4))
    [Interval(start=0.0, end=1.0), Interval(start=2.0, end=4.0)]
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from videoscope.errors import TimelineError


@dataclass(frozen=True, slots=True, order=True)
class Interval:
    """A span of time ``[start, end]`` in seconds with ``0 <= start <= end``."""

    start: float
    end: float

    def __post_init__(self) -> None:
        start, end = float(self.start), float(self.end)
        if not (math.isfinite(start) and math.isfinite(end)):
            raise TimelineError(f"interval [{start}, {end}]", "times must be finite numbers")
        if end < start:
            raise TimelineError(f"interval [{start}, {end}]", "end is before start")
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "end", end)

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return self.end - self.start

    @property
    def center(self) -> float:
        """Midpoint in seconds."""
        return (self.start + self.end) / 2

    def contains(self, time: float) -> bool:
        """Whether ``start <= time <= end``."""
        return self.start <= time <= self.end

    def overlaps(self, other: Interval) -> bool:
        """Whether the two share a stretch of positive length."""
        return min(self.end, other.end) > max(self.start, other.start)

    def intersection(self, other: Interval) -> Interval | None:
        """The shared stretch, or None when they share nothing of positive length."""
        start, end = max(self.start, other.start), min(self.end, other.end)
        return Interval(start, end) if end > start else None

    def iou(self, other: Interval) -> float:
        """Intersection over union of the two spans (0 when disjoint or both empty)."""
        inter = max(0.0, min(self.end, other.end) - max(self.start, other.start))
        union = self.duration + other.duration - inter
        return inter / union if union > 0 else 0.0

    def clip(self, bounds: Interval) -> Interval | None:
        """This interval cut to ``bounds``; None when nothing of it lies inside."""
        start, end = max(self.start, bounds.start), min(self.end, bounds.end)
        return Interval(start, end) if end >= start else None


def merge(intervals: Iterable[Interval], gap: float = 0.0) -> list[Interval]:
    """Union: sorted, non-overlapping intervals; spans closer than ``gap`` seconds are joined."""
    result: list[Interval] = []
    for interval in sorted(intervals):
        if result and interval.start <= result[-1].end + gap:
            if interval.end > result[-1].end:
                result[-1] = Interval(result[-1].start, interval.end)
        else:
            result.append(interval)
    return result


def total_length(intervals: Iterable[Interval]) -> float:
    """Length of the union of ``intervals``, in seconds."""
    return sum(interval.duration for interval in merge(intervals))


def intersect(a: Iterable[Interval], b: Iterable[Interval]) -> list[Interval]:
    """Intersection of two unions, as sorted non-overlapping intervals."""
    left, right = merge(a), merge(b)
    result: list[Interval] = []
    i = j = 0
    while i < len(left) and j < len(right):
        shared = left[i].intersection(right[j])
        if shared is not None:
            result.append(shared)
        if left[i].end < right[j].end:
            i += 1
        else:
            j += 1
    return result


def complement(intervals: Iterable[Interval], within: Interval) -> list[Interval]:
    """The gaps: parts of ``within`` covered by none of ``intervals`` (positive length only)."""
    gaps: list[Interval] = []
    cursor = within.start
    for interval in merge(intervals):
        if interval.start > cursor:
            gaps.append(Interval(cursor, min(interval.start, within.end)))
        cursor = max(cursor, interval.end)
        if cursor >= within.end:
            break
    if cursor < within.end:
        gaps.append(Interval(cursor, within.end))
    return [gap for gap in gaps if gap.duration > 0]
