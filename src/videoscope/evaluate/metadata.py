"""Metadata score: field-level accuracy on Hungarian-aligned segment pairs.

Each field gets a :class:`FieldKind` from its schema type (and, for strings without an enum, from
cues in its name/description and the length of the reference value); each kind has its scorer:

=============  =======================================================================
categorical    string with enum: case/space-folded exact match -> 1 or 0
boolean        equal -> 1 else 0
number         |p - t| <= max(abs_tol, rel_tol * |t|) -> 1 else 0 (numeric strings parsed)
timestamp      |p - t| <= time_tol seconds -> 1 else 0
timestamps     time_array: 1:1 matching within time_tol, F1 = 2·matches / (|P| + |T|)
keywords       array: set F1 of normalised items
entity         normalised names equal -> 1, else token-set F1 (partial names get credit)
text           the LLM judge with a type-specific rubric when one is given, else the
               configured TextSimilarity (offline default: lexical)
=============  =======================================================================

Boundary awareness: a predicted segment that overlaps reference segments other than its match may
legitimately describe them. Rule-based kinds take
``max(score vs match, max_k share_k · score vs neighbour_k)`` where ``share_k`` is the fraction of
the predicted span that neighbour ``k`` covers; the LLM judge instead sees both spans and the
neighbours' values in its prompt. A reference value that is absent excludes the field; a
reference ``null`` needs a predicted ``null``.
"""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from videoscope.evaluate.judges import (
    TextJudge,
    TextSimilarity,
    field_prompt,
    judge_score,
    text_rubric,
)
from videoscope.evaluate.schema import DefinitionSpec, FieldSpec, Segment, parse_time
from videoscope.evaluate.text import LexicalSimilarity, content_tokens, normalize_entity, set_f1

_ENTITY_CUES = re.compile(
    r"(?<![a-z])(name|team|speaker|person|player|brand|company|organi[sz]ation|entity|character|"
    r"artist|channel|host|anchor|logo)s?(?![a-z])"
)
_MISSING = object()


class FieldKind(enum.StrEnum):
    """How a metadata field is compared."""

    CATEGORICAL = "categorical"
    BOOLEAN = "boolean"
    NUMBER = "number"
    TIMESTAMP = "timestamp"
    TIMESTAMPS = "timestamps"
    KEYWORDS = "keywords"
    ENTITY = "entity"
    TEXT = "text"


@dataclass(frozen=True)
class MetadataOptions:
    """Tolerances and overrides. ``field_kinds`` maps ``"definition.field"`` or ``"field"`` to a
    :class:`FieldKind`, overriding the inferred kind."""

    number_rel_tol: float = 0.05
    number_abs_tol: float = 1e-6
    time_tol: float = 1.0
    entity_max_words: int = 4
    boundary_aware: bool = True
    field_kinds: Mapping[str, FieldKind] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class MetadataScore:
    """Per-definition metadata quality: ``score`` is the mean of ``segment_scores`` (one per aligned
    pair that had a comparable field); ``field_scores`` the mean per field. ``score`` is None when
    there is nothing to compare (no fields, or no segments on either side)."""

    score: float | None
    field_scores: Mapping[str, float]
    segment_scores: tuple[float, ...]


def field_kind(
    spec: FieldSpec,
    reference: Any = None,
    *,
    definition: str = "",
    options: MetadataOptions | None = None,
) -> FieldKind:
    """The :class:`FieldKind` of ``spec``; ``reference`` (the truth value) decides between entity
    and text for strings without enum and without an entity cue (<= ``entity_max_words`` words and
    no sentence punctuation -> entity)."""
    opts = options or _DEFAULT_OPTIONS
    override = opts.field_kinds.get(f"{definition}.{spec.name}") or opts.field_kinds.get(spec.name)
    if override is not None:
        return FieldKind(override)
    fixed = {
        "boolean": FieldKind.BOOLEAN,
        "number": FieldKind.NUMBER,
        "integer": FieldKind.NUMBER,
        "timestamp": FieldKind.TIMESTAMP,
        "time_array": FieldKind.TIMESTAMPS,
        "array": FieldKind.KEYWORDS,
    }.get(spec.type)
    if fixed is not None:
        return fixed
    if spec.enum is not None:
        return FieldKind.CATEGORICAL
    if _ENTITY_CUES.search(f"{spec.name} {spec.description}".lower()):
        return FieldKind.ENTITY
    short = isinstance(reference, str) and len(reference.split()) <= opts.entity_max_words
    if short and not re.search(r"[.!?;]\s", f"{reference} "):
        return FieldKind.ENTITY
    return FieldKind.TEXT


