"""The store interface that every backend (embedded SQLite, PostgreSQL) implements.

A store keeps indexes, videos (with their Timeline and ``user_metadata``) and the *moments* that
search runs over: stretches of a video with their text (speech, on-screen text) and vectors in
named spaces (``visual``, ``text``). Writing a video is atomic: its record, timeline and moments
appear together or not at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from videoscope.errors import InvalidRequestError
from videoscope.library.records import (
    IndexModel,
    IndexRecord,
    Modality,
    Moment,
    MomentHit,
    Page,
    VideoRecord,
)
from videoscope.timeline.model import Timeline


@dataclass(frozen=True)
class MomentInput:
    """A moment to store with, optionally, its vector in ``space``."""

    moment: Moment
    space: str | None = None
    vector: np.ndarray | None = None


@dataclass(frozen=True)
class NewVideo:
    """What :meth:`Store.add_video` needs besides the timeline and moments."""

    filename: str
    size_bytes: int | None = None
    user_metadata: dict[str, Any] | None = None


_METADATA_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")


def check_metadata_key(key: str) -> str:
    """Return ``key`` if it may name a user_metadata field in a filter, else raise.

    Both backends splice the key into a JSON path, so only identifier-like keys are accepted.
    """
    if not _METADATA_KEY.match(key):
        raise InvalidRequestError(
            f"filter key {key!r}", "not a valid metadata key", "use letters, digits, _"
        )
    return key


def merge_metadata(current: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    """``current`` with ``update`` merged in; a ``None`` value removes its key."""
    merged = dict(current)
    for key, value in update.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


class Store(Protocol):
    """Indexes, videos and moments, with lexical and vector retrieval."""

    # -- indexes ---------------------------------------------------------------------------
    def create_index(self, name: str, models: list[IndexModel]) -> IndexRecord:
        """Create an index; names are unique (``ConflictError`` otherwise)."""
        ...

    def get_index(self, index_id: str) -> IndexRecord:
        """The index, or ``NotFoundError``."""
        ...

    def list_indexes(
        self, page: int = 1, limit: int = 10, name: str | None = None
    ) -> Page[IndexRecord]:
        """Indexes, newest first, optionally filtered by exact name."""
        ...

    def rename_index(self, index_id: str, name: str) -> IndexRecord:
        """Change an index's name."""
        ...

    def delete_index(self, index_id: str) -> None:
        """Delete an index with all its videos and moments."""
        ...

    # -- videos ----------------------------------------------------------------------------
    def add_video(
        self, index_id: str, video: NewVideo, timeline: Timeline, moments: list[MomentInput]
    ) -> VideoRecord:
        """Store a video atomically with its timeline and moments; returns the new record."""
        ...

    def get_video(self, index_id: str, video_id: str) -> VideoRecord:
        """The video, or ``NotFoundError``."""
        ...

    def get_timeline(self, index_id: str, video_id: str) -> Timeline:
        """The video's full timeline (with embeddings)."""
        ...

    def list_videos(
        self,
        index_id: str,
        page: int = 1,
        limit: int = 10,
        metadata_filter: dict[str, Any] | None = None,
    ) -> Page[VideoRecord]:
        """Videos of an index, newest first; ``metadata_filter`` matches user_metadata exactly."""
        ...

    def update_video_metadata(
        self, index_id: str, video_id: str, user_metadata: dict[str, Any]
    ) -> VideoRecord:
        """Merge ``user_metadata`` into the video's (a ``None`` value deletes the key)."""
        ...

    def delete_video(self, index_id: str, video_id: str) -> None:
        """Delete a video, its timeline and moments."""
        ...

    # -- retrieval -------------------------------------------------------------------------
    def search_text(
        self, index_id: str, query: str, modalities: list[Modality], limit: int
    ) -> list[MomentHit]:
        """Lexical (full-text) search over the moments' text, best first."""
        ...

    def search_vectors(
        self, index_id: str, space: str, vector: np.ndarray, limit: int
    ) -> list[MomentHit]:
        """Nearest moments to ``vector`` in ``space`` by cosine similarity, best first."""
        ...

    def close(self) -> None:
        """Release connections and files."""
        ...
