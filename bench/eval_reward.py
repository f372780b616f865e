"""Benchmark: rule-based reward throughput in segment-pair evaluations per second on one core.

A sample has three definitions shaped like the seed's basketball request (enum, entity, integer,
keyword-list and, optionally, free-text fields) with ``--segments`` ground-truth segments each; the
prediction jitters every boundary by up to 0.5 s and replaces a third of the string values by a
team name (so some enum values also become format violations). One *segment-pair
evaluation* is one aligned (prediction, truth) pair scored by :func:`videoscope.evaluate.reward`,
which includes its share of the format check, Temporal F1, the Hungarian Segment F1 and all
metadata fields. Prints a Markdown table row.

    python bench/eval_reward.py --segments 20 --seconds 5
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import itertools  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import random  # noqa: E402
import time  # noqa: E402
from typing import Any  # noqa: E402

from videoscope.evaluate import MetadataScorer, reward  # noqa: E402

WORDS = ["crowd", "dunk", "fans", "coach", "replay", "timeout", "foul", "rebound", "steal"]
TEAMS = ["Loyola Ramblers", "Cincinnati Bearcats", "Duke Blue Devils"]


def make_schema(with_text: bool) -> dict[str, Any]:
    text = [{"name": "description", "type": "string"}] if with_text else []
    return {
        "segment_definitions": [
            {
                "id": "scoring_plays",
                "fields": [
                    {"name": "points_scored", "type": "string", "enum": ["1pt", "2pt", "3pt"]},
                    {"name": "scoring_team", "type": "string"},
                    {"name": "points", "type": "integer"},
                    *text,
                ],
            },
            {
                "id": "camera_cut",
                "fields": [
                    {"name": "camera_angle", "type": "string", "enum": ["high", "low", "medium"]},
                    {"name": "tags", "type": "array", "items": {"type": "string"}},
                ],
            },
            {"id": "highlights", "fields": [{"name": "team", "type": "string"}, *text]},
        ]
    }


def make_pair(n: int, with_text: bool, rnd: random.Random) -> tuple[dict, dict, float]:
    truth: dict[str, list] = {}
    pred: dict[str, list] = {}
    duration = 0.0
    for d in make_schema(with_text)["segment_definitions"]:
        t = 0.0
        segs: list[dict[str, Any]] = []
        psegs: list[dict[str, Any]] = []
        for _ in range(n):
            start, end = t + rnd.uniform(0, 3), t + rnd.uniform(5, 12)
            t = end
            meta: dict[str, Any] = {}
            for f in d["fields"]:
                if "enum" in f:
                    meta[f["name"]] = rnd.choice(f["enum"])
                elif f["type"] == "integer":
                    meta[f["name"]] = rnd.randint(0, 100)
                elif f["type"] == "array":
                    meta[f["name"]] = rnd.sample(WORDS, 3)
                elif f["name"] == "description":
                    meta[f["name"]] = " ".join(rnd.choices(WORDS, k=14)) + "."
                else:
                    meta[f["name"]] = rnd.choice(TEAMS)
            segs.append({"start_time": start, "end_time": end, "metadata": meta})
            pmeta = {
                k: (rnd.choice(TEAMS) if isinstance(v, str) and rnd.random() < 0.33 else v)
                for k, v in meta.items()
            }
            ps, pe = start + rnd.uniform(-0.5, 0.5), end + rnd.uniform(-0.5, 0.5)
            psegs.append({"start_time": max(0.0, ps), "end_time": pe, "metadata": pmeta})
        for a, b in itertools.pairwise(psegs):  # keep the prediction non-overlapping
            b["start_time"] = max(b["start_time"], a["end_time"])
        truth[d["id"]], pred[d["id"]] = segs, psegs
        duration = max(duration, t + 1)
    return pred, truth, duration


def measure(
    n: int, with_text: bool, seconds: float, as_json: bool, repeats: int = 5
) -> tuple[float, float, int]:
    """Best of ``repeats`` trials: (pair evaluations per CPU second, per wall second, pairs/sample).

    CPU time (``time.process_time``) is what this process used on its core, so it is robust to
    other load on the machine; the wall figure is the best trial's.
    """
    rnd = random.Random(0)
    samples: list[tuple[Any, dict, float]] = [make_pair(n, with_text, rnd) for _ in range(20)]
    if as_json:
        samples = [(json.dumps(p), t, d) for p, t, d in samples]
    schema = make_schema(with_text)
    scorer = MetadataScorer()
    best_cpu = best_wall = 0.0
    per_sample = 0
    for _ in range(repeats):
        pairs = evals = 0
        wall0, cpu0 = time.perf_counter(), time.process_time()
        while time.perf_counter() - wall0 < seconds / repeats:
            for pred, truth, duration in samples:
                r = reward(pred, truth, schema, duration=duration, scorer=scorer)
                pairs += sum(len(d.segment.pairs) for d in r.definitions)
                evals += 1
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
        best_cpu, best_wall = max(best_cpu, pairs / cpu), max(best_wall, pairs / wall)
        per_sample = pairs // max(evals, 1)
    return best_cpu, best_wall, per_sample


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--segments", type=int, default=20, help="truth segments per definition")
    parser.add_argument("--seconds", type=float, default=5.0, help="time per configuration")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"<!-- CPU: {cpu_model()}; nproc {os.cpu_count()}; pinned to one core; "
        f"Python {platform.python_version()}; load average at start {load:.1f} -->"
    )
    print(
        "| configuration | segments/definition | pairs/sample | pair evals/s (CPU time) "
        "| pair evals/s (wall) |"
    )
    print("|---|---|---|---|---|")
    for label, with_text, as_json in (
        ("rule-based fields, dict input", False, False),
        ("rule-based fields, JSON string input", False, True),
        ("+ free text (lexical fallback)", True, False),
    ):
        cpu, wall, per = measure(args.segments, with_text, args.seconds, as_json)
        print(f"| {label} | {args.segments} | {per} | {cpu:,.0f} | {wall:,.0f} |")


if __name__ == "__main__":
    main()