_DEFAULT_OPTIONS = MetadataOptions()


def _as_float(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, str):
        try:
            out = float(value.strip().replace(",", ""))
        except ValueError:
            return None
        return out if math.isfinite(out) else None
    return None


def _fold(value: Any) -> Any:
    return " ".join(value.casefold().split()) if isinstance(value, str) else value


def _match_times(pred: Sequence[float], truth: Sequence[float], tol: float) -> int:
    """Maximum 1:1 matching of points within ``tol`` (greedy on sorted points is optimal in 1-D)."""
    p, t = sorted(pred), sorted(truth)
    i = j = hits = 0
    while i < len(p) and j < len(t):
        if abs(p[i] - t[j]) <= tol:
            hits, i, j = hits + 1, i + 1, j + 1
        elif p[i] < t[j]:
            i += 1
        else:
            j += 1
    return hits


class MetadataScorer:
    """Scores metadata of aligned pairs. ``judge`` (optional) handles free-text fields; otherwise
    ``similarity`` does (default :class:`LexicalSimilarity`).

    Example:
        >>> from videoscope.evaluate.schema import FieldSpec, Segment
        >>> scorer = MetadataScorer()
        >>> team = FieldSpec("team", "string")
        >>> scorer.score_value(team, "the Loyola Ramblers", "Loyola Ramblers")
        1.0
    """

    def __init__(
        self,
        *,
        similarity: TextSimilarity | None = None,
        judge: TextJudge | None = None,
        options: MetadataOptions | None = None,
    ) -> None:
        self.similarity: TextSimilarity = similarity or LexicalSimilarity()
        self.judge = judge
        self.options = options or _DEFAULT_OPTIONS

    @property
    def backend(self) -> str:
        """Which method scores free text: ``llm`` or the similarity's name."""
        return "llm" if self.judge is not None else str(getattr(self.similarity, "name", "custom"))

    def score_value(
        self, spec: FieldSpec, pred: Any, truth: Any, *, kind: FieldKind | None = None
    ) -> float:
        """Rule-based score in [0, 1] of one predicted value against one reference value
        (free text uses the similarity, never the judge)."""
        if truth is None or pred is None or pred is _MISSING:
            return 1.0 if truth is None and pred is None else 0.0
        kind = kind or field_kind(spec, truth, options=self.options)
        opts = self.options
        if kind is FieldKind.CATEGORICAL or kind is FieldKind.BOOLEAN:
            return 1.0 if type(pred) is type(truth) and _fold(pred) == _fold(truth) else 0.0
        if kind is FieldKind.NUMBER:
            p, t = _as_float(pred), _as_float(truth)
            if p is None or t is None:
                return 0.0
            return (
                1.0 if abs(p - t) <= max(opts.number_abs_tol, opts.number_rel_tol * abs(t)) else 0.0
            )
        if kind is FieldKind.TIMESTAMP:
            p, t = parse_time(pred), parse_time(truth)
            return 1.0 if p is not None and t is not None and abs(p - t) <= opts.time_tol else 0.0
        if kind is FieldKind.TIMESTAMPS:
            if not isinstance(pred, list) or not isinstance(truth, list):
                return 0.0
            ps = [x for x in map(parse_time, pred) if x is not None]
            ts = [x for x in map(parse_time, truth) if x is not None]
            if not ps and not ts:
                return 1.0
            return 2.0 * _match_times(ps, ts, opts.time_tol) / (len(ps) + len(ts))
        if kind is FieldKind.KEYWORDS:
            if not isinstance(pred, list) or not isinstance(truth, list):
                return 0.0
            return set_f1(
                {normalize_entity(str(x)) for x in pred}, {normalize_entity(str(x)) for x in truth}
            )
        if not isinstance(pred, str) or not isinstance(truth, str):
            return 0.0
        if kind is FieldKind.ENTITY:
            if normalize_entity(pred) == normalize_entity(truth):
                return 1.0
            return set_f1(content_tokens(pred), content_tokens(truth))
        return float(self.similarity.similarity([pred], [truth])[0, 0])

    def score_definition(
        self,
        definition: DefinitionSpec,
        pred: Sequence[Segment],
        truth: Sequence[Segment],
        pairs: Sequence[tuple[int, int]],
    ) -> MetadataScore:
        """Metadata quality of one definition given aligned ``pairs`` (pred index, truth index)."""
        if not definition.fields or (not pred and not truth):
            return MetadataScore(None, {}, ())
        if not pairs:
            return MetadataScore(0.0, {}, ())
        ctx = _Context(definition, pred, truth, self._static_kinds(definition))
        per_field: dict[str, list[float]] = {}
        seg_scores: list[float] = []
        for i, j in pairs:
            t = truth[j]
            scores = []
            for spec in definition.fields:
                if spec.name not in t.metadata:
                    continue
                s = self._pair_field(ctx, spec, i, j)
                scores.append(s)
                per_field.setdefault(spec.name, []).append(s)
            if scores:
                seg_scores.append(sum(scores) / len(scores))
        fields = {k: sum(v) / len(v) for k, v in per_field.items()}
        score = sum(seg_scores) / len(seg_scores) if seg_scores else None
        return MetadataScore(score, fields, tuple(seg_scores))

    def _static_kinds(self, definition: DefinitionSpec) -> dict[str, FieldKind | None]:
        """Per field, its kind when it does not depend on the reference value, else None."""
        out: dict[str, FieldKind | None] = {}
        for spec in definition.fields:
            kind = field_kind(spec, None, definition=definition.id, options=self.options)
            short = field_kind(spec, "x", definition=definition.id, options=self.options)
            out[spec.name] = kind if kind is short else None
        return out

    def _pair_field(self, ctx: _Context, spec: FieldSpec, i: int, j: int) -> float:
        p, t = ctx.pred[i], ctx.truth[j]
        ref = t.metadata[spec.name]
        value = p.metadata.get(spec.name, _MISSING)
        kind = ctx.kinds[spec.name] or field_kind(
            spec, ref, definition=ctx.definition.id, options=self.options
        )
        aware = self.options.boundary_aware
        if kind is FieldKind.TEXT and self.judge is not None:
            if value is _MISSING or value is None or ref is None:
                return self.score_value(spec, value, ref, kind=kind)
            prompt = field_prompt(
                field_name=spec.name,
                field_description=spec.description,
                rubric=text_rubric(spec.name, spec.description),
                prediction=value,
                reference=ref,
                pred_span=(p.start, p.end),
                truth_span=(t.start, t.end),
                neighbours=[
                    ((ctx.truth[k].start, ctx.truth[k].end), ctx.truth[k].metadata.get(spec.name))
                    for k, _ in (ctx.neighbours(i, j) if aware else [])
                ],
            )
            return judge_score(self.judge, prompt)
        best = self.score_value(spec, value, ref, kind=kind)
        if best >= 1.0 or not aware:
            return best
        for k, share in ctx.neighbours(i, j):
            other = ctx.truth[k].metadata
            if share > best and spec.name in other:
                best = max(best, share * self.score_value(spec, value, other[spec.name], kind=kind))
        return best


