"""``videoscope gist|summarize|ask FILE``: video to text, thin shells over
:mod:`videoscope.describe`.

FILE is a video (indexed first, with cached stage results) or a folder holding a saved timeline.
``--llm`` overrides ``backends.llm`` for this run (``none`` forces the extractive method).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from videoscope.config import get_settings
from videoscope.timeline.model import Timeline

FileArgument = Annotated[
    Path, typer.Argument(help="A video, or a folder holding a saved timeline.", exists=True)
]
LlmOption = Annotated[
    str | None,
    typer.Option(help="Language model backend: none, llama-cpp or openai (default: settings)."),
]
OptionsOption = Annotated[
    str, typer.Option(help="Model options for indexing: 'visual', 'audio' or both.")
]
NoCacheOption = Annotated[bool, typer.Option("--no-cache", help="Recompute every stage.")]


def load_timeline(file: Path, options: str = "visual,audio", no_cache: bool = False) -> Timeline:
    """The timeline saved in folder ``file``, or ``file`` indexed (stage results cached)."""
    if file.is_dir() and (file / "timeline.json").exists():
        return Timeline.load(file)
    from videoscope.cli.index import index_with_progress
    from videoscope.perceive.registry import ModelOption, build_stages, stage_names

    settings = get_settings()
    chosen: list[ModelOption] = [o.strip() for o in options.split(",")]  # type: ignore[misc]
    stages = build_stages(stage_names(chosen), settings)
    cache = None if no_cache else settings.cache_dir
    return index_with_progress(file, stages, cache, Console(stderr=True))


def _emit(result: Any) -> None:
    typer.echo(json.dumps(result.model_dump(exclude_none=True), indent=1, ensure_ascii=False))


def gist_command(
    file: FileArgument,
    types: Annotated[str, typer.Option(help="Comma-separated: title, topic, hashtag.")] = (
        "title,topic,hashtag"
    ),
    llm: LlmOption = None,
    options: OptionsOption = "visual,audio",
    no_cache: NoCacheOption = False,
) -> None:
    """Title, topics and hashtags of a video (JSON)."""
    from videoscope.describe import gist

    timeline = load_timeline(file, options, no_cache)
    _emit(gist(timeline, [t.strip() for t in types.split(",") if t.strip()], llm=llm or "config"))


def summarize_command(
    file: FileArgument,
    type: Annotated[str, typer.Option("--type", help="summary, chapter or highlight.")] = "summary",
    prompt: Annotated[str | None, typer.Option(help="How to style the text (LLM only).")] = None,
    temperature: Annotated[float, typer.Option(min=0.0, max=1.0)] = 0.0,
    check_grounding: Annotated[
        bool, typer.Option("--check-grounding", help="Drop unsupported summary sentences.")
    ] = False,
    llm: LlmOption = None,
    options: OptionsOption = "visual,audio",
    no_cache: NoCacheOption = False,
) -> None:
    """A summary, chapters or highlights of a video (JSON)."""
    from videoscope.describe import summarize

    timeline = load_timeline(file, options, no_cache)
    result = summarize(
        timeline,
        type,  # type: ignore[arg-type]
        prompt,
        temperature,
        check_grounding=check_grounding,
        llm=llm or "config",
    )
    _emit(result)


def ask_command(
    file: FileArgument,
    prompt: Annotated[str, typer.Argument(help="The question or instruction.")],
    schema: Annotated[
        Path | None, typer.Option(help="A JSON schema file: the answer will validate it.")
    ] = None,
    start: Annotated[float | None, typer.Option(help="Window start, seconds.")] = None,
    end: Annotated[float | None, typer.Option(help="Window end, seconds.")] = None,
    stream: Annotated[bool, typer.Option("--stream", help="Print the answer as it comes.")] = False,
    temperature: Annotated[float, typer.Option(min=0.0, max=1.0)] = 0.0,
    llm: LlmOption = None,
    options: OptionsOption = "visual,audio",
    no_cache: NoCacheOption = False,
) -> None:
    """Answer an open prompt about a video (text, or JSON with --schema)."""
    from videoscope.describe import AnalyzeResult, ask

    response_format = None
    if schema is not None:
        try:
            response_format = {"type": "json_schema", "json_schema": json.loads(schema.read_text())}
        except (OSError, json.JSONDecodeError) as error:
            raise typer.BadParameter(
                f"cannot read {schema}: {error}", param_hint="--schema"
            ) from error
    timeline = load_timeline(file, options, no_cache)
    result = ask(
        timeline,
        prompt,
        response_format,
        start,
        end,
        stream,
        temperature=temperature,
        llm=llm or "config",
    )
    if isinstance(result, AnalyzeResult):
        typer.echo(result.data)
        return
    for piece in result:
        typer.echo(piece, nl=False)
    typer.echo("")
