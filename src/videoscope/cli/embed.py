"""``videoscope embed FILE... [--clip-length 6] [--export clips.parquet]``: embeddings.

A thin shell over :class:`videoscope.embed.Embedder`. Each FILE is a video or audio file (indexed
with the cache), a folder holding a saved timeline, or an image (``.jpg``/``.png``...). ``--text``
embeds a text instead. Prints the Twelve Labs-shaped JSON (``--out`` writes it) and/or exports
every vector to ``.npz`` or ``.parquet`` (``--export``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from rich.console import Console

from videoscope.cli.classify import load_timeline, parse_list
from videoscope.embed.models import EmbeddingOption, EmbeddingResponse, EmbeddingScope

_IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".webp", ".gif", ".tif", ".tiff")


def embed_command(
    files: Annotated[
        list[Path] | None, typer.Argument(help="Videos, audio files, timeline folders, images.")
    ] = None,
    text: Annotated[str | None, typer.Option(help="Embed this text.")] = None,
    clip_length: Annotated[float, typer.Option(help="Clip length in seconds (2-10).")] = 6.0,
    scopes: Annotated[str, typer.Option(help="clip, video, or both (comma-separated).")] = (
        "clip,video"
    ),
    options: Annotated[
        str, typer.Option(help="visual-text, audio, sound (sound: YAMNet, comma-separated).")
    ] = "visual-text,audio",
    export: Annotated[
        Path | None, typer.Option(help="Write every vector to this .npz or .parquet file.")
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Write the JSON responses here.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", help="Do not print the JSON.")] = False,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Recompute every stage.")] = False,
) -> None:
    """Embed texts, images, audio and video clips in Twelve Labs' embed shapes."""
    from videoscope.embed import Embedder, segment_rows, write_export

    paths = list(files or [])
    if not paths and text is None:
        raise typer.BadParameter("give a FILE or --text")
    chosen_scopes: list[EmbeddingScope] = parse_list(scopes, ("clip", "video"), "--scopes")  # type: ignore[assignment]
    chosen: list[EmbeddingOption] = parse_list(  # type: ignore[assignment]
        options, ("visual-text", "audio", "sound"), "--options"
    )
    console = Console(stderr=True)
    embedder = Embedder.from_settings(sound="sound" in chosen)
    responses: list[tuple[str, EmbeddingResponse]] = []
    if text is not None:
        responses.append(("text", embedder.embed_text(text)))
    for path in paths:
        if path.is_file() and path.suffix.lower() in _IMAGE_SUFFIXES:
            responses.append((str(path), embedder.embed_image(_read_image(path))))
            continue
        timeline = load_timeline(path, console, use_cache=not no_cache)
        response = embedder.embed_video(
            timeline,
            clip_length=clip_length,
            scopes=chosen_scopes,
            options=chosen,
            media_path=timeline.video.path if "sound" in chosen else None,
        )
        responses.append((str(path), response))
    payload: list[dict[str, Any]] = [
        {"input": name, **r.model_dump(by_alias=True, exclude_none=True)} for name, r in responses
    ]
    rendered = json.dumps(payload if len(payload) > 1 else payload[0], ensure_ascii=False)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(rendered)
        console.print(f"wrote {out}")
    if export is not None:
        rows = segment_rows(responses)
        write_export(rows, export)
        console.print(f"exported {len(rows)} vectors to {export}")
    if out is None and not quiet:
        typer.echo(rendered)


def _read_image(path: Path) -> np.ndarray:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            return np.asarray(image.convert("RGB"))
    except (OSError, UnidentifiedImageError) as error:
        raise typer.BadParameter(f"cannot read image {path}: {error}") from error
