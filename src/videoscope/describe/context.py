"""The Timeline as compact, timestamped, multimodal evidence: what is said, shown and heard.

Every statement the describe package makes comes from these :class:`Evidence` items: transcript
utterances, on-screen text, non-speech audio events and the visual tags of each shot (captions
when a vision-language stage wrote them, otherwise zero-shot ImageNet concepts). :func:`render`
writes them as one line each, ``[mm:ss-mm:ss] said: ...``; :func:`chunk` cuts them into pieces
that fit a token budget, for map-reduce over long videos.

Example:
    >>> from videoscope.timeline.model import Timeline, VideoRef, Utterance
    >>> tl = Timeline(video=VideoRef(content_hash="x", duration=5.0))
    >>> tl.utterances.append(Utterance(start=1, end=2, text="Hello."))
    >>> render(gather(tl))
    '[00:01-00:02] said: Hello.'
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from videoscope.backends.base import CHARS_PER_TOKEN
from videoscope.timeline.interval import Interval
from videoscope.timeline.model import Timeline

Kind = Literal["said", "on screen", "heard", "seen"]
#: Audio labels that add nothing beside the transcript and the silences.
QUIET_LABELS = frozenset({"speech", "silence", "narration, monologue", "conversation"})


@dataclass(frozen=True, slots=True)
class Evidence:
    """One measured fact about ``[start, end]``: ``kind`` says which modality, ``text`` what."""

    start: float
    end: float
    kind: Kind
    text: str
    score: float = 1.0

    @property
    def line(self) -> str:
        """``[mm:ss-mm:ss] kind: text``."""
        return f"[{clock(self.start)}-{clock(self.end)}] {self.kind}: {self.text}"


def clock(seconds: float) -> str:
    """``mm:ss`` (``h:mm:ss`` past an hour), seconds rounded down."""
    whole = max(0, int(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def gather(timeline: Timeline, window: Interval | None = None) -> list[Evidence]:
    """Every piece of evidence overlapping ``window`` (default: the whole video), by time."""
    bounds = window or Interval(0.0, timeline.video.duration)

    def inside(start: float, end: float) -> bool:
        return Interval(start, max(start, end)).overlaps(bounds) or bounds.contains(start)

    found: list[Evidence] = []
    for u in timeline.utterances:
        if u.text.strip() and inside(u.start, u.end):
            found.append(Evidence(u.start, u.end, "said", u.text.strip()))
    seen_texts: dict[str, float] = {}
    for t in timeline.texts:
        text = t.text.strip()
        if len(text) < 2 or not inside(t.start, t.end):
            continue
        if text.lower() in seen_texts and t.start - seen_texts[text.lower()] < 5.0:
            continue  # the same overlay read again a moment later
        seen_texts[text.lower()] = t.end
        found.append(Evidence(t.start, t.end, "on screen", text, t.confidence))
    for e in timeline.audio_events:
        if e.label.lower() not in QUIET_LABELS and inside(e.start, e.end):
            found.append(Evidence(e.start, e.end, "heard", e.label.lower(), e.score))
    by_span: dict[tuple[float, float], list[tuple[str, float]]] = defaultdict(list)
    for tag in timeline.visual_tags:
        if inside(tag.start, tag.end):
            by_span[(tag.start, tag.end)].append((tag.label, tag.score))
    for (start, end), tags in by_span.items():
        labels = ", ".join(dict.fromkeys(label for label, _ in tags))
        found.append(Evidence(start, end, "seen", labels, max(s for _, s in tags)))
    found.sort(key=lambda e: (e.start, e.end, e.kind))
    return found


def render(evidence: Sequence[Evidence]) -> str:
    """One line per item, in time order."""
    return "\n".join(e.line for e in evidence)


def estimate_tokens(text: str) -> int:
    """A tokenizer-free estimate of how many tokens ``text`` takes."""
    return int(len(text) / CHARS_PER_TOKEN) + 1


def chunk(evidence: Sequence[Evidence], budget_tokens: int) -> list[list[Evidence]]:
    """Consecutive runs of ``evidence`` whose rendered lines fit ``budget_tokens`` each.

    A single line longer than the budget still gets a chunk of its own (callers truncate).
    """
    chunks: list[list[Evidence]] = []
    current: list[Evidence] = []
    used = 0
    for item in evidence:
        cost = estimate_tokens(item.line) + 1
        if current and used + cost > budget_tokens:
            chunks.append(current)
            current, used = [], 0
        current.append(item)
        used += cost
    if current:
        chunks.append(current)
    return chunks
