"""Decode throughput: videoscope's shared decode beside plain ``ffmpeg -f null`` in the same run.

Builds a 10-minute 720p H.264/AAC video by looping the demo clip (stream copy, no re-encode), then
measures, one after another on the same file:

* ``ffmpeg -i FILE -f null -``: FFmpeg decoding every video frame and the audio, writing nothing;
* ``decode()`` yielding every frame and 16 kHz audio with no pixel conversion (the raw decode cost);
* ``decode()`` plus a 128 px RGB conversion of every frame (what the shot stage asks for), and a
  960 px conversion of 2 frames per second (what OCR asks for).

Usage: ``python bench/decode.py [--minutes 10]``. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import platform
import resource
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from videoscope.media import DecodedFrame, decode, probe
from videoscope.samples import ensure_demo_video

CACHE = Path(__file__).parent / ".cache"


def long_video(minutes: float) -> Path:
    """The demo clip looped to ``minutes`` (stream copy), cached in bench/.cache."""
    demo, truth = ensure_demo_video(CACHE)
    target = CACHE / f"demo_{minutes:g}min.mp4"
    if not target.exists():
        loops = int(minutes * 60 / truth.duration + 0.999)
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as listing:
            listing.write(f"file '{demo.resolve()}'\n" * loops)
        subprocess.run(
            [
                "ffmpeg",
                "-v",
                "error",
                "-y",
                "-f",
                "concat",
                "-safe",
                "0",
                "-i",
                listing.name,
                "-t",
                str(minutes * 60),
                "-c",
                "copy",
                "-movflags",
                "+faststart",
                str(target),
            ],
            check=True,
        )
    return target


def time_ffmpeg(path: Path) -> float:
    """Seconds FFmpeg takes to decode the whole file to nowhere."""
    start = time.perf_counter()
    subprocess.run(["ffmpeg", "-v", "error", "-i", str(path), "-f", "null", "-"], check=True)
    return time.perf_counter() - start


def time_videoscope(path: Path, convert: bool) -> tuple[float, int]:
    """Seconds and frames for one pass of ``decode`` (optionally converting frames as stages do)."""
    info = probe(path)
    frames, next_ocr = 0, 0.0
    start = time.perf_counter()
    for item in decode(info, video=True, audio=True):
        if isinstance(item, DecodedFrame):
            frames += 1
            if convert:
                item.rgb(128)
                if item.time >= next_ocr:
                    item.rgb(960)
                    next_ocr += 0.5
    return time.perf_counter() - start, frames


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minutes", type=float, default=10.0)
    args = parser.parse_args()
    if shutil.which("ffmpeg") is None:
        raise SystemExit("ffmpeg is needed for the baseline: apt-get install ffmpeg")
    path = long_video(args.minutes)
    duration = probe(path).duration
    ffmpeg_seconds = time_ffmpeg(path)
    raw_seconds, frames = time_videoscope(path, convert=False)
    stage_seconds, _ = time_videoscope(path, convert=True)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"machine: {platform.processor() or platform.machine()}, "
        f"{subprocess.run(['nproc'], capture_output=True, text=True).stdout.strip()} cores"
    )
    print(f"video: {path.name}, {duration:.0f} s, 1280x720 25 fps H.264 + AAC, {frames} frames\n")
    print("| decoder | seconds | frames/s | x real time |")
    print("|---|---|---|---|")
    for name, seconds in (
        ("ffmpeg -f null (baseline)", ffmpeg_seconds),
        ("videoscope decode, no conversion", raw_seconds),
        ("videoscope decode + 128 px every frame + 960 px at 2 fps", stage_seconds),
    ):
        print(f"| {name} | {seconds:.1f} | {frames / seconds:.0f} | {duration / seconds:.1f}x |")
    print(f"\npeak RSS of the videoscope process: {rss_mb:.0f} MB")


if __name__ == "__main__":
    main()
