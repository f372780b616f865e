"""``videoscope search "query" [--index NAME] [--image FILE] [--json]``: find moments."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from PIL import Image
from rich.console import Console
from rich.table import Table

from videoscope.errors import MediaNotFoundError
from videoscope.library.service import VideoLibrary
from videoscope.search.engine import SearchOption, SearchRequest


def search_command(
    query: Annotated[str | None, typer.Argument(help="What to look for, in plain words.")] = None,
    index: Annotated[str, typer.Option(help="Name of the index to search.")] = "default",
    image: Annotated[
        Path | None, typer.Option(help="An image to search with (alone or with the text).")
    ] = None,
    options: Annotated[
        str, typer.Option(help="Search options: visual, audio (comma-separated).")
    ] = "visual,audio",
    operator: Annotated[str, typer.Option(help="'or' or 'and' across options.")] = "or",
    group_by: Annotated[str, typer.Option(help="'clip' or 'video'.")] = "clip",
    limit: Annotated[int, typer.Option(help="Results to show.")] = 10,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Search the moments of an index by text and/or image."""
    library = VideoLibrary()
    record = library.index_named(index)
    picture = None
    if image is not None:
        if not image.is_file():
            raise MediaNotFoundError(str(image), "the image does not exist", "check the path")
        picture = np.asarray(Image.open(image).convert("RGB"))
    chosen: list[SearchOption] = [o.strip() for o in options.split(",")]  # type: ignore[misc]
    request = SearchRequest(
        index_id=record.id,
        query_text=query,
        query_image=picture,
        search_options=chosen,
        operator=operator,  # type: ignore[arg-type]
        group_by=group_by,  # type: ignore[arg-type]
        page_limit=min(50, limit),
    )
    page = library.search(request)
    if json_output:
        typer.echo(page.model_dump_json(indent=1))
        return
    names = {v.id: v.filename for v in library.store.list_videos(record.id, limit=500).items}
    table = Table("rank", "video", "start", "end", "score", "matched", "evidence")
    clips = page.clips or [clip for group in page.groups for clip in group.clips]
    for clip in clips:
        evidence = "; ".join(f"{e.modality}: {e.text[:50]}" for e in clip.evidence[:2] if e.text)
        table.add_row(
            str(clip.rank),
            names.get(clip.video_id, clip.video_id),
            f"{clip.start:.1f}",
            f"{clip.end:.1f}",
            f"{clip.score:.1f}",
            ",".join(clip.modules),
            evidence,
        )
    Console().print(table)
