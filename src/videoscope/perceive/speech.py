"""Speech: voice activity, then Whisper words with timestamps, sentences and the language.

The audio streams through in chunks and is never held whole:

1. **Regions.** A small rolling buffer is re-scanned by the VAD backend every few seconds. A
   speech span that enough silence follows is *closed*: it becomes a region (already padded by
   the VAD) and the buffer drops everything before its end. Silence and music are dropped as they
   pass, keeping a second of context. A region longer than ``max_region`` seconds is split at its
   quietest 100 ms near that length, so the buffer stays below ~``max_region`` + ``hop`` seconds.
2. **Recognition.** Closed regions are queued into a batch (separated by short silences) and the
   batch is transcribed as soon as it holds ``batch_seconds`` of audio, on the stage's worker
   thread while decoding goes on. Batching fills Whisper's 30 s window instead of decoding one
   padded window per sentence; Whisper's own VAD is off (the regions already are speech).
3. **Words.** Each word is mapped back to the region it overlaps most (a word in the silence
   between two goes to the one before), clipped into it (so no word lands in music or silence
   between regions) and shifted onto the video's time axis.
4. **Sentences.** :func:`sentences` groups words into utterances, splitting after sentence
   punctuation, at pauses between words longer than ``sentence_pause`` and between regions (a
   pause of at least ``min_silence`` that the VAD heard: Whisper often joins sentences with a
   comma across such a pause). Each utterance carries the language
   the ASR identified for its batch; :func:`dominant_language` reads the main one back.

Silences are not written here: :class:`~videoscope.perceive.silence.SilenceStage` owns them.

Example:
    >>> timeline = index_video("talk.mp4", [SpeechStage()])  # doctest: +SKIP
    >>> timeline.utterances[0].text, timeline.utterances[0].language  # doctest: +SKIP
    ('The rocket launch was a complete success today.', 'en')
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from videoscope.backends.base import (
    SAMPLE_RATE,
    RecognizedWord,
    SpeechRecognizer,
    VoiceActivityDetector,
)
from videoscope.backends.registry import load_backend
from videoscope.config import Settings
from videoscope.media.decode import AudioChunk
from videoscope.media.probe import MediaInfo
from videoscope.perceive.base import Stage
from videoscope.timeline.model import Timeline, Utterance, Word

logger = logging.getLogger(__name__)

_SENTENCE_END = (".", "?", "!", "。", "？", "！")
_QUIET_FRAME = SAMPLE_RATE // 10  # 100 ms frames when looking for the quietest split point
#: Whisper's CTranslate2 threads unless the options (or ``settings.threads``) say otherwise: the
#: stage shares the cores with the other stages, and on the 2-core machine one thread took about
#: 10 % less CPU per 25 s batch than two (1.19 s against 1.32 s), in about the same wall time.
_WHISPER_THREADS = 1


@dataclass(frozen=True)
class SpeechOptions:
    """Everything that changes the speech stage's output; all of it is in the cache key."""

    #: Backend names (see :mod:`videoscope.backends.registry`).
    vad: str = "silero"
    asr: str = "whisper"
    #: Language code to force; None lets the ASR detect it (English-only models say "en").
    language: str | None = None
    #: Whisper beam width.
    beam_size: int = 5
    #: VAD speech-probability threshold.
    vad_threshold: float = 0.5
    #: A pause this long (seconds) closes a VAD span.
    min_silence: float = 0.5
    #: Seconds of audio the VAD adds on each side of a span (halved between close spans).
    pad: float = 0.2
    #: Longer regions are split at their quietest point near this length (seconds).
    max_region: float = 25.0
    #: Regions are transcribed together until a batch holds this many seconds (0: one by one).
    batch_seconds: float = 25.0
    #: Silence (seconds) placed between the regions of a batch.
    batch_gap: float = 0.5
    #: A pause between words longer than this (seconds) ends an utterance.
    sentence_pause: float = 0.7
    #: The VAD re-scans its buffer each time this many seconds of audio have arrived.
    hop: float = 4.0
    #: Further keyword options for the backends (e.g. ``{"model_path": ...}`` for Whisper).
    vad_options: dict[str, Any] = field(default_factory=dict)
    asr_options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _Region:
    """Speech audio from ``start`` seconds on the video's axis."""

    start: float
    samples: np.ndarray

    @property
    def end(self) -> float:
        return self.start + len(self.samples) / SAMPLE_RATE