class _Context:
    """One definition's segments, with the pred x truth overlap matrix built on first use."""

    def __init__(
        self,
        definition: DefinitionSpec,
        pred: Sequence[Segment],
        truth: Sequence[Segment],
        kinds: dict[str, FieldKind | None],
    ) -> None:
        self.definition, self.pred, self.truth, self.kinds = definition, pred, truth, kinds
        self._inter: np.ndarray | None = None

    def neighbours(self, i: int, j: int) -> list[tuple[int, float]]:
        """Other truth segments overlapping prediction ``i``, with the share of its span."""
        length = self.pred[i].end - self.pred[i].start
        if length <= 0:
            return []
        if self._inter is None:
            self._inter = _overlaps(self.pred, self.truth)
        row = self._inter[i]
        return [(k, float(row[k]) / length) for k in np.flatnonzero(row).tolist() if k != j]


def _overlaps(pred: Sequence[Segment], truth: Sequence[Segment]) -> np.ndarray:
    ps = np.array([(s.start, s.end) for s in pred], dtype=np.float64).reshape(-1, 2)
    ts = np.array([(s.start, s.end) for s in truth], dtype=np.float64).reshape(-1, 2)
    lo = np.maximum(ps[:, None, 0], ts[None, :, 0])
    hi = np.minimum(ps[:, None, 1], ts[None, :, 1])
    out: np.ndarray = np.clip(hi - lo, 0.0, None)
    return out
