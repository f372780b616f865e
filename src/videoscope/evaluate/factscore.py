"""VidFactScore (atomic-fact precision/recall/F1) and QEFVC-style three-criterion judging.

VidFactScore: split the reference and the prediction into atomic facts; a prediction fact is
*supported* when the reference backs it, a reference fact is *covered* when the prediction backs
it. precision = supported / |prediction facts|, recall = covered / |reference facts|, F1 their
harmonic mean. Both texts without facts -> 1; exactly one -> 0.

Backends: with a :class:`TextJudge`, facts are split and support is judged by the LLM (one call
per text to split, one call per direction to judge all facts at once). Offline, facts are split
by :func:`split_facts` (rules) and a fact counts as supported when its best similarity to a fact
on the other side reaches ``threshold`` (default similarity: lexical; any embedder can be
plugged in through :class:`TextSimilarity`).

Example:
    >>> r = vid_fact_score("A man runs. A dog barks.", "A man runs; a cat sleeps.")
    >>> r.precision, r.recall
    (0.5, 0.5)
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from videoscope.evaluate.judges import TextJudge, TextSimilarity
from videoscope.evaluate.schema import EvaluationError
from videoscope.evaluate.text import LexicalSimilarity, content_tokens

_SENTENCE = re.compile(r"(?<=[.!?])[\"')\]]*\s+|\n+|;\s*")
_CLAUSE = re.compile(
    r",\s*(?:and then|and|but|while|whereas|then|after which|before|so)\s+"
    r"|\s+(?:and then|while|whereas|after which|but)\s+",
    re.IGNORECASE,
)
_ABBREVIATIONS = re.compile(r"\b(Mr|Mrs|Ms|Dr|St|Jr|Sr|vs|etc|e\.g|i\.e|No)\.\s", re.IGNORECASE)

FACTS_SCHEMA = {
    "type": "object",
    "properties": {"facts": {"type": "array", "items": {"type": "string"}}},
    "required": ["facts"],
}
SUPPORT_SCHEMA = {
    "type": "object",
    "properties": {"supported": {"type": "array", "items": {"type": "boolean"}}},
    "required": ["supported"],
}
QEFVC_CRITERIA = ("correctness", "detail", "context")
QEFVC_SCHEMA = {
    "type": "object",
    "properties": {c: {"type": "integer", "minimum": 0, "maximum": 5} for c in QEFVC_CRITERIA},
    "required": list(QEFVC_CRITERIA),
}


@dataclass(frozen=True, slots=True)
class FactScore:
    """VidFactScore of one prediction: the facts and which of them are backed by the other side."""

    precision: float
    recall: float
    f1: float
    pred_facts: tuple[str, ...]
    ref_facts: tuple[str, ...]
    pred_supported: tuple[bool, ...]
    ref_covered: tuple[bool, ...]


@dataclass(frozen=True, slots=True)
class QEFVCScore:
    """QEFVC criteria on the 0-5 scale and ``quality``, their mean divided by 5 (in [0, 1])."""

    correctness: int
    detail: int
    context: int
    quality: float


def split_facts(text: str) -> list[str]:
    """Rule-based atomic facts: split into sentences (``.!?`` followed by space, ``;``, newlines;
    common abbreviations kept), then into clauses at coordinating conjunctions that follow a comma
    (``, and``, ``, but``, ``, while``, ``, then`` ...) or bare ``while/whereas/but/and then``.
    Bare ``and`` is not split (it usually joins nouns: "salt and pepper"). Pieces without a
    content word are dropped; each fact ends with a full stop.

    Example:
        >>> split_facts("A man sings, and a woman dances. Then the crowd cheers!")
        ['A man sings.', 'a woman dances.', 'Then the crowd cheers.']
    """
    protected = _ABBREVIATIONS.sub(lambda m: m.group(0).replace(". ", "\0 "), text)
    facts = []
    for sentence in _SENTENCE.split(protected):
        for clause in _CLAUSE.split(sentence):
            clause = clause.replace("\0", ".").strip(" \t,.!?\"'")
            if clause and content_tokens(clause):
                facts.append(clause + ".")
    return facts


def _prf(pred_ok: Sequence[bool], ref_ok: Sequence[bool]) -> tuple[float, float, float]:
    if not pred_ok and not ref_ok:
        return 1.0, 1.0, 1.0
    if not pred_ok or not ref_ok:
        return 0.0, 0.0, 0.0
    p, r = sum(pred_ok) / len(pred_ok), sum(ref_ok) / len(ref_ok)
    return p, r, (2 * p * r / (p + r) if p + r > 0 else 0.0)


def _llm_facts(judge: TextJudge, text: str) -> list[str]:
    prompt = (
        "Break the text into atomic facts: short sentences that each state exactly one thing "
        "(e.g. 'A man and a woman are running.' -> 'A man is running.', 'A woman is running.'). "
        f'Answer {{"facts": [...]}}.\nText: {text}'
    )
    facts = judge.judge(prompt, json_schema=FACTS_SCHEMA).get("facts")
    if not isinstance(facts, list) or not all(isinstance(f, str) for f in facts):
        raise EvaluationError("judge", f"fact split reply is not a list of strings: {facts!r}")
    return [f.strip() for f in facts if f.strip()]


def _llm_support(judge: TextJudge, facts: Sequence[str], source: str) -> list[bool]:
    if not facts:
        return []
    listing = "\n".join(f"{i + 1}. {f}" for i, f in enumerate(facts))
    prompt = (
        "For each numbered fact, answer true when the source text states or clearly implies it, "
        f'false otherwise. Answer {{"supported": [{len(facts)} booleans in order]}}.\n'
        f"Source: {source}\nFacts:\n{listing}"
    )
    flags = judge.judge(prompt, json_schema=SUPPORT_SCHEMA).get("supported")
    if not isinstance(flags, list) or len(flags) != len(facts):
        raise EvaluationError("judge", f"expected {len(facts)} booleans, got {flags!r}")
    return [bool(f) for f in flags]


def vid_fact_score(
    prediction: str,
    reference: str,
    *,
    judge: TextJudge | None = None,
    similarity: TextSimilarity | None = None,
    threshold: float = 0.5,
) -> FactScore:
    """VidFactScore of ``prediction`` against ``reference`` (see the module docstring)."""
    if judge is not None:
        pred_facts, ref_facts = _llm_facts(judge, prediction), _llm_facts(judge, reference)
        pred_ok = _llm_support(judge, pred_facts, reference)
        ref_ok = _llm_support(judge, ref_facts, prediction)
    else:
        pred_facts, ref_facts = split_facts(prediction), split_facts(reference)
        sim = (similarity or LexicalSimilarity()).similarity(pred_facts, ref_facts)
        if sim.size:
            pred_ok = (np.max(sim, axis=1) >= threshold).tolist()
            ref_ok = (np.max(sim, axis=0) >= threshold).tolist()
        else:
            pred_ok, ref_ok = [False] * len(pred_facts), [False] * len(ref_facts)
    p, r, f1 = _prf(pred_ok, ref_ok)
    return FactScore(p, r, f1, tuple(pred_facts), tuple(ref_facts), tuple(pred_ok), tuple(ref_ok))


def qefvc_score(prediction: str, reference: str, *, judge: TextJudge) -> QEFVCScore:
    """QEFVC quality (Maaz et al., 2023): the judge rates correctness of information, detail
    orientation and contextual understanding 0-5 against the reference; quality = mean / 5.
    LLM-only: there is no offline fallback, and ``judge`` is required."""
    if judge is None:
        raise EvaluationError("qefvc", "needs an LLM judge", "configure an llm backend")
    prompt = (
        "Rate the predicted video description against the reference on three criteria, each an "
        "integer from 0 (worst) to 5 (best): correctness (is the information accurate, no "
        "hallucination?), detail (does it cover the reference's details?), context (does it "
        "capture the overall context and sequence of events?). "
        'Answer {"correctness": n, "detail": n, "context": n}.\n'
        f"Reference: {reference}\nPrediction: {prediction}"
    )
    reply = judge.judge(prompt, json_schema=QEFVC_SCHEMA)
    values = []
    for c in QEFVC_CRITERIA:
        v = reply.get(c)
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise EvaluationError("judge", f"QEFVC reply lacks an integer {c!r}: {reply!r}")
        values.append(int(min(5, max(0, round(v)))))
    return QEFVCScore(values[0], values[1], values[2], sum(values) / 15.0)
