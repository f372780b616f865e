"""On-screen text: each overlay found once, exactly, with its box and time span, reading few frames.

Timing tolerance: the stage samples 4 frames per second and places each edge at the midpoint of
the interval it is known to lie in, so its error is at most half a sampling step (0.125 s) plus a
frame; the tests allow :data:`TOLERANCE` = 0.3 s.
"""

from __future__ import annotations

import numpy as np
import pytest

from videoscope.errors import BackendUnavailableError
from videoscope.perceive.pipeline import index_video
from videoscope.perceive.text import (
    OnScreenTextStage,
    TextOptions,
    cell_change,
    iou,
    normalize,
    signature,
    similar,
)
from videoscope.samples import Truth
from videoscope.samples.synth import TruthSpan
from videoscope.timeline.model import OnScreenText, Timeline

#: Seconds an item's start or end may differ from the truth (half a 0.25 s step plus margin).
TOLERANCE = 0.3


@pytest.fixture(scope="module")
def ocr_ready() -> None:
    """Skip when the OCR backend (rapidocr-onnxruntime) is not installed."""
    from videoscope.backends.registry import load_backend

    try:
        load_backend("ocr", TextOptions().backend)
    except BackendUnavailableError as error:
        pytest.skip(str(error))


@pytest.fixture(scope="module")
def indexed(
    ocr_ready: None, text_video: tuple[str, Truth]
) -> tuple[Timeline, Truth, OnScreenTextStage]:
    """The text test video indexed once with the default stage."""
    path, truth = text_video
    stage = OnScreenTextStage()
    return index_video(path, [stage]), truth, stage


def _found(texts: list[OnScreenText], overlay: TruthSpan) -> list[OnScreenText]:
    """Items reading exactly the overlay's text (case and whitespace normalised) during it."""
    return [
        t
        for t in texts
        if normalize(t.text) == normalize(overlay.text)
        and t.start < overlay.end
        and t.end > overlay.start
    ]


def _assert_overlays_found(texts: list[OnScreenText], truth: Truth) -> None:
    for overlay in truth.overlays:
        found = _found(texts, overlay)
        assert len(found) == 1, f"{overlay.text!r}: {found or texts}"
        item = found[0]
        assert abs(item.start - overlay.start) <= TOLERANCE, (overlay, item)
        assert abs(item.end - overlay.end) <= TOLERANCE, (overlay, item)
        assert overlay.box is not None and item.box is not None
        assert iou(item.box, overlay.box) > 0.5, (overlay, item)
        assert 0.8 <= item.confidence <= 1.0


def test_every_overlay_is_one_item_with_its_span_and_box(
    indexed: tuple[Timeline, Truth, OnScreenTextStage],
) -> None:
    timeline, truth, _ = indexed
    _assert_overlays_found(timeline.texts, truth)
    # The photos show no text: nothing else is reported (no phantoms, no split items).
    assert len(timeline.texts) == len(truth.overlays), timeline.texts


def test_caption_that_changes_on_a_still_picture_is_two_items(
    indexed: tuple[Timeline, Truth, OnScreenTextStage],
) -> None:
    timeline, _, _ = indexed
    scores = [t for t in timeline.texts if normalize(t.text).startswith("score")]
    assert [normalize(t.text) for t in scores] == ["score 1-0", "score 2-0"]
    assert scores[0].end <= scores[1].start + 1e-6


def test_ocr_reads_far_fewer_frames_than_it_samples(
    indexed: tuple[Timeline, Truth, OnScreenTextStage],
) -> None:
    timeline, truth, stage = indexed
    assert stage.frames_sampled >= 4 * truth.duration - 2
    assert stage.frames_read <= 0.4 * stage.frames_sampled, (
        stage.frames_read,
        stage.frames_sampled,
    )
    assert stage.crops_read <= stage.frames_read
    assert timeline.stages["text"]["backend"] == "rapidocr"


def test_text_free_video_gives_an_empty_track(
    ocr_ready: None, textless_video: tuple[str, Truth]
) -> None:
    path, _ = textless_video
    stage = OnScreenTextStage()
    timeline = index_video(path, [stage])
    assert timeline.texts == []
    assert stage.frames_read <= 0.4 * stage.frames_sampled


@pytest.mark.slow
def test_bisection_recovers_edges_when_only_periodic_reads_happen(
    ocr_ready: None, text_video: tuple[str, Truth]
) -> None:
    """With cut, event, new-text and line-change detection off, reads happen every 1.5 s only;
    bisecting the ring buffer (thumbnails of the lines, OCR on crops where they are unclear) must
    still place every edge within the tolerance."""
    path, truth = text_video
    stage = OnScreenTextStage(
        event_ratio=1000.0,
        drift_threshold=10.0,
        text_threshold=10.0,
        item_threshold=10.0,
        refresh_seconds=1.5,
    )
    timeline = index_video(path, [stage])
    _assert_overlays_found(timeline.texts, truth)
    assert stage.frames_read <= truth.duration / 1.5 + 4
    assert stage.crops_read > 0


def test_local_change_stands_out_from_a_pan() -> None:
    """The cheap signal: a text plate changes a few cells far more than a small pan changes any."""
    rng = np.random.default_rng(0)
    base = (rng.random((540 + 8, 960 + 8)) * 255).astype(np.uint8)
    texture = np.stack([base] * 3, axis=-1)
    frame = np.ascontiguousarray(texture[:540, :960])
    panned = np.ascontiguousarray(texture[:540, 4:964])
    plate = frame.copy()
    plate[420:470, 300:660] = 20
    plate[435:455, 320:640:12] = 255  # glyph-like strokes
    pan = cell_change(signature(frame), signature(panned))
    text = cell_change(signature(frame), signature(plate))
    options = TextOptions()
    assert pan.max() <= options.event_threshold + options.event_ratio * np.percentile(pan, 90)
    assert text.max() > options.event_threshold + options.event_ratio * np.percentile(text, 90)


def test_text_comparison_ignores_case_and_spaces() -> None:
    assert normalize("  Breaking \n NEWS ") == "breaking news"
    assert similar("BREAKINGNEWS", "Breaking News") == 1.0
    assert similar("SCORE 1-0", "SCORE 2-0") >= 0.8  # why a changed caption needs the pixels
    assert similar("Weather Update", "Morning Report") < 0.5


def test_options_are_the_cache_key() -> None:
    default, other = OnScreenTextStage(), OnScreenTextStage(min_confidence=0.9)
    assert default.cache_key() != other.cache_key()
    assert default.options()["frame_rate"] == default.frame_rate == 4.0
    assert default.frame_size == 960


@pytest.mark.slow
def test_demo_video_overlays_at_720p(
    ocr_ready: None, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The 36 s 1280x720 demo clip (speech, music, a dissolve, a fade) read at 960 px."""
    from videoscope.samples.demo import ensure_demo_video

    path, truth = ensure_demo_video(tmp_path_factory.mktemp("demo-text"))
    stage = OnScreenTextStage()
    timeline = index_video(path, [stage])
    _assert_overlays_found(timeline.texts, truth)
    assert stage.frames_read <= 0.4 * stage.frames_sampled
