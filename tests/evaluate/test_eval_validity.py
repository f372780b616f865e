"""Format validity: every violation code, the seed's own example, and invariants."""

from __future__ import annotations

import json
from pathlib import Path
from random import Random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from videoscope.evaluate.schema import EvaluationError, Schema, parse_time
from videoscope.evaluate.validity import check_format

DATA = Path(__file__).parent / "data"

SCHEMA: dict[str, Any] = {
    "segment_definitions": [
        {
            "id": "plays",
            "description": "scoring plays",
            "fields": [
                {"name": "points", "type": "integer"},
                {"name": "shot", "type": "string", "enum": ["layup", "dunk"]},
                {"name": "team", "type": "string"},
                {"name": "tags", "type": "array", "items": {"type": "string"}},
                {"name": "replay", "type": "boolean"},
                {"name": "speed", "type": "number"},
                {"name": "peak", "type": "timestamp"},
                {"name": "cheers", "type": "time_array"},
            ],
        },
        {"id": "cuts", "fields": [], "time_ranges": [{"start_time": 0, "end_time": 50}]},
    ]
}


def meta(**over: Any) -> dict[str, Any]:
    base = {
        "points": 2,
        "shot": "layup",
        "team": "Loyola",
        "tags": ["fast"],
        "replay": False,
        "speed": 3.5,
        "peak": "00:00:05.5",
        "cheers": [6, "00:07"],
    }
    return {**base, **over}


def result(*plays: Any, cuts: list | None = None) -> dict[str, Any]:
    return {"plays": list(plays), "cuts": cuts if cuts is not None else []}


def seg(a: Any, b: Any, **over: Any) -> dict[str, Any]:
    return {"start_time": a, "end_time": b, "metadata": meta(**over)}


def codes(data: Any, **kw: Any) -> list[tuple[str, str | None, int | None, str | None]]:
    report = check_format(data, SCHEMA, **kw)
    assert report.valid == (not report.violations)
    return [(v.code, v.definition, v.segment, v.field) for v in report.violations]


def test_valid_result_as_string_and_dict() -> None:
    data = result(seg(0, 10), seg("00:00:10", "00:00:20.500", points=3.0))
    assert codes(data, duration=30) == []
    assert codes(json.dumps(data)) == []
    assert codes({"result": {"data": json.dumps(data)}}) == []  # API envelope


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("{not json", [("json", None, None, None)]),
        ("[1, 2]", [("not_object", None, None, None)]),
        ({"plays": []}, [("missing_definition", "cuts", None, None)]),
        ({**result(), "extra": []}, [("unknown_definition", "extra", None, None)]),
        ({"plays": {}, "cuts": []}, [("not_list", "plays", None, None)]),
        (result(5), [("segment_not_object", "plays", 0, None)]),
        (result({"start_time": 0, "end_time": 1}), [("missing_key", "plays", 0, None)]),
        (result({**seg(0, 1), "label": 1}), [("unexpected_key", "plays", 0, None)]),
        (result(seg("1:75", 2)), [("bad_time", "plays", 0, "start_time")]),
        (result(seg(-1, 2)), [("bad_time", "plays", 0, "start_time")]),
        (result(seg(True, 2)), [("bad_time", "plays", 0, "start_time")]),
        (result(seg(3, 3)), [("empty_segment", "plays", 0, None)]),
        (result(seg(4, 3)), [("empty_segment", "plays", 0, None)]),
        (
            result(cuts=[{"start_time": 40, "end_time": 60, "metadata": {}}]),
            [("outside_time_range", "cuts", 0, None)],
        ),
        (
            result({"start_time": 0, "end_time": 1, "metadata": []}),
            [("metadata_not_object", "plays", 0, None)],
        ),
        (result(seg(0, 1, color="red")), [("unknown_field", "plays", 0, "color")]),
        (result(seg(0, 1, points=2.5)), [("type", "plays", 0, "points")]),
        (result(seg(0, 1, points=True)), [("type", "plays", 0, "points")]),
        (result(seg(0, 1, speed="fast")), [("type", "plays", 0, "speed")]),
        (result(seg(0, 1, replay="no")), [("type", "plays", 0, "replay")]),
        (result(seg(0, 1, shot="hook")), [("enum", "plays", 0, "shot")]),
        (result(seg(0, 1, tags=["ok", 3])), [("type", "plays", 0, "tags")]),
        (result(seg(0, 1, tags="fast")), [("type", "plays", 0, "tags")]),
        (result(seg(0, 1, peak="soon")), [("type", "plays", 0, "peak")]),
        (result(seg(0, 1, cheers=[1, "x"])), [("type", "plays", 0, "cheers")]),
    ],
)
def test_each_violation(data: Any, expected: list) -> None:
    assert codes(data) == expected


