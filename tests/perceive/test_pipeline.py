"""The pipeline decodes once for all stages, caches each stage, and resumes after a failure."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

import videoscope.perceive.pipeline as pipeline
from tests.conftest import MediaFactory
from videoscope.perceive.base import ProgressEvent, Stage, StepTime
from videoscope.perceive.pipeline import index_video
from videoscope.perceive.silence import SilenceStage
from videoscope.samples import ShotSpec, SpeechSpec, VideoSpec
from videoscope.timeline.model import Timeline, VisualTag


class BrightnessStage(Stage):
    """Tags each second with its mean brightness: a tiny real stage for pipeline tests."""

    name = "brightness"
    frame_size = 64

    def __init__(self, frame_rate: float = 2.0, fail: bool = False) -> None:
        self.frame_rate = frame_rate
        self.fail = fail
        self.times: list[float] = []
        self.shapes: set[tuple[int, ...]] = set()

    def feed_frame(self, time: float, image: np.ndarray) -> None:
        if self.fail:
            raise RuntimeError("model crashed")
        self.times.append(time)
        self.shapes.add(image.shape)

    def end(self, timeline: Timeline) -> None:
        for time in self.times:
            end = min(time + 1 / self.frame_rate, timeline.video.duration)
            timeline.visual_tags.append(VisualTag(start=time, end=end, label="frame"))


@pytest.fixture(scope="module")
def video(media: MediaFactory) -> Path:
    spec = VideoSpec(
        shots=[ShotSpec("astronaut", 2.0), ShotSpec("coffee", 2.0)],
        speech=[SpeechSpec("Testing the pipeline.", 0.3)],
        width=320,
        height=240,
    )
    return media.build("pipeline.mp4", spec)[0]


def test_one_decode_feeds_every_stage_at_its_rate(
    video: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    real_decode = pipeline.decode

    def counting_decode(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        return real_decode(*args, **kwargs)

    monkeypatch.setattr(pipeline, "decode", counting_decode)
    slow, fast = BrightnessStage(frame_rate=1.0), BrightnessStage(frame_rate=5.0)
    slow.name = "slow"  # type: ignore[misc]
    events: list[ProgressEvent] = []
    timings: dict[str, StepTime] = {}
    timeline = index_video(
        video, [slow, fast, SilenceStage()], progress=events.append, timings=timings
    )
    assert set(timings) == {"decode", "slow", "brightness", "silence", "total"}
    assert all(t.wall >= 0 and t.cpu >= 0 for t in timings.values())
    assert timings["decode"].wall > 0 and timings["decode"].cpu > 0
    threads = sum(t.cpu for name, t in timings.items() if name != "total")
    assert timings["total"].cpu >= threads - 0.05, "the process total includes every thread"
    assert len(calls) == 1
    assert len(slow.times) == 4 and len(fast.times) == 20  # 4 s at 1 and 5 frames per second
    assert np.allclose(np.diff(fast.times), 0.2, atol=0.021)
    assert slow.shapes == {(48, 64, 3)}  # 320x240 scaled to a 64 px longest side
    assert timeline.silences, "the audio stage ran in the same pass"
    assert {e.stage for e in events} >= {"hash", "decode", "slow", "brightness", "silence"}
    assert events[-1].fraction == 1.0


class SleepyStage(BrightnessStage):
    """Takes 50 ms per frame, so its worker lags the decode and reports progress on its own."""

    name = "sleepy"

    def feed_frame(self, time: float, image: np.ndarray) -> None:
        threading.Event().wait(0.05)
        super().feed_frame(time, image)


def test_each_stage_reports_the_fraction_of_the_media_it_has_processed(video: Path) -> None:
    events: list[ProgressEvent] = []
    callers: set[str] = set()

    def record(event: ProgressEvent) -> None:
        events.append(event)
        callers.add(threading.current_thread().name)

    index_video(video, [SleepyStage(frame_rate=5.0), SilenceStage()], progress=record)
    assert callers == {threading.current_thread().name}, "reported on the caller's thread"
    for stage in ("sleepy", "silence", "decode"):
        fractions = [e.fraction for e in events if e.stage == stage]
        assert fractions == sorted(fractions) and fractions[-1] == 1.0, stage
    sleepy = [e for e in events if e.stage == "sleepy" and 0.0 < e.fraction < 1.0]
    assert sleepy, "the slow stage reported how far it had got before it finished"
    assert all(e.message.endswith("s") for e in sleepy)


def test_cache_serves_repeat_runs_and_resumes_after_failure(video: Path, tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="model crashed"):
        index_video(video, [SilenceStage(), BrightnessStage(fail=True)], cache_dir=tmp_path)
    silence_again, brightness = SilenceStage(), BrightnessStage()
    first = index_video(video, [silence_again, brightness], cache_dir=tmp_path)
    assert silence_again._levels == [], "silence came from the cache of the failed run"
    assert brightness.times, "the stage that failed ran again"
    cached_brightness = BrightnessStage()
    second = index_video(video, [SilenceStage(), cached_brightness], cache_dir=tmp_path)
    assert cached_brightness.times == []
    assert second.visual_tags == first.visual_tags and second.silences == first.silences
    changed = BrightnessStage(frame_rate=1.0)
    index_video(video, [changed], cache_dir=tmp_path)
    assert len(changed.times) == 4, "different options are a different cache entry"


class ReversedStage(BrightnessStage):
    """Emits its items newest first, as a stage that closes items out of order does."""

    name = "reversed"

    def end(self, timeline: Timeline) -> None:
        super().end(timeline)
        timeline.visual_tags.reverse()


def test_a_stage_emitting_out_of_order_is_cached_and_served_sorted(
    video: Path, tmp_path: Path
) -> None:
    first = index_video(video, [ReversedStage()], cache_dir=tmp_path)
    starts = [tag.start for tag in first.visual_tags]
    assert len(starts) == 8 and starts == sorted(starts), starts
    cached = ReversedStage()
    second = index_video(video, [cached], cache_dir=tmp_path)
    assert cached.times == [], "the second run was served from the cache"
    assert second.visual_tags == first.visual_tags


class ShotCountStage(Stage):
    """Reads the shots track in ``end``: its cache entry must follow the shot stage's options."""

    name = "shot-count"
    reads = ("brightness",)

    def end(self, timeline: Timeline) -> None:
        timeline.visual_tags.append(
            VisualTag(start=0.0, end=timeline.video.duration, label=f"{len(timeline.visual_tags)}")
        )


def test_upstream_options_join_the_cache_key(video: Path, tmp_path: Path) -> None:
    first = index_video(video, [BrightnessStage(2.0), ShotCountStage()], cache_dir=tmp_path)
    second = index_video(video, [BrightnessStage(1.0), ShotCountStage()], cache_dir=tmp_path)
    counts = [
        next(
            t.label for t in tl.visual_tags if t.start == 0 and t.end == 4.0 and t.label != "frame"
        )
        for tl in (first, second)
    ]
    assert counts == ["8", "4"], "the reader re-ran when its upstream stage's options changed"
