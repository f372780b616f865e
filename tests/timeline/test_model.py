"""The Timeline validates its tracks and round-trips through JSON and NumPy files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError

from videoscope.errors import TimelineError
from videoscope.timeline import Embeddings, OnScreenText, Shot, TimedItem, Timeline, VideoRef, Word


def _timeline() -> Timeline:
    return Timeline(video=VideoRef(content_hash="abc", duration=10.0))


def test_items_refuse_negative_or_reversed_times() -> None:
    with pytest.raises(ValidationError):
        Word(start=-1.0, end=1.0, text="hi")
    with pytest.raises(ValidationError, match="before start"):
        Word(start=2.0, end=1.0, text="hi")


def test_validation_names_track_and_item() -> None:
    timeline = _timeline()
    timeline.shots += [Shot(start=0, end=6, index=0), Shot(start=5, end=10, index=1)]
    with pytest.raises(TimelineError, match=r"'shots' item 1.*overlaps"):
        timeline.validate_tracks()
    timeline = _timeline()
    timeline.words.append(Word(start=9.0, end=11.0, text="late"))
    with pytest.raises(TimelineError, match="after the video"):
        timeline.validate_tracks()
    timeline = _timeline()
    timeline.texts += [
        OnScreenText(start=5, end=6, text="b"),
        OnScreenText(start=1, end=9, text="a"),
    ]
    with pytest.raises(TimelineError, match="not sorted"):
        timeline.validate_tracks()
    timeline.sort_tracks()
    timeline.validate_tracks()  # texts may overlap each other once sorted


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    timeline = _timeline()
    timeline.shots.append(Shot(start=0, end=10, index=0, transition="start", keyframe_time=5))
    timeline.words.append(Word(start=1, end=1.4, text="hello", confidence=0.9))
    vectors = np.random.default_rng(0).standard_normal((2, 8)).astype(np.float32)
    timeline.embeddings["visual"] = Embeddings(
        model="m", windows=[TimedItem(start=0, end=4), TimedItem(start=4, end=8)], vectors=vectors
    )
    timeline.save(tmp_path)
    loaded = Timeline.load(tmp_path)
    assert loaded.shots == timeline.shots and loaded.words == timeline.words
    np.testing.assert_array_equal(loaded.embeddings["visual"].vectors, vectors)
    assert not list(tmp_path.glob("*.tmp")), "atomic writes leave no temporary files"
