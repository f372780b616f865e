"""Run the API server (uvicorn): the settings of a serve command and the exposure check.

Serving on a non-loopback address without an API key is refused unless ``no_auth`` says so
explicitly: anyone who can reach the port could otherwise read and delete the library. Both
``videoscope serve`` and ``python -m videoscope.api`` end here.
"""

from __future__ import annotations

import ipaddress
import logging
import sys

from videoscope.api.app import API_PREFIX, create_app
from videoscope.config import Settings
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


def serve(settings: Settings, host: str, port: int, log_level: str = "info") -> None:
    """Serve the app over ``settings`` on ``host:port`` until interrupted."""
    import uvicorn

    logging.getLogger("videoscope").setLevel(logging.INFO)
    print(
        f"videoscope API on http://{host}:{port}{API_PREFIX}, playground on http://{host}:{port}/"
        f"  (library: {settings.home})",
        file=sys.stderr,
    )
    uvicorn.run(create_app(settings), host=host, port=port, log_level=log_level)
