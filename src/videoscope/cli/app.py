"""The ``videoscope`` Typer application: registers one command per module of this package."""

from __future__ import annotations

import logging
import os

import typer

from videoscope.cli.analyze import analyze_command
from videoscope.cli.classify import classify_command
from videoscope.cli.describe import ask_command, gist_command, summarize_command
from videoscope.cli.embed import embed_command
from videoscope.cli.eval import eval_command
from videoscope.cli.index import index_command
from videoscope.cli.probe import probe_command
from videoscope.cli.search import search_command
from videoscope.cli.serve import serve_command
from videoscope.errors import VideoscopeError

app = typer.Typer(
    name="videoscope",
    help="Turn video into structured, time-based data: index, search, describe, segment, evaluate.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.command("probe")(probe_command)
app.command("index")(index_command)
app.command("search")(search_command)
app.command("analyze")(analyze_command)
app.command("classify")(classify_command)
app.command("embed")(embed_command)
app.command("gist")(gist_command)
app.command("summarize")(summarize_command)
app.command("ask")(ask_command)
app.command("eval")(eval_command)
app.command("serve")(serve_command)


def main() -> None:
    """Console entry point: runs the app and turns videoscope errors into one clear line."""
    # Before any model runtime starts: OpenMP threads that spin-wait starve the other stages.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        app()
    except VideoscopeError as error:
        typer.secho(f"error: {error}", fg=typer.colors.RED, err=True)
        raise SystemExit(2) from error
