"""Embedding response shapes, mirroring Twelve Labs' embed API (v1.3).

A segment carries its vector as ``float_`` (serialised as ``"float"``, as Twelve Labs does: dump
with ``by_alias=True``), and for video or audio its ``start_offset_sec``/``end_offset_sec``,
``embedding_scope`` (``clip`` or ``video``) and ``embedding_option``. Every response names the
model (``model_name``) and lists each vector space it used with its dimension (``spaces``, a
videoscope addition).

Example:
    >>> segment = EmbeddingSegment(float_=[0.6, 0.8], embedding_option="visual-text")
    >>> segment.model_dump(by_alias=True, exclude_none=True)
    {'float': [0.6, 0.8], 'embedding_option': 'visual-text'}
"""

from __future__ import annotations

from typing import Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field

#: ``visual-text``: pooled image embeddings (text-comparable); ``audio``: the speech-text
#: embedding of what is said (or a description of the sounds); ``sound``: YAMNet's 521 AudioSet
#: class scores averaged over the clip (opt-in, needs the media file).
EmbeddingOption = Literal["visual-text", "audio", "sound"]
EmbeddingScope = Literal["clip", "video"]


class EmbeddingSegment(BaseModel):
    """One vector, and for media the stretch it covers."""

    model_config = ConfigDict(populate_by_name=True)

    float_: list[float] = Field(
        serialization_alias="float", validation_alias=AliasChoices("float", "float_")
    )
    start_offset_sec: float | None = None
    end_offset_sec: float | None = None
    embedding_scope: EmbeddingScope | None = None
    embedding_option: EmbeddingOption | None = None


class EmbeddingSpace(BaseModel):
    """A vector space of a response: which option, which model, how many dimensions."""

    embedding_option: EmbeddingOption | Literal["text", "image"]
    model: str
    dim: int
    description: str = ""


class TextEmbeddingResult(BaseModel):
    """``text_embedding``: one segment for the whole text."""

    segments: list[EmbeddingSegment] = Field(default_factory=list)
    error_message: str | None = None


class ImageEmbeddingResult(BaseModel):
    """``image_embedding``: one segment for the image."""

    segments: list[EmbeddingSegment] = Field(default_factory=list)
    error_message: str | None = None


class MediaEmbeddingMetadata(BaseModel):
    """How a video (or audio file) was cut into clips."""

    input_url: str | None = None
    input_filename: str | None = None
    video_clip_length: float
    video_embedding_scope: list[EmbeddingScope]
    duration: float


class MediaEmbeddingResult(BaseModel):
    """``video_embedding`` / ``audio_embedding``: segments per clip and/or for the whole file."""

    segments: list[EmbeddingSegment] = Field(default_factory=list)
    metadata: MediaEmbeddingMetadata | None = None
    error_message: str | None = None

    def vectors(
        self, option: EmbeddingOption, scope: EmbeddingScope = "clip"
    ) -> list[EmbeddingSegment]:
        """The segments of one option and scope, in time order."""
        chosen = [
            s for s in self.segments if s.embedding_option == option and s.embedding_scope == scope
        ]
        return sorted(chosen, key=lambda s: s.start_offset_sec or 0.0)


class EmbeddingResponse(BaseModel):
    """Twelve Labs' embedding response: the model, and the embedding of what was given."""

    model_name: str
    spaces: list[EmbeddingSpace] = Field(default_factory=list)
    text_embedding: TextEmbeddingResult | None = None
    image_embedding: ImageEmbeddingResult | None = None
    audio_embedding: MediaEmbeddingResult | None = None
    video_embedding: MediaEmbeddingResult | None = None
