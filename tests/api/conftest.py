"""API test fixtures: real uvicorn servers on loopback, the official SDK, one generated video."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

for _module in ("fastapi", "uvicorn", "httpx", "twelvelabs"):
    pytest.importorskip(_module)

import httpx  # noqa: E402
import uvicorn  # noqa: E402

from tests.conftest import MediaFactory  # noqa: E402
from videoscope.api import create_app  # noqa: E402
from videoscope.config import ServerSettings, Settings  # noqa: E402
from videoscope.samples import OverlaySpec, ShotSpec, SpeechSpec, Truth, VideoSpec  # noqa: E402

JOURNEY = VideoSpec(
    shots=[ShotSpec("rocket", 4.0), ShotSpec("coffee", 4.0), ShotSpec("chelsea", 4.0)],
    speech=[
        SpeechSpec("The rocket launch was a complete success today.", 0.5),
        SpeechSpec("Next, the price of coffee beans keeps rising.", 4.5),
    ],
    overlays=[OverlaySpec("BREAKING NEWS", 8.5, 11.5)],
    width=640,
    height=360,
)


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ThreadServer:
    """A real uvicorn server for ``settings`` on a free loopback port, in a thread."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.port = free_port()
        self.app = create_app(settings)
        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        """The SDK's ``base_url``."""
        return f"http://127.0.0.1:{self.port}/v1.3"

    def __enter__(self) -> ThreadServer:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.should_exit = True
        self.thread.join(10)


class ProcessServer:
    """``python -m videoscope.api`` in a subprocess (for crash tests), home ``home``."""

    def __init__(self, home: Path, port: int | None = None) -> None:
        self.home = home
        self.port = port or free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.log = home / f"server-{self.port}.log"

    @property
    def url(self) -> str:
        """The SDK's ``base_url``."""
        return f"http://127.0.0.1:{self.port}/v1.3"

    def start(self) -> ProcessServer:
        """Start and wait until ``/health`` answers."""
        env = {
            **os.environ,
            "VIDEOSCOPE_HOME": str(self.home),
            "HF_HUB_OFFLINE": "1",
            "VIDEOSCOPE_SERVER__WORKERS": "1",
        }
        self.home.mkdir(parents=True, exist_ok=True)
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "videoscope.api", "--port", str(self.port)],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/health", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError("the server did not answer /health in 60 s")

    def kill(self) -> None:
        """SIGKILL: no clean-up of any kind."""
        assert self.process is not None
        self.process.kill()
        self.process.wait(10)

    def stop(self) -> None:
        """Terminate if still running."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()


@pytest.fixture(scope="session")
def journey_video(media: MediaFactory) -> tuple[Path, Truth]:
    """The 12 s journey video: three shots, two sentences, one overlay."""
    return media.build("api-journey.mp4", JOURNEY)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ThreadServer]:
    """An open server (no key) that may fetch loopback URLs (the tests serve files there)."""
    home = tmp_path_factory.mktemp("api-home")
    settings = Settings(home=home, server=ServerSettings(allow_private_urls=True, workers=1))
    with ThreadServer(settings) as running:
        yield running


@pytest.fixture(scope="module")
def client(server: ThreadServer) -> Any:
    """The official SDK pointed at the test server."""
    from twelvelabs import TwelveLabs

    return TwelveLabs(api_key="test-key", base_url=server.url)


@pytest.fixture(scope="module")
def file_host(journey_video: tuple[Path, Truth]) -> Iterator[str]:
    """A loopback HTTP server over the journey video's folder; yields its base URL."""
    import functools
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(journey_video[0].parent))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
