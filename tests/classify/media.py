"""The indexed test video shared by the classify and embed tests (indexed once per session)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import MediaFactory
from videoscope.samples import OverlaySpec, ShotSpec, SpeechSpec, Truth, VideoSpec
from videoscope.timeline.model import Timeline

#: Rocket, coffee, cat, photographer (5 s each); a cooking sentence over the coffee shot, a
#: football sentence over the photographer, "BREAKING NEWS" over the cat.
SPEC = VideoSpec(
    shots=[
        ShotSpec("rocket", 5.0),
        ShotSpec("coffee", 5.0),
        ShotSpec("chelsea", 5.0),
        ShotSpec("camera", 5.0),
    ],
    speech=[
        SpeechSpec("Now add the chopped onions to the hot pan and stir them for two minutes.", 5.5),
        SpeechSpec("The football match ended in a draw after extra time.", 15.5),
    ],
    overlays=[OverlaySpec("BREAKING NEWS", 10.5, 14.0)],
    width=640,
    height=360,
)
STAGES = ["shots", "speech", "text", "visual", "audio_events"]


@dataclass(frozen=True)
class Indexed:
    """A rendered video, its truth, and its Timeline."""

    path: Path
    truth: Truth
    timeline: Timeline

    def shot(self, photo: str) -> tuple[float, float]:
        """[start, end] of the shot that shows ``photo``."""
        shot = next(s for s in self.truth.shots if s.photo == photo)
        return shot.start, shot.end


def index_shared(media: MediaFactory, tmp_path_factory: pytest.TempPathFactory) -> Indexed:
    """Render and index :data:`SPEC` (cached by content under the session's base temp)."""
    from videoscope.backends import load_backend
    from videoscope.perceive.pipeline import index_video
    from videoscope.perceive.registry import build_stages

    load_backend("text_embedder", "minilm")  # before the image-text backend, which uses it
    path, truth = media.build("classify-embed.mp4", SPEC)
    cache = tmp_path_factory.getbasetemp() / "classify-embed-cache"
    timeline = index_video(path, build_stages(STAGES), cache_dir=cache)
    return Indexed(path, truth, timeline)
