"""Decide which content units match a content-driven definition.

Every unit first gets a text/visual similarity score (:func:`~videoscope.segments.content.
unit_scores`). :class:`ThresholdJudge` (the offline default) selects the units at or above an
adaptive threshold. :class:`LanguageModelJudge` asks a :class:`~videoscope.backends.base.
LanguageModel` to judge each unit from its evidence line (transcript, on-screen text, visual
tags, audio labels, times), with a JSON schema that requires exactly one boolean per unit.
:func:`judge_units` sends the units in overlapping chunks (:mod:`~videoscope.segments.chunks`),
stitches the answers (each unit from the chunk where it is most central), and falls back to the
threshold decision for any unit the model left open: a failed call, a malformed reply, or a tie
between equally central chunks. The output is therefore one decision per unit whatever the
model does.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from videoscope.backends.base import LanguageModel
from videoscope.segments.chunks import ChunkOptions, budget_chars, plan_chunks, stitch
from videoscope.timeline.interval import Interval

logger = logging.getLogger(__name__)
_EPS = 1e-6
#: Reply tokens per judged unit (``"u12": false, `` is about 8 in SmolLM2's vocabulary).
TOKENS_PER_UNIT = 10
#: Evidence characters per chunk at most, whatever the model's context (keeps calls short).
MAX_CHUNK_CHARS = 16_000


@dataclass(frozen=True, slots=True)
class UnitView:
    """One unit as a judge sees it: its time, its evidence line and its similarity score."""

    interval: Interval
    text: str
    score: float


class UnitJudge(Protocol):
    """Decides, for the units of one chunk, which match a query."""

    name: str

    @property
    def budget_chars(self) -> int | None:
        """Evidence characters one chunk may hold (None: no limit)."""
        ...

    def judge(self, query: str, units: Sequence[UnitView]) -> list[bool | None]:
        """One decision per unit; ``None`` leaves a unit to the fallback."""
        ...


def adaptive_threshold(scores: np.ndarray, floor: float, relative: float) -> float:
    """``max(floor, best - relative * (best - median))``; ``inf`` when the best is below
    ``floor`` (nothing matches)."""
    if not len(scores):
        return float("inf")
    best = float(scores.max())
    if best < floor:
        return float("inf")
    return max(floor, best - relative * (best - float(np.median(scores))))


class ThresholdJudge:
    """A unit matches when its score reaches ``threshold``.

    With ``threshold=None`` the adaptive threshold is computed over the units shown, so the
    judge is relative to its chunk, as a language model is; the engine passes the threshold of
    the whole window, which makes the decisions independent of chunking.
    """

    budget_chars: int | None = None

    def __init__(
        self, threshold: float | None = None, *, floor: float = 0.25, relative: float = 0.5
    ) -> None:
        self.threshold = threshold
        self.floor = floor
        self.relative = relative
        self.name = "threshold" if threshold is None else "threshold:global"

    def judge(self, query: str, units: Sequence[UnitView]) -> list[bool | None]:
        """``score >= threshold`` per unit."""
        scores = np.array([u.score for u in units], dtype=np.float32)
        limit = self.threshold
        if limit is None:
            limit = adaptive_threshold(scores, self.floor, self.relative)
        return [bool(s >= limit - _EPS) for s in scores]


_SYSTEM = (
    "You decide which parts of a video match a description, using only the measured evidence "
    "of each part. Reply with one JSON object: for each part id, true if the part matches the "
    "description, otherwise false."
)


class LanguageModelJudge:
    """Units judged by a chat LLM with JSON-schema constrained output (one boolean per unit)."""

    def __init__(
        self,
        llm: LanguageModel,
        *,
        temperature: float = 0.0,
        options: ChunkOptions | None = None,
    ) -> None:
        self.llm = llm
        self.temperature = temperature
        self.options = options or ChunkOptions()
        self.name = f"llm:{llm.name}"
        reply = TOKENS_PER_UNIT * self.options.max_units + 32
        context = llm.context_tokens
        self.budget_chars = self.options.max_chars or budget_chars(context, reply, MAX_CHUNK_CHARS)
        #: How many completions were requested (for reports and tests).
        self.calls = 0

    def messages(self, query: str, units: Sequence[UnitView]) -> list[dict[str, str]]:
        """The chat messages for one chunk: the description and one line per unit."""
        lines = [
            f"u{k + 1} [{u.interval.start:.1f}-{u.interval.end:.1f}s] {u.text}"
            for k, u in enumerate(units)
        ]
        user = f"Description: {query}\nParts:\n" + "\n".join(lines)
        return [{"role": "system", "content": _SYSTEM}, {"role": "user", "content": user}]

    @staticmethod
    def schema(count: int) -> dict[str, Any]:
        """JSON schema of the reply: ``{"u1": bool, ..., "u<count>": bool}``, all required."""
        keys = [f"u{k + 1}" for k in range(count)]
        return {
            "type": "object",
            "properties": {key: {"type": "boolean"} for key in keys},
            "required": keys,
            "additionalProperties": False,
        }

    def judge(self, query: str, units: Sequence[UnitView]) -> list[bool | None]:
        """Ask the model; any unit whose answer is missing or not a boolean is ``None``."""
        if not units:
            return []
        self.calls += 1
        try:
            reply = self.llm.complete(
                self.messages(query, units),
                json_schema=self.schema(len(units)),
                temperature=self.temperature,
                max_tokens=TOKENS_PER_UNIT * len(units) + 32,
            )
            parsed = json.loads(reply)
        except Exception as error:  # any model failure leaves the chunk to the fallback
            logger.warning("LLM unit judging failed (%s); using similarity scores", error)
            return [None] * len(units)
        if not isinstance(parsed, dict):
            return [None] * len(units)
        answers = [parsed.get(f"u{k + 1}") for k in range(len(units))]
        return [a if isinstance(a, bool) else None for a in answers]


@dataclass
class JudgeReport:
    """How a definition's units were judged (added to verbose ``plans``)."""

    judge: str = ""
    units: int = 0
    chunks: int = 0
    #: Units whose decision came from the judge (the rest fell back to the threshold).
    decided: int = 0
    selected: int = 0

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form."""
        return {
            "judge": self.judge,
            "units": self.units,
            "chunks": self.chunks,
            "decided": self.decided,
            "fallback": self.units - self.decided,
            "selected": self.selected,
        }


def judge_units(
    query: str,
    units: Sequence[UnitView],
    judge: UnitJudge,
    fallback: ThresholdJudge,
    options: ChunkOptions,
    report: JudgeReport | None = None,
) -> list[bool]:
    """One decision per unit: ``judge`` over overlapping chunks, stitched, with ``fallback``
    for the units the judge left open."""
    views = [UnitView(u.interval, u.text[: options.line_chars], u.score) for u in units]
    costs = [len(v.text) + 24 for v in views]  # the id and the times take about 24 characters
    chunks = plan_chunks([v.interval for v in views], costs, options, judge.budget_chars)
    answers: list[list[bool | None]] = []
    for chunk in chunks:
        part = views[chunk.start : chunk.stop]
        found = judge.judge(query, part)
        answers.append(list(found) if len(found) == len(part) else [None] * len(part))
    stitched = stitch(len(views), chunks, answers)
    backup = fallback.judge(query, views)
    decisions = [
        bool(s) if s is not None else bool(b) for s, b in zip(stitched, backup, strict=True)
    ]
    if report is not None:
        report.judge = judge.name
        report.units += len(views)
        report.chunks += len(chunks)
        report.decided += sum(s is not None for s in stitched)
        report.selected += sum(decisions)
    return decisions
