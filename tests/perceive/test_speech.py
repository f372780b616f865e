"""The speech stage on real generated videos: espeak-ng sentences among music, crowd and silence.

Truth is exact (each sentence's voiced start and end); assertions use tolerances, never snapshots
of model output. The plain Whisper run (beam 1, no VAD, on the whole audio) is measured in the
same test as the stage, on the same audio.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass

import numpy as np
import pytest

from videoscope.errors import NotAVideoError
from videoscope.evaluate.wer import word_error_rate
from videoscope.perceive.base import Stage
from videoscope.samples import Truth
from videoscope.timeline.model import Timeline, Word

pytest.importorskip("onnxruntime")
pytest.importorskip("faster_whisper")

from videoscope.perceive.pipeline import index_video
from videoscope.perceive.speech import SpeechStage, dominant_language, sentences

TIME_TOLERANCE = 0.5  # seconds: first/last word vs. the sentence's voiced start/end
MAX_WER = 0.15


# ------------------------------------------------------------------------------ helpers


def overlap(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Seconds shared by two intervals."""
    return max(0.0, min(a[1], b[1]) - max(a[0], b[0]))


@dataclass(frozen=True)
class Run:
    """The stage's timeline on a video and the plain Whisper run on the same audio."""

    truth: Truth
    timeline: Timeline
    stage: SpeechStage
    wer: float
    plain_wer: float
    speed: float  # x real time of the stage (decode included)
    plain_speed: float


def run_both(path: str, truth: Truth) -> Run:
    from videoscope.backends.whisper import WhisperRecognizer
    from videoscope.media.decode import AudioChunk, decode
    from videoscope.media.probe import probe

    reference = " ".join(s.text for s in truth.speech)
    stage = SpeechStage()
    started = time.perf_counter()
    timeline = index_video(path, [stage])
    speed = truth.duration / (time.perf_counter() - started)
    chunks = decode(probe(path), video=False, audio=True)
    audio = np.concatenate([c.samples for c in chunks if isinstance(c, AudioChunk)])
    plain = WhisperRecognizer(beam_size=1, vad=False)
    started = time.perf_counter()
    plain_words = plain.transcribe(audio).words
    plain_speed = truth.duration / (time.perf_counter() - started)
    return Run(
        truth,
        timeline,
        stage,
        word_error_rate(reference, " ".join(w.text for w in timeline.words)),
        word_error_rate(reference, " ".join(w.text for w in plain_words)),
        speed,
        plain_speed,
    )


def assert_words_match_sentences(timeline: Timeline, truth: Truth) -> None:
    """Each sentence's first word starts, and its last word ends, within the tolerance."""
    words = timeline.words
    assert all(a.start <= b.start for a, b in itertools.pairwise(words))
    assert all(0.0 <= w.start <= w.end <= truth.duration for w in words)
    for sentence in truth.speech:
        inside = [
            w
            for w in words
            if sentence.start - TIME_TOLERANCE <= w.start <= sentence.end + TIME_TOLERANCE
        ]
        assert inside, sentence
        assert abs(inside[0].start - sentence.start) <= TIME_TOLERANCE, (sentence, inside[0])
        assert abs(inside[-1].end - sentence.end) <= TIME_TOLERANCE, (sentence, inside[-1])
    # every word belongs to some sentence
    for w in words:
        assert any(
            s.start - TIME_TOLERANCE <= w.start and w.end <= s.end + TIME_TOLERANCE
            for s in truth.speech
        ), w


def assert_no_words_in_sounds(timeline: Timeline, truth: Truth) -> None:
    """Nothing is heard in the music-only and crowd-only stretches."""
    assert truth.sounds
    for sound in truth.sounds:
        for w in timeline.words:
            assert overlap((w.start, w.end), (sound.start, sound.end)) == 0.0, (sound, w)


# ------------------------------------------------------------------------------ default video


