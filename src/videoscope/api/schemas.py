"""Response and request bodies of the Twelve Labs v1.3 compatible API, as pydantic models.

Field names and shapes follow what the official ``twelvelabs`` SDK parses: ids as ``_id``,
``page_info`` with ``page``/``limit_per_page``/``total_page``/``total_results``, errors as
``{code, message}``. Optional fields the SDK knows but videoscope does not produce (``hls``,
``expires_at``) are returned as ``null``.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

MetadataValue = str | int | float | bool | list[str] | None


class ApiModel(BaseModel):
    """Base: accept field names or aliases on input, extra keys ignored."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore")


class ErrorBody(ApiModel):
    """Every error: a machine-readable ``code`` and a readable ``message``."""

    code: str
    message: str


class PageInfo(ApiModel):
    """Numbered paging (indexes, videos, tasks)."""

    page: int
    limit_per_page: int
    total_page: int
    total_results: int


class IdOnly(ApiModel):
    """A created resource's id."""

    id: str = Field(serialization_alias="_id")


class ModelSpec(ApiModel):
    """A model of an index and its options (``visual``, ``audio``)."""

    model_name: str = Field(min_length=1, max_length=64)
    model_options: list[Literal["visual", "audio"]] = Field(min_length=1)


class IndexCreate(ApiModel):
    """``POST /indexes``."""

    index_name: str = Field(min_length=1, max_length=200)
    models: list[ModelSpec] = Field(min_length=1, max_length=4)
    addons: list[str] | None = None


class IndexUpdate(ApiModel):
    """``PUT /indexes/{index_id}``."""

    index_name: str = Field(min_length=1, max_length=200)


class IndexOut(ApiModel):
    """An index as the SDK's ``IndexSchema``."""

    id: str = Field(serialization_alias="_id")
    index_name: str
    models: list[ModelSpec]
    addons: list[str] = Field(default_factory=list)
    video_count: int
    total_duration: float
    created_at: str
    updated_at: str
    expires_at: str | None = None


class IndexList(ApiModel):
    """``GET /indexes``."""

    data: list[IndexOut]
    page_info: PageInfo


class TaskSystemMetadata(ApiModel):
    """What is known of the file being indexed."""

    filename: str | None = None
    duration: float | None = None
    width: int | None = None
    height: int | None = None


class TaskCreated(ApiModel):
    """``POST /tasks``: the task id and (once known) the video id."""

    id: str = Field(serialization_alias="_id")
    video_id: str | None = None


class TaskOut(ApiModel):
    """An indexing task; ``progress`` and ``stage`` are videoscope additions."""

    id: str = Field(serialization_alias="_id")
    index_id: str | None
    video_id: str | None
    status: str
    system_metadata: TaskSystemMetadata | None = None
    created_at: str
    updated_at: str
    hls: None = None
    progress: float = 0.0
    stage: str = ""
    error: ErrorBody | None = None


class TaskList(ApiModel):
    """``GET /tasks``."""

    data: list[TaskOut]
    page_info: PageInfo


class VideoSystemMetadata(ApiModel):
    """File facts of an indexed video."""

    filename: str
    duration: float
    fps: float | None = None
    width: int | None = None
    height: int | None = None
    size: float | None = None


class TranscriptionItem(ApiModel):
    """One utterance of the transcript."""

    start: float
    end: float
    value: str


class VideoOut(ApiModel):
    """An indexed video (``VideoVector`` / ``VideosRetrieveResponse``)."""

    id: str = Field(serialization_alias="_id")
    asset_id: str | None = None
    created_at: str
    updated_at: str
    indexed_at: str
    system_metadata: VideoSystemMetadata
    user_metadata: dict[str, Any] = Field(default_factory=dict)
    hls: None = None
    transcription: list[TranscriptionItem] | None = None
    embedding: dict[str, Any] | None = None


class VideoList(ApiModel):
    """``GET /indexes/{index_id}/videos``."""

    data: list[VideoOut]
    page_info: PageInfo


class VideoUpdate(ApiModel):
    """``PATCH``/``PUT /indexes/{index_id}/videos/{video_id}``."""

    user_metadata: dict[str, MetadataValue] = Field(default_factory=dict)


class ClipOut(ApiModel):
    """A search hit (``SearchItem``); grouped results carry ``id`` and ``clips``."""

    video_id: str | None = None
    start: float | None = None
    end: float | None = None
    rank: int | None = None
    score: float | None = None
    confidence: str | None = None
    thumbnail_url: str | None = None
    transcription: str | None = None
    modules: list[str] | None = None
    id: str | None = None
    user_metadata: dict[str, Any] | None = None
    clips: list[ClipOut] | None = None


class SearchPageInfo(ApiModel):
    """Token paging of search results."""

    limit_per_page: int
    total_results: int
    page_expires_at: str
    next_page_token: str | None = None
    prev_page_token: str | None = None


class SearchPool(ApiModel):
    """What the search ran over."""

    total_count: int
    total_duration: float
    index_id: str


class SearchResults(ApiModel):
    """``POST /search`` and ``GET /search/{page_token}``."""

    data: list[ClipOut]
    page_info: SearchPageInfo
    search_pool: SearchPool


class AssetOut(ApiModel):
    """An uploaded or fetched media file (``Asset``/``AssetDetail``)."""

    id: str = Field(serialization_alias="_id")
    method: str
    status: Literal["processing", "ready", "failed"]
    filename: str
    file_type: str | None = None
    created_at: str
    user_metadata: dict[str, Any] = Field(default_factory=dict)


class AssetList(ApiModel):
    """``GET /assets``."""

    data: list[AssetOut]
    page_info: PageInfo


def page_info(page: int, limit: int, total: int) -> PageInfo:
    """The ``page_info`` of page ``page`` of ``total`` items, ``limit`` per page."""
    return PageInfo(
        page=page,
        limit_per_page=limit,
        total_results=total,
        total_page=max(1, -(-total // limit)),
    )


def iso(value: object) -> str:
    """A datetime as RFC 3339 with ``Z``."""
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return text.replace("+00:00", "Z")
