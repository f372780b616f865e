"""Property tests: random schemas over random timelines always give valid, grounded output."""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Iterator, Sequence
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from videoscope.evaluate import check_format, parse_time
from videoscope.segments import (
    ChunkOptions,
    ContentOptions,
    LexicalScorer,
    ThresholdJudge,
    analyze_timeline,
    plan_chunks,
    stitch,
)
from videoscope.timeline.interval import Interval
from videoscope.timeline.model import (
    AudioEvent,
    OnScreenText,
    Shot,
    Silence,
    Timeline,
    Utterance,
    VideoRef,
    VisualTag,
    Word,
)

SCORER = LexicalScorer()
DESCRIPTIONS = [
    "every hard cut",
    "each speaker turn",
    "each sentence spoken",
    "each time the on-screen text changes",
    "pauses and silence",
    "when music is playing",
    "when the crowd cheers",
    "segments without music",
    "when the content is NOT gameplay",
    "scoring plays",
    "when the rocket is visible",
    "when the presenter talks about the weather",
    "non-speech footage except titles",
    "something nobody measured",
]
WORDS = ["rocket", "cat", "coffee", "weather", "score", "goal", "news", "launch", "moon"]
TYPES = ["string", "boolean", "number", "integer", "array", "timestamp", "time_array"]


def _sorted_times(draw: st.DrawFn, duration: float, most: int) -> list[float]:
    times = draw(st.lists(st.floats(0.0, duration), max_size=most))
    return sorted({r for t in times if 0 < (r := round(t, 3)) < duration})


@st.composite
def timelines(draw: st.DrawFn) -> Timeline:
    duration = draw(st.floats(0.5, 90.0))
    tl = Timeline(video=VideoRef(content_hash="h", duration=duration))
    if draw(st.booleans()):
        cuts = [0.0, *_sorted_times(draw, duration, 12), duration]
        for i, (a, b) in enumerate(itertools.pairwise(cuts)):
            tl.shots.append(Shot(start=a, end=b, index=i, transition="start" if i == 0 else "cut"))
            tl.visual_tags.append(VisualTag(start=a, end=b, label=draw(st.sampled_from(WORDS))))
    edges = _sorted_times(draw, duration, 16)
    for k, (a, b) in enumerate(zip(edges[::2], edges[1::2], strict=False)):
        text = " ".join(draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=4)))
        if k % 3 == 2:
            tl.silences.append(Silence(start=a, end=b))
            continue
        tl.utterances.append(
            Utterance(start=a, end=b, text=text, speaker=draw(st.sampled_from([None, "A", "B"])))
        )
        step = (b - a) / len(text.split())
        for j, w in enumerate(text.split()):
            tl.words.append(Word(start=a + j * step, end=a + (j + 1) * step, text=w))
    for _ in range(draw(st.integers(0, 5))):
        a, b = sorted(draw(st.tuples(st.floats(0, duration), st.floats(0, duration))))
        tl.texts.append(OnScreenText(start=a, end=b, text=draw(st.sampled_from(WORDS)).upper()))
    for _ in range(draw(st.integers(0, 4))):
        a, b = sorted(draw(st.tuples(st.floats(0, duration), st.floats(0, duration))))
        label = draw(st.sampled_from(["music", "crowd", "speech", "silence"]))
        tl.audio_events.append(AudioEvent(start=a, end=b, label=label))
    tl.sort_tracks()
    tl.validate_tracks()
    return tl


@st.composite
def fields(draw: st.DrawFn, index: int) -> dict[str, Any]:
    kind = draw(st.sampled_from(TYPES))
    field: dict[str, Any] = {
        "name": f"f{index}",
        "type": kind,
        "description": draw(
            st.sampled_from(
                [
                    "",
                    "number of words",
                    "on-screen text",
                    "is music playing",
                    "duration in seconds",
                    "visible objects",
                    "what is said",
                ]
            )
        ),
    }
    values = {
        "string": st.lists(st.sampled_from(WORDS), min_size=1, max_size=5, unique=True),
        "integer": st.lists(st.integers(-5, 5), min_size=1, max_size=4, unique=True),
        "number": st.lists(
            st.integers(0, 9).map(lambda v: v / 2), min_size=1, max_size=4, unique=True
        ),
        "boolean": st.just([True, False]),
    }
    if kind == "array":
        item = draw(st.sampled_from(["string", "integer", "number", "boolean", "timestamp"]))
        field["items"] = {"type": item}
        if item != "timestamp" and draw(st.booleans()):
            field["items"]["enum"] = draw(values[item])
    elif kind in values and draw(st.booleans()):
        field["enum"] = draw(values[kind])
    if kind == "timestamp":
        field["format"] = draw(st.sampled_from(["seconds", "hh:mm:ss", "hh:mm:ss.fff"]))
    return field


@st.composite
def requests(draw: st.DrawFn, duration: float) -> dict[str, Any]:
    """A request the SDK's rules allow for a video of ``duration`` seconds: time ranges of at
    least 2 s inside the video, apart from each other, and never with durations or a window."""
    definitions = []
    for i in range(draw(st.integers(1, 4))):
        definition: dict[str, Any] = {
            "id": f"def_{i}",
            "description": draw(st.sampled_from(DESCRIPTIONS)),
            "fields": [draw(fields(j)) for j in range(draw(st.integers(0, 4)))],
        }
        if duration >= 2.0 and draw(st.integers(0, 3)) == 0:
            ranges, a = [], draw(st.floats(0, duration - 2.0))
            for _ in range(draw(st.integers(1, 2))):
                if a + 2.0 > duration:
                    break
                b = draw(st.floats(a + 2.0, duration))
                ranges.append({"start_time": a, "end_time": b})
                a = b
            definition["time_ranges"] = ranges
        definitions.append(definition)
    raw: dict[str, Any] = {
        "segment_definitions": definitions,
        "segment_time_format": draw(st.sampled_from(["seconds", "hh:mm:ss", "hh:mm:ss.fff"])),
    }
    if any("time_ranges" in d for d in definitions):
        return raw
    low = draw(st.one_of(st.none(), st.floats(2.0, 6.0)))
    if low is not None:
        raw["min_segment_duration"] = low
    if draw(st.booleans()):
        raw["max_segment_duration"] = (low or 2.0) + draw(st.floats(0.0, 12.0))
    if duration >= 1.0 and draw(st.integers(0, 3)) == 0:
        a = draw(st.floats(0, duration - 1.0))
        raw["start_time"], raw["end_time"] = a, draw(st.floats(a + 1.0, duration))
    return raw


