"""Decode throughput: videoscope's shared decode beside plain ``ffmpeg -f null`` in the same run.

Builds a 10-minute 720p H.264/AAC video by looping the demo clip (stream copy, no re-encode), then
measures, one after another on the same file:

* ``ffmpeg -i FILE -f null -``: FFmpeg decoding every video frame and the audio, writing nothing;
* ``decode()`` yielding every frame and 16 kHz audio with no pixel conversion (the raw decode cost);
* ``decode()`` plus the conversions the default stages ask for: 96 px at 12.5 frames per second
  (shots), 960 px at 4 (on-screen text) and 320 px at 1 (visual embeddings).

Each row gives wall seconds and CPU seconds (all threads: FFmpeg's decoder threads included), so
runs on a busy shared machine still compare.

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


def time_ffmpeg(path: Path) -> tuple[float, float]:
    """Wall and CPU seconds FFmpeg takes to decode the whole file to nowhere."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(["ffmpeg", "-v", "error", "-i", str(path), "-f", "null", "-"], check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return time.perf_counter() - start, cpu


#: (longest side, frames per second) of the default stages: shots, on-screen text, visual.
STAGE_SIZES = ((96, 12.5), (960, 4.0), (320, 1.0))


def time_videoscope(path: Path, convert: bool) -> tuple[float, float, int]:
    """Wall and CPU seconds and frames of one ``decode`` pass (converting frames as stages do)."""
    info = probe(path)
    frames = 0
    due = [0.0 for _ in STAGE_SIZES]
    start, start_cpu = time.perf_counter(), time.process_time()
    for item in decode(info, video=True, audio=True):
        if isinstance(item, DecodedFrame):
            frames += 1
            for index, (size, rate) in enumerate(STAGE_SIZES if convert else ()):
                if item.time + 1e-6 >= due[index]:
                    item.rgb(size)
                    due[index] += 1.0 / rate
    return time.perf_counter() - start, time.process_time() - start_cpu, frames


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minutes", type=float, default=10.0)
    args = parser.parse_args()
    if shutil.which("ffmpeg") is None:
        raise SystemExit("ffmpeg is needed for the baseline: apt-get install ffmpeg")
    path = long_video(args.minutes)
    duration = probe(path).duration
    ffmpeg = time_ffmpeg(path)
    raw_wall, raw_cpu, frames = time_videoscope(path, convert=False)
    stage_wall, stage_cpu, _ = time_videoscope(path, convert=True)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"machine: {platform.processor() or platform.machine()}, "
        f"{subprocess.run(['nproc'], capture_output=True, text=True).stdout.strip()} cores"
    )
    print(f"video: {path.name}, {duration:.0f} s, 1280x720 25 fps H.264 + AAC, {frames} frames\n")
    print("| decoder | wall s | frames/s | x real time | CPU s | CPU x real time |")
    print("|---|---|---|---|---|---|")
    for name, (wall, cpu) in (
        ("ffmpeg -f null (baseline)", ffmpeg),
        ("videoscope decode, no conversion", (raw_wall, raw_cpu)),
        ("videoscope decode + the default stages' conversions", (stage_wall, stage_cpu)),
    ):
        print(
            f"| {name} | {wall:.1f} | {frames / wall:.0f} | {duration / wall:.1f}x "
            f"| {cpu:.1f} | {duration / cpu:.1f}x |"
        )
    print(f"\npeak RSS of the videoscope process: {rss_mb:.0f} MB")


if __name__ == "__main__":
    main()
