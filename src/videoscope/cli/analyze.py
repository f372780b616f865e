"""``videoscope analyze FILE --schema schema.json [--out result.json]``: time-based metadata.

A thin shell: index FILE with a progress bar (cached), or load a folder written by
``Timeline.save``, then :func:`videoscope.segments.analyze_timeline`. Writes the result envelope
(``generation_id``, ``data`` as a JSON string, ``finish_reason``, ``usage``); ``--verbose`` adds
the evidence behind each boundary. ``--llm`` picks the language model that judges content units
and fills free-text fields (default: ``backends.llm``; ``none`` for the offline engine).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from videoscope.cli.describe import LlmOption, NoCacheOption, OptionsOption, load_timeline
from videoscope.segments import AnalyzeResult, analyze_timeline, parse_request


def analyze_command(
    file: Annotated[Path, typer.Argument(help="A video, or a folder holding a saved timeline.")],
    schema: Annotated[
        Path,
        typer.Option(
            "--schema", help="Request JSON: segment_definitions (+ durations, window, format)."
        ),
    ],
    out: Annotated[Path | None, typer.Option(help="Write the result JSON here.")] = None,
    verbose: Annotated[
        bool, typer.Option("--verbose", help="Add the evidence behind each segment boundary.")
    ] = False,
    options: OptionsOption = "visual,audio",
    no_cache: NoCacheOption = False,
    llm: LlmOption = None,
) -> None:
    """Segment a video by a schema of segment definitions and fill each segment's fields."""
    try:
        raw = json.loads(schema.read_text())
    except (OSError, json.JSONDecodeError) as error:
        raise typer.BadParameter(f"cannot read {schema}: {error}", param_hint="--schema") from error
    request = parse_request(raw)  # invalid requests fail before any decoding
    console = Console(stderr=True)
    timeline = load_timeline(file, options, no_cache)
    result = analyze_timeline(timeline, request, verbose=verbose, llm=llm or "config")
    text = json.dumps(envelope(result, verbose=verbose), indent=1, ensure_ascii=False)
    for warning in result.warnings:
        console.print(f"[yellow]warning:[/] {warning}")
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text)
        counts = ", ".join(f"{k}: {len(v)}" for k, v in result.parsed().items())
        console.print(f"wrote {out} ({counts})")
    else:
        typer.echo(text)


def envelope(result: AnalyzeResult, *, verbose: bool = False) -> dict[str, Any]:
    """The Twelve Labs-shaped result object; verbose adds ``evidence`` to each segment."""
    data = json.dumps(result.verbose_data(), ensure_ascii=False) if verbose else result.data
    out: dict[str, Any] = {
        "generation_id": result.generation_id,
        "data": data,
        "finish_reason": result.finish_reason,
        "usage": result.usage,
    }
    if verbose:
        out["plans"] = result.plans
        out["warnings"] = result.warnings
    return out
