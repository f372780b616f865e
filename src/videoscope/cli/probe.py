"""``videoscope probe FILE``: what a media file holds, without decoding it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from videoscope.media.probe import probe


def probe_command(
    file: Annotated[Path, typer.Argument(help="Video or audio file to describe.")],
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Show container, duration, streams, frame rate mode and rotation of FILE."""
    info = probe(file)
    if json_output:
        typer.echo(info.model_dump_json(indent=2))
        return
    table = Table(title=str(file), show_header=False)
    table.add_row("container", info.container)
    table.add_row("duration", f"{info.duration:.3f} s")
    table.add_row("size", f"{info.size_bytes / 1e6:.1f} MB")
    if info.video:
        v = info.video
        width, height = v.display_size
        table.add_row(
            "video",
            f"{v.codec} {width}x{height} {v.average_fps:.3f} fps "
            f"({v.frame_rate_mode}), rotation {v.rotation}°",
        )
    else:
        table.add_row("video", "none")
    for number, a in enumerate(info.audio):
        table.add_row(f"audio {number}", f"{a.codec} {a.sample_rate} Hz, {a.channels} ch")
    if not info.audio:
        table.add_row("audio", "none")
    Console().print(table)
