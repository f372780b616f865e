"""Display geometry and timing as players show them: pixel shape, rotation, frame rate from PTS."""

from __future__ import annotations

import subprocess
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np
import pytest
from skimage import data

from videoscope.media import DecodedFrame, decode, probe
from videoscope.perceive.pipeline import index_video
from videoscope.perceive.shots import ShotStage


def _encode(
    path: Path,
    pictures: list[np.ndarray],
    *,
    fps: int = 25,
    sample_aspect_ratio: Fraction | None = None,
    b_frames: int = 0,
) -> None:
    """H.264 of ``pictures`` (uint8 RGB, each the stored frame) at a constant ``fps``."""
    height, width = pictures[0].shape[:2]
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"preset": "ultrafast", "x264-params": f"bframes={b_frames}:keyint=50"}
        if sample_aspect_ratio is not None:
            stream.codec_context.sample_aspect_ratio = sample_aspect_ratio
        for picture in pictures:
            container.mux(stream.encode(av.VideoFrame.from_ndarray(picture, format="rgb24")))
        container.mux(stream.encode(None))


def _disc_picture(width: int, height: int) -> np.ndarray:
    """A white disc on a photograph, drawn with square pixels."""
    photo = cv2.resize(data.astronaut(), (width, height), interpolation=cv2.INTER_AREA)
    return cv2.circle(photo.copy(), (width // 2, height // 2), height // 3, (255, 255, 255), -1)


def _disc_extent(image: np.ndarray) -> tuple[int, int]:
    """(width, height) in pixels of the white disc in ``image``."""
    white = np.all(image > 235, axis=2)
    middle_row, middle_col = white[image.shape[0] // 2], white[:, image.shape[1] // 2]
    return int(middle_row.sum()), int(middle_col.sum())


def test_anamorphic_frames_come_out_with_square_pixels(tmp_path: Path) -> None:
    """A 1024x576 picture stored as 704x576 with 16:11 pixels, as on DVB and DVD."""
    shown = _disc_picture(1024, 576)
    stored = cv2.resize(shown, (704, 576), interpolation=cv2.INTER_AREA)
    path = tmp_path / "anamorphic.mp4"
    _encode(path, [stored] * 10, sample_aspect_ratio=Fraction(16, 11))
    info = probe(path)
    assert info.video is not None
    assert (info.video.width, info.video.height) == (704, 576)
    assert info.video.sample_aspect_ratio == pytest.approx(16 / 11)
    assert info.video.display_size == (1024, 576)
    frame = next(f for f in decode(info, audio=False) if isinstance(f, DecodedFrame))
    assert frame.size == (1024, 576) and frame.rgb().shape == (576, 1024, 3)
    assert frame.rgb(512).shape == (288, 512, 3)
    width, height = _disc_extent(frame.rgb())
    assert abs(width - height) <= 0.03 * height, "the disc is round again"
    squeezed_width, _ = _disc_extent(stored)
    assert squeezed_width < 0.75 * height, "the stored frame really was squeezed"


def test_square_pixels_are_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "square.mp4"
    _encode(path, [_disc_picture(320, 240)] * 5)
    info = probe(path)
    assert info.video is not None and info.video.sample_aspect_ratio == 1.0
    assert info.video.display_size == (320, 240)


@pytest.mark.parametrize("suffix", [".mp4", ".mkv"])
def test_constant_rate_with_b_frames_is_constant(tmp_path: Path, suffix: str) -> None:
    """Decode order differs from presentation order; the rate is judged on the latter.

    The probe reads 240 packets: with B-frames the last of those leave gaps in presentation
    order that the next packets fill, which once read as a variable frame rate.
    """
    photo = cv2.resize(data.chelsea(), (320, 240))
    pictures = [np.roll(photo, 3 * i, axis=1) for i in range(300)]  # motion: B-frames are used
    path = tmp_path / f"bframes{suffix}"
    _encode(path, pictures, b_frames=3)
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        packets = [p.pts for p, _ in zip(container.demux(stream), range(60), strict=False)]
    assert packets != sorted(packets), "the encoder really reordered frames"
    info = probe(path)
    assert info.video is not None and info.video.frame_rate_mode == "constant"
    times = [f.time for f in decode(info, audio=False) if isinstance(f, DecodedFrame)]
    assert times == sorted(times) and len(times) == 300
    assert np.allclose(np.diff(times), 0.04, atol=1e-3), "frames come in presentation order"


def test_rotated_file_comes_out_upright_as_players_show_it(tmp_path: Path) -> None:
    """A phone clip stored landscape with a display matrix that turns it a quarter turn.

    The rotation lives in the container (what phones write): FFmpeg's ``rotate`` tag on a remux
    becomes a display matrix of 90 degrees counter-clockwise, the way FFmpeg's own autorotate
    (and so every player built on it) shows the file.
    """
    shown = _disc_picture(240, 320)  # portrait, as the viewer sees it
    shown[:40, :60] = (255, 0, 0)  # a red corner marks which way is up
    stored = np.ascontiguousarray(np.rot90(shown, -1))  # the camera wrote it turned
    plain, rotated = tmp_path / "plain.mp4", tmp_path / "rotated.mp4"
    _encode(plain, [stored] * 5)
    remux = ["ffmpeg", "-v", "error", "-i", str(plain), "-c", "copy"]
    subprocess.run([*remux, "-metadata:s:v:0", "rotate=90", str(rotated)], check=True)
    info = probe(rotated)
    assert info.video is not None
    assert (info.video.width, info.video.height) == (320, 240)
    assert info.video.rotation in (90, 270) and info.video.display_size == (240, 320)
    frame = next(f for f in decode(info, audio=False) if isinstance(f, DecodedFrame))
    assert frame.size == (240, 320) and frame.rgb().shape == (320, 240, 3)
    assert frame.rgb(160).shape == (160, 120, 3)
    difference = np.abs(frame.rgb().astype(int) - shown.astype(int)).mean()
    assert difference < 6, "upright, the right way round"
    assert np.abs(stored.astype(int)[:240, :240] - shown.astype(int)[:240, :240]).mean() > 30


def _encode_at(path: Path, pictures: list[np.ndarray], times_ms: list[int]) -> None:
    """H.264 in MP4 of ``pictures`` each presented at its own millisecond time (variable rate)."""
    height, width = pictures[0].shape[:2]
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.codec_context.time_base = Fraction(1, 1000)
        stream.options = {"preset": "ultrafast", "x264-params": "bframes=0:keyint=50"}
        for picture, time in zip(pictures, times_ms, strict=True):
            frame = av.VideoFrame.from_ndarray(picture, format="rgb24")
            frame.pts, frame.time_base = time, Fraction(1, 1000)
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))


def test_variable_frame_rate_times_are_presentation_times(tmp_path: Path) -> None:
    """A screen-recording-like file: 30 fps, then 10 fps, then bursts; a cut on an odd time.

    Every frame keeps its own presentation time and the cut is placed on the first frame of the
    new shot, not where a constant rate from the average would put it.
    """
    steps = [33] * 40 + [100] * 15 + [17, 83] * 10 + [33] * 20
    times = [sum(steps[:i]) for i in range(len(steps))]
    cut_index = 52  # inside the 10 fps stretch
    first, second = cv2.resize(data.chelsea(), (320, 240)), cv2.resize(data.rocket(), (320, 240))
    pictures = [np.roll(first if i < cut_index else second, i, axis=1) for i in range(len(times))]
    path = tmp_path / "vfr.mp4"
    _encode_at(path, pictures, times)
    info = probe(path)
    assert info.video is not None and info.video.frame_rate_mode == "variable"
    decoded = [f.time for f in decode(info, audio=False) if isinstance(f, DecodedFrame)]
    assert decoded == pytest.approx([t / 1000 for t in times], abs=1e-3)
    shots = index_video(str(path), [ShotStage()]).shots
    assert [round(s.start, 3) for s in shots[1:]] == [times[cut_index] / 1000]
