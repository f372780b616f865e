"""Measured evidence from a Timeline: boundary times every segment edge snaps to, and what each
stretch of the video holds (transcript, on-screen text, audio events, visual tags).

Boundaries are quantised to the output resolution once (1 ms, or 1 s for ``hh:mm:ss``), so the
segmenter's arithmetic works on exactly the times that will be printed.

Example:
    >>> from videoscope.timeline.model import Shot, Timeline, VideoRef
    >>> tl = Timeline(video=VideoRef(content_hash="x", duration=6.0))
    >>> tl.shots += [Shot(start=0, end=2.5, index=0, transition="start"),
    ...              Shot(start=2.5, end=6, index=1)]
    >>> index = EvidenceIndex.from_timeline(tl)
    >>> index.label(2.5)
    'shot_cut@2.500'
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from videoscope.timeline.interval import Interval
from videoscope.timeline.model import (
    OnScreenText,
    Shot,
    TimedItem,
    Timeline,
    Utterance,
    Word,
)

_EPS = 1e-6
#: When several kinds of evidence fall on one time, the first in this list names it.
KIND_PRIORITY = (
    "video_start",
    "video_end",
    "shot_cut",
    "shot_dissolve",
    "shot_fade",
    "utterance_start",
    "utterance_end",
    "text_on",
    "text_off",
    "silence_start",
    "silence_end",
    "word_start",
    "word_end",
    "audio_start",
    "audio_end",
    "window_start",
    "window_end",
    "max_duration_split",
)
_RANK = {kind: i for i, kind in enumerate(KIND_PRIORITY)}

T = TypeVar("T", bound=TimedItem)


def quantize(time: float, resolution: float) -> float:
    """``time`` rounded to the output ``resolution`` (then to 1 µs, to drop float noise)."""
    return round(round(time / resolution) * resolution, 6)


def _rank(kind: str) -> int:
    if kind in _RANK:
        return _RANK[kind]
    base = "audio_start" if kind.endswith("_start") else "audio_end"
    return _RANK[base]


@dataclass(frozen=True, slots=True)
class Boundary:
    """A measured time where something starts or stops (``kind``, e.g. ``shot_cut``)."""

    time: float
    kind: str

    @property
    def label(self) -> str:
        """``kind@seconds``, as shown in verbose output."""
        return f"{self.kind}@{self.time:.3f}"


class EvidenceIndex:
    """Sorted, quantised boundary times and the kind of evidence behind each."""

    def __init__(self, boundaries: Iterable[Boundary], resolution: float = 0.001) -> None:
        self.resolution = resolution
        best: dict[float, str] = {}
        for b in boundaries:
            t = quantize(b.time, resolution)
            if t < 0 or not math.isfinite(t):
                continue
            if t not in best or _rank(b.kind) < _rank(best[t]):
                best[t] = b.kind
        self.times = sorted(best)
        self._kinds = best

    @classmethod
    def from_timeline(
        cls, timeline: Timeline, resolution: float = 0.001, window: Interval | None = None
    ) -> EvidenceIndex:
        """Every boundary of ``timeline`` (plus the video's and the ``window``'s ends)."""
        duration = video_end(timeline, resolution)
        found = [Boundary(0.0, "video_start"), Boundary(duration, "video_end")]
        if window is not None:
            found += [Boundary(window.start, "window_start"), Boundary(window.end, "window_end")]
        for shot in timeline.shots:
            if shot.start > 0:
                cut = shot.transition in ("cut", "start")
                kind = "shot_cut" if cut else f"shot_{shot.transition}"
                found.append(Boundary(shot.start, kind))
        pairs: list[tuple[Sequence[TimedItem], str]] = [
            (timeline.utterances, "utterance"),
            (timeline.silences, "silence"),
            (timeline.words, "word"),
        ]
        for items, name in pairs:
            for item in items:
                found += [Boundary(item.start, f"{name}_start"), Boundary(item.end, f"{name}_end")]
        for text in timeline.texts:
            found += [Boundary(text.start, "text_on"), Boundary(text.end, "text_off")]
        for event in timeline.audio_events:
            label = event.label.lower().replace(" ", "_")
            found += [Boundary(event.start, f"{label}_start"), Boundary(event.end, f"{label}_end")]
        index = cls(found, resolution)
        index.times = [t for t in index.times if t <= duration]
        return index

    def copy(self) -> EvidenceIndex:
        """An independent copy (synthetic boundaries added to it stay local)."""
        other = EvidenceIndex((), self.resolution)
        other.times = list(self.times)
        other._kinds = dict(self._kinds)
        return other

    def kind(self, time: float) -> str | None:
        """The kind of evidence at exactly ``time`` (quantised), or None."""
        return self._kinds.get(quantize(time, self.resolution))

    def label(self, time: float) -> str:
        """``kind@time`` of the evidence at ``time``; ``unsnapped@time`` when there is none."""
        kind = self.kind(time)
        return Boundary(quantize(time, self.resolution), kind or "unsnapped").label

    def inside(self, start: float, end: float) -> list[float]:
        """Boundary times ``t`` with ``start < t < end``."""
        lo = bisect.bisect_right(self.times, start + _EPS)
        hi = bisect.bisect_left(self.times, end - _EPS)
        return self.times[lo:hi]

    def nearest(self, time: float, start: float, end: float) -> float | None:
        """The boundary in ``[start, end]`` nearest to ``time`` (earlier one on ties)."""
        lo = bisect.bisect_left(self.times, start - _EPS)
        hi = bisect.bisect_right(self.times, end + _EPS)
        if lo >= hi:
            return None
        pos = min(max(bisect.bisect_left(self.times, time), lo), hi - 1)
        options = [self.times[pos]] + ([self.times[pos - 1]] if pos - 1 >= lo else [])
        return min(options, key=lambda t: (abs(t - time), t))

    def first_at_or_after(self, time: float, limit: float) -> float | None:
        """The first boundary in ``[time, limit]``, or None."""
        pos = bisect.bisect_left(self.times, time - _EPS)
        if pos < len(self.times) and self.times[pos] <= limit + _EPS:
            return self.times[pos]
        return None

    def last_at_or_before(self, time: float, limit: float) -> float | None:
        """The last boundary in ``[limit, time]``, or None."""
        pos = bisect.bisect_right(self.times, time + _EPS) - 1
        if pos >= 0 and self.times[pos] >= limit - _EPS:
            return self.times[pos]
        return None

    def add(self, time: float, kind: str) -> float:
        """Register a synthetic boundary (a window end, a forced split) at ``time`` rounded down
        to the grid; returns that time."""
        t = round(math.floor(time / self.resolution + 1e-9) * self.resolution, 6)
        if t not in self._kinds:
            bisect.insort(self.times, t)
            self._kinds[t] = kind
        return t


def video_end(timeline: Timeline, resolution: float = 0.001) -> float:
    """The video's end on the output grid, never after the real end."""
    duration = timeline.video.duration
    return round(math.floor(duration / resolution + 1e-9) * resolution, 6)


