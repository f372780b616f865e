"""Model backends: one interface per role (``base``), named implementations, a lazy registry."""

from videoscope.backends.base import (
    SAMPLE_RATE,
    AudioTag,
    AudioTagger,
    ImageTextEmbedder,
    LanguageModel,
    RecognizedWord,
    SpeechRecognizer,
    SpeechSpan,
    TextDetection,
    TextEmbedder,
    TextRecognizer,
    Transcription,
    VoiceActivityDetector,
)
from videoscope.backends.registry import available_backends, load_backend, register_backend

__all__ = [
    "SAMPLE_RATE",
    "AudioTag",
    "AudioTagger",
    "ImageTextEmbedder",
    "LanguageModel",
    "RecognizedWord",
    "SpeechRecognizer",
    "SpeechSpan",
    "TextDetection",
    "TextEmbedder",
    "TextRecognizer",
    "Transcription",
    "VoiceActivityDetector",
    "available_backends",
    "load_backend",
    "register_backend",
]
