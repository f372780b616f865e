"""Scenes group shots by what is seen and heard; stories group scenes by topic (real media)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import videoscope.perceive.pipeline as pipeline
from tests.conftest import MediaFactory
from videoscope.perceive.partition import partition
from videoscope.perceive.pipeline import index_video
from videoscope.perceive.registry import build_stages
from videoscope.perceive.scenes import SceneStage
from videoscope.samples import OverlaySpec, ShotSpec, SoundSpec, SpeechSpec, Truth, VideoSpec
from videoscope.timeline.model import Timeline

#: Three news stories (space, football, a cafe cat), each opened by a lower-third title; the
#: football shots share a scoreboard; a jingle leads into the football story.
STORIES_SPEC = VideoSpec(
    shots=[
        ShotSpec("astronaut", 5.0),
        ShotSpec("rocket", 5.0),
        ShotSpec("moon", 5.0, motion="static"),
        ShotSpec("grass", 5.0),
        ShotSpec("coins", 4.0),
        ShotSpec("grass", 4.0),
        ShotSpec("coffee", 5.0, transition="fade"),
        ShotSpec("chelsea", 5.0),
    ],
    speech=[
        SpeechSpec("Good evening. Tonight the space agency launched a new rocket.", 0.5),
        SpeechSpec("The astronauts will land on the moon next year.", 8.0),
        SpeechSpec("In football, the home team won the match two to one.", 15.5),
        SpeechSpec("The final goal came in the last minute of the game.", 21.5),
        SpeechSpec("And finally, a coffee shop where a cat greets every customer.", 28.5),
    ],
    overlays=[
        OverlaySpec("SPACE REPORT", 0.5, 4.0),
        OverlaySpec("SPORTS", 15.2, 18.0),
        OverlaySpec("HOME 2 - 1 AWAY", 19.0, 27.5, "top"),
        OverlaySpec("CAFE CAT", 28.2, 32.0),
    ],
    sounds=[SoundSpec("music", 14.0, 15.2)],
    width=640,
    height=360,
)
#: Where each story starts (s): the truth the stories must reproduce.
STORY_STARTS = (0.0, 15.0, 27.8)
STAGES = ["shots", "silence", "speech", "text", "visual", "audio_events", "scenes"]


@pytest.fixture(scope="module")
def stories_video(media: MediaFactory) -> tuple[str, Truth]:
    path, truth = media.build("stories.mp4", STORIES_SPEC)
    return str(path), truth


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("scenes-cache")


@pytest.fixture(scope="module")
def indexed(stories_video: tuple[str, Truth], cache: Path) -> Timeline:
    return index_video(stories_video[0], build_stages(STAGES), cache_dir=cache)


def test_stories_follow_the_topics_and_carry_their_titles(indexed: Timeline) -> None:
    starts = [story.start for story in indexed.stories]
    assert len(starts) == len(STORY_STARTS)
    assert np.allclose(starts, STORY_STARTS, atol=0.3)
    assert [story.title for story in indexed.stories] == ["SPACE REPORT", "SPORTS", "CAFE CAT"]
    assert indexed.stories[-1].end == pytest.approx(indexed.video.duration, abs=0.05)
    assert indexed.stories[1].boundary[0].startswith("topic_shift ")
    assert "title 'SPORTS'" in indexed.stories[1].boundary
    scene_ids = [i for story in indexed.stories for i in story.scenes]
    assert scene_ids == list(range(len(indexed.scenes)))


def test_scenes_partition_the_shots_and_a_shared_scoreboard_links_them(
    indexed: Timeline,
) -> None:
    shot_ids = [i for scene in indexed.scenes for i in scene.shots]
    assert shot_ids == [shot.index for shot in indexed.shots]
    cuts = {round(shot.start, 3) for shot in indexed.shots}
    assert all(round(scene.start, 3) in cuts for scene in indexed.scenes)
    football = next(s for s in indexed.scenes if s.start <= 20.0 < s.end)
    assert football.start == pytest.approx(15.0, abs=0.3)
    assert football.end == pytest.approx(27.8, abs=0.3)  # three shots under one scoreboard
    coffee = next(s for s in indexed.scenes if s.start == pytest.approx(27.8, abs=0.3))
    assert "fade" in coffee.boundary


def test_the_scene_stage_decodes_nothing_and_reruns_from_the_cache(
    stories_video: tuple[str, Truth],
    indexed: Timeline,
    cache: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[int] = []
    real_decode = pipeline.decode

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real_decode(*args, **kwargs)

    monkeypatch.setattr(pipeline, "decode", counting)
    stages = [*build_stages(["shots", "visual"]), SceneStage(scene_penalty=9.0)]
    again = index_video(stories_video[0], stages, cache_dir=cache)
    assert calls == []  # shots and visual from the cache, scenes recomputed from them
    assert len(indexed.scenes) > 1 and len(again.scenes) == 1  # the option changed the result


def test_partition_weighs_coherence_against_cues() -> None:
    same = np.array([[1.0, 0.0]] * 4, dtype=np.float32)
    apart = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]], dtype=np.float32)
    ones = np.ones(4)
    assert partition(apart, ones, np.zeros(3), penalty=0.5) == [0, 2]
    assert partition(apart, ones, np.array([0.0, -1.0, 0.0]), penalty=0.5) == [0]  # a link
    assert partition(same, ones, np.array([0.0, 0.6, 0.0]), penalty=0.5) == [0, 2]  # a cue
    assert partition(apart, np.zeros(4), np.zeros(3), penalty=0.2) == [0]  # nothing measured
