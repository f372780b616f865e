"""Indexing speed and memory: the default pipeline on a generated 10-minute 720p video.

Builds the video by looping the demo clip (cuts, a dissolve, a fade, speech, overlays, music,
crowd noise; stream copy), indexes it with every default stage in a fresh process without cache,
and reports x real time in total and, per stage, busy wall seconds and the CPU seconds of the
stage's thread (CPU time compares across runs on a shared machine; wall time does not). The
process's CPU time minus the stage threads is the decoder's and the model runtimes' own thread
pools. Peak RSS, and the same run on a 60-minute loop, show that memory stays flat in length.
Shots against PySceneDetect are in ``bench/shots.py``.

Usage: ``python bench/index.py [--minutes 10] [--long-minutes 60]``; ``--minutes 2
--long-minutes 0`` is a quick check. Prints Markdown.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from decode import long_video

_CHILD = """
import json, sys, time, resource
from dataclasses import asdict
from videoscope.perceive.pipeline import index_video
from videoscope.perceive.registry import build_stages, stage_names
timings = {}
timeline = index_video(sys.argv[1], build_stages(stage_names()), timings=timings)
print(json.dumps({"timings": {k: asdict(v) for k, v in timings.items()},
                  "summary": timeline.summary(), "duration": timeline.video.duration,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def run(path: Path) -> dict[str, object]:
    """Index ``path`` in a fresh Python process (so peak RSS is this run's alone)."""
    output = subprocess.run(
        [sys.executable, "-c", _CHILD, str(path)], check=True, capture_output=True, text=True
    ).stdout
    result: dict[str, object] = json.loads(output.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--long-minutes", type=float, default=60.0)
    args = parser.parse_args()
    cores = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    load = Path("/proc/loadavg").read_text()[:14]
    print(f"machine: {platform.machine()}, {cores} cores, load average {load}")
    started = time.perf_counter()
    short = run(long_video(args.minutes))
    duration = float(short["duration"])  # type: ignore[arg-type]
    timings: dict[str, dict[str, float]] = short["timings"]  # type: ignore[assignment]
    total = timings.pop("total")
    print(f"\n## {args.minutes:g}-minute 1280x720 video, all default stages\n")
    print(
        f"total: {total['wall']:.0f} s wall = **{duration / total['wall']:.1f}x real time**, "
        f"{total['cpu']:.0f} CPU s = {duration / total['cpu']:.1f}x real time per core; "
        f"peak RSS {short['rss_mb']:.0f} MB\n"
    )
    print("| step | wall s | x real time | thread CPU s | CPU x real time |")
    print("|---|---|---|---|---|")
    for name, step in sorted(timings.items(), key=lambda kv: -kv[1]["cpu"]):
        kind = "decode loop" if name == "decode" else "busy"
        print(
            f"| {name} ({kind}) | {step['wall']:.1f} | {duration / max(step['wall'], 1e-9):.1f}x "
            f"| {step['cpu']:.1f} | {duration / max(step['cpu'], 1e-9):.1f}x |"
        )
    pools = total["cpu"] - sum(step["cpu"] for step in timings.values())
    print(f"| other threads (decoder, model thread pools) | | | {pools:.1f} | |")
    print(f"\ntracks: {short['summary']}")
    if args.long_minutes > 0:
        long = run(long_video(args.long_minutes))
        ratio = float(long["rss_mb"]) / float(short["rss_mb"])  # type: ignore[arg-type]
        long_wall = float(long["timings"]["total"]["wall"])  # type: ignore[index]
        print(f"\n## {args.long_minutes:g}-minute video\n")
        print(
            f"total: {long_wall:.0f} s = {float(long['duration']) / long_wall:.1f}x real time; "  # type: ignore[arg-type]
            f"peak RSS {long['rss_mb']:.0f} MB = **{ratio:.2f}x** the {args.minutes:g}-minute RSS"
        )
    print(
        f"\n(benchmark wall time {time.perf_counter() - started:.0f} s; "
        f"this process's RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB)"
    )


if __name__ == "__main__":
    main()
