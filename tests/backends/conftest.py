"""Shared fixtures for the model backend tests: real inputs built at test time, cached per session.

Each backend family keeps its fixtures in its own marked section below; edit only your section
(imports are shared at the top).
"""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import wave
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

# No test may download weights: the default models ship inside installed packages.
os.environ["HF_HUB_OFFLINE"] = "1"

# =====================================================================================
# Speech fixtures (VAD / ASR): espeak-ng speech placed at known times among silence and
# a music-like tone mix. Owner: speech backends (tests/backends/test_speech_backends.py).
# =====================================================================================

SPEECH_RATE = 16_000


def synthesize_speech(text: str, path: Path, *, voice: str = "en-us", wpm: int = 150) -> np.ndarray:
    """Speak ``text`` with espeak-ng into ``path`` (WAV) and return it as 16 kHz mono float32."""
    from scipy.signal import resample_poly

    subprocess.run(
        ["espeak-ng", "-v", voice, "-s", str(wpm), "-w", str(path), text],
        check=True,
        capture_output=True,
    )
    with wave.open(str(path), "rb") as wav:
        rate, channels = wav.getframerate(), wav.getnchannels()
        raw = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
    samples = raw.reshape(-1, channels).mean(axis=1).astype(np.float32) / 32768.0
    if rate != SPEECH_RATE:
        common = math.gcd(rate, SPEECH_RATE)
        samples = resample_poly(samples, SPEECH_RATE // common, rate // common)
    return np.asarray(samples, dtype=np.float32)


def voiced_extent(samples: np.ndarray, level: float = 0.01) -> tuple[int, int]:
    """First and last sample index (exclusive) where ``|samples|`` exceeds ``level``."""
    loud = np.flatnonzero(np.abs(samples) > level)
    return int(loud[0]), int(loud[-1]) + 1


def tone_mix(seconds: float, *, seed: int = 0, level: float = 0.15) -> np.ndarray:
    """A music-like signal: chords of sines with harmonics, a new chord every half second."""
    rng = np.random.default_rng(seed)
    n = int(seconds * SPEECH_RATE)
    t = np.arange(n) / SPEECH_RATE
    out = np.zeros(n, dtype=np.float64)
    note = int(0.5 * SPEECH_RATE)
    for first in range(0, n, note):
        root = 110.0 * 2 ** (rng.integers(0, 12) / 12)
        segment = t[first : first + note]
        envelope = np.exp(-2.5 * (segment - segment[0]))
        for ratio in (1.0, 1.26, 1.5, 2.0):  # root, major third, fifth, octave
            for harmonic, weight in ((1, 1.0), (2, 0.4), (3, 0.2)):
                freq = root * ratio * harmonic
                out[first : first + note] += weight * envelope * np.sin(2 * np.pi * freq * segment)
    out *= level / max(np.sqrt(np.mean(out**2)), 1e-9)
    return out.astype(np.float32)


@dataclass(frozen=True)
class SpokenSentence:
    """A sentence placed in a scene: its text and its voiced interval in seconds."""

    text: str
    start: float
    end: float


@dataclass(frozen=True)
class SpeechScene:
    """16 kHz audio with sentences and tone-only stretches at known times."""

    audio: np.ndarray
    sentences: tuple[SpokenSentence, ...]
    tones: tuple[tuple[float, float], ...]

    @property
    def duration(self) -> float:
        """Length of the audio in seconds."""
        return len(self.audio) / SPEECH_RATE

    @property
    def text(self) -> str:
        """All sentences, in order."""
        return " ".join(sentence.text for sentence in self.sentences)


#: Plain English, no numbers or commas (espeak pauses at commas), 31 words in all. Picked from the
#: longer set in test_speech_backends.py among sentences that the plain decoding gets wrong.
SCENE_SENTENCES = (
    "The children laughed when the puppy chased its own tail.",
    "My brother likes to cook spicy food for his friends.",
    "I would like a cup of tea with milk and honey.",
)

#: The scene, as (kind, seconds or sentence index): silence, tone mix, or a sentence.
SCENE_LAYOUT: tuple[tuple[str, float], ...] = (
    ("silence", 1.0),
    ("speech", 0),
    ("silence", 1.5),
    ("tone", 3.0),
    ("silence", 1.0),
    ("speech", 1),
    ("silence", 1.2),
    ("speech", 2),
    ("silence", 0.8),
    ("tone", 2.5),
    ("silence", 1.0),
)


def build_scene(
    speak: Callable[[str], np.ndarray],
    sentences: tuple[str, ...] = SCENE_SENTENCES,
    layout: tuple[tuple[str, float], ...] = SCENE_LAYOUT,
    *,
    seed: int = 0,
) -> SpeechScene:
    """Assemble a scene from ``layout``; speech is trimmed to its voiced extent (peak 0.5)."""
    rng = np.random.default_rng(seed)
    parts: list[np.ndarray] = []
    placed: list[SpokenSentence] = []
    tones: list[tuple[float, float]] = []
    cursor = 0
    for kind, value in layout:
        if kind == "speech":
            samples = speak(sentences[int(value)])
            first, last = voiced_extent(samples)
            samples = samples[first:last] * (0.5 / np.max(np.abs(samples)))
            placed.append(
                SpokenSentence(
                    sentences[int(value)],
                    cursor / SPEECH_RATE,
                    (cursor + len(samples)) / SPEECH_RATE,
                )
            )
        elif kind == "tone":
            samples = tone_mix(value, seed=len(tones) + seed)
            tones.append((cursor / SPEECH_RATE, (cursor + len(samples)) / SPEECH_RATE))
        else:
            samples = np.zeros(int(value * SPEECH_RATE), dtype=np.float32)
        parts.append(samples.astype(np.float32))
        cursor += len(samples)
    audio = np.concatenate(parts)
    audio += rng.normal(0.0, 1e-3, len(audio)).astype(np.float32)  # a faint noise floor
    return SpeechScene(np.clip(audio, -1.0, 1.0), tuple(placed), tuple(tones))


@pytest.fixture(scope="session")
def speak(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], np.ndarray]:
    """espeak-ng text-to-speech at 16 kHz, cached per text for the session."""
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed (apt-get install espeak-ng)")
    folder = tmp_path_factory.mktemp("espeak")
    cache: dict[str, np.ndarray] = {}

    def _speak(text: str) -> np.ndarray:
        if text not in cache:
            cache[text] = synthesize_speech(text, folder / f"{len(cache):03d}.wav")
        return cache[text]

    return _speak


