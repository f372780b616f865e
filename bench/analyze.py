"""Time-based metadata: analyze latency for a 3-definition schema on an indexed 10-minute video.

A ~10-minute 960x540 news-like video (shots with cuts, a spoken sentence every ~6 s, an overlay
every ~20 s, music beds) is rendered once by the sample factory and indexed once with the shot,
silence, speech and on-screen-text stages (both cached in ``$VIDEOSCOPE_BENCH_CACHE``, default
``/tmp/videoscope-bench``). The benchmark is the analyze step alone, as the API runs it on an
indexed video: a cut-driven, a speech-driven and a content-driven definition with enum, string,
integer and timestamp fields. It reports the cold run (includes loading MiniLM) and the warm
median (wall and CPU time), plus Segment F1 against the exact truth for the cut and speech
definitions. The default is the offline stack (no language model). ``--llm llama-cpp`` has the
content definition's units judged by that LLM backend in overlapping chunks (fields are still
filled from evidence, so the figure is the judge's cost alone).

Run: ``python bench/analyze.py [--minutes 10] [--repeat 3] [--llm NAME] [--out FILE]``
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import time
from pathlib import Path
from typing import Any

from videoscope.evaluate import check_format, segment_f1
from videoscope.samples import (
    OverlaySpec,
    ShotSpec,
    SoundSpec,
    SpeechSpec,
    Truth,
    VideoSpec,
    render,
)
from videoscope.samples.synth import PHOTOS
from videoscope.timeline.model import Timeline

CACHE = Path(os.environ.get("VIDEOSCOPE_BENCH_CACHE", "/tmp/videoscope-bench"))
SENTENCES = [
    "The rocket launch was a complete success today.",
    "Scientists say the moon mission will start next year.",
    "Coffee prices rose again this week.",
    "The city council met to discuss the new park.",
    "Tomorrow will be sunny with a light breeze.",
    "Our reporter spoke with fans after the match.",
    "A rare cat was found sleeping in the library.",
    "Markets closed higher on strong earnings.",
]
REQUEST: dict[str, Any] = {
    "segment_definitions": [
        {
            "id": "camera_cut",
            "description": "Segment any time there is a hard cut in the camera.",
            "fields": [
                {"name": "camera_angle", "type": "string", "enum": ["high", "low", "medium"]},
                {"name": "cut_count", "type": "integer", "description": "number of cuts"},
            ],
        },
        {
            "id": "speech",
            "description": "Each time someone speaks.",
            "fields": [
                {"name": "transcript", "type": "string", "description": "What is said."},
                {"name": "topic", "type": "string", "enum": ["space", "weather", "money", "city"]},
            ],
        },
        {
            "id": "space_news",
            "description": "When the news is about rockets, space or the moon.",
            "fields": [
                {"name": "summary", "type": "string"},
                {"name": "first_event", "type": "timestamp", "format": "seconds"},
            ],
        },
    ],
    "temperature": 0,
    "min_segment_duration": 2,
}


def bench_spec(minutes: float, seed: int = 7) -> VideoSpec:
    """Shots of 3-8 s (never the same photo twice in a row), a sentence every ~6 s, an overlay
    every ~20 s, music now and then."""
    rng = random.Random(seed)
    shots: list[ShotSpec] = []
    total = 0.0
    previous = ""
    while total < minutes * 60:
        duration = round(rng.uniform(3.0, 8.0), 2)
        previous = rng.choice([p for p in PHOTOS[:8] if p != previous])
        shots.append(ShotSpec(previous, duration, motion="pan"))
        total += duration
    speech = [
        SpeechSpec(rng.choice(SENTENCES), round(t, 2))
        for t in [0.5 + 6.0 * k for k in range(int(total // 6.0) - 1)]
    ]
    overlays = [
        OverlaySpec(rng.choice(["BREAKING NEWS", "LIVE", "WEATHER", "MARKETS"]), t, t + 4.0)
        for t in [2.0 + 20.0 * k for k in range(int(total // 20.0) - 1)]
    ]
    sounds = [SoundSpec("music", t, t + 5.0, level=0.08) for t in range(60, int(total) - 10, 90)]
    return VideoSpec(shots, overlays, speech, sounds, width=960, height=540)


def indexed(minutes: float) -> tuple[Timeline, Truth]:
    """Render and index the benchmark video once (cached)."""
    from videoscope.perceive.pipeline import index_video
    from videoscope.perceive.shots import ShotStage
    from videoscope.perceive.silence import SilenceStage
    from videoscope.perceive.speech import SpeechStage
    from videoscope.perceive.text import OnScreenTextStage

    folder = CACHE / f"analyze-{minutes:g}min"
    video, truth_file, timeline_dir = folder / "video.mp4", folder / "truth.json", folder / "tl"
    if not truth_file.exists():
        truth = render(bench_spec(minutes), video)
        truth_file.write_text(truth.model_dump_json())
    truth = Truth.model_validate_json(truth_file.read_text())
    if not (timeline_dir / "timeline.json").exists():
        stages = [ShotStage(), SilenceStage(), SpeechStage(), OnScreenTextStage()]
        timeline = index_video(video, stages, cache_dir=CACHE / "index-cache")
        timeline.save(timeline_dir)
    return Timeline.load(timeline_dir), truth


def main() -> None:
    """Run the benchmark and print (or write) a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--llm", help="an LLM backend name (e.g. llama-cpp) to judge units")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    from videoscope.backends.registry import load_backend
    from videoscope.segments import EvidenceFieldFiller, analyze_timeline, default_scorer

    timeline, truth = indexed(args.minutes)
    llm = load_backend("llm", args.llm) if args.llm else None
    times, cpu = [], []
    result = None
    for _ in range(args.repeat + 1):
        start, start_cpu = time.perf_counter(), time.process_time()
        filler = EvidenceFieldFiller(default_scorer()) if llm is not None else None
        result = analyze_timeline(timeline, REQUEST, llm=llm, filler=filler, verbose=True)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    assert result is not None and result.plans is not None
    valid = check_format(result.data, REQUEST, timeline.video.duration).valid
    data = json.loads(result.data)

    def spans(key: str) -> list[tuple[float, float]]:
        return [(s["start_time"], s["end_time"]) for s in data[key]]

    cut_f1 = segment_f1(spans("camera_cut"), [(s.start, s.end) for s in truth.shots]).f1
    speech_f1 = segment_f1(spans("speech"), [(s.start, s.end) for s in truth.speech]).f1
    rows = [
        ("video", f"{timeline.video.duration:.0f} s, {timeline.summary()}"),
        ("machine", f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores"),
        ("language model", args.llm or "none (offline stack)"),
        ("analyze, cold (incl. MiniLM load)", f"{times[0]:.2f} s wall, {cpu[0]:.2f} s CPU"),
        (
            f"analyze, warm (median of {args.repeat})",
            f"{statistics.median(times[1:]):.2f} s wall, {statistics.median(cpu[1:]):.2f} s CPU",
        ),
        ("space_news units judged", json.dumps(result.plans["space_news"].get("judge"))),
        ("segments", ", ".join(f"{k}: {len(v)}" for k, v in data.items())),
        ("check_format valid", str(valid)),
        ("Segment F1 camera_cut / speech", f"{cut_f1:.3f} / {speech_f1:.3f}"),
    ]
    text = "| measure | value |\n|---|---|\n" + "\n".join(f"| {a} | {b} |" for a, b in rows)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
