"""``videoscope classify FILE... --class NAME=PROMPT[|PROMPT...]``: zero-shot classes per video.

A thin shell over :class:`videoscope.classify.Classifier`. Each FILE is a video (indexed with the
cache) or a folder holding a saved timeline. Classes come from ``--class`` options or a JSON file
(``--classes classes.json``: ``[{"name": ..., "prompts": [...]}]``). ``--shots`` switches to
per-moment mode: every shot with its best class.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from videoscope.classify import ClassifyOption, ClassifyThreshold, ClassSpec
from videoscope.cli.index import index_with_progress
from videoscope.timeline.model import Timeline


def classify_command(
    files: Annotated[list[Path], typer.Argument(help="Videos, or folders with a saved timeline.")],
    class_options: Annotated[
        list[str] | None,
        typer.Option("--class", help="A class as NAME=PROMPT[|PROMPT...]; repeat for more."),
    ] = None,
    classes_file: Annotated[
        Path | None, typer.Option("--classes", help='JSON: [{"name": .., "prompts": [..]}].')
    ] = None,
    options: Annotated[
        str, typer.Option(help="Evidence: visual, conversation, text_in_video (comma-separated).")
    ] = "visual,conversation,text_in_video",
    min_clip_score: Annotated[float, typer.Option(help="Unit score (0-100) to hold.")] = 50.0,
    min_video_score: Annotated[float, typer.Option(help="Video score to report.")] = 50.0,
    min_duration_ratio: Annotated[float, typer.Option(help="Coverage (0-1) to report.")] = 0.0,
    clips: Annotated[
        bool, typer.Option("--clips", help="Include the clips of each class.")
    ] = False,
    detailed: Annotated[bool, typer.Option("--detailed", help="Show detailed scores.")] = False,
    shots: Annotated[
        bool, typer.Option("--shots", help="Per-moment mode: label every shot.")
    ] = False,
    out: Annotated[Path | None, typer.Option(help="Write the JSON result here.")] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Recompute every stage.")] = False,
) -> None:
    """Score user classes on each video's visual, speech and on-screen-text evidence."""
    from videoscope.classify import Classifier

    specs = _classes(class_options or [], classes_file)
    chosen: list[ClassifyOption] = parse_list(  # type: ignore[assignment]
        options, ("visual", "conversation", "text_in_video"), "--options"
    )
    threshold = ClassifyThreshold(
        min_clip_score=min_clip_score,
        min_video_score=min_video_score,
        min_duration_ratio=min_duration_ratio,
    )
    console = Console(stderr=True)
    classifier = Classifier.from_settings()
    results: list[dict[str, Any]] = []
    for file in files:
        timeline = load_timeline(file, console, use_cache=not no_cache)
        if shots:
            labels = classifier.label_shots(
                timeline, specs, options=chosen, min_score=min_clip_score
            )
            results.append({"video": str(file), "shots": [s.model_dump() for s in labels]})
        else:
            result = classifier.classify(
                timeline,
                specs,
                options=chosen,
                threshold=threshold,
                include_clips=clips,
                show_detailed_score=detailed,
                video_id=str(file),
            )
            results.append(result.model_dump(exclude_none=True))
    text = json.dumps({"data": results}, indent=1, ensure_ascii=False)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text)
        console.print(f"wrote {out}")
    else:
        typer.echo(text)


def _classes(options: list[str], file: Path | None) -> list[ClassSpec]:
    specs: list[ClassSpec] = []
    if file is not None:
        try:
            raw = json.loads(file.read_text())
            specs.extend(ClassSpec.model_validate(item) for item in raw)
        except (OSError, ValueError, TypeError) as error:
            raise typer.BadParameter(
                f"cannot read {file}: {error}", param_hint="--classes"
            ) from error
    for option in options:
        name, _, prompts = option.partition("=")
        parts = [p.strip() for p in (prompts or name).split("|") if p.strip()]
        if not name.strip() or not parts:
            raise typer.BadParameter(
                f"{option!r}: use NAME=PROMPT[|PROMPT...]", param_hint="--class"
            )
        specs.append(ClassSpec(name=name.strip(), prompts=parts))
    if not specs:
        raise typer.BadParameter("give at least one --class or --classes", param_hint="--class")
    if len({s.name for s in specs}) != len(specs):
        raise typer.BadParameter("class names must be distinct", param_hint="--class")
    return specs


def load_timeline(file: Path, console: Console, *, use_cache: bool = True) -> Timeline:
    """A saved timeline folder as is; a video indexed with every stage (cached by content)."""
    from videoscope.config import get_settings
    from videoscope.perceive.registry import build_stages, stage_names

    if file.is_dir() and (file / "timeline.json").exists():
        return Timeline.load(file)
    settings = get_settings()
    stages = build_stages(stage_names(["visual", "audio"]), settings)
    cache_dir = settings.cache_dir if use_cache else None
    return index_with_progress(file, stages, cache_dir, console)


def parse_list(value: str, allowed: tuple[str, ...], hint: str) -> list[str]:
    """Comma-separated names, each checked against ``allowed``."""
    names = [part.strip() for part in value.split(",") if part.strip()]
    unknown = [name for name in names if name not in allowed]
    if unknown or not names:
        raise typer.BadParameter(f"choose from {', '.join(allowed)}", param_hint=hint)
    return names
