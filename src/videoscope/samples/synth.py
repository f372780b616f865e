"""Build real test videos with exact ground truth from packaged real media.

Pictures are scikit-image's bundled photographs, speech is espeak-ng, overlays are drawn with
Pillow in DejaVu fonts, music is a chord progression of harmonics, crowd noise is shaped noise.
Every event is placed at a known time, so the returned :class:`Truth` is exact: shot bounds and
how each began (cut, dissolve, fade), speech spans and their text, overlay spans, text and boxes,
and sound spans. Nothing is downloaded.

Example:
    >>> spec = VideoSpec(shots=[ShotSpec("astronaut", 3.0), ShotSpec("coffee", 3.0)],
    ...                  speech=[SpeechSpec("Hello there.", 0.5)])
    >>> truth = render(spec, "demo.mp4")  # doctest: +SKIP
    >>> truth.shots[1].start  # doctest: +SKIP
    3.0
"""

from __future__ import annotations

import io
import shutil
import subprocess
import wave
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import Literal

import av
import numpy as np
from PIL import Image, ImageDraw, ImageFont
from pydantic import BaseModel

from videoscope.errors import BackendUnavailableError

#: scikit-image photographs that ship inside its wheel (colour first, then greyscale).
PHOTOS = (
    "astronaut",
    "coffee",
    "chelsea",
    "rocket",
    "hubble_deep_field",
    "immunohistochemistry",
    "camera",
    "coins",
    "moon",
    "grass",
    "brick",
    "clock",
)
#: Plain descriptions of the photographs, for retrieval tests.
PHOTO_CAPTIONS = {
    "astronaut": "an astronaut in a spacesuit with the American flag",
    "coffee": "a cup of coffee on a saucer",
    "chelsea": "a cat",
    "rocket": "a rocket on the launch pad",
    "hubble_deep_field": "galaxies in deep space",
    "immunohistochemistry": "a microscope image of stained tissue",
    "camera": "a black and white photo of a man with a camera on a tripod",
    "coins": "old coins on a table",
    "moon": "the surface of the moon",
    "grass": "grass",
    "brick": "a brick wall",
    "clock": "a clock",
}
AUDIO_RATE = 48_000
_FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
)


@dataclass(frozen=True)
class ShotSpec:
    """A shot showing ``photo`` for ``duration`` s, entered by ``transition``.

    A dissolve or fade of ``transition_seconds`` ends at the shot's nominal start; the camera
    slowly pans (``motion``) so consecutive frames differ as in real footage.
    """

    photo: str
    duration: float
    transition: Literal["cut", "dissolve", "fade"] = "cut"
    transition_seconds: float = 1.0
    motion: Literal["pan", "zoom", "static"] = "pan"


@dataclass(frozen=True)
class OverlaySpec:
    """Text drawn on screen from ``start`` to ``end`` s."""

    text: str
    start: float
    end: float
    position: Literal["lower_third", "top", "center"] = "lower_third"


@dataclass(frozen=True)
class SpeechSpec:
    """A sentence spoken by espeak-ng starting at ``start`` s."""

    text: str
    start: float
    voice: str = "en-us"
    words_per_minute: int = 150


@dataclass(frozen=True)
class SoundSpec:
    """A non-speech sound: ``music`` (chords) or ``crowd`` (cheering-like noise)."""

    kind: Literal["music", "crowd"]
    start: float
    end: float
    level: float = 0.25


@dataclass(frozen=True)
class VideoSpec:
    """Everything in a generated video; times in seconds."""

    shots: list[ShotSpec]
    overlays: list[OverlaySpec] = field(default_factory=list)
    speech: list[SpeechSpec] = field(default_factory=list)
    sounds: list[SoundSpec] = field(default_factory=list)
    flashes: list[float] = field(default_factory=list)
    width: int = 1280
    height: int = 720
    fps: float = 25.0
    audio: bool = True
    rotation: int = 0
    crf: int = 23
    #: Frame spacing alternates between 0.5 and 1.5 frame periods (variable frame rate).
    variable_frame_rate: bool = False

    @property
    def duration(self) -> float:
        """Total length: the sum of shot durations."""
        return float(sum(shot.duration for shot in self.shots))


class TruthShot(BaseModel):
    """A shot as rendered: [start, end] and how it began."""

    start: float
    end: float
    photo: str
    transition: str
    transition_start: float


class TruthSpan(BaseModel):
    """A timed piece of truth with its label or text."""

    start: float
    end: float
    text: str
    box: tuple[float, float, float, float] | None = None


