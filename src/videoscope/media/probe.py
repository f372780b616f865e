"""Probe a media file: container, duration, streams, frame rate mode, rotation, pixel shape.

Every failure is a :class:`~videoscope.errors.MediaError` naming the file and what to do.

Example:
    >>> info = probe("clip.mp4")  # doctest: +SKIP
    >>> info.duration, info.video.display_size, info.video.frame_rate_mode  # doctest: +SKIP
    (12.0, (1280, 720), 'constant')
"""

from __future__ import annotations

import itertools
import os
from fractions import Fraction
from pathlib import Path
from typing import Literal

import av
import av.error
from pydantic import BaseModel, ConfigDict

from videoscope.errors import (
    CorruptMediaError,
    EmptyMediaError,
    MediaNotFoundError,
    NotAVideoError,
    UnsupportedMediaError,
)

#: Widest frame videoscope decodes (8K UHD is 7680x4320); beyond it decoding needs too much memory.
MAX_PIXELS = 7680 * 4320
#: How many leading packets are read to tell constant from variable frame rate.
_RATE_PROBE_PACKETS = 240
#: Most frames a decoder may hold back to reorder (H.264/HEVC allow 16 reference frames).
_REORDER_DEPTH = 16


class VideoStreamInfo(BaseModel):
    """The first video stream of a file, as stored and as it should be displayed."""

    model_config = ConfigDict(frozen=True)

    codec: str
    width: int
    height: int
    rotation: int
    #: Width of one stored pixel over its height (``1.0`` for square pixels; 16/11 for a
    #: 704x576 frame shown at 1024x576).
    sample_aspect_ratio: float = 1.0
    average_fps: float
    frame_rate_mode: Literal["constant", "variable"]
    frame_count: int | None
    pixel_format: str | None

    @property
    def display_size(self) -> tuple[int, int]:
        """(width, height) as shown: pixels made square, then the rotation applied."""
        width, height = display_geometry(self.width, self.height, self.sample_aspect_ratio)
        if self.rotation in (90, 270):
            return height, width
        return width, height


def display_geometry(width: int, height: int, sample_aspect_ratio: float) -> tuple[int, int]:
    """Stored ``width`` x ``height`` with square pixels, as players show it (height kept)."""
    if abs(sample_aspect_ratio - 1.0) < 1e-3:
        return width, height
    return max(2, round(width * sample_aspect_ratio / 2) * 2), height


class AudioStreamInfo(BaseModel):
    """One audio stream of a file."""

    model_config = ConfigDict(frozen=True)

    codec: str
    sample_rate: int
    channels: int


class MediaInfo(BaseModel):
    """What :func:`probe` learns about a file without decoding it."""

    model_config = ConfigDict(frozen=True)

    path: str
    container: str
    size_bytes: int
    duration: float
    video: VideoStreamInfo | None
    audio: list[AudioStreamInfo]

    @property
    def has_video(self) -> bool:
        """Whether the file has a video stream."""
        return self.video is not None

    @property
    def has_audio(self) -> bool:
        """Whether the file has at least one audio stream."""
        return bool(self.audio)


def check_readable(path: str | os.PathLike[str]) -> Path:
    """Return ``path`` as a Path, or raise a clear error if it is missing or unreadable."""
    file = Path(path)
    if not file.exists():
        raise MediaNotFoundError(str(file), "the file does not exist", "check the path")
    if not file.is_file():
        raise MediaNotFoundError(str(file), "this is not a regular file", "give a video file")
    if not os.access(file, os.R_OK):
        raise MediaNotFoundError(
            str(file), "the file cannot be read (permission denied)", "check its permissions"
        )
    if file.stat().st_size == 0:
        raise EmptyMediaError(str(file), "the file is empty (0 bytes)", "give a complete video")
    return file


def open_container(file: Path) -> av.container.InputContainer:
    """Open ``file`` with PyAV, turning decoder errors into media errors."""
    try:
        return av.open(str(file), mode="r", metadata_errors="ignore")
    except av.error.InvalidDataError as error:
        raise NotAVideoError(
            str(file),
            "this is not a media file that FFmpeg can read",
            "give a video file such as MP4, MKV, MOV or WebM",
        ) from error
    except (av.error.FFmpegError, OSError) as error:
        raise CorruptMediaError(
            str(file), f"the container cannot be opened ({error})", "re-encode or re-export it"
        ) from error


