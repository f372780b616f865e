"""Datasets: load predictions and ground truth from JSON/JSONL files or folders, pair them by
sample id, score each pair with :func:`~videoscope.evaluate.reward.reward`, and aggregate.

A *record* is either the result ``data`` itself (an object keyed by definition id) or an envelope
with ``data`` (or ``result.data``) and optional ``id``/``video_id``, ``duration``, and a schema
under ``schema``, ``response_format`` or ``segment_definitions``. A ``.json`` file holds one record
or a list of records; a ``.jsonl`` file one record per line; a folder every ``.json``/``.jsonl``
file in it (sorted, not recursive). Records without an id are named by file stem (one record per
file) or ``stem#index``. When both sides hold exactly one record they are paired whatever their ids.
A prediction that is not valid JSON stays as raw text, so it scores 0 through the format gate.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from videoscope.evaluate.reward import RewardResult, reward
from videoscope.evaluate.schema import EvaluationError

_SCHEMA_KEYS = ("schema", "response_format", "segment_definitions")


@dataclass(frozen=True, slots=True)
class Sample:
    """One loaded record: ``data`` as found (object, JSON string or raw text)."""

    id: str
    data: Any
    duration: float | None = None
    schema: Any = None
    source: str = ""


@dataclass(frozen=True, slots=True)
class SampleResult:
    """The reward of one sample (``prediction_missing`` when no prediction had its id)."""

    id: str
    result: RewardResult
    prediction_missing: bool = False


@dataclass(frozen=True)
class DatasetReport:
    """Per-sample results and their aggregates: ``mean`` per component (metadata over samples that
    have one), ``definitions`` and ``fields`` means over samples, ``unmatched_predictions`` ids."""

    samples: list[SampleResult]
    mean: dict[str, float | None]
    definitions: dict[str, dict[str, float | None]]
    fields: dict[str, float]
    unmatched_predictions: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """A JSON-serialisable report."""
        samples = []
        for s in self.samples:
            r = s.result
            samples.append(
                {
                    "id": s.id,
                    "prediction_missing": s.prediction_missing,
                    **r.components(),
                    "violations": [
                        {
                            "code": v.code,
                            "message": v.message,
                            "definition": v.definition,
                            "segment": v.segment,
                            "field": v.field,
                        }
                        for v in r.violations
                    ],
                    "definitions": {
                        d.definition: {
                            "temporal": {
                                "precision": d.temporal.precision,
                                "recall": d.temporal.recall,
                                "f1": d.temporal.f1,
                            },
                            "segment": {
                                "precision": d.segment.precision,
                                "recall": d.segment.recall,
                                "f1": d.segment.f1,
                                "matched": len(d.segment.pairs),
                            },
                            "metadata": d.metadata,
                            "fields": dict(d.field_scores),
                            "n_pred": d.n_pred,
                            "n_truth": d.n_truth,
                        }
                        for d in r.definitions
                    },
                }
            )
        return {
            "n_samples": len(self.samples),
            "mean": self.mean,
            "definitions": self.definitions,
            "fields": self.fields,
            "unmatched_predictions": self.unmatched_predictions,
            "samples": samples,
        }


def _sample(record: Any, default_id: str, source: str) -> Sample:
    if isinstance(record, Mapping) and ("data" in record or "result" in record):
        rid = record.get("id", record.get("video_id", record.get("sample_id", default_id)))
        data = record["result"].get("data") if isinstance(record.get("result"), Mapping) else None
        data = record.get("data", data)
        schema = next((record[k] for k in _SCHEMA_KEYS if k in record), None)
        if isinstance(schema, list):
            schema = {"segment_definitions": schema}
        dur = record.get("duration", record.get("video_duration"))
        duration = (
            float(dur) if isinstance(dur, int | float) and not isinstance(dur, bool) else None
        )
        return Sample(str(rid), data, duration, schema, source)
    return Sample(default_id, record, None, None, source)


def _file_records(path: Path, *, strict: bool) -> list[tuple[Any, str]]:
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() == ".jsonl":
        rows = []
        for n, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                rows.append((json.loads(line), f"{path}:{n}"))
            except json.JSONDecodeError as exc:
                if strict:
                    raise EvaluationError(f"{path}:{n}", f"not valid JSON ({exc})") from exc
                rows.append((line, f"{path}:{n}"))
        return rows
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        if strict:
            raise EvaluationError(str(path), f"not valid JSON ({exc})") from exc
        return [(text, str(path))]
    if isinstance(obj, list):
        return [(x, f"{path}[{i}]") for i, x in enumerate(obj)]
    return [(obj, str(path))]


def load_samples(path: Path | str, *, strict: bool = False) -> list[Sample]:
    """Records of a ``.json``/``.jsonl`` file or a folder of them. ``strict`` (ground truth) raises
    :class:`EvaluationError` on JSON that does not parse; otherwise the raw text is kept."""
    path = Path(path)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() in (".json", ".jsonl"))
    elif path.is_file():
        files = [path]
    else:
        raise EvaluationError(str(path), "no such file or folder")
    samples: list[Sample] = []
    for file in files:
        records = _file_records(file, strict=strict)
        for i, (record, source) in enumerate(records):
            default = file.stem if len(records) == 1 else f"{file.stem}#{i}"
            samples.append(_sample(record, default, source))
    ids = [s.id for s in samples]
    if len(set(ids)) != len(ids):
        dup = sorted({i for i in ids if ids.count(i) > 1})
        raise EvaluationError(str(path), f"duplicate sample ids {dup[:5]}", "give records an 'id'")
    return samples


def evaluate_dataset(
    predictions: Sequence[Sample], truths: Sequence[Sample], schema: Any = None, **options: Any
) -> DatasetReport:
    """Pair predictions with truths by id and score every truth. A missing prediction scores as an
    empty result. ``schema`` overrides per-record schemas; ``options`` go to :func:`reward`."""
    if not truths:
        raise EvaluationError("ground truth", "no samples found")
    by_id = {p.id: p for p in predictions}
    if len(predictions) == 1 and len(truths) == 1:
        by_id = {truths[0].id: predictions[0]}
    results = []
    for t in truths:
        pred = by_id.get(t.id)
        sch = schema if schema is not None else t.schema
        duration = t.duration if t.duration is not None else (pred.duration if pred else None)
        r = reward(pred.data if pred else {}, t.data, sch, duration=duration, **options)
        results.append(SampleResult(t.id, r, pred is None))
    truth_ids = {t.id for t in truths}
    unmatched = [] if len(predictions) == len(truths) == 1 else sorted(set(by_id) - truth_ids)
    return _aggregate(results, unmatched)


def evaluate_paths(
    pred: Path | str, truth: Path | str, schema: Path | str | None = None, **options: Any
) -> DatasetReport:
    """Load both sides (and an optional schema file) and :func:`evaluate_dataset` them."""
    sch = None
    if schema is not None:
        try:
            sch = json.loads(Path(schema).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise EvaluationError(str(schema), f"cannot read the schema ({exc})") from exc
    return evaluate_dataset(load_samples(pred), load_samples(truth, strict=True), sch, **options)


def _mean(values: Sequence[float | None]) -> float | None:
    kept = [v for v in values if v is not None]
    return float(np.mean(kept)) if kept else None


def _aggregate(results: list[SampleResult], unmatched: list[str]) -> DatasetReport:
    comps = [s.result.components() for s in results]
    mean = {k: _mean([c[k] for c in comps]) for k in comps[0]}
    per_def: dict[str, dict[str, list[float | None]]] = {}
    per_field: dict[str, list[float]] = {}
    for s in results:
        for d in s.result.definitions:
            acc = per_def.setdefault(
                d.definition, {"temporal_f1": [], "segment_f1": [], "metadata": []}
            )
            acc["temporal_f1"].append(d.temporal.f1)
            acc["segment_f1"].append(d.segment.f1)
            acc["metadata"].append(d.metadata)
            for name, v in d.field_scores.items():
                per_field.setdefault(f"{d.definition}.{name}", []).append(v)
    definitions = {k: {m: _mean(v) for m, v in acc.items()} for k, acc in per_def.items()}
    fields = {k: float(np.mean(v)) for k, v in per_field.items()}
    return DatasetReport(results, mean, definitions, fields, unmatched)
