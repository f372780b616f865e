"""``videoscope eval PRED TRUTH [--schema]``: score predictions against ground truth.

A thin shell over :func:`videoscope.evaluate.evaluate_paths`: a Rich table per sample and per
definition, and a JSON report (``--json`` to print it, ``--json-out`` to write it).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from videoscope.evaluate import DatasetReport, EvaluationError, evaluate_paths
from videoscope.evaluate.reward import Gate


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def render_report(report: DatasetReport, console: Console, *, max_violations: int = 3) -> None:
    """Print the per-sample and per-definition tables of ``report``."""
    table = Table(title=f"videoscope eval — {len(report.samples)} sample(s)")
    for name in ("sample", "valid", "temporal F1", "segment F1", "metadata", "total"):
        table.add_column(name, justify="left" if name == "sample" else "right")
    for s in report.samples:
        r = s.result
        valid = "missing" if s.prediction_missing else ("yes" if r.valid else "no")
        table.add_row(
            escape(s.id),
            valid,
            _fmt(r.temporal_f1),
            _fmt(r.segment_f1),
            _fmt(r.metadata),
            _fmt(r.total),
        )
    m = report.mean
    table.add_section()
    table.add_row(
        "mean",
        _fmt(m["format"]),
        _fmt(m["temporal_f1"]),
        _fmt(m["segment_f1"]),
        _fmt(m["metadata"]),
        _fmt(m["total"]),
        style="bold",
    )
    console.print(table)
    defs = Table(title="per definition (mean over samples)")
    for name in ("definition", "temporal F1", "segment F1", "metadata"):
        defs.add_column(name, justify="left" if name == "definition" else "right")
    for def_id, vals in report.definitions.items():
        defs.add_row(
            escape(def_id),
            _fmt(vals["temporal_f1"]),
            _fmt(vals["segment_f1"]),
            _fmt(vals["metadata"]),
        )
    console.print(defs)
    for s in report.samples:
        shown = s.result.violations[:max_violations]
        for v in shown:
            console.print(f"[yellow]{escape(s.id)}[/yellow] {escape(str(v))}", highlight=False)
        if len(s.result.violations) > len(shown):
            console.print(
                f"[yellow]{escape(s.id)}[/yellow] ... {len(s.result.violations) - len(shown)} "
                "more violation(s) in the JSON report"
            )
    if report.unmatched_predictions:
        console.print(
            f"predictions without ground truth: {report.unmatched_predictions[:10]}", markup=False
        )


def eval_command(
    pred: Annotated[Path, typer.Argument(help="Prediction JSON/JSONL file or folder.")],
    truth: Annotated[Path, typer.Argument(help="Ground-truth JSON/JSONL file or folder.")],
    schema: Annotated[
        Path | None,
        typer.Option(
            "--schema",
            "-s",
            help="Request or segment_definitions JSON (else per "
            "record, else inferred from the truth).",
        ),
    ] = None,
    json_out: Annotated[
        Path | None, typer.Option("--json-out", "-o", help="Write the JSON report to this file.")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the JSON report instead of tables.")
    ] = False,
    iou_threshold: Annotated[
        float | None,
        typer.Option(
            "--iou-threshold",
            min=0.0,
            max=1.0,
            help="Segment F1 as F1@threshold (hits with IoU >= t) instead of IoU-weighted.",
        ),
    ] = None,
    gate: Annotated[
        str,
        typer.Option(
            "--gate",
            help="'component': invalid format zeroes only the format "
            "component; 'total': it zeroes the whole reward.",
        ),
    ] = "component",
) -> None:
    """Score predictions against ground truth: format, Temporal F1, Segment F1, metadata."""
    err = Console(stderr=True)
    if gate not in ("component", "total"):
        err.print(f"--gate must be 'component' or 'total', not {gate!r}")
        raise typer.Exit(2)
    gate_value: Gate = "total" if gate == "total" else "component"
    try:
        report = evaluate_paths(pred, truth, schema, iou_threshold=iou_threshold, gate=gate_value)
    except EvaluationError as exc:
        err.print(f"error: {exc}", markup=False)
        raise typer.Exit(1) from exc
    payload = report.to_json()
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(payload, indent=2), encoding="utf-8")
    if as_json:
        typer.echo(json.dumps(payload, indent=2))
    else:
        render_report(report, Console())
