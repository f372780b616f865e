"""Generated sample videos with exact truth, built from packaged real media (never downloaded)."""

from videoscope.samples.demo import demo_spec, ensure_demo_video
from videoscope.samples.synth import (
    PHOTO_CAPTIONS,
    PHOTOS,
    OverlaySpec,
    ShotSpec,
    SoundSpec,
    SpeechSpec,
    Truth,
    VideoSpec,
    photo,
    render,
    speak,
)

__all__ = [
    "PHOTOS",
    "PHOTO_CAPTIONS",
    "OverlaySpec",
    "ShotSpec",
    "SoundSpec",
    "SpeechSpec",
    "Truth",
    "VideoSpec",
    "demo_spec",
    "ensure_demo_video",
    "photo",
    "render",
    "speak",
]
