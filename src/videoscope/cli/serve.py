"""``videoscope serve``: run the Twelve Labs compatible API server (uvicorn).

Serving on a non-loopback address without an API key is refused unless ``--no-auth`` says so
explicitly: anyone who can reach the port could otherwise read and delete the library.
"""

from __future__ import annotations

import ipaddress
import logging
from typing import Annotated

import typer

from videoscope.config import Settings, get_settings
from videoscope.errors import ConfigError


def is_loopback(host: str) -> bool:
    """Whether ``host`` only listens on this machine (127.0.0.0/8, ::1, localhost)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def server_settings(
    settings: Settings,
    api_keys: list[str] | None,
    workers: int | None,
    host: str,
    no_auth: bool,
) -> Settings:
    """Settings with the command line's keys and workers applied and the exposure checked.

    Raises:
        ConfigError: a non-loopback ``host`` with no API key and no ``no_auth``.
    """
    server = settings.server.model_copy(
        update={
            "api_keys": [*settings.server.api_keys, *(api_keys or [])],
            **({"workers": workers} if workers else {}),
        }
    )
    if not server.api_keys and not is_loopback(host) and not no_auth:
        raise ConfigError(
            f"--host {host}",
            "serving beyond this machine without an API key would let anyone on the network "
            "read and delete the library",
            "pass --api-key KEY (or set server.api_keys), or --no-auth if you really mean it",
        )
    return settings.model_copy(update={"server": server})


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
    import uvicorn

    from videoscope.api import create_app

    settings = server_settings(get_settings(), api_key, workers, host, no_auth)
    logging.getLogger("videoscope").setLevel(logging.INFO)
    typer.echo(
        f"videoscope API on http://{host}:{port}/v1.3, playground on http://{host}:{port}/"
        f"  (library: {settings.home})",
        err=True,
    )
    uvicorn.run(create_app(settings), host=host, port=port, log_level=log_level)
