"""Perception: stages that turn one shared decode into the tracks of a Timeline."""

from videoscope.perceive.base import ProgressCallback, ProgressEvent, Stage
from videoscope.perceive.pipeline import index_video

__all__ = ["ProgressCallback", "ProgressEvent", "Stage", "index_video"]