def probe(path: str | os.PathLike[str]) -> MediaInfo:
    """Describe the media file at ``path``.

    Raises:
        MediaNotFoundError: missing or unreadable path.
        EmptyMediaError: 0-byte file, or streams with no duration at all.
        NotAVideoError: not a media container, or a container with neither video nor audio.
        CorruptMediaError: the container cannot be opened.
        UnsupportedMediaError: the frame is larger than 8K.
    """
    file = check_readable(path)
    with open_container(file) as container:
        video = _video_info(file, container)
        audio = [
            AudioStreamInfo(
                codec=stream.codec_context.name,
                sample_rate=stream.codec_context.sample_rate or 0,
                channels=stream.codec_context.channels or 0,
            )
            for stream in container.streams.audio
        ]
        if video is None and not audio:
            raise NotAVideoError(
                str(file), "the file holds neither video nor audio streams", "give a video file"
            )
        duration = _duration(container)
        fmt = container.format.name
    if duration <= 0:
        raise EmptyMediaError(
            str(file), "the media has zero length", "give a video that holds at least one frame"
        )
    return MediaInfo(
        path=str(file),
        container=fmt,
        size_bytes=file.stat().st_size,
        duration=duration,
        video=video,
        audio=audio,
    )


def _duration(container: av.container.InputContainer) -> float:
    if container.duration is not None and container.duration > 0:
        return float(container.duration / av.time_base)
    longest = 0.0
    for stream in container.streams:
        if stream.duration is not None and stream.time_base is not None:
            longest = max(longest, float(stream.duration * stream.time_base))
    return longest


def _video_info(file: Path, container: av.container.InputContainer) -> VideoStreamInfo | None:
    streams = [s for s in container.streams.video if not _is_cover_art(s)]
    if not streams:
        return None
    stream = streams[0]
    context = stream.codec_context
    if context.width * context.height > MAX_PIXELS:
        raise UnsupportedMediaError(
            str(file),
            f"the frame is {context.width}x{context.height}, larger than 8K (7680x4320)",
            "downscale it first, e.g. ffmpeg -i IN -vf scale=3840:-2 OUT",
        )
    if context.width <= 0 or context.height <= 0:
        raise CorruptMediaError(
            str(file), "the video stream has no frame size", "re-encode or re-export it"
        )
    average = stream.average_rate or stream.guessed_rate or Fraction(0)
    return VideoStreamInfo(
        codec=context.name,
        width=context.width,
        height=context.height,
        rotation=_rotation(container, stream),
        sample_aspect_ratio=_sample_aspect_ratio(stream),
        average_fps=float(average),
        frame_rate_mode=_frame_rate_mode(container, stream),
        frame_count=stream.frames or None,
        pixel_format=context.pix_fmt,
    )


def _sample_aspect_ratio(stream: av.video.stream.VideoStream) -> float:
    """The container's pixel shape, else the codec's; unset (0/1) or absurd means square."""
    for ratio in (stream.sample_aspect_ratio, stream.codec_context.sample_aspect_ratio):
        if ratio and 0.1 <= float(ratio) <= 10.0:
            return float(ratio)
    return 1.0


def _is_cover_art(stream: av.video.stream.VideoStream) -> bool:
    return bool(stream.disposition & av.stream.Disposition.attached_pic)


def _rotation(container: av.container.InputContainer, stream: av.video.stream.VideoStream) -> int:
    """Counter-clockwise display rotation (0, 90, 180, 270) from the first frame's display matrix.

    ``numpy.rot90(image, rotation // 90)`` turns a decoded frame upright, as FFmpeg's autorotate.
    """
    degrees = 0.0
    try:
        for frame in container.decode(stream):
            degrees = float(frame.rotation or 0)
            break
    except av.error.FFmpegError:
        pass
    finally:
        container.seek(0)
    return int(round(degrees / 90.0) * 90) % 360


def _frame_rate_mode(
    container: av.container.InputContainer, stream: av.video.stream.VideoStream
) -> Literal["constant", "variable"]:
    """Compare the spacing of the first packets' presentation timestamps.

    Packets come in decode order: with B-frames the last few read may leave gaps in presentation
    order that later packets would fill, so the sorted timestamps are used only up to the
    decoder's reorder depth before the end. Steps that differ by no more than two timestamp ticks
    (Matroska rounds 23.976 fps to 41/42 ms) count as constant.
    """
    times: list[int] = []
    try:
        for packet in container.demux(stream):
            if packet.pts is not None:
                times.append(packet.pts)
            if len(times) >= _RATE_PROBE_PACKETS:
                break
    except av.error.FFmpegError:
        pass
    finally:
        container.seek(0)
    times = sorted(times)[: max(2, len(times) - _REORDER_DEPTH)]
    steps = [b - a for a, b in itertools.pairwise(times) if b > a]
    if not steps:
        return "constant"
    return "variable" if max(steps) - min(steps) > 2 else "constant"
