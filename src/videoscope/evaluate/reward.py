"""The composite reward: format validity, Temporal F1, Segment F1 and metadata, and their total.

Per definition of the schema, Temporal F1 and Segment F1 compare the predicted and reference
segments and the metadata is scored on the Segment F1 assignment; the sample value of each
component is the mean over definitions (a definition whose metadata has nothing to compare is left
out of the metadata mean). ``total`` is the weighted mean of the components; when the metadata
component is None its weight is spread over the others.

Format gate (seed, section 4.3): format validity is its own component, 1 when
:func:`~videoscope.evaluate.validity.check_format` finds no violation and 0 otherwise.
``gate="component"`` (default) scores the segmentation and metadata of an invalid prediction on the
segments that could be read, so structure and segmentation are rewarded separately;
``gate="total"`` makes any violation zero the whole reward. A prediction that is not JSON (or not an
object) scores 0 on every component in both modes.

Example:
    >>> schema = {"segment_definitions": [{"id": "play", "fields": []}]}
    >>> truth = {"play": [{"start_time": 0, "end_time": 10, "metadata": {}}]}
    >>> reward(truth, truth, schema).total
    1.0
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from videoscope.evaluate.metadata import MetadataScorer
from videoscope.evaluate.schema import (
    EvaluationError,
    Schema,
    Segment,
    load_result,
    segments_of,
)
from videoscope.evaluate.temporal import PRF, SegmentMatch, segment_f1, temporal_f1
from videoscope.evaluate.validity import FormatReport, Violation, check_format

Gate = Literal["component", "total"]


@dataclass(frozen=True, slots=True)
class RewardWeights:
    """Weights of the components in ``total`` (normalised to sum 1 over available components)."""

    format: float = 0.1
    temporal: float = 0.3
    segment: float = 0.3
    metadata: float = 0.3


@dataclass(frozen=True, slots=True)
class DefinitionScore:
    """Scores of one segment definition."""

    definition: str
    temporal: PRF
    segment: SegmentMatch
    metadata: float | None
    field_scores: Mapping[str, float]
    n_pred: int
    n_truth: int


@dataclass(frozen=True, slots=True)
class RewardResult:
    """Every component in [0, 1] (``metadata`` None when nothing was comparable) and ``total``."""

    total: float
    format: float
    temporal_f1: float
    segment_f1: float
    metadata: float | None
    violations: tuple[Violation, ...] = ()
    definitions: tuple[DefinitionScore, ...] = field(default=(), repr=False)

    @property
    def valid(self) -> bool:
        """True when the prediction passed the format check."""
        return self.format == 1.0

    def components(self) -> dict[str, float | None]:
        """The components by name, plus ``total``."""
        return {
            "format": self.format,
            "temporal_f1": self.temporal_f1,
            "segment_f1": self.segment_f1,
            "metadata": self.metadata,
            "total": self.total,
        }


def _truth_segments(truth: Any) -> dict[str, list[Segment]]:
    try:
        parsed = load_result(truth)
    except json.JSONDecodeError as exc:
        raise EvaluationError("ground truth", f"not valid JSON ({exc})") from exc
    return segments_of(parsed, strict=True)


def reward(
    prediction: Any,
    truth: Any,
    schema: Any = None,
    *,
    duration: float | None = None,
    weights: RewardWeights | None = None,
    gate: Gate = "component",
    iou_threshold: float | None = None,
    scorer: MetadataScorer | None = None,
    format_report: FormatReport | None = None,
) -> RewardResult:
    """Score one prediction against its ground truth.

    ``prediction`` and ``truth`` are result ``data`` (JSON string, dict, or envelope with
    ``data``); ``schema`` is anything :meth:`Schema.from_any` accepts, or None to infer it from
    the truth (then field types come from the truth values and no enum is known). ``duration``
    (seconds) enables the inside-the-video check. ``iou_threshold`` switches Segment F1 to its
    F1@threshold variant. ``scorer`` sets the metadata backends (default: rule-based + lexical).

    Raises:
        EvaluationError: the ground truth or the schema is malformed.
    """
    truth_segs = _truth_segments(truth)
    spec = Schema.from_any(schema) if schema is not None else Schema.infer(load_result(truth))
    report = format_report or check_format(prediction, spec, duration)
    w = weights or RewardWeights()
    if not isinstance(report.data, Mapping) or (gate == "total" and not report.valid):
        return RewardResult(
            0.0, 0.0, 0.0, 0.0, 0.0 if _has_fields(spec) else None, report.violations
        )
    pred_segs = segments_of(report.data)
    scorer = scorer or MetadataScorer()
    defs = [
        _score_definition(
            d.id, pred_segs.get(d.id, []), truth_segs.get(d.id, []), spec, scorer, iou_threshold
        )
        for d in spec.definitions
    ]
    fmt = 1.0 if report.valid else 0.0
    tf1 = float(np.mean([d.temporal.f1 for d in defs])) if defs else 1.0
    sf1 = float(np.mean([d.segment.f1 for d in defs])) if defs else 1.0
    metas = [d.metadata for d in defs if d.metadata is not None]
    meta = float(np.mean(metas)) if metas else None
    parts = [(w.format, fmt), (w.temporal, tf1), (w.segment, sf1)]
    if meta is not None:
        parts.append((w.metadata, meta))
    weight_sum = sum(x for x, _ in parts)
    total = sum(x * v for x, v in parts) / weight_sum if weight_sum > 0 else 0.0
    return RewardResult(total, fmt, tf1, sf1, meta, report.violations, tuple(defs))


def _has_fields(spec: Schema) -> bool:
    return any(d.fields for d in spec.definitions)


def _score_definition(
    def_id: str,
    pred: Sequence[Segment],
    truth: Sequence[Segment],
    spec: Schema,
    scorer: MetadataScorer,
    iou_threshold: float | None,
) -> DefinitionScore:
    p = np.array([(s.start, s.end) for s in pred], dtype=np.float64).reshape(-1, 2)
    g = np.array([(s.start, s.end) for s in truth], dtype=np.float64).reshape(-1, 2)
    tprf = temporal_f1(p, g)
    match = segment_f1(p, g, iou_threshold=iou_threshold)
    definition = spec.get(def_id)
    assert definition is not None
    meta = scorer.score_definition(definition, pred, truth, match.pairs)
    return DefinitionScore(def_id, tprf, match, meta.score, meta.field_scores, len(p), len(g))


def reward_batch(
    predictions: Iterable[Any],
    truths: Iterable[Any],
    schema: Any = None,
    *,
    durations: Iterable[float | None] | None = None,
    **options: Any,
) -> list[RewardResult]:
    """:func:`reward` over aligned sequences; ``schema`` is one schema for all samples or a
    sequence with one per sample; ``options`` are passed to :func:`reward`.

    Example:
        >>> [r.total for r in reward_batch([{"a": []}], [{"a": []}], [{"id": "a"}])]
        [1.0]
    """
    preds, truths_l = list(predictions), list(truths)
    if len(preds) != len(truths_l):
        raise ValueError(f"{len(preds)} predictions for {len(truths_l)} truths")
    n = len(preds)
    if isinstance(schema, list | tuple) and schema and not _is_definition_list(schema):
        schemas: list[Any] = list(schema)
    else:
        parsed = Schema.from_any(schema) if schema is not None else None
        schemas = [parsed] * n
    durs = list(durations) if durations is not None else [None] * n
    if len(schemas) != n or len(durs) != n:
        raise ValueError("schemas and durations must have one entry per prediction")
    if "scorer" not in options:
        options["scorer"] = MetadataScorer()
    return [
        reward(p, t, s, duration=d, **options)
        for p, t, s, d in zip(preds, truths_l, schemas, durs, strict=True)
    ]


def _is_definition_list(obj: Sequence[Any]) -> bool:
    return isinstance(obj[0], Mapping) and "id" in obj[0] and "segment_definitions" not in obj[0]
