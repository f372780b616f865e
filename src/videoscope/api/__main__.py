"""``python -m videoscope.api --host 127.0.0.1 --port 8000``: the server without the CLI."""

from __future__ import annotations

import argparse

from videoscope.cli.serve import serve_command


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
    serve_command(
        host=args.host,
        port=args.port,
        api_key=args.api_key,
        workers=args.workers,
        no_auth=args.no_auth,
        log_level=args.log_level,
    )


if __name__ == "__main__":
    main()
