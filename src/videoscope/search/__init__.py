"""Moment search over a library: text or image queries, multimodal fusion, clips."""

from videoscope.search.engine import (
    Clip,
    Evidence,
    SearchEngine,
    SearchPage,
    SearchRequest,
    VideoGroup,
)

__all__ = ["Clip", "Evidence", "SearchEngine", "SearchPage", "SearchRequest", "VideoGroup"]
