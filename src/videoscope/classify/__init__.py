"""Zero-shot classification of indexed videos into user classes (Twelve Labs classify shapes)."""

from videoscope.classify.calibrate import TEXT_BACKGROUND, VISUAL_BACKGROUND, Calibration
from videoscope.classify.engine import Classifier, ScoredUnits, class_clips
from videoscope.classify.library import classify_videos
from videoscope.classify.models import (
    ALL_OPTIONS,
    ClassifyClip,
    ClassifyOption,
    ClassifyPageInfo,
    ClassifyRequest,
    ClassifyResponse,
    ClassifyThreshold,
    ClassResult,
    ClassSpec,
    DetailedScore,
    ShotLabel,
    VideoClassification,
)

__all__ = [
    "ALL_OPTIONS",
    "TEXT_BACKGROUND",
    "VISUAL_BACKGROUND",
    "Calibration",
    "ClassResult",
    "ClassSpec",
    "Classifier",
    "ClassifyClip",
    "ClassifyOption",
    "ClassifyPageInfo",
    "ClassifyRequest",
    "ClassifyResponse",
    "ClassifyThreshold",
    "DetailedScore",
    "ScoredUnits",
    "ShotLabel",
    "VideoClassification",
    "class_clips",
    "classify_videos",
]
