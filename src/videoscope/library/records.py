"""Records the library stores: indexes, videos, searchable moments, pages."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

Modality = Literal["visual", "speech", "text"]
ModelOption = Literal["visual", "audio"]
T = TypeVar("T")


def utc_now() -> datetime:
    """Now, in UTC, at millisecond precision (what every store can represent)."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def _both_options() -> list[ModelOption]:
    return ["visual", "audio"]


class IndexModel(BaseModel):
    """A model an index was built with, and the options it enables (``visual``, ``audio``)."""

    model_name: str
    model_options: list[ModelOption] = Field(default_factory=_both_options)


class IndexRecord(BaseModel):
    """A named collection of videos sharing the options they were indexed with."""

    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    models: list[IndexModel]
    created_at: datetime
    updated_at: datetime
    video_count: int = 0
    total_duration: float = 0.0


class VideoRecord(BaseModel):
    """An indexed video: its file facts, free-form metadata and where its timeline lives."""

    model_config = ConfigDict(frozen=True)

    id: str
    index_id: str
    content_hash: str
    filename: str
    duration: float
    width: int | None = None
    height: int | None = None
    fps: float | None = None
    size_bytes: int | None = None
    user_metadata: dict[str, Any] = Field(default_factory=dict)
    created_at: datetime
    updated_at: datetime


class Moment(BaseModel):
    """A searchable stretch of a video: its text (speech or on-screen) and/or a vector."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    video_id: str
    modality: Modality
    start: float
    end: float
    text: str = ""


class MomentHit(BaseModel):
    """A moment matched by one retrieval method, with that method's score (higher is better)."""

    model_config = ConfigDict(frozen=True)

    moment_id: int
    video_id: str
    modality: Modality
    start: float
    end: float
    text: str
    score: float


class Page(BaseModel, Generic[T]):
    """One page of a listing, numbered from 1."""

    items: list[T]
    page: int
    limit_per_page: int
    total_results: int

    @property
    def total_pages(self) -> int:
        """How many pages the whole listing has (at least 1)."""
        return max(1, -(-self.total_results // self.limit_per_page))
