"""Decode a file once into a stream of frames and audio chunks that every stage shares.

:func:`decode` demuxes video and audio in one pass and yields :class:`DecodedFrame` and
:class:`AudioChunk` items in presentation order. A frame converts itself to an upright RGB array
at whatever size a stage asks for (each size converted once, then cached on the frame, by FFmpeg
scalers kept per size from frame to frame), so a shot detector at 96 px and an
OCR stage at 960 px read the same decode; a frame no stage asks for is never converted. Audio
comes resampled to 16 kHz mono float32 in fixed-length chunks. Nothing accumulates: memory stays
flat in video length.

Damage is handled the way a user wants: a file that stops decoding part-way yields what decoded
and records it in :class:`DecodeReport` (``truncated``), instead of failing the whole index.

Example:
    >>> for item in decode(probe("clip.mp4"), video=True, audio=True):  # doctest: +SKIP
    ...     if isinstance(item, DecodedFrame):
    ...         small = item.rgb(max_side=160)
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import av
import av.error
import numpy as np
from av.video.reformatter import VideoReformatter

from videoscope.errors import CorruptMediaError, NotAVideoError
from videoscope.media.probe import MediaInfo, display_geometry, open_container

logger = logging.getLogger(__name__)

SAMPLE_RATE = 16_000
#: A file whose decoded media ends more than this many seconds before its stated duration is
#: reported as truncated.
TRUNCATION_TOLERANCE = 1.0


class DecodedFrame:
    """One decoded video frame at its exact presentation time, convertible at any size.

    Conversions are upright (``rotation``, counter-clockwise degrees, undone) and have square
    pixels (a frame stored with ``sample_aspect_ratio`` != 1 is stretched to its display width,
    as players show it), so every model sees the picture as a viewer does.
    """

    __slots__ = ("_cache", "_display", "_frame", "_rotation", "index", "time")

    def __init__(
        self,
        frame: av.VideoFrame,
        time: float,
        index: int,
        rotation: int,
        sample_aspect_ratio: float = 1.0,
    ) -> None:
        self._frame = frame
        self._rotation = rotation
        self._display = display_geometry(frame.width, frame.height, sample_aspect_ratio)
        self._cache: dict[int, np.ndarray] = {}
        self.time = time
        self.index = index

    @property
    def size(self) -> tuple[int, int]:
        """Upright (width, height) at full display resolution."""
        width, height = self._display
        return (height, width) if self._rotation in (90, 270) else (width, height)

    def rgb(self, max_side: int | None = None) -> np.ndarray:
        """Upright ``uint8`` RGB array whose longest side is at most ``max_side`` pixels."""
        width, height = self._display
        scale = 1.0 if max_side is None else min(1.0, max_side / max(width, height))
        key = max(width, height) if scale == 1.0 else int(max_side or 0)
        if key not in self._cache:
            target_w = max(2, round(width * scale / 2) * 2)
            target_h = max(2, round(height * scale / 2) * 2)
            image = _converter(target_w, target_h).convert(self._frame, target_w, target_h)
            if self._rotation:
                image = np.ascontiguousarray(np.rot90(image, self._rotation // 90))
            self._cache[key] = image
        return self._cache[key]


class _Converter:
    """Scales a frame with area averaging and converts it to RGB, with FFmpeg contexts kept.

    Building a scaler per frame (what ``VideoFrame.to_ndarray(width=...)`` does) cost 5x the
    conversion itself for a 96 px thumbnail of a 720p frame. A large output (at least half the
    source's width) is scaled in the source's own pixel format first and converted to RGB after:
    for 960 px from 720p H.264 that cost 0.6 ms instead of 1.5 ms, at a level or so of
    difference. A small thumbnail is scaled straight into RGB, which costs the same and keeps its
    colour at full resolution.
    """

    __slots__ = ("scaler", "to_rgb")

    def __init__(self) -> None:
        self.scaler = VideoReformatter()
        self.to_rgb = VideoReformatter()

    def convert(self, frame: av.VideoFrame, width: int, height: int) -> np.ndarray:
        if (width, height) == (frame.width, frame.height) or 2 * width < frame.width:
            direct = self.to_rgb.reformat(
                frame, width=width, height=height, format="rgb24", interpolation="AREA"
            )
            return direct.to_ndarray()
        scaled = self.scaler.reformat(frame, width=width, height=height, interpolation="AREA")
        return self.to_rgb.reformat(scaled, format="rgb24").to_ndarray()


def _converter(width: int, height: int) -> _Converter:
    """This thread's converter to ``width`` x ``height`` (FFmpeg contexts are not shareable)."""
    cache: dict[tuple[int, int], _Converter] | None = getattr(_local, "converters", None)
    if cache is None:
        cache = _local.converters = {}
    if (width, height) not in cache:
        if len(cache) >= 16:  # sizes change only with the source: keep a handful
            cache.clear()
        cache[(width, height)] = _Converter()
    return cache[(width, height)]


_local = threading.local()


@dataclass(frozen=True, slots=True)
class AudioChunk:
    """Mono float32 samples at 16 kHz starting at ``start`` seconds."""

    start: float
    samples: np.ndarray

    @property
    def end(self) -> float:
        """Time just after the last sample."""
        return self.start + len(self.samples) / SAMPLE_RATE


@dataclass(slots=True)
class DecodeReport:
    """What one decode pass actually delivered; filled while iterating."""

    frames: int = 0
    audio_seconds: float = 0.0
    last_time: float = 0.0
    truncated: bool = False
    warnings: list[str] = field(default_factory=list)


def decode(
    info: MediaInfo,
    *,
    video: bool = True,
    audio: bool = True,
    audio_chunk_seconds: float = 2.0,
    report: DecodeReport | None = None,
    threads: int = 0,
) -> Iterator[DecodedFrame | AudioChunk]:
    """Yield the frames and/or 16 kHz mono audio chunks of ``info.path`` in one pass.

    Args:
        info: the file's probe result (gives stream layout, rotation, pixel shape, duration).
        video: decode the video stream (ignored when there is none).
        audio: decode the first audio stream (ignored when there is none).
        audio_chunk_seconds: length of each yielded audio chunk (the last may be shorter).
        report: filled with counts, last decoded time and truncation while iterating.
        threads: decoder threads (0 lets FFmpeg choose).

    Raises:
        NotAVideoError: neither a video nor an audio stream was asked for and present.
        CorruptMediaError: not a single frame or sample could be decoded.
    """
    report = report if report is not None else DecodeReport()
    path = Path(info.path)
    with open_container(path) as container:
        video_stream = _pick_video(container) if video and info.video else None
        audio_stream = container.streams.audio[0] if audio and info.audio else None
        if video_stream is None and audio_stream is None:
            raise NotAVideoError(
                str(path), "there is no stream to decode", "give a file with video or audio"
            )
        if video_stream is not None:
            video_stream.thread_type = "AUTO"
            video_stream.codec_context.thread_count = threads
        rotation = info.video.rotation if info.video else 0
        pixel_shape = info.video.sample_aspect_ratio if info.video else 1.0
        audio_out = _AudioAssembler(audio_chunk_seconds)
        resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
        streams = [s for s in (video_stream, audio_stream) if s is not None]
        try:
            for packet in container.demux(*streams):
                for frame in _decode_packet(packet, report):
                    if isinstance(frame, av.VideoFrame):
                        if frame.pts is None or frame.time is None:
                            continue
                        report.frames += 1
                        report.last_time = max(report.last_time, frame.time)
                        yield DecodedFrame(
                            frame, float(frame.time), report.frames - 1, rotation, pixel_shape
                        )
                    elif isinstance(frame, av.AudioFrame):
                        for resampled in resampler.resample(frame):
                            yield from audio_out.push(resampled)
            if audio_stream is not None:
                for resampled in resampler.resample(None):
                    yield from audio_out.push(resampled)
            yield from audio_out.flush()
        except av.error.FFmpegError as error:
            report.truncated = True
            report.warnings.append(f"decoding stopped at {report.last_time:.2f}s: {error}")
            yield from audio_out.flush()
        report.audio_seconds = audio_out.emitted / SAMPLE_RATE
        report.last_time = max(report.last_time, audio_out.end_time)
    _finish_report(info, report, want_video=video_stream is not None)


def _pick_video(container: av.container.InputContainer) -> av.video.stream.VideoStream | None:
    for stream in container.streams.video:
        if not stream.disposition & av.stream.Disposition.attached_pic:
            return stream
    return None


def _decode_packet(
    packet: av.Packet, report: DecodeReport
) -> list[av.VideoFrame] | list[av.AudioFrame]:
    """Decode one packet; a damaged packet is skipped with a warning instead of ending the pass."""
    try:
        return packet.decode()
    except av.error.InvalidDataError as error:
        if len(report.warnings) < 20:
            report.warnings.append(
                f"skipped a damaged packet near {report.last_time:.2f}s: {error}"
            )
        return []


def _finish_report(info: MediaInfo, report: DecodeReport, want_video: bool) -> None:
    if want_video and report.frames == 0:
        raise CorruptMediaError(
            info.path,
            "no video frame could be decoded",
            "the file is damaged or truncated before its first frame; re-export it",
        )
    if not want_video and report.audio_seconds == 0:
        raise CorruptMediaError(
            info.path, "no audio could be decoded", "the file is damaged; re-export it"
        )
    if report.last_time < info.duration - TRUNCATION_TOLERANCE:
        report.truncated = True
        report.warnings.append(
            f"only {report.last_time:.2f}s of the stated {info.duration:.2f}s decoded: "
            "the file looks truncated; indexed what was readable"
        )


class _AudioAssembler:
    """Cuts resampled audio frames into fixed-length chunks on one continuous time axis."""

    def __init__(self, chunk_seconds: float) -> None:
        self.chunk_samples = max(1, int(chunk_seconds * SAMPLE_RATE))
        self.pending: list[np.ndarray] = []
        self.pending_samples = 0
        self.origin: float | None = None
        self.emitted = 0

    @property
    def end_time(self) -> float:
        return (self.origin or 0.0) + self.emitted / SAMPLE_RATE

    def push(self, frame: av.AudioFrame) -> Iterator[AudioChunk]:
        if self.origin is None:
            self.origin = max(0.0, float(frame.time or 0.0))
        samples = frame.to_ndarray().reshape(-1).astype(np.float32, copy=False)
        self.pending.append(samples)
        self.pending_samples += len(samples)
        while self.pending_samples >= self.chunk_samples:
            joined = np.concatenate(self.pending)
            yield self._emit(joined[: self.chunk_samples])
            rest = joined[self.chunk_samples :]
            self.pending = [rest] if len(rest) else []
            self.pending_samples = len(rest)

    def flush(self) -> Iterator[AudioChunk]:
        if self.pending_samples:
            yield self._emit(np.concatenate(self.pending))
        self.pending, self.pending_samples = [], 0

    def _emit(self, samples: np.ndarray) -> AudioChunk:
        chunk = AudioChunk(self.end_time, np.ascontiguousarray(samples))
        self.emitted += len(samples)
        return chunk
