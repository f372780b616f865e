"""``videoscope index FILE...``: build each video's Timeline, with a progress bar per stage."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from videoscope.config import Settings, get_settings
from videoscope.library.ingest import add_to_library
from videoscope.library.service import VideoLibrary
from videoscope.library.store import Store
from videoscope.perceive.base import ProgressEvent, Stage
from videoscope.perceive.pipeline import index_video
from videoscope.perceive.registry import ModelOption, build_stages, stage_names
from videoscope.samples import ensure_demo_video
from videoscope.timeline.model import Timeline


def index_command(
    files: Annotated[list[Path] | None, typer.Argument(help="Videos to index.")] = None,
    sample: Annotated[
        bool, typer.Option("--sample", help="Index the built-in demo video (built on first use).")
    ] = False,
    options: Annotated[
        str, typer.Option(help="Model options: 'visual', 'audio' or both, comma-separated.")
    ] = "visual,audio",
    stages: Annotated[
        str | None, typer.Option(help="Exact stages, comma-separated (overrides --options).")
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Folder to write <name>.timeline.json files into.")
    ] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print timelines as JSON.")] = False,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Recompute every stage.")] = False,
    index: Annotated[
        str | None,
        typer.Option(help="Also store the videos in this library index (created if missing)."),
    ] = None,
    cluster: Annotated[
        str | None,
        typer.Option(
            help="Index on a Ray cluster: 'auto', 'ray://HOST:PORT' or 'local' "
            "(default: the [cluster] settings; see docs/scale.md)."
        ),
    ] = None,
) -> None:
    """Index videos (files, folders of videos, or .txt lists of paths) into multimodal
    Timelines (shots, speech, on-screen text, silences...)."""
    settings = get_settings()
    paths = expand_inputs(files or [])
    if sample:
        paths.append(ensure_demo_video(settings.home / "samples")[0])
    if not paths:
        raise typer.BadParameter("give at least one FILE, or --sample")
    chosen_options: list[ModelOption] = [o.strip() for o in options.split(",")]  # type: ignore[misc]
    if stages:
        names = [name.strip() for name in stages.split(",") if name.strip()]
    else:
        names = stage_names(chosen_options)
    console = Console(stderr=json_output)
    library, library_index_id = None, ""
    if index is not None:
        library = VideoLibrary(settings)
        library_index_id = library.index_named(index, create=True, options=chosen_options).id
    if cluster is not None or settings.cluster.engine == "ray":
        stored = (library.store, library_index_id) if library is not None else None
        _index_on_cluster(paths, names, settings, cluster, stored, out, json_output, console)
        return
    for path in paths:
        pipeline = build_stages(names, settings)  # stages keep per-video state: fresh ones each
        cache_dir = None if no_cache else settings.cache_dir
        timeline = index_with_progress(path, pipeline, cache_dir, console)
        if library is not None:
            record = add_to_library(
                library.store,
                library_index_id,
                path,
                timeline,
                text_embedder=library.text_embedder,
            )
            console.print(f"stored in index {index!r} as video {record.id}")
        _report(path, timeline, out, json_output, console)


#: File name endings ``index FOLDER`` picks up.
MEDIA_SUFFIXES = frozenset(
    {
        *(".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi", ".mpg", ".mpeg", ".ts", ".mts"),
        *(".mxf", ".flv", ".wmv", ".3gp", ".ogv"),
        *(".wav", ".mp3", ".m4a", ".flac", ".ogg", ".opus"),
    }
)


def expand_inputs(inputs: list[Path]) -> list[Path]:
    """Files as given, folders as the media files inside them (recursively, sorted), and
    ``.txt`` files as lists of paths (one per line, ``#`` comments; relative to the list)."""
    paths: list[Path] = []
    for item in inputs:
        if item.is_dir():
            paths.extend(sorted(p for p in item.rglob("*") if p.suffix.lower() in MEDIA_SUFFIXES))
        elif item.suffix.lower() == ".txt" and item.is_file():
            lines = (line.strip() for line in item.read_text().splitlines())
            paths.extend(item.parent / line for line in lines if line and not line.startswith("#"))
        else:
            paths.append(item)
    return paths


def _index_on_cluster(
    paths: list[Path],
    names: list[str],
    settings: Settings,
    address: str | None,
    stored: tuple[Store, str] | None,
    out: Path | None,
    json_output: bool,
    console: Console,
) -> None:
    """Index ``paths`` on a Ray cluster, storing each video as it finishes (docs/scale.md)."""
    from videoscope.cluster import RayIndexer

    with RayIndexer(settings, address=address) as indexer, _video_bar(console) as bar:
        task = bar.add_task("videos", total=len(paths))
        for done in indexer.index(paths, names, embed_texts=stored is not None):
            bar.advance(task)
            if done.timeline is None:
                console.print(f"[red]error:[/] {done.error}")
                continue
            if stored is not None:
                store, index_id = stored
                record = add_to_library(
                    store,
                    index_id,
                    done.path,
                    done.timeline,
                    text_embedder=None,
                    moments=done.moments,
                )
                console.print(f"stored as video {record.id}")
            _report(done.path, done.timeline, out, json_output, console)


def _report(
    path: Path, timeline: Timeline, out: Path | None, json_output: bool, console: Console
) -> None:
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        (out / f"{path.stem}.timeline.json").write_text(timeline.model_dump_json(indent=1))
    if json_output:
        typer.echo(timeline.model_dump_json(indent=1))
    else:
        print_summary(timeline, console)


def _video_bar(console: Console) -> Progress:
    return Progress(
        TextColumn("[bold]{task.description:<8}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )


def index_with_progress(
    path: Path, pipeline: list[Stage], cache_dir: Path | None, console: Console
) -> Timeline:
    """Index ``path`` with ``pipeline``, drawing a Rich progress bar per stage on ``console``."""
    with Progress(
        TextColumn("[bold]{task.description:<8}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as progress:
        bars: dict[str, TaskID] = {}

        def update(event: ProgressEvent) -> None:
            if event.stage not in bars:
                bars[event.stage] = progress.add_task(event.stage, total=1.0)
            progress.update(bars[event.stage], completed=event.fraction)

        console.print(f"[bold]indexing[/] {path}")
        return index_video(path, pipeline, cache_dir=cache_dir, progress=update)


def print_summary(timeline: Timeline, console: Console) -> None:
    """Print a human summary of a timeline: counts per track and the first items of each."""
    video = timeline.video
    size = f"{video.width}x{video.height}" if video.width else "audio only"
    console.print(
        f"\n[bold]{video.path}[/]  {video.duration:.1f}s  {size}  hash {video.content_hash[:12]}"
    )
    counts = Table("track", "items", "first items", title="Timeline")
    for track, count in timeline.summary().items():
        counts.add_row(track, str(count), _preview(timeline, track))
    console.print(counts)
    for warning in timeline.warnings:
        console.print(f"[yellow]warning:[/] {warning}")


def _preview(timeline: Timeline, track: str, limit: int = 4) -> str:
    if track.startswith("embeddings:"):
        embeddings = timeline.embeddings[track.split(":", 1)[1]]
        return f"{embeddings.model}, {embeddings.dim}-d"
    parts = []
    for item in getattr(timeline, track)[:limit]:
        data = item.model_dump(exclude={"start", "end", "box", "confidence", "index"})
        label = next((str(v) for k, v in data.items() if k in ("text", "label", "transition")), "")
        parts.append(f"{item.start:.1f}-{item.end:.1f}s {label}".strip())
    more = len(getattr(timeline, track)) - limit
    return "; ".join(parts) + (f"; +{more} more" if more > 0 else "")