@pytest.fixture(scope="module")
def speech_run(speech_video: tuple[str, Truth]) -> Run:
    return run_both(*speech_video)


def test_word_times_match_the_spoken_sentences(speech_run: Run) -> None:
    assert_words_match_sentences(speech_run.timeline, speech_run.truth)


def test_word_error_rate_beats_the_plain_whisper_run(speech_run: Run) -> None:
    assert speech_run.wer <= MAX_WER, speech_run.timeline.transcript()
    assert speech_run.wer < speech_run.plain_wer, (speech_run.wer, speech_run.plain_wer)


def test_no_words_in_music_or_crowd(speech_run: Run) -> None:
    assert_no_words_in_sounds(speech_run.timeline, speech_run.truth)


def test_utterances_align_with_sentences(speech_run: Run) -> None:
    utterances, truth = speech_run.timeline.utterances, speech_run.truth
    assert len(utterances) == len(truth.speech), [u.text for u in utterances]
    for utterance, sentence in zip(utterances, truth.speech, strict=True):
        assert abs(utterance.start - sentence.start) <= TIME_TOLERANCE, (utterance, sentence)
        assert abs(utterance.end - sentence.end) <= TIME_TOLERANCE, (utterance, sentence)
        # the right sentence (a wrong one would share almost no words)
        assert word_error_rate(sentence.text, utterance.text) <= 0.75, (utterance, sentence)
    # the utterances hold exactly the words, in order
    assert " ".join(u.text for u in utterances) == " ".join(
        w.text for w in speech_run.timeline.words
    )
    assert speech_run.timeline.silences == []  # the silence stage owns that track


def test_language_is_english(speech_run: Run) -> None:
    assert {u.language for u in speech_run.timeline.utterances} == {"en"}
    assert dominant_language(speech_run.timeline) == "en"
    assert speech_run.stage.language == "en"
    assert speech_run.timeline.stages["speech"]["asr"] == "whisper"


def test_words_carry_confidences(speech_run: Run) -> None:
    confidences = [w.confidence for w in speech_run.timeline.words]
    assert all(0.0 <= c <= 1.0 for c in confidences)
    assert np.median(confidences) > 0.5


# ------------------------------------------------------------------------------ other inputs


def test_silent_audio_gives_empty_tracks(silent_video: tuple[str, Truth]) -> None:
    timeline = index_video(silent_video[0], [SpeechStage()])
    assert timeline.words == [] and timeline.utterances == []
    assert dominant_language(timeline) is None


class _FrameCounter(Stage):
    """A trivial visual stage, so that a file without audio still has something to run."""

    name = "frame-counter"
    frame_rate = 1.0
    frame_size = 32

    def end(self, timeline: Timeline) -> None:
        pass


def test_video_without_audio_is_skipped(one_shot_video: tuple[str, Truth]) -> None:
    timeline = index_video(one_shot_video[0], [_FrameCounter(), SpeechStage()])
    assert timeline.words == [] and timeline.utterances == []
    assert any("speech" in warning for warning in timeline.warnings)
    with pytest.raises(NotAVideoError, match="no audio"):
        index_video(one_shot_video[0], [SpeechStage()])


def test_audio_only_file(speech_audio_only: tuple[str, Truth]) -> None:
    path, truth = speech_audio_only
    timeline = index_video(path, [SpeechStage()])
    assert timeline.video.width is None
    assert_words_match_sentences(timeline, truth)
    assert len(timeline.utterances) == 2
    reference = " ".join(s.text for s in truth.speech)
    assert word_error_rate(reference, timeline.transcript()) <= 0.25


