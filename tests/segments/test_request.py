"""The request model: accepted shapes, limits, and precise errors."""

from __future__ import annotations

import pytest

from videoscope.segments import AnalyzeRequestError, parse_request
from videoscope.segments.request import MAX_DEFINITIONS, MAX_ENUM_VALUES, MAX_FIELDS


def _definition(i: int = 0, **extra: object) -> dict[str, object]:
    return {"id": f"d{i}", "description": "every hard cut", "fields": [], **extra}


def test_full_twelve_labs_request_is_accepted() -> None:
    raw = {
        "model_name": "pegasus1.5",
        "analysis_mode": "time_based_metadata",
        "video": {"type": "url", "url": "https://example.com/video.mp4"},
        "response_format": {
            "type": "segment_definitions",
            "segment_definitions": [
                {
                    "id": "scoring_plays",
                    "description": "Segment any time a team scores points.",
                    "fields": [
                        {"name": "points", "type": "string", "enum": ["2pt", "1pt", "3pt"]},
                        {"name": "tags", "type": "array", "items": {"type": "string"}},
                    ],
                    "time_ranges": [{"start_time": "00:00:05", "end_time": 60}],
                }
            ],
        },
        "temperature": 0,
        "min_segment_duration": 2,
        "segment_time_format": "hh:mm:ss.fff",
        "start_time": "00:01",
    }
    request = parse_request(raw)
    definition = request.segment_definitions[0]
    assert definition.fields[0].enum == ["2pt", "1pt", "3pt"]
    assert definition.time_ranges is not None and definition.time_ranges[0].start_time == 5.0
    assert request.start_time == 1.0
    schema = request.to_schema()
    assert schema.ids == ["scoring_plays"] and schema.min_segment_duration == 2


@pytest.mark.parametrize(
    ("raw", "subject", "problem"),
    [
        (
            {
                "segment_definitions": [
                    _definition(0),
                    _definition(
                        1, fields=[{"name": "angle", "type": "string", "enum": ["high", 3]}]
                    ),
                ]
            },
            "definition 'd1' (segment_definitions[1]) field 'angle' (fields[0])",
            "enum value 3 is not of type string",
        ),
        (
            {"segment_definitions": [_definition(fields=[{"name": "start_time"}])]},
            "definition 'd0' (segment_definitions[0]) field 'start_time' (fields[0]) name",
            "reserved",
        ),
        (
            {"segment_definitions": [_definition(fields=[{"name": "x", "type": "float"}])]},
            "field 'x' (fields[0]) type",
            "Input should be",
        ),
        (
            {"segment_definitions": [_definition(fields=[{"name": "x"}, {"name": "x"}])]},
            "definition 'd0' (segment_definitions[0]) fields",
            "field names repeat",
        ),
        (
            {"segment_definitions": [_definition(0), _definition(0)]},
            "request",
            "definition ids repeat",
        ),
        (
            {"segment_definitions": [_definition(i) for i in range(MAX_DEFINITIONS + 1)]},
            "request",
            f"more than {MAX_DEFINITIONS}",
        ),
        (
            {
                "segment_definitions": [
                    _definition(fields=[{"name": f"f{i}"} for i in range(MAX_FIELDS + 1)])
                ]
            },
            "definition 'd0' (segment_definitions[0]) fields",
            f"more than {MAX_FIELDS}",
        ),
        (
            {
                "segment_definitions": [
                    _definition(
                        fields=[{"name": "x", "enum": [str(i) for i in range(MAX_ENUM_VALUES + 1)]}]
                    )
                ]
            },
            "field 'x' (fields[0])",
            f"more than {MAX_ENUM_VALUES}",
        ),
        (
            {
                "segment_definitions": [
                    _definition(fields=[{"name": "t", "type": "timestamp", "enum": [1.0]}])
                ]
            },
            "field 't' (fields[0])",
            "cannot have an enum",
        ),
        (
            {
                "segment_definitions": [_definition()],
                "min_segment_duration": 5,
                "max_segment_duration": 2,
            },
            "request",
            "below min_segment_duration",
        ),
        (
            {"segment_definitions": [_definition(time_ranges=[{"start_time": 9, "end_time": 3}])]},
            "definition 'd0' (segment_definitions[0]) time_ranges [0]",
            "not after start_time",
        ),
        (
            {"segment_definitions": [_definition(description="  ")]},
            "definition 'd0' (segment_definitions[0]) description",
            "must say what a segment is",
        ),
        (
            {"segment_definitions": [_definition()], "segment_time_format": "frames"},
            "segment_time_format",
            "Input should be",
        ),
        ({"segment_definitions": []}, "request", "empty"),
        (
            {"segment_definitions": [_definition()], "start_time": "1:99"},
            "start_time",
            "not a time",
        ),
    ],
)
def test_invalid_requests_name_the_definition_field_and_problem(
    raw: dict[str, object], subject: str, problem: str
) -> None:
    with pytest.raises(AnalyzeRequestError) as caught:
        parse_request(raw)
    assert subject in caught.value.subject
    assert problem in caught.value.problem


def test_json_text_and_bad_json() -> None:
    assert parse_request('{"segment_definitions": [{"id": "a", "description": "x"}]}')
    with pytest.raises(AnalyzeRequestError, match="not valid JSON"):
        parse_request("{nope")
    with pytest.raises(AnalyzeRequestError, match="must be a JSON object"):
        parse_request("[1, 2]")