@dataclass(frozen=True, slots=True)
class _Heard:
    """A recognised word on the video's axis, with the language of its batch and its region."""

    word: RecognizedWord
    language: str | None
    region: int


class SpeechStage(Stage):
    """VAD regions, Whisper words with times, sentence utterances and the spoken language."""

    name = "speech"
    wants_audio = True

    def __init__(self, **options: Any) -> None:
        self.settings = SpeechOptions(**options)
        self._vad: VoiceActivityDetector | None = None
        self._asr: SpeechRecognizer | None = None
        #: The dominant language (most words) of the last run; None before a run or without speech.
        self.language: str | None = None
        self._reset()

    @classmethod
    def from_settings(cls, settings: Settings) -> SpeechStage:
        """Backends and their options from the project settings."""
        extra = settings.backends.options
        asr_options = dict(extra.get("asr", {}))
        if settings.threads:
            asr_options.setdefault("threads", settings.threads)
        return cls(
            vad=settings.backends.vad,
            asr=settings.backends.asr,
            vad_options=dict(extra.get("vad", {})),
            asr_options=asr_options,
        )

    def options(self) -> dict[str, Any]:
        """Backend names, decoding options and thresholds (the cache key; thread counts, which
        do not change the result, are left out)."""
        options = asdict(self.settings)
        for backend in ("vad_options", "asr_options"):
            options[backend].pop("threads", None)
        return options

    # ------------------------------------------------------------------ feeding

    def _reset(self) -> None:
        self._buffer = np.zeros(0, dtype=np.float32)
        self._buffer_start: float | None = None  # video time of self._buffer[0]
        self._unscanned = 0.0  # seconds received since the last VAD scan
        self._batch: list[_Region] = []
        self._heard: list[_Heard] = []
        self._regions = 0  # regions transcribed so far

    def begin(self, info: MediaInfo) -> None:
        """Load the backends (cached across stages and runs) and start a fresh stream."""
        o = self.settings
        self._vad = load_backend(
            "vad",
            o.vad,
            **_hashable(
                {
                    "threshold": o.vad_threshold,
                    "min_silence_duration": o.min_silence,
                    "speech_pad": o.pad,
                    **o.vad_options,
                }
            ),
        )
        threads = {"threads": _WHISPER_THREADS} if o.asr == "whisper" else {}
        self._asr = load_backend(
            "asr",
            o.asr,
            **_hashable({"beam_size": o.beam_size, "vad": False, **threads, **o.asr_options}),
        )
        self._reset()

    def feed_audio(self, chunk: AudioChunk) -> None:
        """Buffer the chunk; every ``hop`` seconds, queue closed regions (full batches run ASR)."""
        if self._buffer_start is None:
            self._buffer_start = chunk.start
        self._buffer = np.concatenate([self._buffer, chunk.samples.astype(np.float32, copy=False)])
        self._unscanned += len(chunk.samples) / SAMPLE_RATE
        if self._unscanned >= self.settings.hop:
            self._unscanned = 0.0
            for region in self._scan(final=False):
                self._queue(region)

    def end(self, timeline: Timeline) -> None:
        """Transcribe what is left; write ``words`` and ``utterances``."""
        if self._buffer_start is not None:
            for region in self._scan(final=True):
                self._queue(region)
            self._transcribe_batch()
        duration = timeline.video.duration
        heard = [h for h in self._heard if h.word.start < duration]
        words = [
            Word(
                start=round(h.word.start, 3),
                end=round(min(h.word.end, duration), 3),
                text=h.word.text,
                confidence=round(min(max(h.word.confidence, 0.0), 1.0), 4),
            )
            for h in heard
        ]
        timeline.words.extend(words)
        timeline.utterances.extend(
            sentences(
                words,
                [h.language for h in heard],
                self.settings.sentence_pause,
                regions=[h.region for h in heard],
            )
        )
        languages = Counter(h.language for h in heard if h.language)
        self.language = languages.most_common(1)[0][0] if languages else None
        self._reset()

    # ------------------------------------------------------------------ regions

    def _scan(self, *, final: bool) -> list[_Region]:
        """Run the VAD over the buffer; return closed regions and trim the buffer behind them."""
        assert self._vad is not None and self._buffer_start is not None
        o = self.settings
        origin, audio = self._buffer_start, self._buffer
        length = len(audio) / SAMPLE_RATE
        spans = self._vad.detect(audio) if len(audio) else []
        # A span ending this close to the buffer end may still grow: keep it for the next scan.
        hold = 0.0 if final else o.min_silence + o.pad + 0.2
        regions: list[_Region] = []
        keep_from = max(0.0, length - (o.pad + 1.0)) if not final else length
        for span in spans:
            if span.end <= length - hold:
                regions.extend(self._split(origin, span.start, span.end))
                keep_from = max(keep_from, span.end) if not final else length
                continue
            # The open span: keep it, unless it has grown too long to wait for.
            keep_from = span.start
            if length - span.start > o.max_region:
                cut = self._quietest(span.start + o.max_region / 2, span.start + o.max_region)
                regions.extend(self._split(origin, span.start, cut))
                keep_from = cut
            break
        first = round(keep_from * SAMPLE_RATE)
        self._buffer = audio[first:].copy()
        self._buffer_start = origin + first / SAMPLE_RATE
        return regions

    def _split(self, origin: float, start: float, end: float) -> list[_Region]:
        """The buffer's ``[start, end]`` as regions no longer than ``max_region`` seconds."""
        limit = self.settings.max_region
        pieces, cursor = [], start
        while end - cursor > limit:
            cut = self._quietest(cursor + limit / 2, cursor + limit)
            pieces.append((cursor, cut))
            cursor = cut
        pieces.append((cursor, end))
        return [
            _Region(
                origin + round(a * SAMPLE_RATE) / SAMPLE_RATE,
                self._buffer[round(a * SAMPLE_RATE) : round(b * SAMPLE_RATE)].copy(),
            )
            for a, b in pieces
            if b > a
        ]

    def _quietest(self, lo: float, hi: float) -> float:
        """Middle of the quietest 100 ms frame of the buffer between ``lo`` and ``hi`` seconds."""
        first, last = int(lo * SAMPLE_RATE), min(int(hi * SAMPLE_RATE), len(self._buffer))
        frames = (last - first) // _QUIET_FRAME
        if frames < 1:
            return hi
        window = self._buffer[first : first + frames * _QUIET_FRAME].reshape(frames, _QUIET_FRAME)
        energy = np.mean(window.astype(np.float64) ** 2, axis=1)
        return (first + (int(np.argmin(energy)) + 0.5) * _QUIET_FRAME) / SAMPLE_RATE

    # ------------------------------------------------------------------ recognition

    def _queue(self, region: _Region) -> None:
        """Add a region to the batch; transcribe the batch first if the region would overflow it."""
        o = self.settings
        queued = sum(len(r.samples) for r in self._batch) / SAMPLE_RATE
        extra = len(region.samples) / SAMPLE_RATE + o.batch_gap * len(self._batch)
        if self._batch and queued + extra > o.batch_seconds:
            self._transcribe_batch()
        self._batch.append(region)

    def _transcribe_batch(self) -> None:
        """Transcribe the queued regions as one clip and map each word back to its region."""
        if not self._batch:
            return
        assert self._asr is not None
        gap = np.zeros(int(self.settings.batch_gap * SAMPLE_RATE), dtype=np.float32)
        pieces: list[np.ndarray] = []
        starts: list[float] = []  # clip time of each region's first sample
        cursor = 0
        for region in self._batch:
            if pieces:
                pieces.append(gap)
                cursor += len(gap)
            starts.append(cursor / SAMPLE_RATE)
            pieces.append(region.samples)
            cursor += len(region.samples)
        result = self._asr.transcribe(np.concatenate(pieces), language=self.settings.language)
        for word in result.words:
            placed, index = _place(word, self._batch, starts)
            self._heard.append(_Heard(placed, result.language, self._regions + index))
        self._regions += len(self._batch)
        logger.debug("transcribed %d regions: %d words", len(self._batch), len(result.words))
        self._batch = []