class Truth(BaseModel):
    """The exact ground truth of a rendered video."""

    duration: float
    width: int
    height: int
    fps: float
    shots: list[TruthShot]
    speech: list[TruthSpan]
    overlays: list[TruthSpan]
    sounds: list[TruthSpan]
    flashes: list[float]

    @property
    def boundaries(self) -> list[float]:
        """Times where a new shot begins (cuts at their instant, gradual ones at their middle)."""
        return [
            (shot.transition_start + shot.start) / 2 if shot.transition != "cut" else shot.start
            for shot in self.shots[1:]
        ]


def render(spec: VideoSpec, path: str | Path) -> Truth:
    """Encode ``spec`` as H.264/AAC MP4 at ``path`` and return its exact truth."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(target.name + ".part" + target.suffix)
    truth = _truth(spec)
    speech_audio = [(s, speak(s.text, s.voice, s.words_per_minute)) for s in spec.speech]
    for item, samples in speech_audio:
        truth.speech.append(
            TruthSpan(start=item.start, end=item.start + len(samples) / AUDIO_RATE, text=item.text)
        )
    options = {"movflags": "+faststart"} if target.suffix.lower() in (".mp4", ".mov") else {}
    with av.open(str(temporary), "w", options=options) as container:
        video = container.add_stream("libx264", rate=_fps_fraction(spec.fps))
        video.width, video.height, video.pix_fmt = spec.width, spec.height, "yuv420p"
        if spec.variable_frame_rate:
            video.codec_context.time_base = Fraction(1, 1000)
        video.options = {"preset": "ultrafast", "crf": str(spec.crf)}
        if spec.rotation:
            video.set_display_rotation(spec.rotation)
        audio = container.add_stream("aac", rate=AUDIO_RATE) if spec.audio else None
        if audio is not None:
            audio.layout = "mono"
        frames = _FrameMaker(spec)
        time_base = video.codec_context.time_base or Fraction(1, 1) / _fps_fraction(spec.fps)
        for time in _frame_times(spec):
            frame = av.VideoFrame.from_ndarray(frames.at(time), format="rgb24")
            frame.pts = round(time / time_base)
            frame.time_base = time_base
            container.mux(video.encode(frame))
        container.mux(video.encode(None))
        if audio is not None:
            track = _mix_audio(spec, speech_audio)
            _encode_audio(container, audio, track)
    temporary.replace(target)
    return truth


def speak(text: str, voice: str = "en-us", words_per_minute: int = 150) -> np.ndarray:
    """Speech for ``text`` from espeak-ng, as float32 mono at 48 kHz."""
    binary = shutil.which("espeak-ng")
    if binary is None:
        raise BackendUnavailableError(
            "espeak-ng", "the program is not installed", "apt-get install espeak-ng"
        )
    return _speak_cached(binary, text, voice, words_per_minute).copy()


@cache
def _speak_cached(binary: str, text: str, voice: str, words_per_minute: int) -> np.ndarray:
    wav = subprocess.run(
        [binary, "-v", voice, "-s", str(words_per_minute), "--stdout", text],
        check=True,
        capture_output=True,
    ).stdout
    with wave.open(io.BytesIO(wav)) as reader:
        rate = reader.getframerate()
        samples = np.frombuffer(reader.readframes(reader.getnframes()), dtype=np.int16)
    from scipy.signal import resample_poly

    audio = samples.astype(np.float32) / 32768.0
    gcd = np.gcd(rate, AUDIO_RATE)
    resampled = resample_poly(audio, AUDIO_RATE // gcd, rate // gcd).astype(np.float32)
    return _trim_silence(resampled)


def _trim_silence(audio: np.ndarray, threshold: float = 0.01) -> np.ndarray:
    """Cut espeak's leading and trailing silence so the truth starts at the first sound."""
    loud = np.flatnonzero(np.abs(audio) > threshold)
    return audio[loud[0] : loud[-1] + 1] if len(loud) else audio


def photo(name: str) -> np.ndarray:
    """A scikit-image bundled photograph as uint8 RGB."""
    return _photo_cached(name).copy()


@cache
def _photo_cached(name: str) -> np.ndarray:
    from skimage import data

    image = np.asarray(getattr(data, name)())
    if image.ndim == 2:
        image = np.stack([image] * 3, axis=-1)
    return np.ascontiguousarray(image[..., :3]).astype(np.uint8)


def _fps_fraction(fps: float) -> Fraction:
    return Fraction(fps).limit_denominator(1001)


def _frame_times(spec: VideoSpec) -> list[float]:
    """Presentation times of every frame; uneven when ``variable_frame_rate`` is set."""
    period = 1.0 / spec.fps
    if not spec.variable_frame_rate:
        return [i * period for i in range(round(spec.duration * spec.fps))]
    times, time, step = [], 0.0, 0
    while time < spec.duration - 1e-9:
        times.append(round(time, 3))
        time += period * (0.5 if step % 2 == 0 else 1.5)
        step += 1
    return times


