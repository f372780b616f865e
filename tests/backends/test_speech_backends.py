"""Silero VAD and Whisper ASR backends on real espeak-ng speech placed at known times.

The scene (``speech_scene`` in conftest.py) holds three sentences among silence and two stretches
of a music-like tone mix. Assertions use tolerances, never snapshots of model output.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from videoscope.backends.base import (
    SAMPLE_RATE,
    SpeechRecognizer,
    SpeechSpan,
    Transcription,
    VoiceActivityDetector,
)
from videoscope.errors import BackendUnavailableError, ConfigError
from videoscope.evaluate.wer import normalize_words, word_error_rate

pytest.importorskip("onnxruntime")

from tests.perceive.conftest import SPEECH_SENTENCES
from videoscope.backends.silero_vad import (
    FRAME_MODEL,
    SileroVAD,
    packaged_model_path,
)

from .conftest import SpeechScene, tone_mix

VAD_TOLERANCE = 0.3  # seconds, span edges vs. the voiced extent of each sentence
WORD_TOLERANCE = 0.5  # seconds, word times vs. the sentence they belong to
MAX_WER = 0.15


# ------------------------------------------------------------------------------ helpers


def overlap(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Seconds shared by two intervals."""
    return max(0.0, min(a[1], b[1]) - max(a[0], b[0]))


# ------------------------------------------------------------------------------ VAD


@pytest.fixture(scope="module")
def vad() -> SileroVAD:
    return SileroVAD()


def test_vad_spans_match_spoken_intervals(vad: SileroVAD, speech_scene: SpeechScene) -> None:
    spans = vad.detect(speech_scene.audio)
    assert len(spans) == len(speech_scene.sentences), spans
    for span, sentence in zip(spans, speech_scene.sentences, strict=True):
        assert abs(span.start - sentence.start) <= VAD_TOLERANCE, (span, sentence)
        assert abs(span.end - sentence.end) <= VAD_TOLERANCE, (span, sentence)
    assert all(isinstance(s, SpeechSpan) and 0 <= s.start < s.end for s in spans)
    assert all(a.end <= b.start for a, b in itertools.pairwise(spans))
    assert spans[-1].end <= speech_scene.duration


def test_vad_finds_no_speech_in_tones(vad: SileroVAD, speech_scene: SpeechScene) -> None:
    spans = vad.detect(speech_scene.audio)
    for tone in speech_scene.tones:
        assert all(overlap((s.start, s.end), tone) == 0.0 for s in spans), (tone, spans)
    # Tone mixes alone, at several levels, and silence: nothing.
    for seed, level in [(1, 0.05), (2, 0.15), (3, 0.4)]:
        assert vad.detect(tone_mix(8.0, seed=seed, level=level)) == []
    assert vad.detect(np.zeros(5 * SAMPLE_RATE, dtype=np.float32)) == []


def test_vad_streaming_equals_batch(vad: SileroVAD, speech_scene: SpeechScene) -> None:
    rng = np.random.default_rng(7)
    stream, spans, position = vad.stream(), [], 0
    while position < len(speech_scene.audio):
        size = int(rng.integers(1, 8000))
        spans += stream.feed(speech_scene.audio[position : position + size])
        position += size
    spans += stream.flush()
    assert spans == vad.detect(speech_scene.audio)


def test_vad_frame_model_agrees_with_sequence_model(
    vad: SileroVAD, speech_scene: SpeechScene
) -> None:
    audio = speech_scene.audio[: 8 * SAMPLE_RATE]
    frame_vad = SileroVAD(model_path=packaged_model_path(FRAME_MODEL))
    np.testing.assert_allclose(
        frame_vad.speech_probabilities(audio), vad.speech_probabilities(audio), atol=1e-4
    )
    assert frame_vad.detect(audio) == vad.detect(audio)


def test_vad_options_shape_the_spans(speak: Callable[[str], np.ndarray]) -> None:
    word = speak("Hello there.")
    gap = np.zeros(int(0.4 * SAMPLE_RATE), dtype=np.float32)
    audio = np.concatenate([gap, word, gap, word, gap])
    assert len(SileroVAD(min_silence_duration=0.1).detect(audio)) == 2
    assert len(SileroVAD(min_silence_duration=1.0).detect(audio)) == 1  # the pause is bridged
    tight, padded = SileroVAD(speech_pad=0.0).detect(audio), SileroVAD(speech_pad=0.1).detect(audio)
    assert padded[0].start == pytest.approx(tight[0].start - 0.1, abs=1e-3)
    assert SileroVAD(min_speech_duration=5.0).detect(audio) == []


def test_vad_edge_inputs(vad: SileroVAD) -> None:
    assert vad.detect(np.zeros(0, dtype=np.float32)) == []
    assert vad.detect(np.zeros(100, dtype=np.float32)) == []
    assert len(vad.speech_probabilities(np.zeros(1025, dtype=np.float32))) == 3


def test_vad_errors_are_clear() -> None:
    with pytest.raises(BackendUnavailableError, match="does not exist"):
        SileroVAD(model_path="/nonexistent/silero.onnx")
    with pytest.raises(ConfigError):
        SileroVAD(threshold=0.3, neg_threshold=0.6)