def _segments(data: dict[str, Any]) -> Iterator[tuple[str, float, float]]:
    for def_id, segs in data.items():
        for s in segs:
            start, end = parse_time(s["start_time"]), parse_time(s["end_time"])
            assert start is not None and end is not None
            yield def_id, start, end


def _assert_sorted(spans: Sequence[tuple[float, float]]) -> None:
    for (a0, b0), (a1, _) in itertools.pairwise(spans):
        assert a0 < b0 <= a1 + 1e-9


@settings(
    max_examples=int(os.environ.get("VIDEOSCOPE_HYPOTHESIS_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(timeline=timelines(), draws=st.data())
def test_random_schema_on_random_timeline_is_always_valid(
    timeline: Timeline, draws: st.DataObject
) -> None:
    raw = draws.draw(requests(timeline.video.duration))
    result = analyze_timeline(timeline, raw, verbose=True, scorer=SCORER)
    duration = timeline.video.duration
    report = check_format(result.data, raw, duration)
    assert report.valid, report.violations
    assert not [w for w in result.warnings if w.startswith("guard")], result.warnings
    data = json.loads(result.data)
    assert list(data) == [d["id"] for d in raw["segment_definitions"]]
    low, high = raw.get("start_time", 0.0), min(raw.get("end_time", duration), duration)
    by_def: dict[str, list[tuple[float, float]]] = {}
    for def_id, start, end in _segments(data):
        by_def.setdefault(def_id, []).append((start, end))
        assert low - 1e-9 <= start < end <= high + 1e-9
        if "max_segment_duration" in raw:
            assert end - start <= raw["max_segment_duration"] + 1e-6
    for spans in by_def.values():
        _assert_sorted(spans)
    for evs in (result.evidence or {}).values():
        for ev in evs:
            assert "unsnapped" not in ev["start"] + ev["end"]


@st.composite
def chunk_options(draw: st.DrawFn) -> ChunkOptions:
    return ChunkOptions(
        max_units=draw(st.integers(1, 12)),
        max_chars=draw(st.one_of(st.none(), st.integers(1, 400))),
        max_seconds=draw(st.one_of(st.none(), st.floats(0.5, 30.0))),
        overlap=draw(st.floats(0.0, 0.9)),
    )


@settings(
    max_examples=int(os.environ.get("VIDEOSCOPE_HYPOTHESIS_EXAMPLES", "150")) // 2,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(timeline=timelines(), draws=st.data(), options=chunk_options())
def test_chunked_judging_keeps_the_output_valid(
    timeline: Timeline, draws: st.DataObject, options: ChunkOptions
) -> None:
    raw = draws.draw(requests(timeline.video.duration))
    judge = ThresholdJudge(floor=0.12)  # relative to each chunk: chunking changes its answers
    content = ContentOptions(chunks=options)
    result = analyze_timeline(
        timeline, raw, verbose=True, scorer=SCORER, judge=judge, content=content, llm=None
    )
    report = check_format(result.data, raw, timeline.video.duration)
    assert report.valid, report.violations
    assert not [w for w in result.warnings if w.startswith("guard")], result.warnings
    for def_id, segs in json.loads(result.data).items():
        _assert_sorted([(s, e) for d, s, e in _segments({def_id: segs})])
    for plan in (result.plans or {}).values():
        if "judge" in plan:
            found = plan["judge"]
            # a tie between equally central chunks is decided by the global threshold
            assert 0 <= found["decided"] <= found["units"] and found["selected"] <= found["units"]


@settings(max_examples=200, deadline=None)
@given(
    costs=st.lists(st.integers(1, 300), max_size=60),
    options=chunk_options(),
    seed=st.integers(0, 2**16),
)
def test_chunks_cover_all_units_and_stitching_picks_a_most_central_answer(
    costs: list[int], options: ChunkOptions, seed: int
) -> None:
    units = [Interval(float(i), float(i) + 1.0) for i in range(len(costs))]
    chunks = plan_chunks(units, costs, options)
    assert sorted({i for c in chunks for i in range(c.start, c.stop)}) == list(range(len(costs)))
    for prev, nxt in itertools.pairwise(chunks):
        assert prev.start < nxt.start <= prev.stop < nxt.stop
    for c in chunks:
        if len(c) > 1:
            assert len(c) <= options.max_units
            assert options.max_chars is None or sum(costs[c.start : c.stop]) <= options.max_chars
    answers = [[(seed >> (k % 16)) & 1 == 1 for _ in range(len(c))] for k, c in enumerate(chunks)]
    stitched = stitch(len(costs), chunks, answers)
    for unit, value in enumerate(stitched):
        holders = [k for k, c in enumerate(chunks) if c.start <= unit < c.stop]
        best = max(chunks[k].centrality(unit, len(costs)) for k in holders)
        central = {answers[k][0] for k in holders if chunks[k].centrality(unit, len(costs)) == best}
        assert value == (central.pop() if len(central) == 1 else None)
