"""``python -m videoscope.api --host 127.0.0.1 --port 8000``: the server without the CLI."""

from __future__ import annotations

import argparse
import sys

from videoscope.api.server import serve, server_settings
from videoscope.config import get_settings
from videoscope.errors import VideoscopeError


def main() -> None:
    """Parse the few serve options and run the server."""
    parser = argparse.ArgumentParser(prog="python -m videoscope.api")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--api-key", action="append", default=None)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--no-auth", action="store_true")
    parser.add_argument("--log-level", default="warning")
    args = parser.parse_args()
    try:
        settings = server_settings(
            get_settings(), args.api_key, args.workers, args.host, args.no_auth
        )
    except VideoscopeError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(2)
    serve(settings, args.host, args.port, args.log_level)


if __name__ == "__main__":
    main()