def _truth(spec: VideoSpec) -> Truth:
    shots: list[TruthShot] = []
    cursor = 0.0
    for shot in spec.shots:
        gradual = shot.transition != "cut" and shots
        start = cursor
        shots.append(
            TruthShot(
                start=start,
                end=start + shot.duration,
                photo=shot.photo,
                transition=shot.transition if shots else "start",
                transition_start=start - shot.transition_seconds if gradual else start,
            )
        )
        cursor += shot.duration
    return Truth(
        duration=spec.duration,
        width=spec.width,
        height=spec.height,
        fps=spec.fps,
        shots=shots,
        speech=[],
        overlays=[
            TruthSpan(start=o.start, end=o.end, text=o.text, box=_overlay_box(spec, o)[1])
            for o in spec.overlays
        ],
        sounds=[TruthSpan(start=s.start, end=s.end, text=s.kind) for s in spec.sounds],
        flashes=list(spec.flashes),
    )


class _FrameMaker:
    """Renders the frame at any time: panning photo, transitions, overlays, flashes."""

    def __init__(self, spec: VideoSpec) -> None:
        self.spec = spec
        self.truth = _truth(spec)
        margin = 1.12
        size = (int(spec.width * margin), int(spec.height * margin))
        self.canvases = [_cover(photo(s.photo), size) for s in spec.shots]
        self.overlays = [_overlay_box(spec, o) for o in spec.overlays]

    def view(self, shot_index: int, time: float) -> np.ndarray:
        shot, canvas = self.spec.shots[shot_index], self.canvases[shot_index]
        truth = self.truth.shots[shot_index]
        progress = (time - truth.transition_start) / max(1e-6, truth.end - truth.transition_start)
        progress = float(np.clip(progress, 0.0, 1.0))
        free_x, free_y = canvas.shape[1] - self.spec.width, canvas.shape[0] - self.spec.height
        if shot.motion == "static":
            x, y = free_x // 2, free_y // 2
        elif shot.motion == "pan":
            x, y = int(free_x * progress), free_y // 2
        else:
            x, y = int(free_x * progress / 2), int(free_y * progress / 2)
        return canvas[y : y + self.spec.height, x : x + self.spec.width]

    def at(self, time: float) -> np.ndarray:
        shots = self.truth.shots
        index = max(i for i, s in enumerate(shots) if s.start <= time + 1e-9) if time > 0 else 0
        view = self.view(index, time)
        gain, blend, blend_alpha = 1.0, None, 0.0
        nxt = index + 1
        if nxt < len(shots) and shots[nxt].transition != "cut":
            entering = shots[nxt]
            if time >= entering.transition_start:
                alpha = (time - entering.transition_start) / (
                    entering.start - entering.transition_start
                )
                if entering.transition == "dissolve":
                    blend, blend_alpha = self.view(nxt, time), alpha
                else:  # fade: out to black over the first half, black until the cut
                    gain = max(0.0, 1 - 2 * alpha)
        if shots[index].transition == "fade" and index > 0:
            current = shots[index]
            fade_in = (time - current.start) / max(1e-6, current.start - current.transition_start)
            gain = min(gain, 2 * fade_in) if fade_in < 0.5 else gain
        flash = any(abs(time - t) < 0.5 / self.spec.fps + 0.04 for t in self.spec.flashes)
        if blend is None and gain == 1.0 and not flash:
            result = view.copy()
        else:
            image = view.astype(np.float32) * gain
            if blend is not None:
                image = (1 - blend_alpha) * image + blend_alpha * blend.astype(np.float32)
            if flash:
                image = 0.25 * image + 0.75 * 255.0
            result = np.clip(image, 0, 255).astype(np.uint8)
        for overlay, (pixels, _box) in zip(self.spec.overlays, self.overlays, strict=True):
            if overlay.start <= time < overlay.end:
                _paste(result, pixels)
        return result


