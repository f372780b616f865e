"""Display geometry and timing as players show them: pixel shape, rotation, frame rate from PTS."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np
import pytest
from skimage import data

from videoscope.media import DecodedFrame, decode, probe


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
