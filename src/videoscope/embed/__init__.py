"""Embeddings of text, images, audio and video clips in Twelve Labs' embed shapes, with export."""

from videoscope.embed.clips import clip_spans, pool_windows
from videoscope.embed.engine import DEFAULT_CLIP, MAX_CLIP, MIN_CLIP, Embedder
from videoscope.embed.export import (
    SegmentRow,
    read_npz,
    read_parquet,
    segment_rows,
    write_export,
    write_npz,
    write_parquet,
)
from videoscope.embed.models import (
    EmbeddingOption,
    EmbeddingResponse,
    EmbeddingScope,
    EmbeddingSegment,
    EmbeddingSpace,
    ImageEmbeddingResult,
    MediaEmbeddingMetadata,
    MediaEmbeddingResult,
    TextEmbeddingResult,
)

__all__ = [
    "DEFAULT_CLIP",
    "MAX_CLIP",
    "MIN_CLIP",
    "Embedder",
    "EmbeddingOption",
    "EmbeddingResponse",
    "EmbeddingScope",
    "EmbeddingSegment",
    "EmbeddingSpace",
    "ImageEmbeddingResult",
    "MediaEmbeddingMetadata",
    "MediaEmbeddingResult",
    "SegmentRow",
    "TextEmbeddingResult",
    "clip_spans",
    "pool_windows",
    "read_npz",
    "read_parquet",
    "segment_rows",
    "write_export",
    "write_npz",
    "write_parquet",
]