@dataclass
class SegmentEvidence:
    """What one stretch of the video holds, gathered from every track."""

    interval: Interval
    words: list[Word] = field(default_factory=list)
    utterances: list[Utterance] = field(default_factory=list)
    texts: list[OnScreenText] = field(default_factory=list)
    audio: list[str] = field(default_factory=list)
    visual: list[str] = field(default_factory=list)
    shots: list[Shot] = field(default_factory=list)
    #: Whether the timeline has word timings (then the transcript is words, not utterances).
    word_level: bool = False

    @property
    def transcript(self) -> str:
        """Spoken words inside the stretch (whole utterances when no word timings exist)."""
        if self.word_level:
            return " ".join(w.text.strip() for w in self.words).strip()
        return " ".join(u.text.strip() for u in self.utterances).strip()

    @property
    def screen_text(self) -> list[str]:
        """Distinct on-screen texts, in order of appearance."""
        seen: dict[str, None] = {}
        for item in self.texts:
            seen.setdefault(item.text.strip(), None)
        return [t for t in seen if t]

    @property
    def cuts(self) -> list[float]:
        """Shot starts strictly inside the stretch."""
        return [s.start for s in self.shots if self.interval.start < s.start < self.interval.end]

    @property
    def speakers(self) -> list[str]:
        """Distinct speaker labels heard in the stretch."""
        return sorted({u.speaker for u in self.utterances if u.speaker})

    def event_times(self) -> list[float]:
        """Times of measured events inside the stretch: cuts, utterance and text starts."""
        times = self.cuts + [u.start for u in self.utterances] + [t.start for t in self.texts]
        inside = [t for t in times if self.interval.start <= t <= self.interval.end]
        return sorted(set(inside))

    def describe(self) -> str:
        """An extractive description: speech, on-screen text, visual tags, audio."""
        parts = []
        if self.transcript:
            parts.append(f"Speech: '{_clip(self.transcript, 400)}'.")
        if self.screen_text:
            parts.append("On screen: " + ", ".join(f"'{t}'" for t in self.screen_text[:6]) + ".")
        if self.visual:
            parts.append("Visual: " + ", ".join(self.visual[:5]) + ".")
        if self.audio:
            parts.append("Audio: " + ", ".join(self.audio) + ".")
        if not parts:
            span = f"{self.interval.start:.1f}-{self.interval.end:.1f}s"
            parts.append(f"No speech, text or tagged content measured in {span}.")
        return " ".join(parts)

    def compact(self, limit: int = 240) -> str:
        """One line for a prompt: ``said: '...'; on screen: '...'; seen: ...; heard: ...``,
        cut to ``limit`` characters (the transcript is shortened first)."""
        tail = []
        if self.screen_text:
            tail.append("on screen: " + ", ".join(f"'{t}'" for t in self.screen_text[:4]))
        if self.visual:
            tail.append("seen: " + ", ".join(self.visual[:3]))
        if self.audio:
            tail.append("heard: " + ", ".join(self.audio[:3]))
        rest = "; ".join(tail)
        if self.transcript:
            room = max(limit - len(rest) - 12, 24)
            said = f"said: '{_clip(self.transcript, room)}'"
            rest = f"{said}; {rest}" if rest else said
        return _clip(rest or "nothing measured", limit)

    def timed_lines(self) -> list[tuple[Interval, str]]:
        """``(time, line)`` per utterance (``said: ...``) and on-screen text (``on screen:
        ...``), in time order: the evidence a budget can trim around the segment's centre."""
        lines = [
            (u.interval, f"[{u.start:.1f}-{u.end:.1f}s] said: {u.text.strip()}")
            for u in self.utterances
            if u.text.strip()
        ]
        lines += [
            (t.interval, f"[{t.start:.1f}-{t.end:.1f}s] on screen: {t.text.strip()}")
            for t in self.texts
            if t.text.strip()
        ]
        return sorted(lines, key=lambda line: (line[0].start, line[0].end, line[1]))

    def text_blob(self) -> str:
        """All textual evidence in one string, for embedding and lexical matching."""
        pieces = [self.transcript, " ".join(self.screen_text), " ".join(self.visual)]
        pieces.append(" ".join(self.audio))
        return " ".join(p for p in pieces if p).strip()


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


