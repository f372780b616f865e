"""Interpret a segment definition: which measured signal drives it, and is it negated?

A small, documented catalogue of signal kinds is matched against the description with keyword
patterns (first match wins, in catalogue order); when none matches and an embedding scorer is
available, the description is compared with one prototype sentence per kind and taken when the
similarity is high. Everything else is *content-driven*: units are scored against the query.

=============  =====================================================  ==========================
signal         typical descriptions                                   segments come from
=============  =====================================================  ==========================
``silence``    "pauses", "when nobody speaks", "dead air"             silences track
``text``       "each time the on-screen text changes", "captions"     text change points
``shots``      "every hard cut", "each shot", "camera changes"        shots track
``utterances`` "each speaker turn", "each sentence", "when ... talks"  utterances track
``audio``      "when music plays", "crowd cheering"                   audio_events of a label
``content``    "scoring plays", "when the rocket is visible"          scored units, merged
=============  =====================================================  ==========================

Negation ("NOT", "except", "non-", "without", "other than") turns the result into its complement
inside the window. A spoken topic ("when the speaker talks about rockets") makes a content
definition over utterance units.

Example:
    >>> interpret("Segment any time there is a hard cut in the camera.").signal
    'shots'
    >>> plan = interpret("Only when the content on screen IS NOT actual gameplay.")
    >>> plan.signal, plan.negated, plan.query
    ('content', True, 'actual gameplay')
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from videoscope.segments.similarity import EmbeddingScorer, Scorer

Signal = Literal["silence", "text", "shots", "utterances", "audio", "content"]
Units = Literal["auto", "shots", "utterances", "texts", "windows"]

_I = re.IGNORECASE
#: (signal, audio label, pattern) in match order.
CATALOGUE: tuple[tuple[Signal, str | None, re.Pattern[str]], ...] = (
    (
        "silence",
        None,
        re.compile(
            r"\bsilen\w*|\bpauses?\b|\bquiet\b|dead air|\bno(?:body| one)\s+(?:is\s+)?"
            r"(?:speak|talk)\w*|\bno\s+(?:speech|sound|audio|talking|dialog\w*)\b",
            _I,
        ),
    ),
    (
        "text",
        None,
        re.compile(
            r"on[- ]?screen\s+(?:text|graphic|title|word|caption)s?|\btext\s+(?:overlay|change|"
            r"appear|shown|on\s+screen)\w*|\boverlays?\b|\bcaptions?\b|\bsubtitles?\b|"
            r"\btitle\s+cards?\b|lower[- ]thirds?|\bchyrons?\b|\bbanners?\b|\bsuper(?:imposed)?\s"
            r"+text|\btext\b",
            _I,
        ),
    ),
    (
        "shots",
        None,
        re.compile(
            r"\bcuts?\b|\bshot\s+(?:change|boundar\w*|transition)s?|\b(?:each|every|per|new)\s+"
            r"(?:camera\s+)?shots?\b|\bcamera\s+(?:angle\s+)?(?:change|switch)\w*|\bscene\s+"
            r"(?:change|cut)s?|\btransitions?\b",
            _I,
        ),
    ),
    (
        "utterances",
        None,
        re.compile(
            r"speaker\s+(?:turn|change)s?|\butterances?\b|\bsentences?\b|\b(?:speaks?|speaking|"
            r"talks?|talking|says?|said|spoken|speech|dialog(?:ue)?s?|narrat\w*|voice[- ]?over|"
            r"quotes?)\b",
            _I,
        ),
    ),
    (
        "audio",
        "music",
        re.compile(r"\bmusic\w*|\bsongs?\b|\bsoundtrack|\bsinging\b|\bjingles?", _I),
    ),
    ("audio", "crowd", re.compile(r"\bcrowd\w*|\bcheer\w*|\bapplau\w*|\bovation", _I)),
    ("audio", "noise", re.compile(r"\bnoise\b|\bnoisy\b", _I)),
)
#: One prototype sentence per signal for the embedding fallback.
PROTOTYPES: dict[tuple[Signal, str | None], str] = {
    ("silence", None): "pauses and silence when nobody is speaking",
    ("text", None): "each time the text shown on screen changes",
    ("shots", None): "every hard cut or change of camera shot",
    ("utterances", None): "each time someone speaks a sentence",
    ("audio", "music"): "when music is playing",
    ("audio", "crowd"): "when the crowd cheers and applauds",
}
PROTOTYPE_THRESHOLD = 0.62

_NEGATION = re.compile(
    r"\b(?:is|are|was|were|does|do|has|have)\s+not\b|\bnot\b|\w+n't\b|\bexcept(?:\s+for)?\b|"
    r"\bnon[- ](?=\w)|\bwithout\b|\bother\s+than\b|\babsence\s+of\b",
    _I,
)
_TOPIC = re.compile(
    r"\b(?:talks?|speaks?|speaking|talking)\s+about\s+(.+)|\b(?:about|mentions?|mentioning|"
    r"discuss(?:es|ing)?|regarding|concerning)\s+(.+)",
    _I,
)
_BOILERPLATE = re.compile(
    r"\b(?:generate|create|return|mark|find)\s+segments?\b|\bsegments?\b|\bonly\b|\bany\s+time\b|"
    r"\bevery\s+time\b|\beach\s+time\b|\bwhenever\b|\bwhen\b|\bthere\s+is\b|\bthe\s+content\s+on"
    r"\s+screen\b|\bthe\s+content\b|\bon\s+screen\b|\bin\s+the\s+video\b|\bshould\s+be\b.*$|"
    r"\botherwise\b.*$|\bthe\s+segment\b.*$|\b(?:is|are|was|were)\b|\bactual(?:ly)?\b(?=\W*$)",
    _I,
)


@dataclass(frozen=True, slots=True)
class Plan:
    """How one definition is segmented."""

    signal: Signal
    query: str
    negated: bool = False
    audio_label: str | None = None
    units: Units = "auto"
    reason: str = ""


def strip_query(description: str) -> str:
    """The description without negation words and request boilerplate (for scoring)."""
    text = _NEGATION.sub(" ", description)
    text = _BOILERPLATE.sub(" ", text)
    text = re.sub(r"[^\w'\- ]+", " ", text)
    text = re.sub(r"\s+", " ", text).strip(" -")
    return text or description.strip()


def interpret(description: str, scorer: Scorer | None = None) -> Plan:
    """Classify ``description`` into a :class:`Plan` (see the module docstring)."""
    negated = bool(_NEGATION.search(description))
    query = strip_query(description)
    topic = _TOPIC.search(description)
    for signal, label, pattern in CATALOGUE:
        match = pattern.search(description)
        if match is None:
            continue
        reason = f"keyword {match.group(0)!r}"
        if signal == "utterances" and topic is not None:
            spoken = strip_query(next(g for g in topic.groups() if g))
            return Plan("content", spoken, negated, None, "utterances", f"spoken topic ({reason})")
        if signal == "silence":
            negated = False  # "no speech" is the silence itself, not its complement
        return Plan(signal, query, negated, label, "auto", reason)
    if isinstance(scorer, EmbeddingScorer):
        keys = list(PROTOTYPES)
        sims = scorer.scores(description, [PROTOTYPES[k] for k in keys])
        best = int(sims.argmax())
        if float(sims[best]) >= PROTOTYPE_THRESHOLD:
            signal, label = keys[best]
            reason = f"similar to {PROTOTYPES[keys[best]]!r} ({float(sims[best]):.2f})"
            return Plan(signal, query, negated, label, "auto", reason)
    return Plan("content", query, negated, None, "auto", "no signal keyword: content scoring")
