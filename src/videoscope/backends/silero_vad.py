"""Silero VAD (v6) run directly with onnxruntime: no torch, weights from the ``silero-vad`` wheel.

The model scores 32 ms frames (512 samples at 16 kHz, each prefixed with the previous frame's
last 64 samples as context) with a recurrent state carried from frame to frame. By default the
wheel's *sequence* export (``silero_vad_16k_sequence.onnx``) is used: it runs a whole block of
frames in one ONNX call and gives bit-identical probabilities to the frame-by-frame export, about
three times faster. The frame-by-frame export (``silero_vad.onnx``, inputs ``input``/``state``/
``sr``) also works when passed as ``model_path``.

Frame probabilities become spans with hysteresis: speech starts at a frame scoring at least
``threshold`` and ends at the first frame below ``neg_threshold`` that begins a silence of at
least ``min_silence_duration`` (frames scoring ``threshold`` or more in between cancel the end).
Spans shorter than ``min_speech_duration`` are dropped, the rest are padded by ``speech_pad`` on
each side; when two padded spans would touch, the gap is split at its middle.

Example:
    >>> vad = SileroVAD(speech_pad=0.1)                                  # doctest: +SKIP
    >>> vad.detect(audio)                                                # doctest: +SKIP
    [SpeechSpan(start=1.02, end=4.55), SpeechSpan(start=9.5, end=11.3)]
    >>> stream = vad.stream()                                            # doctest: +SKIP
    >>> for chunk in chunks:                                             # doctest: +SKIP
    ...     closed = stream.feed(chunk)  # spans that can no longer change
    >>> closed = stream.flush()                                          # doctest: +SKIP
"""

from __future__ import annotations

import importlib.util
import logging
from pathlib import Path
from typing import Any

import numpy as np

from videoscope.backends.base import SAMPLE_RATE, SpeechSpan
from videoscope.errors import BackendUnavailableError, ConfigError, VideoscopeError

try:
    import onnxruntime as ort
except ImportError:  # pragma: no cover - exercised only without the extra
    ort = None

logger = logging.getLogger(__name__)

FRAME_SAMPLES = 512
CONTEXT_SAMPLES = 64
FRAME_SECONDS = FRAME_SAMPLES / SAMPLE_RATE
_STATE_SIZE = 128
SEQUENCE_MODEL = "silero_vad_16k_sequence.onnx"
FRAME_MODEL = "silero_vad.onnx"

__all__ = ["FRAME_SECONDS", "SileroVAD", "SileroVADStream", "packaged_model_path"]


def packaged_model_path(filename: str = SEQUENCE_MODEL) -> Path:
    """Path of ``filename`` inside the installed ``silero-vad`` wheel (``silero_vad/data/``).

    The package itself is never imported: its ``__init__`` imports torch, which videoscope does
    not need. Only the location of the installed files is looked up.

    Raises:
        BackendUnavailableError: the wheel is not installed or lacks the file.
    """
    spec = importlib.util.find_spec("silero_vad")
    locations = list(spec.submodule_search_locations or []) if spec else []
    for location in locations:
        candidate = Path(location) / "data" / filename
        if candidate.is_file():
            return candidate
    raise BackendUnavailableError(
        "backend vad='silero'",
        f"the Silero VAD model {filename} was not found (is the silero-vad wheel installed?)",
        "install it without its torch dependency: pip install --no-deps silero-vad==6.2.3, "
        "or pass model_path= to a silero ONNX file",
    )


