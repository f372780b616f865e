"""Keep generated text grounded: timestamps on real evidence, sentences with support.

* :func:`snap_times` rewrites every ``mm:ss`` / ``h:mm:ss`` in a text to the nearest time where
  evidence starts or ends (clamped into the video), so a model cannot name a moment the video does
  not have.
* :func:`supported` keeps only the sentences that the evidence supports: enough of their content
  words occur in the evidence (lexical), or their embedding is close to some evidence line.

Example:
    >>> snap_times("At 00:07 the crowd cheers.", [0.0, 5.0, 9.0], 10.0)
    'At 00:05 the crowd cheers.'
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence

from videoscope.describe.context import Evidence, clock
from videoscope.describe.keywords import SentenceEmbedder, content_words
from videoscope.timeline.model import Timeline

_CLOCK = re.compile(r"\b(?:(\d{1,2}):)?(\d{1,2}):(\d{2})(?:\.\d+)?\b")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'(\[])")


def evidence_times(timeline: Timeline, evidence: Sequence[Evidence]) -> list[float]:
    """Sorted times where something measured starts or ends (plus shot starts, 0 and the end)."""
    times = {0.0, timeline.video.duration}
    times.update(s.start for s in timeline.shots)
    for e in evidence:
        times.update((e.start, e.end))
    return sorted(t for t in times if 0.0 <= t <= timeline.video.duration)


def nearest(time: float, times: Sequence[float]) -> float:
    """The element of sorted ``times`` closest to ``time``."""
    i = bisect.bisect_left(times, time)
    options = [times[j] for j in (i - 1, i) if 0 <= j < len(times)]
    return min(options, key=lambda t: (abs(t - time), t))


def snap_times(text: str, times: Sequence[float], duration: float) -> str:
    """``text`` with each clock time replaced by the nearest evidence time (clamped to the video).

    Times are compared at whole-second precision, as printed: a time is snapped to the evidence
    whose printed second is closest.
    """
    if not times:
        return text

    def replace(match: re.Match[str]) -> str:
        hours, minutes, seconds = match.groups()
        whole = int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds)
        value = min(max(0.0, float(whole)), duration)
        snapped = nearest(value, times)
        if int(snapped) == whole:
            return match.group(0)
        return clock(snapped)

    return _CLOCK.sub(replace, text)


def sentences(text: str) -> list[str]:
    """``text`` split into sentences (at ., ! or ? followed by a capital or a quote)."""
    return [s.strip() for s in _SENTENCE.split(text.strip()) if s.strip()]


def support(
    sentence: str,
    evidence: Sequence[Evidence],
    embedder: SentenceEmbedder | None = None,
) -> float:
    """How well ``evidence`` supports ``sentence``, in [0, 1]: the larger of the share of its
    content words found in the evidence and its best embedding similarity to an evidence line."""
    words = set(content_words(sentence))
    vocabulary = {w for e in evidence for w in content_words(e.text)}
    lexical = len(words & vocabulary) / len(words) if words else 1.0
    if embedder is None or not evidence or lexical >= 1.0:
        return lexical
    vectors = embedder.embed([sentence, *(e.text for e in evidence)])
    semantic = float((vectors[1:] @ vectors[0]).max())
    return max(lexical, semantic)


def supported(
    text: str,
    evidence: Sequence[Evidence],
    embedder: SentenceEmbedder | None = None,
    threshold: float = 0.5,
) -> tuple[str, list[str]]:
    """The sentences of ``text`` with :func:`support` at least ``threshold``, and those dropped."""
    kept: list[str] = []
    dropped: list[str] = []
    for sentence in sentences(text):
        (kept if support(sentence, evidence, embedder) >= threshold else dropped).append(sentence)
    return " ".join(kept), dropped
