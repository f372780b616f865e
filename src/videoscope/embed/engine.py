"""Embeddings of texts, images, audio and video clips, in the shapes of Twelve Labs' embed API.

Spaces (default backends; every response states model and dimension in ``spaces``):

* ``text`` and ``image``: 384-d. Texts go through the image-text embedder's text side (MiniLM);
  images through its image side (EfficientNet-Lite0 ImageNet concepts projected into MiniLM), so
  text, images and ``visual-text`` clips are one shared space.
* ``visual-text`` (video clips): the visual stage's per-window vectors (``<= 4 s`` windows, one
  frame per second) pooled over each clip, weighted by overlap; the whole video uses
  ``embeddings["visual_video"]``.
* ``audio``: a *speech-text* embedding, not an acoustic one: the words spoken in the clip embedded
  with MiniLM (same 384-d space as text); a clip without speech embeds a description of its
  sounds from the audio events (``"sounds: music"``), or ``"silence"``.
* ``sound`` (opt-in, needs the media file): YAMNet's 521 AudioSet class scores averaged over the
  clip: a real acoustic vector, in its own space.

Example:
    >>> embedder = Embedder.from_settings()  # doctest: +SKIP
    >>> video = embedder.embed_video(timeline, clip_length=4.0)  # doctest: +SKIP
    >>> video.video_embedding.segments[0].embedding_option  # doctest: +SKIP
    'visual-text'
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from videoscope.backends.base import AudioTagger, ImageTextEmbedder, TextEmbedder
from videoscope.config import Settings, get_settings
from videoscope.embed.clips import clip_spans, pool_windows, sound_vectors, spoken_texts
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
from videoscope.errors import InvalidRequestError
from videoscope.timeline.model import Timeline

#: Allowed clip lengths for ``embedding_scope="clip"``, seconds (as Twelve Labs: 2-10 s).
MIN_CLIP, MAX_CLIP = 2.0, 10.0
DEFAULT_CLIP = 6.0
_AUDIO_DESCRIPTION = "words spoken in the clip (speech-text embedding), else its sounds"


class Embedder:
    """Makes :class:`EmbeddingResponse` objects from texts, images and indexed timelines."""

    def __init__(
        self,
        text_embedder: TextEmbedder,
        image_text_embedder: ImageTextEmbedder,
        audio_tagger: AudioTagger | None = None,
    ) -> None:
        self.text_embedder = text_embedder
        self.image_text_embedder = image_text_embedder
        self.audio_tagger = audio_tagger

    @classmethod
    def from_settings(cls, settings: Settings | None = None, *, sound: bool = False) -> Embedder:
        """An embedder on the configured backends; ``sound`` also loads the audio tagger."""
        from videoscope.backends import load_backend

        choice = (settings or get_settings()).backends

        def backend(role: str, name: str) -> object:
            return load_backend(role, name, **choice.options.get(role, {}))  # type: ignore[arg-type]

        return cls(
            backend("text_embedder", choice.text_embedder),  # type: ignore[arg-type]
            backend("image_text_embedder", choice.image_text_embedder),  # type: ignore[arg-type]
            backend("audio_tagger", choice.audio_tagger) if sound else None,  # type: ignore[arg-type]
        )

    # --- spaces ---------------------------------------------------------------------------------

    @property
    def model_name(self) -> str:
        """One name for the set of models behind the responses."""
        return f"videoscope-embed/{self.image_text_embedder.name}"

    def space(self, option: EmbeddingOption | str) -> EmbeddingSpace:
        """Model and dimension of one space."""
        if option == "sound":
            return EmbeddingSpace(
                embedding_option="sound",
                model=str(getattr(self.audio_tagger, "name", "yamnet")),
                dim=521,
                description="AudioSet class scores averaged over the clip",
            )
        if option == "audio":
            return EmbeddingSpace(
                embedding_option="audio",
                model=self.text_embedder.name,
                dim=int(self.text_embedder.dim),
                description=_AUDIO_DESCRIPTION,
            )
        described = {
            "text": "the text side of the image-text space",
            "image": "the image side of the image-text space",
            "visual-text": "sampled frames' image embeddings pooled over the clip",
        }
        return EmbeddingSpace(
            embedding_option=option,  # type: ignore[arg-type]
            model=self.image_text_embedder.name,
            dim=int(self.image_text_embedder.dim),
            description=described.get(option, ""),
        )

    # --- texts and images -----------------------------------------------------------------------

    def embed_text(self, text: str) -> EmbeddingResponse:
        """The text's vector in the shared text-image-visual space."""
        if not text.strip():
            raise InvalidRequestError("text", "is empty", "give some text to embed")
        vector = self.image_text_embedder.embed_texts([text])[0]
        return EmbeddingResponse(
            model_name=self.model_name,
            spaces=[self.space("text")],
            text_embedding=TextEmbeddingResult(segments=[_segment(vector)]),
        )

    def embed_image(self, image: np.ndarray) -> EmbeddingResponse:
        """The image's vector (``uint8`` RGB ``(h, w, 3)``) in the shared space."""
        array = np.asarray(image)
        if array.ndim != 3 or array.shape[2] not in (3, 4) or array.size == 0:
            raise InvalidRequestError(
                "image", f"has shape {array.shape}", "give an (h, w, 3) RGB array"
            )
        vector = self.image_text_embedder.embed_images([array[..., :3]])[0]
        return EmbeddingResponse(
            model_name=self.model_name,
            spaces=[self.space("image")],
            image_embedding=ImageEmbeddingResult(segments=[_segment(vector)]),
        )

    # --- video and audio ------------------------------------------------------------------------

    def embed_video(
        self,
        timeline: Timeline,
        *,
        clip_length: float = DEFAULT_CLIP,
        scopes: Sequence[EmbeddingScope] = ("clip", "video"),
        options: Sequence[EmbeddingOption] = ("visual-text", "audio"),
        media_path: str | Path | None = None,
    ) -> EmbeddingResponse:
        """Per-clip and/or whole-video segments of ``timeline``, in time order per option.

        Audio-only timelines (no ``visual`` embeddings) answer in ``audio_embedding`` with the
        ``audio``/``sound`` options only. ``sound`` needs ``media_path`` and an audio tagger.
        """
        if not MIN_CLIP <= clip_length <= MAX_CLIP:
            raise InvalidRequestError(
                "video_clip_length", f"is {clip_length}", f"choose {MIN_CLIP:g} to {MAX_CLIP:g} s"
            )
        if not scopes:
            raise InvalidRequestError("video_embedding_scope", "is empty", "give clip and/or video")
        has_visual = "visual" in timeline.embeddings
        chosen = [o for o in dict.fromkeys(options) if o != "visual-text" or has_visual]
        if "sound" in chosen and (media_path is None or self.audio_tagger is None):
            raise InvalidRequestError(
                "embedding_option 'sound'",
                "needs the media file and an audio tagger",
                "pass media_path and build the Embedder with sound=True",
            )
        if not chosen:
            raise InvalidRequestError(
                "embedding_option", "nothing to embed", "index the video with the visual stage"
            )
        duration = timeline.video.duration
        spans = clip_spans(duration, clip_length)
        segments: list[EmbeddingSegment] = []
        for option in chosen:
            clip_rows, video_row = self._vectors(timeline, option, spans, media_path)
            if "clip" in scopes:
                segments.extend(
                    _segment(row, start, end, "clip", option)
                    for (start, end), row in zip(spans, clip_rows, strict=True)
                )
            if "video" in scopes:
                segments.append(_segment(video_row, 0.0, duration, "video", option))
        result = MediaEmbeddingResult(
            segments=segments,
            metadata=MediaEmbeddingMetadata(
                input_filename=Path(timeline.video.path).name if timeline.video.path else None,
                video_clip_length=clip_length,
                video_embedding_scope=list(dict.fromkeys(scopes)),
                duration=duration,
            ),
        )
        spaces = [self.space(option) for option in chosen]
        if has_visual:
            return EmbeddingResponse(
                model_name=self.model_name, spaces=spaces, video_embedding=result
            )
        return EmbeddingResponse(model_name=self.model_name, spaces=spaces, audio_embedding=result)

    def _vectors(
        self,
        timeline: Timeline,
        option: EmbeddingOption,
        spans: list[tuple[float, float]],
        media_path: str | Path | None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """``(clips, dim)`` clip vectors and the whole-video vector of one option."""
        duration = timeline.video.duration
        if option == "visual-text":
            rows = pool_windows(timeline.embeddings["visual"], spans)
            whole = timeline.embeddings.get("visual_video")
            video = (
                whole.vectors[0]
                if whole is not None
                else pool_windows(timeline.embeddings["visual"], [(0.0, duration)])[0]
            )
            return rows, np.asarray(video, dtype=np.float32)
        if option == "audio":
            texts = spoken_texts(timeline, [*spans, (0.0, duration)])
            vectors = np.asarray(self.text_embedder.embed_texts(texts), dtype=np.float32)
            return vectors[:-1], vectors[-1]
        assert self.audio_tagger is not None and media_path is not None
        vectors = sound_vectors(self.audio_tagger, media_path, [*spans, (0.0, duration)])
        return vectors[:-1], vectors[-1]


def _segment(
    vector: np.ndarray,
    start: float | None = None,
    end: float | None = None,
    scope: EmbeddingScope | None = None,
    option: EmbeddingOption | None = None,
) -> EmbeddingSegment:
    return EmbeddingSegment(
        float_=[float(x) for x in np.asarray(vector, dtype=np.float32)],
        start_offset_sec=None if start is None else round(start, 3),
        end_offset_sec=None if end is None else round(end, 3),
        embedding_scope=scope,
        embedding_option=option,
    )
