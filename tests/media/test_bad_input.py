"""Every kind of bad input gets a specific error naming the file, and leaves nothing behind."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import MediaFactory
from videoscope.errors import (
    CorruptMediaError,
    EmptyMediaError,
    MediaError,
    MediaNotFoundError,
    NotAVideoError,
    UnsupportedMediaError,
)
from videoscope.media import DecodedFrame, DecodeReport, decode, probe
from videoscope.perceive.pipeline import index_video
from videoscope.perceive.silence import SilenceStage
from videoscope.samples import ShotSpec, SoundSpec, SpeechSpec, VideoSpec, render

SMALL = {"width": 320, "height": 240}


@pytest.fixture(scope="module")
def clip(media: MediaFactory) -> Path:
    spec = VideoSpec(
        shots=[ShotSpec("astronaut", 3.0), ShotSpec("coffee", 3.0)],
        speech=[SpeechSpec("One two three.", 0.5)],
        **SMALL,
    )
    return media.build("clip.mp4", spec)[0]


def _cache_is_empty(cache: Path) -> bool:
    return not cache.exists() or not any(p.is_file() for p in cache.rglob("*"))


def test_missing_path_names_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.mp4"
    with pytest.raises(MediaNotFoundError) as caught:
        probe(missing)
    assert str(missing) in str(caught.value) and "does not exist" in str(caught.value)


def test_directory_is_not_a_file(tmp_path: Path) -> None:
    with pytest.raises(MediaNotFoundError, match="not a regular file"):
        probe(tmp_path)


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read any file")
def test_unreadable_file(tmp_path: Path, clip: Path) -> None:
    locked = tmp_path / "locked.mp4"
    shutil.copy(clip, locked)
    locked.chmod(0)
    with pytest.raises(MediaNotFoundError, match="permission denied"):
        probe(locked)


def test_zero_byte_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.mp4"
    empty.touch()
    with pytest.raises(EmptyMediaError, match="empty"):
        probe(empty)


def test_text_file_is_not_a_video(tmp_path: Path) -> None:
    notes = tmp_path / "notes.mp4"
    notes.write_text("this is a shopping list, not a movie\n" * 50)
    with pytest.raises(NotAVideoError) as caught:
        probe(notes)
    assert "notes.mp4" in str(caught.value) and "MP4" in caught.value.hint


def test_garbled_header_is_rejected(tmp_path: Path, clip: Path) -> None:
    data = bytearray(clip.read_bytes())
    data[:4096] = np.random.default_rng(1).integers(0, 256, 4096, dtype=np.uint8).tobytes()
    broken = tmp_path / "garbled.mp4"
    broken.write_bytes(bytes(data))
    with pytest.raises(MediaError) as caught:
        probe(broken)
    assert isinstance(caught.value, NotAVideoError | CorruptMediaError)
    assert "garbled.mp4" in str(caught.value)


def test_truncated_file_indexes_what_decodes_and_says_so(tmp_path: Path, clip: Path) -> None:
    data = clip.read_bytes()
    truncated = tmp_path / "truncated.mp4"
    truncated.write_bytes(data[: int(len(data) * 0.55)])  # moov is at the front (faststart)
    report = DecodeReport()
    frames = [f for f in decode(probe(truncated), report=report) if isinstance(f, DecodedFrame)]
    assert 0 < len(frames) < 6 * 25
    assert report.truncated
    assert any("truncated" in w for w in report.warnings)
    cache = tmp_path / "cache"
    timeline = index_video(truncated, [SilenceStage()], cache_dir=cache)
    assert any("truncated" in w for w in timeline.warnings)
    assert _cache_is_empty(cache), "a partial decode must not be cached as the video's result"


def test_audio_only_file(tmp_path: Path) -> None:
    spec = VideoSpec(shots=[ShotSpec("coffee", 3.0)], sounds=[SoundSpec("music", 0.5, 2.5)])
    source = render(spec, tmp_path / "with_audio.mp4") and tmp_path / "with_audio.mp4"
    audio_only = tmp_path / "audio.m4a"
    import av

    with av.open(str(source)) as src, av.open(str(audio_only), "w") as dst:
        stream = dst.add_stream_from_template(src.streams.audio[0])
        for packet in src.demux(src.streams.audio[0]):
            if packet.dts is not None:
                packet.stream = stream
                dst.mux(packet)
    info = probe(audio_only)
    assert info.video is None and info.has_audio
    timeline = index_video(audio_only, [SilenceStage()])
    assert timeline.video.width is None and timeline.silences
    with pytest.raises(NotAVideoError, match="no video"):
        index_video(audio_only, [_VisualOnly()])


def test_video_without_audio_skips_audio_stages(tmp_path: Path) -> None:
    path = tmp_path / "mute.mp4"
    render(VideoSpec(shots=[ShotSpec("rocket", 2.0)], audio=False, **SMALL), path)
    assert not probe(path).has_audio
    timeline = index_video(path, [SilenceStage(), _VisualOnly()])
    assert timeline.silences == []
    assert any("silence" in w and "no audio" in w for w in timeline.warnings)


def test_larger_than_8k_is_refused_with_a_fix(tmp_path: Path) -> None:
    path = tmp_path / "huge.mkv"
    import av

    with av.open(str(path), "w") as container:
        stream = container.add_stream("mjpeg", rate=1)
        stream.width, stream.height, stream.pix_fmt = 8192, 4608, "yuvj420p"
        frame = av.VideoFrame.from_ndarray(np.zeros((4608, 8192, 3), np.uint8), format="rgb24")
        container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    with pytest.raises(UnsupportedMediaError) as caught:
        probe(path)
    assert "8192x4608" in str(caught.value) and "scale" in caught.value.hint


def test_8k_video_decodes_downscaled(tmp_path: Path) -> None:
    path = tmp_path / "uhd8k.mp4"
    render(
        VideoSpec(
            shots=[ShotSpec("coins", 0.2, motion="static")],
            width=7680,
            height=4320,
            fps=10,
            audio=False,
        ),
        path,
    )
    info = probe(path)
    assert info.video is not None and info.video.display_size == (7680, 4320)
    frame = next(f for f in decode(info) if isinstance(f, DecodedFrame))
    assert frame.rgb(640).shape == (360, 640, 3)


def test_rotated_phone_video_comes_out_upright(tmp_path: Path) -> None:
    path = tmp_path / "phone.mp4"
    render(
        VideoSpec(
            shots=[ShotSpec("astronaut", 1.0, motion="static")],
            rotation=90,
            width=320,
            height=240,
            audio=False,
        ),
        path,
    )
    info = probe(path)
    assert info.video is not None and info.video.rotation == 90
    assert info.video.display_size == (240, 320)
    frame = next(f for f in decode(info) if isinstance(f, DecodedFrame))
    assert frame.rgb().shape == (320, 240, 3)
    assert frame.rgb(160).shape[0] == 160  # longest side is the height once upright


def test_variable_frame_rate_keeps_exact_timestamps(tmp_path: Path) -> None:
    path = tmp_path / "vfr.mp4"
    render(
        VideoSpec(shots=[ShotSpec("chelsea", 2.0)], variable_frame_rate=True, audio=False, **SMALL),
        path,
    )
    info = probe(path)
    assert info.video is not None and info.video.frame_rate_mode == "variable"
    times = [f.time for f in decode(info) if isinstance(f, DecodedFrame)]
    steps = np.round(np.diff(times), 3)
    assert set(steps.tolist()) == {0.02, 0.06}  # 0.5 and 1.5 periods of 25 fps


def test_odd_frame_rate_in_matroska_is_constant(tmp_path: Path) -> None:
    path = tmp_path / "ntsc.mkv"
    render(VideoSpec(shots=[ShotSpec("rocket", 2.0)], fps=24000 / 1001, audio=False, **SMALL), path)
    info = probe(path)
    assert info.video is not None
    assert info.video.frame_rate_mode == "constant"
    assert abs(info.video.average_fps - 23.976) < 0.01


class _VisualOnly(SilenceStage):
    """A stage that wants frames only (to exercise stage selection)."""

    name = "visual-only"
    wants_audio = False
    frame_rate = 1.0
    frame_size = 64
