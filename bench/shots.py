"""Shot boundaries: videoscope's ShotStage against PySceneDetect, F1 and speed in one run.

A ~10-minute 720p video with ~130 shots (cuts, dissolves, fades, flashes, pans, zooms, short fast
shots) is rendered once by the sample factory (cached in ``$VIDEOSCOPE_BENCH_CACHE``, default
``/tmp/videoscope-bench``). Then, on the same file:

* videoscope ``index_video(path, [ShotStage()])``: decode + detection, as users run it;
* PySceneDetect ``scenedetect.detect(path, ContentDetector())`` and ``AdaptiveDetector()`` with
  their default OpenCV backend, as users run them;
* one shared PyAV decode feeding every detector (ours at 12.5 fps, 96 px; PySceneDetect's at every
  frame, 256 px, the size its auto-downscale picks for 720p): detector time alone.

F1 counts boundaries matched one-to-one within +-0.5 s of the truth (gradual ones at their middle).

Run: ``python bench/shots.py [--minutes 10] [--out bench/results/shots.md]``
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import time
from pathlib import Path
from typing import Any

import numpy as np

from videoscope.media.decode import DecodedFrame, decode
from videoscope.media.probe import probe
from videoscope.perceive.pipeline import index_video
from videoscope.perceive.shots import ShotDetector, ShotStage, boundary_f1
from videoscope.samples import ShotSpec, Truth, VideoSpec, render
from videoscope.samples.synth import PHOTOS

CACHE = Path(os.environ.get("VIDEOSCOPE_BENCH_CACHE", "/tmp/videoscope-bench"))


def bench_spec(minutes: float, seed: int = 3) -> VideoSpec:
    """Many shots of varied length, transition and motion; flashes inside shots."""
    rng = random.Random(seed)
    shots: list[ShotSpec] = []
    flashes: list[float] = []
    total, previous = 0.0, ""
    while total < minutes * 60:
        name = rng.choice([p for p in PHOTOS if p != previous])
        roll = rng.random()
        transition: Any = (
            "cut" if roll < 0.65 or not shots else "dissolve" if roll < 0.88 else "fade"
        )
        seconds = {"cut": 0.0, "dissolve": rng.choice([0.6, 1.0, 1.5]), "fade": 1.0}[transition]
        fast = rng.random() < 0.12
        duration = rng.uniform(1.2, 1.8) if fast else rng.uniform(2.5, 8.0)
        duration = max(duration, seconds + 1.0)
        motion: Any = rng.choice(["pan", "pan", "zoom", "static"]) if not fast else "pan"
        shots.append(ShotSpec(name, round(duration, 2), transition, seconds or 1.0, motion))
        if duration > 4.0 and rng.random() < 0.3:
            flashes.append(round(total + rng.uniform(1.5, duration - 1.5), 2))
        total += round(duration, 2)
        previous = name
    return VideoSpec(shots=shots, flashes=flashes, audio=False)


def ensure_video(minutes: float) -> tuple[Path, Truth]:
    """Render (once) and return the benchmark video and its truth."""
    CACHE.mkdir(parents=True, exist_ok=True)
    video = CACHE / f"shots-{minutes:g}min.mp4"
    truth_file = video.with_suffix(".truth.json")
    if video.exists() and truth_file.exists():
        return video, Truth.model_validate_json(truth_file.read_text())
    truth = render(bench_spec(minutes), video)
    truth_file.write_text(truth.model_dump_json())
    return video, truth


def scenedetect_file(path: Path, detector: Any) -> tuple[list[float], float]:
    """``scenedetect.detect`` on the file (OpenCV backend): boundaries and wall seconds."""
    import scenedetect

    began = time.perf_counter()
    scenes = scenedetect.detect(str(path), detector)
    return [start.seconds for start, _ in scenes[1:]], time.perf_counter() - began


def ours_pipeline(path: Path) -> tuple[list[float], list[str], float]:
    """ShotStage through ``index_video``: boundaries, kinds and wall seconds."""
    began = time.perf_counter()
    timeline = index_video(path, [ShotStage()])
    wall = time.perf_counter() - began
    return [s.start for s in timeline.shots[1:]], [s.transition for s in timeline.shots[1:]], wall


def shared_decode(path: Path) -> dict[str, tuple[list[float], float]]:
    """Decode once; feed ours and PySceneDetect's detectors; time each detector alone."""
    from scenedetect import AdaptiveDetector, ContentDetector, FrameTimecode

    info = probe(path)
    fps = info.video.average_fps if info.video else 25.0
    ours = ShotDetector(12.5)
    theirs = {"ContentDetector": ContentDetector(), "AdaptiveDetector": AdaptiveDetector()}
    spent = {"decode": 0.0, "ours": 0.0, **dict.fromkeys(theirs, 0.0)}
    cuts: dict[str, list[float]] = {name: [] for name in theirs}
    next_time, last = 0.0, None
    began = time.perf_counter()
    for index, frame in enumerate(decode(info, audio=False)):
        assert isinstance(frame, DecodedFrame)
        tick = time.perf_counter()
        small = frame.rgb(96) if frame.time + 1e-6 >= next_time else None
        bgr = np.ascontiguousarray(frame.rgb(256)[..., ::-1])
        spent["decode"] += time.perf_counter() - tick
        if small is not None:
            tick = time.perf_counter()
            ours.push(frame.time, small)
            spent["ours"] += time.perf_counter() - tick
            next_time += 1 / 12.5
        last = FrameTimecode(index, fps=fps)
        for name, detector in theirs.items():
            tick = time.perf_counter()
            cuts[name] += [c.seconds for c in detector.process_frame(last, bgr)]
            spent[name] += time.perf_counter() - tick
    for name, detector in theirs.items():
        if last is not None:
            cuts[name] += [c.seconds for c in detector.post_process(last)]
    total = time.perf_counter() - began
    spent["decode"] += total - sum(spent.values())  # demux/decode time outside the ticks
    tick = time.perf_counter()
    boundaries = [b.time for b in ours.finish()]
    spent["ours"] += time.perf_counter() - tick
    return {
        "ours": (boundaries, spent["ours"]),
        "decode": ([], spent["decode"]),
        **{name: (cuts[name], spent[name]) for name in theirs},
    }


