"""The analyze engine on hand-built Timelines: signals, negation, durations, formats, fields."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.segments.builders import news_timeline
from videoscope.evaluate import check_format, segment_f1
from videoscope.segments import (
    AnalyzeRequestError,
    EvidenceIndex,
    LexicalScorer,
    analyze_timeline,
    format_time,
    interpret,
)
from videoscope.timeline.model import OnScreenText, Shot, Timeline, VideoRef

SCORER = LexicalScorer()


def _run(definitions: list[dict[str, Any]], **request: Any) -> tuple[dict[str, Any], Any]:
    timeline = news_timeline()
    raw = {"segment_definitions": definitions, **request}
    result = analyze_timeline(timeline, raw, verbose=True, scorer=SCORER)
    report = check_format(result.data, raw, timeline.video.duration)
    assert report.valid, report.violations
    return result.parsed(), result


def _spans(segments: list[dict[str, Any]]) -> list[tuple[float, float]]:
    return [(s["start_time"], s["end_time"]) for s in segments]


@pytest.mark.parametrize(
    ("description", "signal", "negated"),
    [
        ("Segment any time only when there is a hard cut in the camera.", "shots", False),
        ("Each speaker turn", "utterances", False),
        ("each time the on-screen text changes", "text", False),
        ("pauses where nobody speaks", "silence", False),
        ("when music is playing", "audio", False),
        (
            "Generate segments only when the content on screen IS NOT actual gameplay.",
            "content",
            True,
        ),
        ("Segment any time a team scores points.", "content", False),
        ("when the presenter talks about rockets", "content", False),
        ("everything except the crowd cheering", "audio", True),
    ],
)
def test_interpretation_catalogue(description: str, signal: str, negated: bool) -> None:
    plan = interpret(description)
    assert (plan.signal, plan.negated) == (signal, negated)
    assert "not" not in plan.query.lower().split()


def test_boundary_driven_definitions_follow_their_tracks() -> None:
    timeline = news_timeline()
    data, result = _run(
        [
            {"id": "cuts", "description": "every hard cut", "fields": []},
            {
                "id": "speech",
                "description": "each sentence spoken",
                "fields": [{"name": "transcript", "type": "string", "description": "what is said"}],
            },
            {
                "id": "titles",
                "description": "each time the on-screen text changes",
                "fields": [{"name": "text", "type": "string", "description": "the on-screen text"}],
            },
            {"id": "music", "description": "when music plays", "fields": []},
            {"id": "pauses", "description": "silences", "fields": []},
        ]
    )
    assert _spans(data["cuts"]) == [(s.start, s.end) for s in timeline.shots]
    assert segment_f1(
        _spans(data["speech"]), [(u.start, u.end) for u in timeline.utterances]
    ).f1 == pytest.approx(1.0)
    assert [s["metadata"]["transcript"] for s in data["speech"]] == [
        u.text for u in timeline.utterances
    ]
    assert [(s["start_time"], s["end_time"], s["metadata"]["text"]) for s in data["titles"]] == [
        (t.start, t.end, t.text) for t in timeline.texts
    ]
    assert _spans(data["music"]) == [(24.0, 29.0)]
    assert _spans(data["pauses"]) == [
        (pytest.approx(s.start), pytest.approx(s.end)) for s in timeline.silences
    ]
    ev = result.evidence
    assert ev["cuts"][1] == {"start": "shot_cut@6.000", "end": "shot_cut@12.500", "defaults": []}
    assert ev["speech"][0]["start"] == "utterance_start@1.000"
    assert ev["titles"][0]["end"] == "text_off@5.000"


def test_negation_is_the_complement_inside_the_window() -> None:
    data, _ = _run(
        [{"id": "no_music", "description": "segments without music", "fields": []}],
        start_time=5,
        end_time=28,
    )
    assert _spans(data["no_music"]) == [(5.0, 24.0)]


def test_content_definition_finds_the_matching_shot_and_its_complement() -> None:
    data, _ = _run(
        [
            {"id": "rocket", "description": "when the rocket launch is shown", "fields": []},
            {
                "id": "not_rocket",
                "description": "when the rocket launch is NOT shown",
                "fields": [],
            },
        ]
    )
    # the spoken launch sentence (6-12.5) and the "LAUNCH SUCCESSFUL" overlay shot (12.5-18)
    assert _spans(data["rocket"]) == [(6.0, 18.0)]
    assert _spans(data["not_rocket"]) == [(0.0, 6.0), (18.0, 30.0)]


def test_min_and_max_durations_use_evidence() -> None:
    data, result = _run(
        [
            {"id": "speech", "description": "each sentence spoken", "fields": []},
            {"id": "cuts", "description": "every hard cut", "fields": []},
        ],
        min_segment_duration=2.5,
        max_segment_duration=4.0,
    )
    for segs in data.values():
        for s in segs:
            assert 2.5 - 1e-9 <= s["end_time"] - s["start_time"] <= 4.0 + 1e-9
    # every edge is measured evidence (a word edge, a cut, ...), never unsnapped
    for evs in (result.evidence or {}).values():
        for e in evs:
            assert not e["start"].startswith("unsnapped") and not e["end"].startswith("unsnapped")
    assert len(data["cuts"]) >= 5


def test_time_ranges_and_hh_mm_ss_format() -> None:
    data, _ = _run(
        [
            {
                "id": "cuts",
                "description": "every hard cut",
                "fields": [{"name": "at", "type": "timestamp", "format": "hh:mm:ss"}],
                "time_ranges": [{"start_time": 3.2, "end_time": 14.7}],
            }
        ],
        segment_time_format="hh:mm:ss",
    )
    starts = [s["start_time"] for s in data["cuts"]]
    assert starts == ["00:00:04", "00:00:06", "00:00:12"]
    assert data["cuts"][-1]["end_time"] == "00:00:14"


def test_fields_are_typed_and_enums_valid() -> None:
    fields: list[dict[str, Any]] = [
        {"name": "angle", "type": "string", "enum": ["high", "low", "medium"]},
        {"name": "words", "type": "integer", "description": "number of words spoken"},
        {"name": "seconds", "type": "number", "description": "duration in seconds"},
        {"name": "has_text", "type": "boolean", "description": "is on-screen text shown"},
        {"name": "mystery", "type": "boolean", "description": "is the team winning"},
        {"name": "cut_times", "type": "time_array"},
        {
            "name": "labels",
            "type": "array",
            "items": {"type": "string"},
            "description": "visible objects",
        },
        {"name": "moods", "type": "array", "items": {"type": "string", "enum": ["calm", "tense"]}},
    ]
    data, result = _run(
        [{"id": "cuts", "description": "every hard cut", "fields": fields}],
        segment_time_format="hh:mm:ss.fff",
    )
    first = data["cuts"][0]["metadata"]
    assert set(first) == {f["name"] for f in fields}
    assert first["words"] == 5 and first["seconds"] == 6.0 and first["has_text"] is True
    assert first["labels"][0] == "space shuttle"
    assert first["cut_times"] == ["00:00:01.000", "00:00:02.000"]
    assert all(s["metadata"]["angle"] in ("high", "low", "medium") for s in data["cuts"])
    assert result.evidence is not None
    assert result.evidence["cuts"][0]["defaults"] == ["mystery"]


def test_temperature_zero_is_deterministic_and_window_beyond_video_is_refused() -> None:
    definitions = [
        {
            "id": "rocket",
            "description": "rocket launch",
            "fields": [{"name": "summary", "type": "string"}],
        }
    ]
    a = analyze_timeline(news_timeline(), {"segment_definitions": definitions}, scorer=SCORER)
    b = analyze_timeline(news_timeline(), {"segment_definitions": definitions}, scorer=SCORER)
    assert a.data == b.data and a.generation_id == b.generation_id
    with pytest.raises(AnalyzeRequestError, match="start_time: 40 is not before the video's end"):
        _run(definitions, start_time=40)


def test_format_time_and_evidence_index() -> None:
    assert format_time(62.5, "hh:mm:ss.fff") == "00:01:02.500"
    assert format_time(1.2345, "seconds") == 1.234 or format_time(1.2345, "seconds") == 1.235
    index = EvidenceIndex.from_timeline(news_timeline(), resolution=1.0)
    assert index.kind(6.0) == "shot_cut" and index.kind(0.0) == "video_start"
    assert json.dumps(index.inside(5.5, 7.0)) == "[6.0, 7.0]" or 6.0 in index.inside(5.5, 7.0)


def test_timestamps_never_round_past_the_video_end() -> None:
    timeline = Timeline(video=VideoRef(content_hash="end", duration=29.8))
    timeline.shots.append(Shot(start=0.0, end=29.8, index=0, transition="start"))
    timeline.texts.append(OnScreenText(start=29.6, end=29.8, text="THE END"))
    raw: dict[str, Any] = {
        "segment_definitions": [
            {
                "id": "titles",
                "description": "each caption",
                "fields": [
                    {"name": "at", "type": "timestamp", "format": "hh:mm:ss"},
                    {"name": "all", "type": "time_array"},
                ],
            }
        ],
        "segment_time_format": "hh:mm:ss",
    }
    result = analyze_timeline(timeline, raw, scorer=SCORER)
    assert check_format(result.data, raw, 29.8).valid
    shots = {
        **raw,
        "segment_definitions": [
            {**raw["segment_definitions"][0], "id": "shots", "description": "every shot change"}
        ],
    }
    result = analyze_timeline(timeline, shots, scorer=SCORER)
    assert check_format(result.data, shots, 29.8).valid
    segment = result.parsed()["shots"][0]
    assert segment["end_time"] == "00:00:29" and segment["metadata"]["all"] == []
