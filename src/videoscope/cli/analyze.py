"""``videoscope analyze FILE --schema schema.json [--out result.json]``: time-based metadata.

A thin shell: index FILE with a progress bar (cached), or load a folder written by
``Timeline.save``, then :func:`videoscope.segments.analyze_timeline`. Writes the result envelope
(``generation_id``, ``data`` as a JSON string, ``finish_reason``, ``usage``); ``--verbose`` adds
the evidence behind each boundary.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from videoscope.cli.index import index_with_progress
from videoscope.config import get_settings
from videoscope.perceive.registry import ModelOption, build_stages, stage_names
from videoscope.segments import AnalyzeResult, analyze_timeline, parse_request
from videoscope.timeline.model import Timeline


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
    options: Annotated[
        str, typer.Option(help="Model options for indexing: 'visual', 'audio' or both.")
    ] = "visual,audio",
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Recompute every stage.")] = False,
) -> None:
    """Segment a video by a schema of segment definitions and fill each segment's fields."""
    try:
        raw = json.loads(schema.read_text())
    except (OSError, json.JSONDecodeError) as error:
        raise typer.BadParameter(f"cannot read {schema}: {error}", param_hint="--schema") from error
    request = parse_request(raw)  # invalid requests fail before any decoding
    console = Console(stderr=True)
    if file.is_dir() and (file / "timeline.json").exists():
        timeline = Timeline.load(file)
    else:
        settings = get_settings()
        chosen: list[ModelOption] = [o.strip() for o in options.split(",")]  # type: ignore[misc]
        stages = build_stages(stage_names(chosen), settings)
        cache_dir = None if no_cache else settings.cache_dir
        timeline = index_with_progress(file, stages, cache_dir, console)
    result = analyze_timeline(timeline, request, verbose=verbose)
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