class SileroVAD:
    """Voice activity detector on the Silero v6 ONNX model; options are keyword arguments.

    Args:
        threshold: a frame with speech probability >= this starts (or continues) speech.
        neg_threshold: a frame below this counts as silence inside speech; default
            ``max(threshold - 0.15, 0.01)``. Frames in between keep the current state.
        min_speech_duration: seconds; shorter spans are dropped.
        min_silence_duration: seconds of silence that end a span.
        speech_pad: seconds added on each side of every span.
        model_path: a Silero ONNX file to use instead of the packaged sequence model.
        block_frames: frames per ONNX call with the sequence model (256 frames = 8.2 s).
        threads: onnxruntime intra-op threads (the model is small; 1 is usually fastest).
    """

    name = "silero"

    def __init__(
        self,
        *,
        threshold: float = 0.5,
        neg_threshold: float | None = None,
        min_speech_duration: float = 0.25,
        min_silence_duration: float = 0.1,
        speech_pad: float = 0.03,
        model_path: str | Path | None = None,
        block_frames: int = 256,
        threads: int = 1,
    ) -> None:
        if ort is None:
            raise BackendUnavailableError(
                "backend vad='silero'",
                "onnxruntime is not installed",
                "pip install 'videoscope[asr]' (or pip install onnxruntime)",
            )
        neg = max(threshold - 0.15, 0.01) if neg_threshold is None else neg_threshold
        if not 0.0 < threshold <= 1.0 or not 0.0 <= neg <= threshold:
            raise ConfigError(
                "backend vad='silero'",
                f"invalid thresholds (threshold={threshold}, neg_threshold={neg})",
                "use 0 < neg_threshold <= threshold <= 1",
            )
        if min(min_speech_duration, min_silence_duration, speech_pad) < 0 or block_frames < 1:
            raise ConfigError(
                "backend vad='silero'",
                "durations must be >= 0 seconds and block_frames >= 1",
                "check the VAD options",
            )
        self.threshold = threshold
        self.neg_threshold = neg
        self.min_speech_duration = min_speech_duration
        self.min_silence_duration = min_silence_duration
        self.speech_pad = speech_pad
        self.block_frames = block_frames
        self.model_path = Path(model_path) if model_path else packaged_model_path()
        if not self.model_path.is_file():
            raise BackendUnavailableError(
                f"backend vad='silero' ({self.model_path})", "the model file does not exist"
            )
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3  # the exported graphs carry harmless unused initialisers
        self._session = ort.InferenceSession(
            str(self.model_path), sess_options=options, providers=["CPUExecutionProvider"]
        )
        inputs = {i.name for i in self._session.get_inputs()}
        if {"input", "h", "c"} <= inputs:
            self._sequence = True
        elif {"input", "state", "sr"} <= inputs:
            self._sequence = False
        else:
            raise BackendUnavailableError(
                f"backend vad='silero' ({self.model_path})",
                f"not a Silero VAD v5/v6 ONNX model (inputs: {sorted(inputs)})",
                "use silero_vad_16k_sequence.onnx or silero_vad.onnx from the silero-vad wheel",
            )

    def initial_state(self) -> Any:
        """A fresh recurrent state for :meth:`score_frames`."""
        if self._sequence:
            zeros = np.zeros((1, 1, _STATE_SIZE), dtype=np.float32)
            return (zeros, zeros.copy())
        return np.zeros((2, 1, _STATE_SIZE), dtype=np.float32)

    def score_frames(self, frames: np.ndarray, state: Any) -> tuple[np.ndarray, Any]:
        """Speech probabilities of ``frames`` shaped ``(n, 64 + 512)`` (context + frame).

        Returns the ``(n,)`` float32 probabilities and the state after the last frame.
        """
        if len(frames) == 0:
            return np.zeros(0, dtype=np.float32), state
        if self._sequence:
            probabilities = []
            hidden, cell = state
            for first in range(0, len(frames), self.block_frames):
                block = frames[first : first + self.block_frames]
                values, hidden, cell = self._session.run(
                    None, {"input": block, "h": hidden, "c": cell}
                )
                probabilities.append(values.reshape(-1))
            return np.concatenate(probabilities).astype(np.float32, copy=False), (hidden, cell)
        rate = np.array(SAMPLE_RATE, dtype=np.int64)
        out = np.empty(len(frames), dtype=np.float32)
        for index in range(len(frames)):
            value, state = self._session.run(
                None, {"input": frames[index : index + 1], "state": state, "sr": rate}
            )
            out[index] = value[0, 0]
        return out, state

    def speech_probabilities(self, audio: np.ndarray) -> np.ndarray:
        """Speech probability of each 32 ms frame of ``audio``; frame ``i`` starts at ``0.032 * i``.

        The last partial frame is zero-padded, so the result has ``ceil(len(audio) / 512)`` values.
        """
        stream = self.stream()
        return np.concatenate([stream.push_audio(audio), stream.push_audio(None)])

    def stream(self) -> SileroVADStream:
        """A stateful detector that takes audio chunk by chunk (see :class:`SileroVADStream`)."""
        return SileroVADStream(self)

    def detect(self, audio: np.ndarray) -> list[SpeechSpan]:
        """Return the speech spans of ``audio`` (16 kHz mono float32), sorted, non-overlapping."""
        stream = self.stream()
        return stream.feed(audio) + stream.flush()


