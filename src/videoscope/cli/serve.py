"""``videoscope serve``: run the Twelve Labs compatible API server (uvicorn).

Serving on a non-loopback address without an API key is refused unless ``--no-auth`` says so
explicitly (see :func:`videoscope.api.server.server_settings`).
"""

from __future__ import annotations

from typing import Annotated

import typer

from videoscope.config import get_settings


def serve_command(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    api_key: Annotated[
        list[str] | None,
        typer.Option("--api-key", help="Accepted x-api-key value (repeatable)."),
    ] = None,
    workers: Annotated[
        int | None, typer.Option(help="Task worker threads (default: server.workers).")
    ] = None,
    no_auth: Annotated[
        bool,
        typer.Option("--no-auth", help="Allow a non-loopback host without any API key."),
    ] = False,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "info",
) -> None:
    """Serve the Twelve Labs v1.3 compatible API (SDK: base_url=http://HOST:PORT/v1.3)."""
    from videoscope.api.server import serve, server_settings

    serve(server_settings(get_settings(), api_key, workers, host, no_auth), host, port, log_level)
