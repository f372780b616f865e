"""Overlapping chunks and stitching, on a generated long timeline (120 shots, 8 minutes).

The judge is the real :class:`ThresholdJudge` in its chunk-relative mode (its threshold is
computed over the units of the chunk it sees, as a language model judges in context), so chunking
can change its answers; the lexical scorer makes the scores deterministic.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from tests.segments.builders import long_timeline
from videoscope.evaluate import check_format
from videoscope.segments import (
    ChunkOptions,
    ContentOptions,
    LexicalScorer,
    ThresholdJudge,
    analyze_timeline,
    interpret,
    plan_chunks,
    stitch,
)
from videoscope.segments.content import units_for
from videoscope.segments.evidence import EvidenceGatherer, EvidenceIndex
from videoscope.segments.fields import evidence_text
from videoscope.timeline.interval import Interval

SCORER = LexicalScorer()
ROCKET: dict[str, Any] = {
    "segment_definitions": [
        {"id": "rocket", "description": "when the rocket launch is visible", "fields": []}
    ]
}
#: Shots 20-28 match: 80 s to 116 s.
RUN = (80.0, 116.0)


def _units_and_costs() -> tuple[list[Interval], list[int]]:
    timeline = long_timeline()
    plan = interpret(ROCKET["segment_definitions"][0]["description"])
    whole = Interval(0.0, timeline.video.duration)
    index = EvidenceIndex.from_timeline(timeline)
    units = units_for(plan, timeline, whole, index, ContentOptions())
    gatherer = EvidenceGatherer(timeline)
    costs = [len(gatherer.gather(u).compact()) + 24 for u in units]
    return units, costs


def _analyze(options: ChunkOptions, judge: ThresholdJudge | None) -> Any:
    timeline = long_timeline()
    result = analyze_timeline(
        timeline,
        ROCKET,
        scorer=SCORER,
        judge=judge,
        content=ContentOptions(chunks=options),
        llm=None,
        verbose=True,
    )
    report = check_format(result.data, ROCKET, timeline.video.duration)
    assert report.valid, report.violations
    return result


@pytest.mark.parametrize("overlap", [0.0, 0.2, 0.5])
def test_chunks_cover_every_unit_and_overlap_as_configured(overlap: float) -> None:
    units, costs = _units_and_costs()
    assert len(units) == 120
    chunks = plan_chunks(units, costs, ChunkOptions(max_units=24, overlap=overlap))
    covered = sorted({i for c in chunks for i in range(c.start, c.stop)})
    assert covered == list(range(len(units)))
    assert chunks[0].start == 0 and chunks[-1].stop == len(units)
    assert all(len(c) <= 24 for c in chunks)
    for prev, nxt in itertools.pairwise(chunks):
        assert prev.stop - nxt.start == round(overlap * len(prev))
        assert nxt.stop > prev.stop  # every chunk brings new units


def test_character_and_duration_budgets_bound_each_chunk() -> None:
    units, costs = _units_and_costs()
    options = ChunkOptions(max_units=100, max_chars=1000, max_seconds=60.0, overlap=0.2)
    chunks = plan_chunks(units, costs, options)
    assert len(chunks) > 1
    for chunk in chunks:
        assert sum(costs[chunk.start : chunk.stop]) <= 1000
        assert units[chunk.stop - 1].end - units[chunk.start].start <= 60.0 + 1e-9
    assert sorted({i for c in chunks for i in range(c.start, c.stop)}) == list(range(120))


def test_each_unit_takes_the_answer_of_the_chunk_where_it_is_most_central() -> None:
    units = [Interval(i, i + 1) for i in range(12)]
    chunks = plan_chunks(units, [1] * 12, ChunkOptions(max_units=6, overlap=0.5))
    assert [(c.start, c.stop) for c in chunks] == [(0, 6), (3, 9), (6, 12)]
    answers: list[list[str | None]] = [["a"] * 6, ["b"] * 6, ["c"] * 6]
    # 3: 2 from the end of chunk a, 0 from the start of b; 4: 1 and 1, a tie that a and b
    # answer differently (left open); 5: 0 and 2; 7: tie between b and c.
    assert stitch(12, chunks, answers) == [*"aaaa", None, "b", "b", None, *"cccc"]
    # a chunk without an answer for a unit (a malformed reply) leaves it to the other chunk
    answers[1] = [None] * 6
    assert stitch(12, chunks, answers) == list("aaaaaa") + list("cccccc")
    # the same answer from two equally central chunks is kept
    assert stitch(12, chunks, [["x"] * 6] * 3) == ["x"] * 12


def test_a_run_crossing_a_chunk_edge_comes_out_as_one_segment() -> None:
    options = ChunkOptions(max_units=24, overlap=0.2)
    chunks = plan_chunks(*_units_and_costs(), options)
    first_edge = chunks[0].stop
    assert 20 < first_edge < 29  # the matching shots 20-28 straddle the first chunk's edge
    result = _analyze(options, ThresholdJudge(floor=0.12))
    spans = [(s["start_time"], s["end_time"]) for s in result.parsed()["rocket"]]
    assert spans == [RUN]
    report = result.plans["rocket"]["judge"]
    assert report["units"] == 120 and report["chunks"] == len(chunks) and report["selected"] == 9
    # smaller chunks, each inside the run or beside it: still one segment
    tiny = _analyze(ChunkOptions(max_units=5, overlap=0.4), ThresholdJudge(floor=0.12))
    assert tiny.parsed() == result.parsed()


def test_one_chunk_gives_exactly_the_unchunked_result() -> None:
    # the chunk-relative judge over a single chunk is the global threshold of the default path
    one = _analyze(ChunkOptions(max_units=10_000), ThresholdJudge(floor=0.12))
    assert one.plans["rocket"]["judge"]["chunks"] == 1
    default = _analyze(ChunkOptions(), None)
    assert one.data == default.data
    assert [(s["start_time"], s["end_time"]) for s in one.parsed()["rocket"]] == [RUN]
    # the default (global) threshold does not depend on the chunk size at all
    for size in (1, 7, 24):
        assert _analyze(ChunkOptions(max_units=size), None).data == default.data


def test_long_segment_evidence_is_trimmed_around_its_centre() -> None:
    timeline = long_timeline()
    evidence = EvidenceGatherer(timeline).gather(Interval(0.0, 240.0))
    text = evidence_text(evidence, 600)
    assert len(text) <= 600 + 64
    lines = text.splitlines()
    assert lines[0].startswith("Visual: ")
    times = [float(line[1:].split("-")[0]) for line in lines[1:]]
    assert times == sorted(times) and len(times) >= 5
    assert min(times) <= 120.0 <= max(times)  # the centre is kept ...
    assert min(times) > 60.0 and max(times) < 180.0  # ... and the far ends are dropped
    assert evidence_text(evidence, 100_000).count("said:") == 60


def test_invalid_chunk_options_are_rejected() -> None:
    from videoscope.errors import ConfigError

    with pytest.raises(ConfigError, match="overlap"):
        ChunkOptions(overlap=1.0)
    with pytest.raises(ConfigError, match="max_units"):
        ChunkOptions(max_units=0)


def test_settings_section_maps_to_chunk_options(monkeypatch: pytest.MonkeyPatch) -> None:
    from videoscope.config import AnalyzeSettings, Settings
    from videoscope.segments.engine import content_options

    assert content_options(AnalyzeSettings()) == ContentOptions()
    section = AnalyzeSettings(chunk_units=8, chunk_chars=900, chunk_overlap=0.5, llm_judge=False)
    options = content_options(section)
    assert options.chunks == ChunkOptions(max_units=8, max_chars=900, overlap=0.5)
    assert options.llm_judge is False
    monkeypatch.setenv("VIDEOSCOPE_ANALYZE__CHUNK_UNITS", "12")
    assert content_options(Settings().analyze).chunks.max_units == 12