def _place(
    word: RecognizedWord, regions: Sequence[_Region], starts: Sequence[float]
) -> tuple[RecognizedWord, int]:
    """Move a word from clip time onto the video axis, inside the region it overlaps most.

    A word that overlaps no region (it lies in the silence between two) belongs to the region
    before it: Whisper's word times lag, most often on the last word of a sentence. Returns the
    moved word and the index of its region.
    """
    best, best_overlap = 0, 0.0
    for index, (region, start) in enumerate(zip(regions, starts, strict=True)):
        overlap = min(word.end, start + len(region.samples) / SAMPLE_RATE) - max(word.start, start)
        if overlap > best_overlap:
            best, best_overlap = index, overlap
        if best_overlap == 0.0 and start <= word.start:
            best = index
    region, shift = regions[best], regions[best].start - starts[best]
    start = min(max(word.start + shift, region.start), region.end)
    end = min(max(word.end + shift, start), region.end)
    return RecognizedWord(start=start, end=end, text=word.text, confidence=word.confidence), best


def sentences(
    words: Sequence[Word],
    languages: Sequence[str | None],
    pause: float = 0.7,
    *,
    regions: Sequence[int] | None = None,
) -> list[Utterance]:
    """Group time-sorted words into utterances: split after ``. ? !`` and at pauses > ``pause`` s.

    ``languages`` gives each word's language; an utterance takes its first word's. ``regions``
    (optional) gives each word's speech region: a new region (the VAD heard a pause) also starts
    a new utterance. Utterances never overlap (a start moves to the previous end if needed).

    Example:
        >>> ws = [Word(start=0, end=0.4, text="Hi."), Word(start=0.5, end=0.9, text="Bye")]
        >>> [u.text for u in sentences(ws, ["en", "en"])]
        ['Hi.', 'Bye']
    """
    out: list[Utterance] = []
    group: list[int] = []

    def close() -> None:
        if not group:
            return
        first, last = words[group[0]], words[group[-1]]
        start = max(first.start, out[-1].end if out else 0.0)
        text = " ".join(words[i].text for i in group).strip()
        out.append(
            Utterance(
                start=start, end=max(last.end, start), text=text, language=languages[group[0]]
            )
        )
        group.clear()

    for index, word in enumerate(words):
        if group and (
            word.start - words[group[-1]].end > pause
            or (regions is not None and regions[index] != regions[group[-1]])
        ):
            close()
        group.append(index)
        if word.text.endswith(_SENTENCE_END):
            close()
    close()
    return out


def dominant_language(timeline: Timeline) -> str | None:
    """The language spoken longest in ``timeline``'s utterances; None without speech."""
    seconds: dict[str, float] = {}
    for utterance in timeline.utterances:
        if utterance.language:
            spoken = utterance.end - utterance.start
            seconds[utterance.language] = seconds.get(utterance.language, 0.0) + spoken
    return max(seconds, key=lambda language: seconds[language]) if seconds else None


def _hashable(options: dict[str, Any]) -> dict[str, Any]:
    """Backend options with lists turned into tuples (the registry caches by options)."""
    return {k: tuple(v) if isinstance(v, list) else v for k, v in options.items()}
