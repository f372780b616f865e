"""Fixtures for the analyze tests: one generated news-like video, indexed once per session, and
(when llama-cpp-python and the packaged SmolLM2 model are installed) the in-process SmolLM2."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import MediaFactory
from videoscope.samples import OverlaySpec, ShotSpec, SpeechSpec, Truth, VideoSpec
from videoscope.timeline.model import Timeline

#: 24 s at 960x540 (OCR reads it at native size): six shots with cuts, four spoken turns
#: (the last one two sentences), three overlays of known text.
NEWS_SPEC = VideoSpec(
    shots=[
        ShotSpec("astronaut", 4.0),
        ShotSpec("rocket", 5.0),
        ShotSpec("coffee", 3.5, motion="zoom"),
        ShotSpec("chelsea", 4.5),
        ShotSpec("moon", 4.0, motion="static"),
        ShotSpec("clock", 3.0),
    ],
    speech=[
        SpeechSpec("Welcome to the evening news.", 0.5),
        SpeechSpec("The rocket launch was a complete success today.", 6.0),
        SpeechSpec("Now the weather for tomorrow.", 13.5),
        SpeechSpec("That is all for tonight, good night.", 19.0),
    ],
    overlays=[
        OverlaySpec("EVENING NEWS", 1.0, 3.5, "top"),
        OverlaySpec("LAUNCH SUCCESSFUL", 5.0, 8.5, "lower_third"),
        OverlaySpec("SUNNY 25C", 13.0, 17.0, "center"),
    ],
    width=960,
    height=540,
)


@pytest.fixture(scope="session")
def news_video(media: MediaFactory) -> tuple[str, Truth]:
    """The analyze test video (path as str) and its exact truth."""
    path, truth = media.build("analyze-news.mp4", NEWS_SPEC)
    return str(path), truth


@pytest.fixture(scope="session")
def index_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The stage-result cache of this session's analyze tests."""
    return tmp_path_factory.mktemp("index-cache")


@pytest.fixture(scope="session")
def news_indexed(
    news_video: tuple[str, Truth], tmp_path_factory: pytest.TempPathFactory, index_cache: Path
) -> tuple[Timeline, Truth, str]:
    """The video indexed with shots, silence, speech and on-screen text (once per session, into
    the index cache :func:`index_cache` names); returns the timeline, the truth and the folder
    the timeline was saved to."""
    from videoscope.perceive.pipeline import index_video
    from videoscope.perceive.shots import ShotStage
    from videoscope.perceive.silence import SilenceStage
    from videoscope.perceive.speech import SpeechStage
    from videoscope.perceive.text import OnScreenTextStage

    path, truth = news_video
    stages = [ShotStage(), SilenceStage(), SpeechStage(), OnScreenTextStage()]
    timeline = index_video(path, stages, cache_dir=index_cache)
    folder = tmp_path_factory.mktemp("news-timeline")
    timeline.save(folder)
    return timeline, truth, str(folder)


@pytest.fixture(scope="session")
def smollm(smollm_path: Path) -> Any:
    """The packaged SmolLM2-135M run in-process by llama.cpp (2048-token context); skipped like
    ``smollm_path`` (a failure under CI)."""
    from videoscope.backends.registry import load_backend

    return load_backend("llm", "llama-cpp", context_tokens=2048)