class SileroVADStream:
    """Streaming detection: :meth:`feed` chunks of any length, then :meth:`flush` at the end.

    Each call returns only spans that later audio cannot change any more, with times in seconds
    from the start of the stream. Concatenating the results of all calls equals
    :meth:`SileroVAD.detect` on the whole audio.
    """

    def __init__(self, vad: SileroVAD) -> None:
        self._vad = vad
        self._state = vad.initial_state()
        self._context = np.zeros(CONTEXT_SAMPLES, dtype=np.float32)
        self._pending_audio = np.zeros(0, dtype=np.float32)
        self._samples = 0  # audio samples received
        self._frames = 0  # frames scored
        # first silent frame index (relative to where silence began) that ends a span
        self._min_silence_frames = int(np.ceil(vad.min_silence_duration / FRAME_SECONDS - 1e-9))
        # hysteresis state, in frame indices
        self._in_speech = False
        self._start = 0
        self._silence_from: int | None = None
        # raw (unpadded) spans that are closed but not yet emitted, in seconds
        self._closed: list[tuple[float, float]] = []
        self._previous_end: float | None = None  # raw end of the last emitted span
        self._finished = False

    def push_audio(self, chunk: np.ndarray | None) -> np.ndarray:
        """Score the whole frames now available; ``None`` pads and scores the remainder."""
        if self._finished:
            raise VideoscopeError(
                "SileroVADStream", "audio pushed after flush()", "start a new stream"
            )
        if chunk is None:
            self._finished = True
            rest = len(self._pending_audio)
            if rest == 0:
                return np.zeros(0, dtype=np.float32)
            audio = np.zeros(FRAME_SAMPLES, dtype=np.float32)
            audio[:rest] = self._pending_audio
        else:
            chunk = np.asarray(chunk, dtype=np.float32).reshape(-1)
            self._samples += len(chunk)
            audio = np.concatenate([self._pending_audio, chunk])
        whole = len(audio) // FRAME_SAMPLES * FRAME_SAMPLES
        self._pending_audio = audio[whole:].copy()
        if whole == 0:
            return np.zeros(0, dtype=np.float32)
        frames = audio[:whole].reshape(-1, FRAME_SAMPLES)
        contexts = np.empty((len(frames), CONTEXT_SAMPLES), dtype=np.float32)
        contexts[0] = self._context
        contexts[1:] = frames[:-1, -CONTEXT_SAMPLES:]
        self._context = frames[-1, -CONTEXT_SAMPLES:].copy()
        batch = np.ascontiguousarray(np.concatenate([contexts, frames], axis=1))
        probabilities, self._state = self._vad.score_frames(batch, self._state)
        return probabilities

    def feed(self, chunk: np.ndarray) -> list[SpeechSpan]:
        """Add audio (16 kHz mono float32); return the spans that are now final."""
        probabilities = self.push_audio(chunk)
        self._track(probabilities)
        return self._emit(final=False)

    def flush(self) -> list[SpeechSpan]:
        """End of audio: close any open span and return the remaining spans."""
        probabilities = self.push_audio(None)
        self._track(probabilities)
        if self._in_speech:
            end = self._silence_from if self._silence_from is not None else self._frames
            self._close(self._start, end, clip_to_audio=self._silence_from is None)
            self._in_speech = False
        return self._emit(final=True)

    def _track(self, probabilities: np.ndarray) -> None:
        """Run the hysteresis over new frame probabilities, jumping from event to event."""
        vad = self._vad
        speech = np.flatnonzero(probabilities >= vad.threshold)
        silence = np.flatnonzero(probabilities < vad.neg_threshold)
        base, n, i = self._frames, len(probabilities), 0
        while i < n:
            if not self._in_speech:
                k = int(np.searchsorted(speech, i))
                if k == len(speech):
                    break
                self._in_speech, self._start, self._silence_from = True, base + int(speech[k]), None
                i = int(speech[k]) + 1
                continue
            if self._silence_from is None:
                k = int(np.searchsorted(silence, i))
                if k == len(silence):
                    break
                self._silence_from = base + int(silence[k])
                i = int(silence[k])
            # Silence began at frame self._silence_from: the span ends at the first silent frame
            # that completes min_silence_duration, unless a speech frame comes first.
            earliest = max(i, self._silence_from + self._min_silence_frames - base)
            k_end = int(np.searchsorted(silence, earliest))
            k_speech = int(np.searchsorted(speech, i))
            end_at = int(silence[k_end]) if k_end < len(silence) else None
            speech_at = int(speech[k_speech]) if k_speech < len(speech) else None
            if speech_at is not None and (end_at is None or speech_at < end_at):
                self._silence_from = None
                i = speech_at + 1
            elif end_at is not None:
                self._close(self._start, self._silence_from)
                self._in_speech, self._silence_from = False, None
                i = end_at + 1
            else:
                break
        self._frames += n

    def _close(self, start: int, end: int, clip_to_audio: bool = False) -> None:
        start_s = start * FRAME_SECONDS
        end_s = end * FRAME_SECONDS
        if clip_to_audio:
            end_s = min(end_s, self._samples / SAMPLE_RATE)
        if end_s - start_s > self._vad.min_speech_duration:
            self._closed.append((start_s, end_s))

    def _next_start(self, end: float) -> tuple[bool, float | None]:
        """Whether the padding after a span ending at ``end`` is decided, and the next start.

        Padding is shared with the next span when they are closer than twice ``speech_pad``; the
        open span (if any) counts once it is sure to outlast ``min_speech_duration``.
        """
        reach = end + 2 * self._vad.speech_pad
        if not self._in_speech:
            return self._frames * FRAME_SECONDS >= reach, None
        start = self._start * FRAME_SECONDS
        if start >= reach:
            return True, None
        earliest_end = self._silence_from if self._silence_from is not None else self._frames
        certain = earliest_end * FRAME_SECONDS - start > self._vad.min_speech_duration
        return certain, start

    def _emit(self, *, final: bool) -> list[SpeechSpan]:
        """Pad the closed spans whose padding no later audio can change."""
        pad = self._vad.speech_pad
        duration = self._samples / SAMPLE_RATE
        out: list[SpeechSpan] = []
        while self._closed:
            start, end = self._closed[0]
            following: float | None
            if len(self._closed) > 1:
                following = self._closed[1][0]
            elif final:
                following = None
            else:
                decided, following = self._next_start(end)
                if not decided:
                    break
            padded_start = max(start - pad, 0.0)
            if self._previous_end is not None:
                padded_start = max(padded_start, (self._previous_end + start) / 2)
            padded_end = min(end + pad, duration)
            if following is not None:
                padded_end = min(padded_end, (end + following) / 2)
            out.append(SpeechSpan(float(round(padded_start, 4)), float(round(padded_end, 4))))
            self._previous_end = end
            self._closed.pop(0)
        return out
