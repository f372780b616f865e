"""Pluggable model roles for the evaluation: an LLM judge and a text-similarity fallback.

* :class:`TextJudge` answers one prompt with a JSON object that follows ``json_schema``.
  :class:`LanguageModelJudge` adapts any :class:`videoscope.backends.base.LanguageModel`
  (llama.cpp, OpenAI-compatible) into one.
* :class:`TextSimilarity` scores text pairs in [0, 1]. The offline default is
  :class:`videoscope.evaluate.text.LexicalSimilarity` (no model); :class:`EmbeddingSimilarity`
  adapts any :class:`videoscope.backends.base.TextEmbedder` (e.g. all-MiniLM-L6-v2).

No judge is ever simulated: when a caller asks for an LLM-only metric (QEFVC) without a judge, an
:class:`EvaluationError` is raised.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np

from videoscope.backends.base import LanguageModel, TextEmbedder
from videoscope.evaluate.schema import EvaluationError


@runtime_checkable
class TextJudge(Protocol):
    """Answers ``prompt`` with a JSON object valid against ``json_schema``."""

    def judge(self, prompt: str, *, json_schema: dict[str, Any]) -> dict[str, Any]:
        """Return the parsed JSON reply."""
        ...


@runtime_checkable
class TextSimilarity(Protocol):
    """Pairwise text similarity."""

    def similarity(self, a: Sequence[str], b: Sequence[str]) -> np.ndarray:
        """``(len(a), len(b))`` array of similarities in [0, 1]."""
        ...


JUDGE_SYSTEM = (
    "You are a strict, fair evaluator of video metadata. Compare a prediction with a reference "
    "written by a human annotator and answer only with the requested JSON."
)


class LanguageModelJudge:
    """A :class:`TextJudge` over a chat :class:`LanguageModel`, at temperature 0.

    Example:
        >>> judge = LanguageModelJudge(load_backend("llm", "llama_cpp"))  # doctest: +SKIP
    """

    def __init__(self, llm: LanguageModel, *, system: str = JUDGE_SYSTEM, max_tokens: int = 512):
        self.llm = llm
        self.system = system
        self.max_tokens = max_tokens

    def judge(self, prompt: str, *, json_schema: dict[str, Any]) -> dict[str, Any]:
        """Ask the model; raise :class:`EvaluationError` when the reply is not a JSON object."""
        messages = [{"role": "system", "content": self.system}, {"role": "user", "content": prompt}]
        reply = self.llm.complete(
            messages, json_schema=json_schema, temperature=0.0, max_tokens=self.max_tokens
        )
        try:
            parsed = json.loads(reply)
        except json.JSONDecodeError as exc:
            raise EvaluationError(
                f"judge {getattr(self.llm, 'name', 'llm')}", f"reply is not JSON: {reply[:200]!r}"
            ) from exc
        if not isinstance(parsed, dict):
            raise EvaluationError("judge", f"reply is not a JSON object: {reply[:200]!r}")
        return parsed


class EmbeddingSimilarity:
    """A :class:`TextSimilarity` from a :class:`TextEmbedder`: cosine of embeddings, clipped to
    [0, 1] (negative cosine means unrelated, not "anti-similar")."""

    def __init__(self, embedder: TextEmbedder) -> None:
        self.embedder = embedder
        self.name = f"embedding:{getattr(embedder, 'name', 'model')}"

    def similarity(self, a: Sequence[str], b: Sequence[str]) -> np.ndarray:
        """``(len(a), len(b))`` cosine similarities."""
        if not a or not b:
            return np.zeros((len(a), len(b)), dtype=np.float64)
        ea = np.asarray(self.embedder.embed_texts(list(a)), dtype=np.float64)
        eb = np.asarray(self.embedder.embed_texts(list(b)), dtype=np.float64)
        ea /= np.maximum(np.linalg.norm(ea, axis=1, keepdims=True), 1e-12)
        eb /= np.maximum(np.linalg.norm(eb, axis=1, keepdims=True), 1e-12)
        return np.clip(ea @ eb.T, 0.0, 1.0)


#: Type-specific rubrics for free-text fields; the key is chosen by :func:`text_rubric`.
RUBRICS: dict[str, str] = {
    "description": (
        "Score how well the prediction describes the same content as the reference. Reward "
        "correct actions, objects, people, settings and on-screen text; penalise hallucinated "
        "or contradicting details more than omissions of minor details. Wording does not matter."
    ),
    "transcript": (
        "Score the prediction as a transcript of the same speech: the same words in the same "
        "order. Ignore punctuation, casing and filler words; penalise missing, added or "
        "changed content words."
    ),
    "speaker": (
        "Score whether the prediction identifies the same speaker or person as the reference. "
        "Accept name variants, titles and abbreviations of the same identity; a different "
        "person scores 0."
    ),
    "spatial": (
        "Score whether the prediction places things in the same location or spatial "
        "arrangement as the reference (left/right, foreground/background, position on screen)."
    ),
    "keywords": (
        "Score the overlap of the predicted keywords with the reference keywords: synonyms "
        "count, extra irrelevant keywords and missing important ones lower the score."
    ),
}

FIELD_SCORE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "reason": {"type": "string"},
        "score": {"type": "number", "minimum": 0, "maximum": 1},
    },
    "required": ["reason", "score"],
}


def text_rubric(field_name: str, description: str = "") -> str:
    """The rubric key for a free-text field, from words in its name and description."""
    words = f"{field_name} {description}".lower()
    for key, cues in (
        ("transcript", ("transcript", "speech", "dialogue", "spoken", "said", "quote")),
        ("speaker", ("speaker", "person", "who ")),
        ("spatial", ("location", "position", "spatial", "where", "placement")),
        ("keywords", ("keyword", "tags", "hashtag")),
    ):
        if any(cue in words for cue in cues):
            return key
    return "description"


def field_prompt(
    *,
    field_name: str,
    field_description: str,
    rubric: str,
    prediction: Any,
    reference: Any,
    pred_span: tuple[float, float],
    truth_span: tuple[float, float],
    neighbours: Sequence[tuple[tuple[float, float], Any]] = (),
) -> str:
    """The judge prompt for one field of one aligned segment pair, with its temporal context.

    ``neighbours`` are other reference segments that the predicted span overlaps, with their
    values: differences explained by boundary misalignment must not be penalised.
    """
    lines = [
        f"Field: {field_name} — {field_description or 'no description'}",
        f"Rubric: {RUBRICS[rubric]}",
        f"Reference segment {truth_span[0]:.2f}-{truth_span[1]:.2f}s: {json.dumps(reference)}",
        f"Predicted segment {pred_span[0]:.2f}-{pred_span[1]:.2f}s: {json.dumps(prediction)}",
    ]
    if pred_span != truth_span:
        lines.append(
            "The segment boundaries differ. Content the prediction shares with the part of the "
            "video it covers is correct, even when it comes from a neighbouring reference "
            "segment; do not penalise differences explained only by the boundary shift."
        )
        for (a, b), value in neighbours:
            lines.append(f"Neighbouring reference {a:.2f}-{b:.2f}s: {json.dumps(value)}")
    lines.append('Answer {"reason": <one sentence>, "score": <0 to 1>}.')
    return "\n".join(lines)


def judge_score(judge: TextJudge, prompt: str) -> float:
    """Ask ``judge`` for a field score; raise :class:`EvaluationError` on a malformed reply."""
    reply = judge.judge(prompt, json_schema=FIELD_SCORE_SCHEMA)
    score = reply.get("score")
    if isinstance(score, bool) or not isinstance(score, int | float):
        raise EvaluationError("judge", f"reply has no numeric 'score': {reply!r}")
    return float(min(1.0, max(0.0, score)))
