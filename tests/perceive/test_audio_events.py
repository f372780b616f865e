"""Audio events on real generated audio: espeak speech, chord music, crowd noise, silence."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from videoscope.backends.base import AudioTagger
from videoscope.backends.registry import load_backend
from videoscope.backends.yamnet import COARSE_CLASSES, PATCH_SAMPLES, YamnetTagger, log_mel_patches
from videoscope.media.decode import SAMPLE_RATE, AudioChunk
from videoscope.perceive.audio_events import COARSE_LABELS, AudioEventStage
from videoscope.perceive.pipeline import index_video
from videoscope.samples import Truth, speak
from videoscope.timeline.model import AudioEvent, Timeline, VideoRef


def _covered(events: list[AudioEvent], start: float, end: float, labels: set[str]) -> float:
    """Fraction of [start, end] covered by the union of events whose label is in ``labels``."""
    spans = sorted((e.start, e.end) for e in events if e.label in labels)
    total, cursor = 0.0, start
    for s, e in spans:
        s, e = max(s, cursor), min(e, end)
        if e > s:
            total += e - s
            cursor = e
    return total / (end - start)


def _iou(events: list[AudioEvent], start: float, end: float, label: str) -> float:
    """IoU of [start, end] with the union of the ``label`` events that overlap it."""
    hits = [e for e in events if e.label == label and e.end > start and e.start < end]
    if not hits:
        return 0.0
    inter = _covered(hits, start, end, {label}) * (end - start)
    union = max(end, *(e.end for e in hits)) - min(start, *(e.start for e in hits))
    return inter / union


def _silent_gaps(truth: Truth, minimum: float = 1.9) -> list[tuple[float, float]]:
    """Stretches of the truth with no speech and no sound, at least ``minimum`` s long."""
    busy = sorted((s.start, s.end) for s in [*truth.speech, *truth.sounds])
    gaps, cursor = [], 0.0
    for s, e in [*busy, (truth.duration, truth.duration)]:
        if s - cursor >= minimum:
            gaps.append((cursor, s))
        cursor = max(cursor, e)
    return gaps


@pytest.fixture(scope="module")
def events(
    audio_events_video: tuple[str, Truth], yamnet_options: dict[str, str]
) -> list[AudioEvent]:
    """Audio events of the test video, through the real pipeline."""
    stage = AudioEventStage(tagger_options=yamnet_options)
    return index_video(audio_events_video[0], [stage]).audio_events


def test_speech_spans_found(
    events: list[AudioEvent], audio_events_video: tuple[str, Truth]
) -> None:
    for span in audio_events_video[1].speech:
        assert _iou(events, span.start, span.end, "speech") >= 0.7, (span, events)
        assert _covered(events, span.start, span.end, {"music", "silence"}) <= 0.1


def test_music_span_found_and_not_speech(
    events: list[AudioEvent], audio_events_video: tuple[str, Truth]
) -> None:
    (music,) = [s for s in audio_events_video[1].sounds if s.text == "music"]
    assert _iou(events, music.start, music.end, "music") >= 0.7, events
    assert _covered(events, music.start, music.end, {"speech", "silence"}) <= 0.1


def test_silent_gaps_are_silence(
    events: list[AudioEvent], audio_events_video: tuple[str, Truth]
) -> None:
    gaps = _silent_gaps(audio_events_video[1])
    assert len(gaps) >= 4, gaps
    for start, end in gaps:
        assert _covered(events, start, end, {"silence"}) >= 0.6, (start, end, events)
        assert _covered(events, start, end, {"speech", "music"}) <= 0.3


def test_crowd_noise_is_not_speech_music_or_silence(
    events: list[AudioEvent], audio_events_video: tuple[str, Truth]
) -> None:
    """The factory's crowd is shaped noise that YAMNet hears as rain/water/pink noise, not a
    crowd: what holds honestly is that it is labelled as a non-speech, non-music sound."""
    (crowd,) = [s for s in audio_events_video[1].sounds if s.text == "crowd"]
    assert _covered(events, crowd.start, crowd.end, {"speech", "music", "silence"}) <= 0.1
    other = {e.label for e in events} - {"speech", "music", "silence"}
    assert _covered(events, crowd.start, crowd.end, other) >= 0.6, events


def test_events_are_well_formed(
    events: list[AudioEvent], audio_events_video: tuple[str, Truth]
) -> None:
    duration = audio_events_video[1].duration
    for event in events:
        assert 0.0 <= event.start < event.end <= duration + 1e-3
        assert event.end - event.start >= 0.3  # min_duration 0.9 s, less after snapping
        assert 0.0 <= event.score <= 1.0
    for label in COARSE_LABELS:  # one label's spans never overlap each other
        spans = [(e.start, e.end) for e in events if e.label == label]
        assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans)), label


def test_silent_file_is_silence(
    silent_video: tuple[str, Truth], yamnet_options: dict[str, str]
) -> None:
    path, truth = silent_video
    found = index_video(path, [AudioEventStage(tagger_options=yamnet_options)]).audio_events
    assert _covered(found, 0.0, truth.duration, {"silence"}) >= 0.95, found
    assert not [e for e in found if e.label in {"speech", "music", "crowd"}]


def test_chunk_sizes_do_not_change_the_result(
    audio_events_video: tuple[str, Truth], yamnet_options: dict[str, str]
) -> None:
    """Streaming with a carry buffer gives exactly what one whole-file call gives."""
    from videoscope.media.decode import decode
    from videoscope.media.probe import probe

    info = probe(audio_events_video[0])
    audio = np.concatenate(
        [c.samples for c in decode(info, video=False) if isinstance(c, AudioChunk)]
    )
    ref = VideoRef(content_hash="x", duration=info.duration, has_audio=True)
    results = []
    rng = np.random.default_rng(3)
    for sizes in ([len(audio)], rng.integers(1, 12_000, size=len(audio) // 3_000)):
        stage = AudioEventStage(tagger_options=yamnet_options)
        offset = 0
        for size in [*sizes, len(audio)]:
            piece = audio[offset : offset + int(size)]
            if len(piece):
                stage.feed_audio(AudioChunk(offset / SAMPLE_RATE, piece))
            offset += len(piece)
        timeline = Timeline(video=ref)
        stage.end(timeline)
        results.append(timeline.audio_events)
    assert results[0] == results[1]


@pytest.fixture(scope="module")
def tagger(yamnet_options: dict[str, str]) -> YamnetTagger:
    """The registered YAMNet backend."""
    backend = load_backend("audio_tagger", "yamnet", **yamnet_options)
    assert isinstance(backend, YamnetTagger)
    return backend


def test_backend_tags_espeak_speech(tagger: YamnetTagger) -> None:
    assert isinstance(tagger, AudioTagger)
    from scipy.signal import resample_poly

    voice = resample_poly(speak("Good morning, this is a test of the tagger."), 1, 3)
    audio = np.concatenate([np.zeros(SAMPLE_RATE), voice, np.zeros(SAMPLE_RATE)]).astype(np.float32)
    tags = tagger.tag(audio)
    patches = len(log_mel_patches(audio))
    coarse = [t for t in tags if t.label in COARSE_CLASSES]
    assert len(coarse) == patches * len(COARSE_CLASSES)
    speech = [t for t in coarse if t.label == "speech" and 1.2 <= t.start <= len(voice) / 16e3]
    assert speech and min(t.score for t in speech) >= 0.5, speech
    assert max(t.score for t in coarse if t.label == "speech" and t.end <= 1.0) < 0.5
    assert all(0.0 <= t.score <= 1.0 and t.end - t.start == pytest.approx(0.96) for t in tags)


def test_backend_handles_short_and_empty_audio(tagger: YamnetTagger) -> None:
    assert log_mel_patches(np.zeros(PATCH_SAMPLES)).shape == (1, 96, 64)
    assert log_mel_patches(np.zeros(PATCH_SAMPLES + 7_679)).shape == (1, 96, 64)
    assert log_mel_patches(np.zeros(PATCH_SAMPLES + 7_680)).shape == (2, 96, 64)
    short = tagger.tag(np.zeros(SAMPLE_RATE // 4, dtype=np.float32))
    silence = [t for t in short if t.label == "silence"]
    assert len(silence) == 1 and silence[0].score >= 0.9
    assert tagger.tag(np.zeros(0, dtype=np.float32))  # padded to one silent patch


def test_stage_object_can_index_several_files(
    events: list[AudioEvent],
    audio_events_video: tuple[str, Truth],
    silent_video: tuple[str, Truth],
    yamnet_options: dict[str, str],
) -> None:
    stage = AudioEventStage(tagger_options=yamnet_options)
    index_video(silent_video[0], [stage])
    assert index_video(audio_events_video[0], [stage]).audio_events == events