@pytest.fixture(scope="session")
def speech_scene(speak: Callable[[str], np.ndarray]) -> SpeechScene:
    """About 30 s: three spoken sentences among silence and two tone-mix stretches."""
    return build_scene(speak)


# ============================ end of speech fixtures =================================


# =====================================================================================
# Vision/text fixtures (OCR, text embedder): scikit-image photos at 1280x720 with
# lower-third style overlay text drawn by PIL at known boxes.
# Owner: vision/text backends (tests/backends/test_vision_text_backends.py).
# =====================================================================================

OVERLAY_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
FRAME_SIZE = (1280, 720)

#: (scikit-image photo, overlay text, font size in px, top-left of the text) per test frame.
OVERLAY_SPECS: tuple[tuple[str, str, int, tuple[int, int]], ...] = (
    ("astronaut", "BREAKING NEWS", 52, (80, 560)),
    ("coffee", "Final Score 60-58", 40, (420, 600)),
    ("chelsea", "Chapter 2: The Launch", 34, (60, 80)),
    ("rocket", "Live from Cape Canaveral", 28, (700, 640)),
)


@dataclass(frozen=True)
class OverlayFrame:
    """A 1280x720 RGB frame with one line of overlay text; ``box`` is its (x0, y0, x1, y1)."""

    photo: str
    text: str
    image: np.ndarray
    box: tuple[int, int, int, int]


def photo_frame(name: str, size: tuple[int, int] = FRAME_SIZE) -> np.ndarray:
    """A scikit-image sample photo (e.g. ``"coffee"``) as uint8 RGB resized to ``size`` (w, h)."""
    data = pytest.importorskip("skimage.data")
    from PIL import Image

    photo = Image.fromarray(getattr(data, name)()).convert("RGB")
    return np.asarray(photo.resize(size, Image.Resampling.BILINEAR))


def draw_lower_third(
    image: np.ndarray, text: str, size: int, origin: tuple[int, int]
) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """Draw white outlined ``text`` on a translucent dark box; return the frame and text box."""
    from PIL import Image, ImageDraw, ImageFont

    if not OVERLAY_FONT.is_file():
        pytest.skip(f"{OVERLAY_FONT} is missing (apt-get install fonts-dejavu-core)")
    frame = Image.fromarray(image)
    draw = ImageDraw.Draw(frame, "RGBA")
    font = ImageFont.truetype(str(OVERLAY_FONT), size)
    x0, y0, x1, y1 = draw.textbbox(origin, text, font=font, stroke_width=2)
    pad = size // 3
    draw.rectangle((x0 - pad, y0 - pad, x1 + pad, y1 + pad), fill=(10, 10, 30, 190))
    draw.text(origin, text, font=font, fill=(255, 255, 255), stroke_width=2, stroke_fill=(0, 0, 0))
    return np.asarray(frame), (int(x0), int(y0), int(x1), int(y1))


@pytest.fixture(scope="session")
def overlay_frames() -> list[OverlayFrame]:
    """One frame per :data:`OVERLAY_SPECS` entry: photo + lower-third text at a known box."""
    frames = []
    for photo, text, size, origin in OVERLAY_SPECS:
        image, box = draw_lower_third(photo_frame(photo), text, size, origin)
        frames.append(OverlayFrame(photo, text, image, box))
    return frames


@pytest.fixture(scope="session")
def text_free_frame() -> np.ndarray:
    """A 1280x720 photo with no text in it (scikit-image ``coffee``)."""
    return photo_frame("coffee")


# ========================== end of vision/text fixtures ==============================
