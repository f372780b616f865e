"""Turn a :class:`~videoscope.segments.interpret.Plan` into clean segments on measured evidence.

:func:`raw_spans` reads the plan's signal from the Timeline (content units are judged in
:mod:`~videoscope.segments.content`); :func:`enforce` then makes the spans valid by construction
inside one allowed window piece: clipped, snapped to evidence, sorted, non-overlapping, at least
``min_duration`` long (merged with a touching neighbour or extended to the next evidence, else
dropped) and at most ``max_duration``
(split at evidence; a split with no evidence in reach is a ``max_duration_split``).
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Sequence

from videoscope.segments.content import ContentOptions, content_spans
from videoscope.segments.evidence import EvidenceGatherer, EvidenceIndex
from videoscope.segments.interpret import Plan
from videoscope.segments.judge import JudgeReport, UnitJudge
from videoscope.segments.similarity import Scorer
from videoscope.timeline.interval import Interval, complement, merge
from videoscope.timeline.model import Timeline

_EPS = 1e-6


def raw_spans(
    plan: Plan,
    timeline: Timeline,
    piece: Interval,
    index: EvidenceIndex,
    gatherer: EvidenceGatherer,
    scorer: Scorer,
    options: ContentOptions | None = None,
    min_duration: float | None = None,
    *,
    judge: UnitJudge | None = None,
    report: JudgeReport | None = None,
) -> list[Interval]:
    """Candidate spans inside ``piece`` for ``plan`` (before :func:`enforce`); content plans
    are judged by ``judge`` (see :func:`~videoscope.segments.content.content_spans`)."""
    spans: list[Interval]
    if plan.signal == "shots":
        spans = [s.interval for s in timeline.shots] or [piece]
    elif plan.signal == "utterances":
        spans = _utterance_spans(timeline, turns=not _SENTENCES.search(plan.query))
        spans = refine_with_silences(spans, timeline)
    elif plan.signal == "silence":
        spans = [s.interval for s in timeline.silences]
    elif plan.signal == "text":
        spans = text_change_spans(timeline, piece)
    elif plan.signal == "audio":
        label = (plan.audio_label or "").lower()
        found = [e.interval for e in timeline.audio_events if label in e.label.lower()]
        spans = merge(found, gap=0.5)
    else:
        spans = content_spans(
            plan,
            timeline,
            piece,
            index,
            gatherer,
            scorer,
            options,
            min_duration,
            judge=judge,
            report=report,
        )
    spans = [c for s in spans if (c := _clip(s, piece)) is not None]
    if plan.negated:
        return complement(spans, piece)
    return spans


def _clip(span: Interval, piece: Interval) -> Interval | None:
    start, end = max(span.start, piece.start), min(span.end, piece.end)
    return Interval(start, end) if end > start + _EPS else None


_SENTENCES = re.compile(r"\bsentences?\b|\butterances?\b|\bphrases?\b", re.IGNORECASE)
#: How far (s) an utterance edge may move to the edge of the silence next to it.
SILENCE_REACH = 0.4
#: Utterances closer than this with no silence between them are one turn (no silence track).
TURN_GAP = 0.5


def _utterance_spans(timeline: Timeline, *, turns: bool) -> list[Interval]:
    """Each utterance; with ``turns``, consecutive utterances of one turn are joined: no
    measured silence between them (or, without a silence track, a gap under ``TURN_GAP``) and no
    change of a known speaker."""
    spans: list[Interval] = []
    last_speaker: str | None = None
    silences = [s.interval for s in timeline.silences]
    for u in timeline.utterances:
        joined = False
        if turns and spans:
            gap = Interval(min(spans[-1].end, u.start), max(spans[-1].end, u.start))
            paused = (
                any(s.overlaps(gap) and s.duration > 0 for s in silences)
                if silences
                else gap.duration >= TURN_GAP
            )
            other = u.speaker is not None and last_speaker is not None and u.speaker != last_speaker
            if not paused and not other:
                spans[-1] = Interval(spans[-1].start, max(spans[-1].end, u.end))
                joined = True
        if not joined:
            spans.append(u.interval)
        last_speaker = u.speaker or last_speaker
    return spans


def refine_with_silences(spans: list[Interval], timeline: Timeline) -> list[Interval]:
    """Move each speech edge to the edge of the silence that touches it (within
    ``SILENCE_REACH``): energy-based silence edges are sharper than ASR word times."""
    ends = sorted(s.end for s in timeline.silences)
    starts = sorted(s.start for s in timeline.silences)
    out = []
    for span in spans:
        a = _closest(ends, span.start, SILENCE_REACH)
        b = _closest(starts, span.end, SILENCE_REACH)
        a = span.start if a is None else a
        b = span.end if b is None else b
        out.append(Interval(a, b) if b > a + _EPS else span)
    return out


def _closest(times: list[float], target: float, reach: float) -> float | None:
    best = min(times, key=lambda t: abs(t - target), default=None)
    return best if best is not None and abs(best - target) <= reach else None


def text_change_spans(timeline: Timeline, piece: Interval) -> list[Interval]:
    """Stretches between on-screen-text change points where some text is visible; neighbours
    showing the same set of texts are joined."""
    points = sorted({t for item in timeline.texts for t in (item.start, item.end)})
    spans: list[tuple[Interval, frozenset[str]]] = []
    for a, b in itertools.pairwise(points):
        if b - a <= _EPS:
            continue
        mid = (a + b) / 2
        active = frozenset(
            " ".join(t.text.lower().split()) for t in timeline.texts if t.start <= mid < t.end
        )
        if not active:
            continue
        if spans and spans[-1][1] == active and abs(spans[-1][0].end - a) <= _EPS:
            spans[-1] = (Interval(spans[-1][0].start, b), active)
        else:
            spans.append((Interval(a, b), active))
    return [s for s, _ in spans]


def enforce(
    spans: Sequence[Interval],
    piece: Interval,
    index: EvidenceIndex,
    min_duration: float | None = None,
    max_duration: float | None = None,
) -> list[Interval]:
    """Valid segments inside ``piece``: snapped to evidence, sorted, non-overlapping, honouring
    ``min_duration``/``max_duration``. Every returned edge is a time of ``index``."""
    lo, hi = _piece_on_grid(piece, index)
    if hi - lo <= _EPS:
        return []
    index.add(lo, "window_start")
    index.add(hi, "window_end")
    snapped: list[Interval] = []
    for span in spans:
        a = index.nearest(min(max(span.start, lo), hi), lo, hi)
        b = index.nearest(min(max(span.end, lo), hi), lo, hi)
        if a is not None and b is not None and b > a + _EPS:
            snapped.append(Interval(a, b))
    segments = _no_overlap(snapped)
    if min_duration:
        segments = _enforce_min(segments, lo, hi, index, min_duration, max_duration)
    if max_duration:
        segments = [p for s in segments for p in _split(s, index, min_duration, max_duration)]
    low = (min_duration or 0.0) - _EPS
    return [s for s in segments if s.end - s.start > _EPS and s.end - s.start >= low]


def _piece_on_grid(piece: Interval, index: EvidenceIndex) -> tuple[float, float]:
    res = index.resolution
    lo = round(math.ceil(piece.start / res - 1e-9) * res, 6)
    hi = round(math.floor(piece.end / res + 1e-9) * res, 6)
    return lo, hi


def _no_overlap(spans: list[Interval]) -> list[Interval]:
    """Sorted; overlapping spans (sharing positive length) are joined, touching ones kept."""
    out: list[Interval] = []
    for s in sorted(spans):
        if out and s.start < out[-1].end - _EPS:
            out[-1] = Interval(out[-1].start, max(out[-1].end, s.end))
        else:
            out.append(s)
    return out


def _fits(a: float, b: float, high: float | None) -> bool:
    return high is None or b - a <= high + _EPS


def _enforce_min(
    segments: list[Interval],
    lo: float,
    hi: float,
    index: EvidenceIndex,
    low: float,
    high: float | None,
) -> list[Interval]:
    segs = list(segments)
    i = 0
    while i < len(segs):
        s = segs[i]
        if s.duration >= low - _EPS:
            i += 1
            continue
        prev = segs[i - 1] if i > 0 and abs(segs[i - 1].end - s.start) <= _EPS else None
        nxt = segs[i + 1] if i + 1 < len(segs) and abs(segs[i + 1].start - s.end) <= _EPS else None
        options = []
        if prev is not None and _fits(prev.start, s.end, high):
            options.append((prev.duration, i - 1))
        if nxt is not None and _fits(s.start, nxt.end, high):
            options.append((nxt.duration, i))
        if options:
            _, left = min(options)
            segs[left : left + 2] = [Interval(segs[left].start, segs[left + 1].end)]
            i = max(left, 0)
            continue
        room_lo = segs[i - 1].end if i > 0 else lo
        room_hi = segs[i + 1].start if i + 1 < len(segs) else hi
        end = index.first_at_or_after(s.start + low, room_hi)
        if end is not None and end > s.end and _fits(s.start, end, high):
            segs[i] = Interval(s.start, end)
            i += 1
            continue
        start = index.last_at_or_before(s.end - low, room_lo)
        if start is not None and start < s.start and _fits(start, s.end, high):
            segs[i] = Interval(start, s.end)
            i += 1
            continue
        del segs[i]
    return segs


def _split(
    segment: Interval, index: EvidenceIndex, low: float | None, high: float
) -> list[Interval]:
    """Pieces of ``segment`` no longer than ``high`` (and no shorter than ``low``), cut at
    evidence where possible; a remainder that cannot be cut validly is trimmed off."""
    low = low or 0.0
    step = max(low, index.resolution)
    out: list[Interval] = []
    cur, end = segment.start, segment.end
    while end - cur > high + _EPS:
        a, b = cur + step, min(cur + high, end - low)
        t = _last_between(index, cur, a, b)
        if t is None and b >= a - _EPS and _floor(b, index) >= a - _EPS:
            t = index.add(b, "max_duration_split")
        if t is None:  # no valid remainder: keep the longest valid first piece, trim the rest
            t = _last_between(index, cur, cur + step, cur + high)
            if t is None and _floor(cur + high, index) >= cur + step - _EPS:
                t = index.add(cur + high, "max_duration_split")
            if t is not None:
                out.append(Interval(cur, t))
            return out
        out.append(Interval(cur, t))
        cur = t
    if end > cur + _EPS:
        out.append(Interval(cur, end))
    return out


def _floor(time: float, index: EvidenceIndex) -> float:
    return round(math.floor(time / index.resolution + 1e-9) * index.resolution, 6)


def _last_between(index: EvidenceIndex, cur: float, a: float, b: float) -> float | None:
    """The last boundary in ``[a, b]`` strictly after ``cur``, or None."""
    if b < a - _EPS:
        return None
    for t in reversed(index.inside(cur, b + 2 * _EPS)):
        if t <= b + _EPS and t >= a - _EPS and t > cur + _EPS:
            return t
        if t < a - _EPS:
            break
    return None
