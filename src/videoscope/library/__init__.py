"""The video library: indexes of videos with their timelines and searchable moments."""

from videoscope.library.records import IndexModel, IndexRecord, Moment, MomentHit, Page, VideoRecord
from videoscope.library.sqlite import SQLiteStore
from videoscope.library.store import MomentInput, NewVideo, Store

__all__ = [
    "IndexModel",
    "IndexRecord",
    "Moment",
    "MomentHit",
    "MomentInput",
    "NewVideo",
    "Page",
    "SQLiteStore",
    "Store",
    "VideoRecord",
]
