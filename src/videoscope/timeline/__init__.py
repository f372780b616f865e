"""Timeline data model: intervals and the typed tracks every stage reads and writes."""

from videoscope.timeline.interval import Interval, complement, intersect, merge, total_length
from videoscope.timeline.model import (
    AudioEvent,
    Embeddings,
    OnScreenText,
    Scene,
    Shot,
    Silence,
    Story,
    TimedItem,
    Timeline,
    Utterance,
    VideoRef,
    VisualTag,
    Word,
)

__all__ = [
    "AudioEvent",
    "Embeddings",
    "Interval",
    "OnScreenText",
    "Scene",
    "Shot",
    "Silence",
    "Story",
    "TimedItem",
    "Timeline",
    "Utterance",
    "VideoRef",
    "VisualTag",
    "Word",
    "complement",
    "intersect",
    "merge",
    "total_length",
]
