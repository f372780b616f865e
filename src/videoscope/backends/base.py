"""One small interface per model role; backends adapt their model's raw output into these records.

Every array crossing these interfaces is NumPy:

* audio: mono ``float32`` samples in [-1, 1] at :data:`SAMPLE_RATE` (16 kHz);
* images: ``uint8`` RGB arrays shaped ``(height, width, 3)``;
* embeddings: ``float32`` arrays shaped ``(n, dim)``, each row L2-normalised.

Times returned by a backend are seconds relative to the start of the array it was given; the
perception stages shift them onto the video's time axis.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np

SAMPLE_RATE = 16_000


@dataclass(frozen=True, slots=True)
class SpeechSpan:
    """A stretch of audio that holds speech, in seconds."""

    start: float
    end: float


@dataclass(frozen=True, slots=True)
class RecognizedWord:
    """One recognised word with its time span and the model's confidence in [0, 1]."""

    start: float
    end: float
    text: str
    confidence: float = 1.0


@dataclass(frozen=True, slots=True)
class Transcription:
    """What an ASR backend heard in one audio array."""

    language: str | None
    words: list[RecognizedWord] = field(default_factory=list)
    language_probability: float | None = None


@dataclass(frozen=True, slots=True)
class TextDetection:
    """A line of text found in an image; ``box`` is (x0, y0, x1, y1) in pixels of that image."""

    text: str
    box: tuple[float, float, float, float]
    confidence: float


@dataclass(frozen=True, slots=True)
class AudioTag:
    """An audio class heard during [start, end] seconds, with a score in [0, 1]."""

    start: float
    end: float
    label: str
    score: float


@runtime_checkable
class VoiceActivityDetector(Protocol):
    """Finds where speech is in an audio array."""

    name: str

    def detect(self, audio: np.ndarray) -> list[SpeechSpan]:
        """Return the speech spans of ``audio`` (16 kHz mono float32), sorted, non-overlapping."""
        ...


@runtime_checkable
class SpeechRecognizer(Protocol):
    """Turns speech audio into words with timestamps."""

    name: str

    def transcribe(self, audio: np.ndarray, language: str | None = None) -> Transcription:
        """Transcribe ``audio`` (16 kHz mono float32); ``language`` None means detect it."""
        ...


@runtime_checkable
class TextRecognizer(Protocol):
    """OCR: reads the text lines in an image."""

    name: str

    def read(self, image: np.ndarray) -> list[TextDetection]:
        """Return the text lines found in ``image`` (uint8 RGB)."""
        ...


@runtime_checkable
class TextEmbedder(Protocol):
    """Embeds texts into a vector space for semantic similarity."""

    name: str
    dim: int

    def embed_texts(self, texts: Sequence[str]) -> np.ndarray:
        """Return an ``(len(texts), dim)`` float32 array of L2-normalised rows."""
        ...


@runtime_checkable
class ImageTextEmbedder(Protocol):
    """Embeds images and texts into one shared space (CLIP family)."""

    name: str
    dim: int

    def embed_images(self, images: Sequence[np.ndarray]) -> np.ndarray:
        """Return an ``(len(images), dim)`` float32 array of L2-normalised rows."""
        ...

    def embed_texts(self, texts: Sequence[str]) -> np.ndarray:
        """Return an ``(len(texts), dim)`` float32 array of L2-normalised rows, same space."""
        ...


@runtime_checkable
class AudioTagger(Protocol):
    """Labels what is heard: at least speech, music, silence and crowd-like noise."""

    name: str

    def tag(self, audio: np.ndarray) -> list[AudioTag]:
        """Return timed audio tags for ``audio`` (16 kHz mono float32)."""
        ...


@runtime_checkable
class VisionLanguageModel(Protocol):
    """A model that looks at images and answers in text (a VLM: Qwen2.5-VL, SmolVLM, LLaVA...).

    Callers send at most ``max_images`` images per call; the backend scales each to
    ``image_size`` pixels on its longest side. ``concurrency`` is how many calls the caller may
    run at once (a server can batch them; an in-process model is 1).
    """

    name: str
    max_images: int
    image_size: int
    concurrency: int

    def describe(
        self,
        images: Sequence[np.ndarray],
        prompt: str,
        *,
        system: str | None = None,
        temperature: float = 0.0,
        max_tokens: int = 256,
    ) -> str:
        """Answer ``prompt`` about ``images`` (uint8 RGB, in time order); never empty.

        Raises:
            VideoscopeError: the model is unreachable, failed, or answered nothing usable.
        """
        ...


#: Characters per token, on the safe side, to budget prompts without a tokenizer (timestamps and
#: digits cost about one token each in small models' vocabularies).
CHARS_PER_TOKEN = 2.5


@runtime_checkable
class LanguageModel(Protocol):
    """A chat LLM; ``json_schema`` constrains the output so that it always validates."""

    name: str
    context_tokens: int

    def complete(
        self,
        messages: Sequence[dict[str, str]],
        *,
        json_schema: dict[str, Any] | None = None,
        temperature: float = 0.0,
        max_tokens: int = 512,
    ) -> str:
        """Return the full reply to ``messages`` (OpenAI chat format)."""
        ...

    def stream(
        self,
        messages: Sequence[dict[str, str]],
        *,
        json_schema: dict[str, Any] | None = None,
        temperature: float = 0.0,
        max_tokens: int = 512,
    ) -> Iterator[str]:
        """Yield the reply piece by piece; the pieces join to what :meth:`complete` returns."""
        ...
