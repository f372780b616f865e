"""Video to text: time to gist, summary, chapters and highlights for an indexed 10-minute video.

The video is the news-like benchmark video of ``bench/analyze.py`` (rendered once, cached in
``$VIDEOSCOPE_BENCH_CACHE``), indexed with every default stage (shots, silence, speech, on-screen
text, visual tags, audio events; stage results cached). The benchmark is the describe step alone,
as the API runs it on an indexed video:

* the default extractive method: first call for the video (sentence embeddings not cached yet;
  MiniLM already loaded, its load time is its own row) and repeated call, medians;
* the language-model path with the packaged SmolLM2-135M through llama.cpp in-process (when
  llama-cpp-python is installed): summary, and chapters (one model call per chapter).

Run: ``python bench/describe.py [--minutes 10] [--repeat 3] [--no-llm] [--out FILE]``
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from analyze import CACHE, bench_spec
from videoscope.samples import Truth, render
from videoscope.timeline.model import Timeline

STAGES = ("shots", "silence", "speech", "text", "visual", "audio_events")


def indexed(minutes: float) -> tuple[Timeline, Truth, float]:
    """The benchmark video indexed with every default stage (cached); also the seconds spent
    indexing in this run (0 when the timeline was cached)."""
    from videoscope.perceive.pipeline import index_video
    from videoscope.perceive.registry import build_stages

    source = CACHE / f"analyze-{minutes:g}min"
    video, truth_file = source / "video.mp4", source / "truth.json"
    source.mkdir(parents=True, exist_ok=True)
    if not truth_file.exists():
        truth_file.write_text(render(bench_spec(minutes), video).model_dump_json())
    truth = Truth.model_validate_json(truth_file.read_text())
    folder = CACHE / f"describe-{minutes:g}min" / "tl"
    spent = 0.0
    if not (folder / "timeline.json").exists():
        start = time.perf_counter()
        timeline = index_video(video, build_stages(STAGES), cache_dir=CACHE / "index-cache")
        spent = time.perf_counter() - start
        timeline.save(folder)
    return Timeline.load(folder), truth, spent


def timed(function: Callable[[], Any]) -> tuple[float, Any]:
    """Seconds ``function`` took, and its result."""
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def main() -> None:
    """Run the benchmark and print (or write) Markdown."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-llm", action="store_true")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()

    from videoscope.describe import gist, summarize

    timeline, truth, index_seconds = indexed(args.minutes)
    counts = timeline.summary()
    tasks: dict[str, Callable[[], Any]] = {
        "summary": lambda: summarize(timeline, "summary", llm=None),
        "chapters": lambda: summarize(timeline, "chapter", llm=None),
        "highlights": lambda: summarize(timeline, "highlight", llm=None),
        "gist": lambda: gist(timeline, llm=None),
    }
    from videoscope.describe.keywords import SentenceEmbedder

    def first(task: Callable[[], Any]) -> tuple[float, Any]:
        SentenceEmbedder._cache.clear()  # as for a video never described before
        return timed(task)

    load_seconds, _ = timed(lambda: SentenceEmbedder.load().embed(["warm up"]))
    rows: list[str] = [f"| load MiniLM (once per process) | {load_seconds:.2f} | – |"]
    results: dict[str, Any] = {}
    for name, task in tasks.items():
        cold = statistics.median(first(task)[0] for _ in range(args.repeat))
        results[name] = task()
        warm = statistics.median(timed(task)[0] for _ in range(args.repeat))
        rows.append(f"| extractive {name} | {cold:.2f} | {warm:.2f} |")
    both = statistics.median(
        first(lambda: (tasks["summary"](), tasks["chapters"]()))[0] for _ in range(args.repeat)
    )
    rows.append(f"| **extractive summary + chapters** | **{both:.2f}** | – |")

    llm_rows: list[str] = []
    if not args.no_llm:
        try:
            from videoscope.backends.registry import load_backend

            load, model = timed(lambda: load_backend("llm", "llama-cpp", context_tokens=4096))
            llm_rows.append(f"| load SmolLM2-135M (llama.cpp) | {load:.2f} | – |")
            seconds, summary = timed(lambda: summarize(timeline, "summary", llm=model))
            llm_rows.append(f"| llm summary ({summary.method}) | {seconds:.1f} | – |")
            seconds, worded = timed(lambda: summarize(timeline, "chapter", llm=model))
            llm_rows.append(
                f"| llm chapters ({worded.method}, {len(worded.chapters or [])} model calls) "
                f"| {seconds:.1f} | – |"
            )
            results["llm summary"] = summary
        except Exception as error:
            llm_rows.append(f"| llm path unavailable: {error} | – | – |")

    chapters = results["chapters"].chapters
    cuts = truth.boundaries
    on_cut = sum(1 for c in chapters[1:] if min(abs(c.start - b) for b in cuts) < 0.25)
    load = os.getloadavg()[0]
    lines = [
        f"# Video to text on an indexed {args.minutes:g}-minute video",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; load average {load:.1f} at the end of the run "
        "(other jobs shared the cores: treat times as upper bounds).",
        f"Timeline: {counts}. Indexing in this run: "
        + (f"{index_seconds:.0f} s." if index_seconds else "cached."),
        "",
        "First call: the video's sentences are not yet embedded (median of the repeats); repeat:",
        "the same request again (sentence embeddings cached in the process).",
        "",
        "| task | first call s | repeat s (median) |",
        "|---|---|---|",
        *rows,
        *llm_rows,
        "",
        f"Chapters: {len(chapters)}, covering 0-{chapters[-1].end:.1f} s of "
        f"{truth.duration:.1f} s; {on_cut} of {len(chapters) - 1} inner boundaries on a true cut "
        "(the rest on utterance edges).",
        f"Highlights: {len(results['highlights'].highlights)}. "
        f"Gist: {results['gist'].title!r}, topics {results['gist'].topics}.",
        "",
        "Extractive summary (first 600 characters):",
        "",
        "> " + (results["summary"].summary or "")[:600],
    ]
    if "llm summary" in results:
        lines += ["", "SmolLM2-135M summary (first 600 characters):", ""]
        lines += ["> " + (results["llm summary"].summary or "")[:600]]
    text = "\n".join(lines) + "\n"
    if args.out:
        args.out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