def machine() -> str:
    """nproc and CPU model."""
    model = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (
        f"{os.cpu_count()} CPU cores, {model}, Python {platform.python_version()}, "
        f"load average {load:.1f} at the end of the run"
    )


def main() -> None:
    """Run every contender on the same video and print/write a Markdown report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--out", type=Path, default=Path("bench/results/shots.md"))
    args = parser.parse_args()
    from scenedetect import AdaptiveDetector, ContentDetector

    path, truth = ensure_video(args.minutes)
    duration, bounds = truth.duration, truth.boundaries
    kinds = [s.transition for s in truth.shots[1:]]
    rows: list[tuple[str, list[float], float]] = []
    ours, our_kinds, wall = ours_pipeline(path)
    rows.append(("videoscope ShotStage (index_video, 12.5 fps @ 96 px)", ours, wall))
    for name, detector in (
        ("ContentDetector", ContentDetector()),
        ("AdaptiveDetector", AdaptiveDetector()),
    ):
        found, wall = scenedetect_file(path, detector)
        rows.append((f"PySceneDetect {name} (scenedetect.detect, OpenCV)", found, wall))
    shared = shared_decode(path)
    decode_seconds = shared.pop("decode")[1]

    lines = [
        "# Shot boundaries: videoscope vs PySceneDetect",
        "",
        f"Video: {duration / 60:.1f} min, 1280x720, 25 fps H.264, {len(bounds)} boundaries "
        f"({kinds.count('cut')} cuts, {kinds.count('dissolve')} dissolves, "
        f"{kinds.count('fade')} fades), {len(truth.flashes)} flashes. "
        "F1 at +-0.5 s, one-to-one matching.",
        f"Machine: {machine()}.",
        "",
        "## As users run them (decode included)",
        "",
        "| detector | boundaries | precision | recall | F1 | wall s | x real time |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, found, wall in rows:
        p, r, f = boundary_f1(found, bounds)
        lines.append(
            f"| {name} | {len(found)} | {p:.3f} | {r:.3f} | {f:.3f} | {wall:.1f} | "
            f"{duration / wall:.1f} |"
        )
    lines += [
        "",
        f"## One shared decode (PyAV decode + resize: {decode_seconds:.1f} s), detector time alone",
        "",
        "| detector | input | F1 | detector s | x real time |",
        "|---|---|---:|---:|---:|",
    ]
    inputs = {
        "ours": "12.5 fps, 96 px",
        "ContentDetector": "every frame, 256 px",
        "AdaptiveDetector": "every frame, 256 px",
    }
    for name, (found, spent) in shared.items():
        f = boundary_f1(found, bounds)[2]
        label = "videoscope ShotDetector" if name == "ours" else f"PySceneDetect {name}"
        lines.append(
            f"| {label} | {inputs[name]} | {f:.3f} | {spent:.1f} | {duration / spent:.0f} |"
        )
    lines += [
        "",
        "## videoscope by transition kind (recall; label accuracy of matched)",
        "",
        "| kind | truth | recall | labelled right |",
        "|---|---:|---:|---:|",
    ]
    for kind in ("cut", "dissolve", "fade"):
        wanted = [b for b, k in zip(bounds, kinds, strict=True) if k == kind]
        hit = right = 0
        for b in wanted:
            near = [i for i, t in enumerate(ours) if abs(t - b) <= 0.5]
            hit += bool(near)
            right += any(our_kinds[i] == kind for i in near)
        lines.append(
            f"| {kind} | {len(wanted)} | {hit / max(1, len(wanted)):.3f} | "
            f"{right / max(1, hit):.3f} |"
        )
    false_at_flash = sum(any(abs(t - f) <= 0.5 for t in ours) for f in truth.flashes)
    lines += [
        "",
        f"Boundaries reported within 0.5 s of a flash: {false_at_flash} of "
        f"{len(truth.flashes)} flashes.",
        "",
    ]
    report = "\n".join(lines)
    print(report)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report)


if __name__ == "__main__":
    main()