def _cover(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Resize ``image`` to cover ``size`` (width, height) and crop the centre."""
    width, height = size
    scale = max(width / image.shape[1], height / image.shape[0])
    resized = Image.fromarray(image).resize(
        (int(np.ceil(image.shape[1] * scale)), int(np.ceil(image.shape[0] * scale))),
        Image.Resampling.LANCZOS,
    )
    left, top = (resized.width - width) // 2, (resized.height - height) // 2
    return np.asarray(resized.crop((left, top, left + width, top + height)))


@dataclass(frozen=True)
class _Pixels:
    x: int
    y: int
    rgba: np.ndarray


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for candidate in _FONT_CANDIDATES:
        if Path(candidate).exists():
            return ImageFont.truetype(candidate, size)
    return ImageFont.load_default(size=size)


def _overlay_box(
    spec: VideoSpec, overlay: OverlaySpec
) -> tuple[_Pixels, tuple[float, float, float, float]]:
    """The overlay's RGBA pixels and its box as fractions of the frame."""
    font = _font(max(12, spec.height // 16))
    probe_draw = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    left, top, right, bottom = (
        int(v) for v in probe_draw.textbbox((0, 0), overlay.text, font=font)
    )
    pad = max(6, spec.height // 60)
    width, height = right - left + 2 * pad, bottom - top + 2 * pad
    plate = Image.new("RGBA", (width, height), (10, 10, 30, 215))
    ImageDraw.Draw(plate).text((pad - left, pad - top), overlay.text, font=font, fill="white")
    x = max(0, (spec.width - width) // 2)
    y = {
        "lower_third": int(spec.height * 0.78),
        "top": int(spec.height * 0.06),
        "center": (spec.height - height) // 2,
    }[overlay.position]
    box = (x / spec.width, y / spec.height, (x + width) / spec.width, (y + height) / spec.height)
    return _Pixels(x, y, np.asarray(plate)), box


def _paste(frame: np.ndarray, pixels: _Pixels) -> None:
    h, w = pixels.rgba.shape[:2]
    h, w = min(h, frame.shape[0] - pixels.y), min(w, frame.shape[1] - pixels.x)
    region = frame[pixels.y : pixels.y + h, pixels.x : pixels.x + w].astype(np.float32)
    alpha = pixels.rgba[:h, :w, 3:4].astype(np.float32) / 255.0
    blended = region * (1 - alpha) + pixels.rgba[:h, :w, :3].astype(np.float32) * alpha
    frame[pixels.y : pixels.y + h, pixels.x : pixels.x + w] = blended.astype(np.uint8)


def _mix_audio(spec: VideoSpec, speech: list[tuple[SpeechSpec, np.ndarray]]) -> np.ndarray:
    track = np.zeros(round(spec.duration * AUDIO_RATE), dtype=np.float32)
    rng = np.random.default_rng(7)
    for sound in spec.sounds:
        begin, end = int(sound.start * AUDIO_RATE), int(sound.end * AUDIO_RATE)
        length = max(0, min(end, len(track)) - begin)
        t = np.arange(length) / AUDIO_RATE
        piece = _chords(t) if sound.kind == "music" else _crowd(t, rng)
        envelope = np.minimum(1.0, np.minimum(t, t[-1] - t if length else t) / 0.05)
        track[begin : begin + length] += sound.level * piece * envelope
    for item, samples in speech:
        begin = int(item.start * AUDIO_RATE)
        length = max(0, min(len(samples), len(track) - begin))
        track[begin : begin + length] += 0.8 * samples[:length]
    return np.clip(track, -1.0, 1.0)


def _chords(t: np.ndarray) -> np.ndarray:
    """A I-V-vi-IV progression of harmonic-rich notes, one chord per second."""
    roots = np.array([261.63, 392.0, 440.0, 349.23])
    root = roots[(t.astype(int)) % len(roots)]
    wave_sum = np.zeros_like(t)
    for ratio in (1.0, 1.25, 1.5):
        for harmonic, weight in ((1, 1.0), (2, 0.5), (3, 0.25)):
            wave_sum += weight * np.sin(2 * np.pi * root * ratio * harmonic * t)
    beat = 0.6 + 0.4 * np.exp(-6 * (t % 0.5))
    return (wave_sum * beat / 5.0).astype(np.float32)


def _crowd(t: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Broadband noise with slow swells and clap-like bursts, like a cheering crowd."""
    from scipy.signal import lfilter

    noise = rng.standard_normal(len(t)).astype(np.float32)
    coloured = lfilter([1.0], [1.0, -0.6], noise)
    swell = 0.6 + 0.4 * np.sin(2 * np.pi * 0.4 * t) ** 2
    claps = (rng.random(len(t)) < 8 / AUDIO_RATE).astype(np.float32)
    bursts = lfilter([1.0], [1.0, -0.995], claps) * 2.0
    return ((coloured * swell + bursts * noise) / 3.0).astype(np.float32)


def _encode_audio(
    container: av.container.OutputContainer, stream: av.audio.stream.AudioStream, track: np.ndarray
) -> None:
    frame_size = 1024
    for offset in range(0, len(track), frame_size):
        piece = track[offset : offset + frame_size]
        frame = av.AudioFrame.from_ndarray(piece.reshape(1, -1), format="flt", layout="mono")
        frame.sample_rate = AUDIO_RATE
        frame.pts = offset
        container.mux(stream.encode(frame))
    container.mux(stream.encode(None))