class EvidenceGatherer:
    """Collects :class:`SegmentEvidence` for any interval, with bisection on sorted tracks."""

    def __init__(self, timeline: Timeline) -> None:
        self.timeline = timeline
        self.words = _Track(timeline.words)
        self.utterances = _Track(timeline.utterances)
        self.texts = _Track(timeline.texts)
        self.audio_events = _Track(timeline.audio_events)
        self.visual_tags = _Track(timeline.visual_tags)
        self.shots = _Track(timeline.shots)

    def gather(self, interval: Interval) -> SegmentEvidence:
        """Everything measured during ``interval``."""
        words = [w for w in self.words.overlapping(interval) if _mid_in(w, interval)]
        utterances = self.utterances.overlapping(interval)
        texts = self.texts.overlapping(interval)
        audio: dict[str, float] = {}
        for event in self.audio_events.overlapping(interval):
            shared = event.interval.intersection(interval)
            if shared is not None and event.label.lower() != "silence":
                audio[event.label] = audio.get(event.label, 0.0) + shared.duration
        keep = [k for k, v in audio.items() if v >= 0.3 * min(interval.duration, 2.0)]
        tags: dict[str, float] = {}
        for tag in self.visual_tags.overlapping(interval):
            shared = tag.interval.intersection(interval)
            if shared is not None:
                tags[tag.label] = tags.get(tag.label, 0.0) + shared.duration * tag.score
        visual = [k for k, _ in sorted(tags.items(), key=lambda kv: (-kv[1], kv[0]))]
        return SegmentEvidence(
            interval=interval,
            words=words,
            utterances=utterances,
            texts=texts,
            audio=sorted(keep, key=lambda k: -audio[k]),
            visual=visual,
            shots=self.shots.overlapping(interval),
            word_level=bool(self.timeline.words),
        )


def _mid_in(item: TimedItem, interval: Interval) -> bool:
    return interval.start <= (item.start + item.end) / 2 < interval.end + _EPS


class _Track(Generic[T]):
    """A sorted track with bisection for items overlapping an interval."""

    def __init__(self, items: Sequence[T]) -> None:
        self.items = sorted(items, key=lambda i: (i.start, i.end))
        self.starts = [i.start for i in self.items]
        self.longest = max((i.end - i.start for i in self.items), default=0.0)

    def overlapping(self, interval: Interval) -> list[T]:
        lo = bisect.bisect_left(self.starts, interval.start - self.longest - _EPS)
        hi = bisect.bisect_left(self.starts, interval.end)
        out = []
        for item in self.items[lo:hi]:
            if (item.end > interval.start and item.start < interval.end) or (
                item.start == item.end and interval.contains(item.start)
            ):
                out.append(item)
        return out