def test_cuts_metadata_must_be_empty_object_and_fields_missing() -> None:
    data = result({"start_time": 0, "end_time": 1, "metadata": {"team": "x"}})
    got = codes(data)
    assert (
        got[0] == ("unknown_field", "plays", 0, "team")
        or ("missing_field", "plays", 0, "points") in got
    )
    missing = [c for c in got if c[0] == "missing_field"]
    assert len(missing) == 7  # every field but 'team'
    assert codes(data, require_all_fields=False) == []


def test_outside_video_for_segment_and_timestamp() -> None:
    data = result(seg(0, 31, peak=40))
    assert codes(data, duration=30) == [
        ("outside_video", "plays", 0, None),
        ("outside_video", "plays", 0, "peak"),
    ]
    assert codes(data) == []  # without a duration nothing is out of bounds


def test_overlap_found_also_when_not_adjacent() -> None:
    # [0,10] contains [2,3] and [4,5]: both overlap it; [10,12] touches it, which is allowed
    data = result(seg(4, 5), seg(0, 10), seg(2, 3), seg(10, 12))
    assert codes(data) == [("overlap", "plays", 2, None), ("overlap", "plays", 0, None)]


def test_missing_definitions_allowed_on_request() -> None:
    assert codes({"plays": []}, require_all_definitions=False) == []


def test_seed_example_against_its_own_request() -> None:
    # the seed's response names "gameplay_footage" while the request asks for
    # "non_gameplay_footage", and two camera cuts last 1 s under min_segment_duration = 2
    request = json.loads((DATA / "basketball_request.json").read_text())
    data = json.loads((DATA / "basketball_result.json").read_text())
    report = check_format(json.dumps(data), request, duration=121)
    got = [(v.code, v.definition, v.segment) for v in report.violations]
    assert got == [
        ("unknown_definition", "gameplay_footage", None),
        ("missing_definition", "non_gameplay_footage", None),
        ("too_short", "camera_cut", 2),
        ("too_short", "camera_cut", 10),
    ]
    fixed = {"non_gameplay_footage" if k == "gameplay_footage" else k: v for k, v in data.items()}
    request.pop("min_segment_duration")
    assert check_format(fixed, request, duration=121).valid


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        (12, 12.0),
        (1.5, 1.5),
        ("12.25", 12.25),
        ("01:02", 62.0),
        ("00:01:02.500", 62.5),
        ("1:00:00", 3600.0),
        ("00:00:01,250", 1.25),
        ("61:00", 3660.0),  # minutes may exceed 59 when they are the top unit
        ("00:61:00", None),
        ("00:00:60", None),
        ("-1", None),
        (float("nan"), None),
        (True, None),
        ("soon", None),
        (None, None),
    ],
)
def test_parse_time(text: Any, seconds: float | None) -> None:
    assert parse_time(text) == seconds


def test_bad_schema_raises() -> None:
    with pytest.raises(EvaluationError):
        Schema.from_any(
            {"segment_definitions": [{"id": "a", "fields": [{"name": "x", "type": "date"}]}]}
        )
    with pytest.raises(EvaluationError):
        Schema.from_any({"segment_definitions": [{"id": "a"}, {"id": "a"}]})
    with pytest.raises(EvaluationError):
        Schema.from_any({"no": "definitions"})


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 20), min_size=1, max_size=10), st.randoms())
def test_random_clean_timelines_valid_and_order_free(lengths: list[int], rnd: Random) -> None:
    t, plays = 0.0, []
    for n in lengths:
        plays.append(seg(t, t + n))
        t += n + rnd.choice([0, 1])
    rnd.shuffle(plays)
    first = check_format(result(*plays), SCHEMA, duration=max(t, 8.0))  # peak/cheers <= 7 s
    assert first.valid, first.violations
    j = rnd.randrange(len(plays))
    a, b = plays[j]["start_time"], plays[j]["end_time"]
    plays.append(seg(a + (b - a) / 2, b))  # inside plays[j] only
    report = check_format(result(*plays), SCHEMA)
    assert [v.code for v in report.violations] == ["overlap"]
