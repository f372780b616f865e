"""Fixtures for the describe tests: a narrated video and a silent one, indexed once per session,
and (when llama-cpp-python and the packaged SmolLM2 model are installed) a real
OpenAI-compatible llama.cpp server on loopback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

# Before any library loads OpenMP (whisper's CTranslate2 does while indexing): llama.cpp shares
# the process's libgomp, whose spinning threads are ~100x slower on a busy 2-core machine.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from tests.conftest import MediaFactory
from videoscope.samples import OverlaySpec, ShotSpec, SoundSpec, SpeechSpec, Truth, VideoSpec
from videoscope.timeline.model import Timeline

#: 18 s, four shots with cuts, three spoken sentences, two overlays, crowd noise and music.
TALK_SPEC = VideoSpec(
    shots=[
        ShotSpec("rocket", 5.0),
        ShotSpec("astronaut", 4.0),
        ShotSpec("coffee", 5.0, motion="zoom"),
        ShotSpec("clock", 4.0),
    ],
    speech=[
        SpeechSpec("The rocket launch was a complete success today.", 0.5),
        SpeechSpec("The astronaut waved to the crowd.", 5.5),
        SpeechSpec("Now a cup of hot coffee in the morning.", 9.5),
    ],
    overlays=[
        OverlaySpec("LAUNCH SUCCESSFUL", 1.0, 4.0, "lower_third"),
        OverlaySpec("COFFEE BREAK", 10.0, 13.0, "center"),
    ],
    sounds=[SoundSpec("crowd", 6.5, 8.5, 0.4), SoundSpec("music", 14.0, 18.0, 0.3)],
    width=960,
    height=540,
)
#: 10 s without an audio track: three shots only.
SILENT_SPEC = VideoSpec(
    shots=[ShotSpec("coffee", 3.5), ShotSpec("rocket", 3.5), ShotSpec("clock", 3.0)],
    width=640,
    height=360,
    audio=False,
)
STAGES = ("shots", "silence", "speech", "text", "visual", "audio_events")


def _index(path: Path, cache: Path) -> Timeline:
    from videoscope.perceive.pipeline import index_video
    from videoscope.perceive.registry import build_stages

    return index_video(path, build_stages(STAGES), cache_dir=cache)


@pytest.fixture(scope="session")
def describe_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The stage-result cache of this session's describe tests."""
    return tmp_path_factory.mktemp("describe-cache")


@pytest.fixture(scope="session")
def talk(media: MediaFactory, describe_cache: Path) -> tuple[Timeline, Truth]:
    """The narrated video indexed with every stage, and its truth."""
    path, truth = media.build("describe-talk.mp4", TALK_SPEC)
    return _index(path, describe_cache), truth


@pytest.fixture(scope="session")
def talk_folder(talk: tuple[Timeline, Truth], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The narrated video's timeline saved to a folder (what the CLI accepts)."""
    folder = tmp_path_factory.mktemp("talk-timeline")
    talk[0].save(folder)
    return folder


@pytest.fixture(scope="session")
def silent(media: MediaFactory, describe_cache: Path) -> tuple[Timeline, Truth]:
    """The silent video indexed with every stage, and its truth."""
    path, truth = media.build("describe-silent.mp4", SILENT_SPEC)
    return _index(path, describe_cache), truth


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def llama_server(smollm_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real llama-cpp-python OpenAI-compatible server on loopback; yields its base URL."""
    import httpx

    port = _free_port()
    log = tmp_path_factory.mktemp("llama-server") / "server.log"
    env = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE"}
    command = [sys.executable, "-m", "llama_cpp.server", "--model", str(smollm_path)]
    command += ["--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048"]
    command += ["--n_threads", "2", "--seed", "0"]
    with log.open("w") as output:
        server = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, env=env)
    base = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 90
        while True:
            if server.poll() is not None:
                pytest.fail(f"llama.cpp server exited: {log.read_text()[-2000:]}")
            try:
                if httpx.get(f"{base}/models", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"llama.cpp server did not start in 90 s: {log.read_text()[-2000:]}")
            time.sleep(0.5)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)