def test_vad_through_registry_and_throughput(speech_scene: SpeechScene) -> None:
    from videoscope.backends.registry import load_backend

    backend = load_backend("vad", "silero")
    assert isinstance(backend, VoiceActivityDetector) and backend.name == "silero"
    audio = np.tile(speech_scene.audio, 4)
    started = time.perf_counter()
    backend.detect(audio)
    speed = len(audio) / SAMPLE_RATE / (time.perf_counter() - started)
    assert speed > 20, f"VAD ran at {speed:.0f}x real time"


# ------------------------------------------------------------------------------ ASR


@dataclass(frozen=True)
class AsrRun:
    result: Transcription
    wer: float
    speed: float  # x real time


def _run(asr: SpeechRecognizer, scene: SpeechScene) -> AsrRun:
    started = time.perf_counter()
    result = asr.transcribe(scene.audio)
    elapsed = time.perf_counter() - started
    hypothesis = " ".join(word.text for word in result.words)
    return AsrRun(result, word_error_rate(scene.text, hypothesis), scene.duration / elapsed)


@pytest.fixture(scope="module")
def asr_runs(speech_scene: SpeechScene) -> dict[str, AsrRun]:
    """The default (chosen) options and the plain ones, on the same scene."""
    pytest.importorskip("faster_whisper")
    from videoscope.backends.registry import load_backend
    from videoscope.backends.whisper import WhisperRecognizer

    chosen = load_backend("asr", "whisper")
    plain = WhisperRecognizer(
        beam_size=1, vad=False, condition_on_previous_text=True, without_timestamps=False
    )
    return {"chosen": _run(chosen, speech_scene), "plain": _run(plain, speech_scene)}


def test_asr_word_error_rate(asr_runs: dict[str, AsrRun]) -> None:
    chosen, plain = asr_runs["chosen"], asr_runs["plain"]
    assert chosen.wer <= MAX_WER, chosen.result.words
    assert chosen.wer <= plain.wer, (chosen.wer, plain.wer)


def test_asr_language(asr_runs: dict[str, AsrRun]) -> None:
    result = asr_runs["chosen"].result
    assert result.language == "en"
    assert result.language_probability is not None and result.language_probability > 0.5


def test_asr_word_times(asr_runs: dict[str, AsrRun], speech_scene: SpeechScene) -> None:
    words = asr_runs["chosen"].result.words
    assert words
    assert all(0 <= w.start <= w.end <= speech_scene.duration for w in words)
    assert all(a.start <= b.start for a, b in itertools.pairwise(words))
    assert all(0.0 <= w.confidence <= 1.0 for w in words)
    # Every word lies in the sentence it belongs to, and each sentence's first recognised
    # word starts at the sentence onset.
    sentences = speech_scene.sentences
    for sentence in sentences:
        inside = [
            w
            for w in words
            if sentence.start - WORD_TOLERANCE <= w.start <= sentence.end + WORD_TOLERANCE
        ]
        assert inside, sentence
        assert abs(inside[0].start - sentence.start) <= WORD_TOLERANCE, (sentence, inside[0])
        assert inside[-1].end <= sentence.end + WORD_TOLERANCE, (sentence, inside[-1])
    assert sum(len(normalize_words(w.text)) for w in words) >= 0.85 * len(
        normalize_words(speech_scene.text)
    )
    for w in words:  # nothing heard in the tone-only stretches
        assert all(overlap((w.start, w.end), tone) < 0.1 for tone in speech_scene.tones), w


def test_asr_silence_gives_no_words(asr_runs: dict[str, AsrRun]) -> None:
    from videoscope.backends.registry import load_backend

    asr = load_backend("asr", "whisper")
    result = asr.transcribe(np.zeros(3 * SAMPLE_RATE, dtype=np.float32))
    assert result.words == []
    assert asr.transcribe(tone_mix(4.0, seed=4)).words == []


def test_asr_errors_are_clear(tmp_path: Path, asr_runs: dict[str, AsrRun]) -> None:
    from videoscope.backends.registry import load_backend
    from videoscope.backends.whisper import WhisperRecognizer

    with pytest.raises(BackendUnavailableError, match=r"model\.bin"):
        WhisperRecognizer(model_path=str(tmp_path))
    with pytest.raises(ConfigError, match="English-only"):
        load_backend("asr", "whisper").transcribe(np.zeros(SAMPLE_RATE, np.float32), "de")


@pytest.mark.slow
def test_asr_word_error_rate_long(speak: Callable[[str], np.ndarray]) -> None:
    """About two minutes of speech: the chosen defaults beat the plain decoding."""
    pytest.importorskip("faster_whisper")
    from videoscope.backends.whisper import WhisperRecognizer

    from .conftest import build_scene

    layout: list[tuple[str, float]] = [("silence", 1.0)]
    for index in range(len(SPEECH_SENTENCES)):
        layout += [("speech", index), ("silence", (0.8, 1.5, 1.0, 0.6)[index % 4])]
        if index % 5 == 2:
            layout += [("tone", 2.0), ("silence", 0.7)]
    scene = build_scene(speak, SPEECH_SENTENCES, tuple(layout), seed=5)
    chosen = _run(WhisperRecognizer(), scene)
    plain = _run(
        WhisperRecognizer(
            beam_size=1, vad=False, condition_on_previous_text=True, without_timestamps=False
        ),
        scene,
    )
    assert chosen.wer <= MAX_WER
    assert chosen.wer < plain.wer, (chosen.wer, plain.wer)
