"""The demo video: a short news-style clip with cuts, a dissolve, speech, overlays and music."""

from __future__ import annotations

from pathlib import Path

from videoscope.samples.synth import (
    OverlaySpec,
    ShotSpec,
    SoundSpec,
    SpeechSpec,
    Truth,
    VideoSpec,
    render,
)


def demo_spec(width: int = 1280, height: int = 720) -> VideoSpec:
    """A 36-second clip: six shots (one dissolve, one fade), three sentences, three overlays."""
    return VideoSpec(
        shots=[
            ShotSpec("astronaut", 6.0),
            ShotSpec("rocket", 6.0, motion="zoom"),
            ShotSpec("hubble_deep_field", 6.0, transition="dissolve", transition_seconds=1.0),
            ShotSpec("coffee", 6.0),
            ShotSpec("chelsea", 6.0, transition="fade", transition_seconds=1.0, motion="zoom"),
            ShotSpec("coins", 6.0),
        ],
        speech=[
            SpeechSpec("Welcome to the evening space report from mission control.", 0.5),
            SpeechSpec("The rocket launch was a complete success today.", 7.0),
            SpeechSpec("Next, a quiet morning with coffee and a sleepy cat.", 19.0),
        ],
        overlays=[
            OverlaySpec("SPACE REPORT", 1.0, 5.0, "top"),
            OverlaySpec("LAUNCH SUCCESSFUL", 7.0, 11.5),
            OverlaySpec("MORNING NEWS", 19.0, 23.0),
        ],
        sounds=[
            SoundSpec("music", 12.5, 18.0),
            SoundSpec("crowd", 31.0, 35.0, level=0.3),
        ],
        width=width,
        height=height,
    )


def ensure_demo_video(folder: str | Path) -> tuple[Path, Truth]:
    """Render the demo video into ``folder`` once; return its path and truth."""
    target = Path(folder)
    video, truth_file = target / "demo.mp4", target / "demo.truth.json"
    if video.exists() and truth_file.exists():
        return video, Truth.model_validate_json(truth_file.read_text())
    truth = render(demo_spec(), video)
    truth_file.write_text(truth.model_dump_json(indent=1))
    return video, truth