def test_buffer_stays_bounded_and_long_speech_is_split(
    speech_audio_only: tuple[str, Truth],
) -> None:
    """Continuous speech longer than ``max_region`` is split; the buffer never grows past it."""
    from scipy.signal import resample_poly

    from videoscope.media.decode import SAMPLE_RATE, AudioChunk
    from videoscope.media.probe import probe
    from videoscope.samples import speak
    from videoscope.samples.synth import AUDIO_RATE

    texts = [
        "The library will be closed on Monday for cleaning.",
        "She walked along the beach and collected small white shells.",
        "We planted tomatoes and peppers in the garden last spring.",
        "The new bridge connects the old town with the harbor.",
    ]
    speech = resample_poly(
        np.concatenate([speak(text) for text in texts]), 1, AUDIO_RATE // SAMPLE_RATE
    )
    rng = np.random.default_rng(0)
    noise = (0.2 * rng.standard_normal(10 * SAMPLE_RATE)).astype(np.float32)  # 10 s of hiss
    audio = np.concatenate([noise, speech, noise]).astype(np.float32)
    stage = SpeechStage(max_region=5.0, hop=2.0)
    stage.begin(probe(speech_audio_only[0]))  # any file: begin only loads the models
    longest = 0
    for first in range(0, len(audio), 2 * SAMPLE_RATE):
        stage.feed_audio(AudioChunk(first / SAMPLE_RATE, audio[first : first + 2 * SAMPLE_RATE]))
        longest = max(longest, len(stage._buffer))
    assert longest / SAMPLE_RATE <= 5.0 + 2.0 + 2.0
    from videoscope.timeline.model import VideoRef

    timeline = Timeline(video=VideoRef(content_hash="x", duration=len(audio) / SAMPLE_RATE))
    stage.end(timeline)
    timeline.validate_tracks()
    reference = " ".join(texts)
    assert word_error_rate(reference, " ".join(w.text for w in timeline.words)) <= 0.3
    assert all(w.start >= 10.0 - TIME_TOLERANCE for w in timeline.words)
    assert timeline.words[-1].end <= len(audio) / SAMPLE_RATE - 10.0 + TIME_TOLERANCE


def test_sentences_split_on_punctuation_and_pauses() -> None:
    def word(start: float, end: float, text: str) -> Word:
        return Word(start=start, end=end, text=text)

    words = [
        word(0.0, 0.3, "Hello"),
        word(0.35, 0.8, "there."),
        word(0.9, 1.2, "How"),
        word(1.25, 1.5, "are"),
        word(2.5, 2.8, "you"),
        word(2.7, 3.0, "today?"),
    ]
    utterances = sentences(words, ["en"] * 6, pause=0.7)
    assert [u.text for u in utterances] == ["Hello there.", "How are", "you today?"]
    assert [(u.start, u.end) for u in utterances] == [(0.0, 0.8), (0.9, 1.5), (2.5, 3.0)]
    assert all(u.language == "en" for u in utterances)
    # a new speech region starts a new utterance; overlapping word times never overlap utterances
    by_region = sentences(words, ["en"] * 6, pause=5.0, regions=[0, 0, 0, 1, 1, 1])
    assert [u.text for u in by_region] == ["Hello there.", "How", "are you today?"]
    assert sentences([], []) == []


def test_options_are_the_cache_key() -> None:
    assert SpeechStage().cache_key() == SpeechStage().cache_key()
    assert SpeechStage(beam_size=1).cache_key() != SpeechStage().cache_key()
    assert SpeechStage(language="en").options()["language"] == "en"


# ------------------------------------------------------------------------------ slow


@pytest.mark.slow
def test_long_video_word_error_rate_and_times(speech_video_long: tuple[str, Truth]) -> None:
    """About 2.5 minutes, 24 sentences: the same guarantees as on the default video."""
    run = run_both(*speech_video_long)
    assert run.wer <= MAX_WER
    assert run.wer < run.plain_wer, (run.wer, run.plain_wer)
    assert_words_match_sentences(run.timeline, run.truth)
    assert_no_words_in_sounds(run.timeline, run.truth)
    assert len(run.timeline.utterances) == len(run.truth.speech)
