"""Fixtures for the perception stage tests, grouped by stage."""

from __future__ import annotations

import pytest

from tests.conftest import MediaFactory
from videoscope.samples import ShotSpec, Truth, VideoSpec

# --- shots (tests/perceive/test_shots.py) -------------------------------------------------------

#: Cuts, two dissolves (1.0 s and 0.6 s), a fade, pans, zooms, a short fast pan, three flashes.
SHOTS_SPEC = VideoSpec(
    shots=[
        ShotSpec("astronaut", 3.0),
        ShotSpec("rocket", 3.0, motion="zoom"),
        ShotSpec("hubble_deep_field", 3.0, transition="dissolve", transition_seconds=1.0),
        ShotSpec("coffee", 1.2),  # a short shot: the pan sweeps the frame fast
        ShotSpec("chelsea", 3.0, transition="fade", transition_seconds=1.0, motion="zoom"),
        ShotSpec("camera", 3.0, motion="static"),
        ShotSpec("coins", 3.0, transition="dissolve", transition_seconds=0.6),
        ShotSpec("grass", 3.0),
        ShotSpec("brick", 3.0, motion="zoom"),
    ],
    flashes=[1.5, 16.8, 24.5],
    width=480,
    height=270,
    audio=False,
)


@pytest.fixture(scope="session")
def shots_video(media: MediaFactory) -> tuple[str, Truth]:
    """The shot-boundary test video (path as str) and its exact truth."""
    path, truth = media.build("shots.mp4", SHOTS_SPEC)
    return str(path), truth


@pytest.fixture(scope="session")
def one_shot_video(media: MediaFactory) -> tuple[str, Truth]:
    """A single zooming shot with a flash: no boundary at all."""
    spec = VideoSpec(
        shots=[ShotSpec("chelsea", 5.0, motion="zoom")],
        flashes=[2.5],
        width=320,
        height=180,
        audio=False,
    )
    path, truth = media.build("one-shot.mp4", spec)
    return str(path), truth


# --- audio events (tests/perceive/test_audio_events.py) -----------------------------------------


def audio_events_spec() -> VideoSpec:
    """30 s: speech, a 2.9 s gap, music, a 2 s gap, crowd noise, a 2 s gap, speech, silence."""
    from videoscope.samples import SoundSpec, SpeechSpec

    return VideoSpec(
        shots=[
            ShotSpec(name, 6.0) for name in ("astronaut", "coffee", "chelsea", "rocket", "moon")
        ],
        speech=[
            SpeechSpec("The quick brown fox jumps over the lazy dog near the river bank.", 1.0),
            SpeechSpec("Welcome back to the show, today we talk about rockets.", 23.0),
        ],
        sounds=[SoundSpec("music", 8.0, 14.0), SoundSpec("crowd", 16.0, 21.0)],
        width=320,
        height=180,
    )


@pytest.fixture(scope="session")
def audio_events_video(media: MediaFactory) -> tuple[str, Truth]:
    """The audio-events test video (path as str) and its exact truth."""
    path, truth = media.build("audio-events.mp4", audio_events_spec())
    return str(path), truth


@pytest.fixture(scope="session")
def silent_video(media: MediaFactory) -> tuple[str, Truth]:
    """Eight seconds with an audio track that holds nothing but digital silence."""
    spec = VideoSpec(shots=[ShotSpec("coins", 8.0)], width=320, height=180)
    path, truth = media.build("silent-audio.mp4", spec)
    return str(path), truth


@pytest.fixture(scope="session")
def yamnet_options(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Tagger options that unzip the packaged YAMNet into this session's temp folder."""
    pytest.importorskip("onnxruntime")
    from videoscope.backends.yamnet import MODEL_ARCHIVE, packaged_file
    from videoscope.errors import BackendUnavailableError

    try:
        packaged_file(MODEL_ARCHIVE)
    except BackendUnavailableError as error:
        pytest.skip(str(error))
    return {"cache_dir": str(tmp_path_factory.mktemp("yamnet"))}


# --- on-screen text (tests/perceive/test_text.py) -----------------------------------------------


def text_spec() -> VideoSpec:
    """12 s at 960x540 (OCR reads it at native size), four kinds of overlay.

    An overlay across a cut (top), a lower third on a pan, a centre caption that changes text on
    a still picture, and a lower third over a dissolve. No photo here shows text of its own, so
    every item found must be one of the overlays.
    """
    from videoscope.samples import OverlaySpec

    return VideoSpec(
        shots=[
            ShotSpec("coffee", 4.0),
            ShotSpec("chelsea", 4.0, motion="static"),
            ShotSpec("hubble_deep_field", 4.0, transition="dissolve", transition_seconds=1.0),
        ],
        overlays=[
            OverlaySpec("BREAKING NEWS", 0.5, 5.0, "top"),
            OverlaySpec("Morning Report", 1.0, 3.0, "lower_third"),
            OverlaySpec("SCORE 1-0", 4.5, 6.0, "center"),
            OverlaySpec("SCORE 2-0", 6.0, 7.0, "center"),
            OverlaySpec("Weather Update", 6.5, 10.5, "lower_third"),
        ],
        width=960,
        height=540,
        audio=False,
    )


@pytest.fixture(scope="session")
def text_video(media: MediaFactory) -> tuple[str, Truth]:
    """The on-screen text test video (path as str) and its exact truth."""
    path, truth = media.build("text-overlays.mp4", text_spec())
    return str(path), truth


@pytest.fixture(scope="session")
def textless_video(media: MediaFactory) -> tuple[str, Truth]:
    """8 s of text-free photos with a pan, a cut, a zoom and a dissolve: no text at all."""
    spec = VideoSpec(
        shots=[
            ShotSpec("coffee", 2.0),
            ShotSpec("moon", 2.0, motion="zoom"),
            ShotSpec("grass", 2.0, transition="dissolve", transition_seconds=0.8),
            ShotSpec("chelsea", 2.0, motion="static"),
        ],
        width=960,
        height=540,
        audio=False,
    )
    path, truth = media.build("text-free.mp4", spec)
    return str(path), truth


# --- end of on-screen text fixtures -------------------------------------------------------------
