"""Shot boundaries on a real generated video: cuts, dissolves, a fade, flashes, camera motion."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from videoscope.media.decode import decode
from videoscope.media.probe import probe
from videoscope.perceive.pipeline import index_video
from videoscope.perceive.shots import ShotOptions, ShotStage, boundary_f1, detect_shots
from videoscope.samples import Truth
from videoscope.timeline.model import Shot


@pytest.fixture(scope="module")
def staged(shots_video: tuple[str, Truth]) -> list[Shot]:
    """Shots from the stage run through the real pipeline."""
    return index_video(shots_video[0], [ShotStage()]).shots


Frames = tuple[list[float], list[tuple[float, np.ndarray]], list[np.ndarray]]


@pytest.fixture(scope="module")
def frames(shots_video: tuple[str, Truth]) -> Frames:
    """One decode: every frame's time, our (time, 96 px) samples at 12.5 fps, full-size BGR."""
    times: list[float] = []
    small: list[tuple[float, np.ndarray]] = []
    bgr: list[np.ndarray] = []
    next_time = 0.0
    for frame in decode(probe(shots_video[0]), audio=False):
        times.append(frame.time)
        bgr.append(np.ascontiguousarray(frame.rgb()[..., ::-1]))
        if frame.time + 1e-6 >= next_time:
            small.append((frame.time, frame.rgb(96)))
            next_time += 1 / 12.5
    return times, small, bgr


def _boundaries(shots: list[Shot]) -> list[float]:
    return [shot.start for shot in shots[1:]]


def test_boundaries_match_truth(staged: list[Shot], shots_video: tuple[str, Truth]) -> None:
    truth = shots_video[1]
    precision, recall, f1 = boundary_f1(_boundaries(staged), truth.boundaries, tolerance=0.5)
    assert f1 >= 0.95, (precision, recall, _boundaries(staged), truth.boundaries)
    cuts = [
        b for b, s in zip(truth.boundaries, truth.shots[1:], strict=True) if s.transition == "cut"
    ]
    half_frame = 0.5 / truth.fps
    assert boundary_f1(_boundaries(staged), cuts, tolerance=half_frame)[1] == 1.0, "exact frame"


def test_gradual_transitions_are_labelled(
    staged: list[Shot], shots_video: tuple[str, Truth]
) -> None:
    truth = shots_video[1]
    for time, expected in zip(truth.boundaries, truth.shots[1:], strict=True):
        if expected.transition == "cut":
            continue
        near = [s for s in staged[1:] if abs(s.start - time) <= 0.5]
        assert [s.transition for s in near] == [expected.transition], (time, near)


def test_no_boundary_at_a_flash(staged: list[Shot], shots_video: tuple[str, Truth]) -> None:
    for flash in shots_video[1].flashes:
        assert not [s for s in staged[1:] if abs(s.start - flash) <= 0.5], flash


def test_shots_partition_the_video(staged: list[Shot], shots_video: tuple[str, Truth]) -> None:
    duration = probe(shots_video[0]).duration
    assert staged[0].start == 0.0 and staged[0].transition == "start"
    assert staged[-1].end == pytest.approx(duration, abs=1e-3)
    for index, (shot, following) in enumerate(itertools.pairwise(staged)):
        assert shot.index == index and shot.end == following.start
        assert following.transition in ("cut", "dissolve", "fade")
    for shot in staged:
        assert shot.keyframe_time is not None and shot.start < shot.keyframe_time < shot.end


def test_one_moving_shot_with_a_flash_stays_one_shot(one_shot_video: tuple[str, Truth]) -> None:
    shots = index_video(one_shot_video[0], [ShotStage()]).shots
    assert [(s.start, s.transition) for s in shots] == [(0.0, "start")]


def test_function_api_matches_the_stage(
    frames: Frames,
    staged: list[Shot],
    shots_video: tuple[str, Truth],
) -> None:
    samples = frames[1]
    shots = detect_shots(
        [t for t, _ in samples], [f for _, f in samples], duration=shots_video[1].duration
    )
    # Sampled frames only: a cut lands on the first sample of the new shot, one frame late at most.
    assert _boundaries(shots) == pytest.approx(_boundaries(staged), abs=0.05)
    assert [s.transition for s in shots] == [s.transition for s in staged]


def test_a_fast_montage_keeps_every_short_shot_on_its_exact_frame(
    montage_video: tuple[str, Truth],
) -> None:
    """Shots of 0.24-0.6 s cut hard, as in a news opener: each cut found, each on its frame."""
    path, truth = montage_video
    shots = index_video(path, [ShotStage()]).shots
    found = _boundaries(shots)
    assert boundary_f1(found, truth.boundaries, tolerance=0.5 / truth.fps)[2] == 1.0, (
        found,
        truth.boundaries,
    )
    assert all(shot.transition in ("start", "cut") for shot in shots)


def test_beats_pyscenedetect_content_detector(
    frames: Frames,
    staged: list[Shot],
    shots_video: tuple[str, Truth],
) -> None:
    from scenedetect import ContentDetector, FrameTimecode

    _, _, bgr = frames
    fps = probe(shots_video[0]).video.average_fps  # type: ignore[union-attr]
    detector, cuts = ContentDetector(), []
    for index, image in enumerate(bgr):
        cuts += detector.process_frame(FrameTimecode(index, fps=fps), image)
    cuts += detector.post_process(FrameTimecode(len(bgr) - 1, fps=fps))
    truth = shots_video[1].boundaries
    theirs = boundary_f1([c.seconds for c in cuts], truth)[2]
    ours = boundary_f1(_boundaries(staged), truth)[2]
    print(f"F1 ours {ours:.3f}, PySceneDetect ContentDetector {theirs:.3f}")
    assert ours >= theirs and ours >= 0.95, (ours, theirs)


def test_options_are_the_cache_key() -> None:
    assert ShotStage().cache_key() == ShotStage().cache_key()
    assert ShotStage().cache_key() != ShotStage(options=ShotOptions(cut_threshold=0.3)).cache_key()
    assert ShotStage(sample_rate=25).options()["sample_rate"] == 25


def test_boundary_f1_matches_one_to_one() -> None:
    assert boundary_f1([1.0, 1.1], [1.05]) == pytest.approx((0.5, 1.0, 2 / 3))
    assert boundary_f1([], []) == (1.0, 1.0, 1.0)
    assert boundary_f1([5.0], [1.0])[2] == 0.0
