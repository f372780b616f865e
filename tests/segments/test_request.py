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
                }
            ],
            "segment_time_format": "hh:mm:ss.fff",
        },
        "temperature": 0,
        "min_segment_duration": 2,
        "start_time": "00:01",
    }
    request = parse_request(raw)
    definition = request.segment_definitions[0]
    assert definition.fields[0].enum == ["2pt", "1pt", "3pt"]
    assert request.start_time == 1.0 and request.segment_time_format == "hh:mm:ss.fff"
    ranged = parse_request(
        {
            "segment_definitions": [
                _definition(time_ranges=[{"start_time": "00:00:05", "end_time": 60}])
            ]
        }
    )
    time_ranges = ranged.segment_definitions[0].time_ranges
    assert time_ranges is not None and time_ranges[0].start_time == 5.0
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
                    _definition(
                        fields=[
                            {"name": "t", "type": "timestamp", "format": "seconds", "enum": [1.0]}
                        ]
                    )
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
            "at least 2 s after start_time",
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


def _ranged(*ranges: tuple[float, float]) -> dict[str, object]:
    return _definition(time_ranges=[{"start_time": a, "end_time": b} for a, b in ranges])


def _image(i: int) -> dict[str, str]:
    return {"name": f"ref{i}", "media_type": "image", "url": f"https://example.com/{i}.png"}


# Each limit the twelvelabs SDK (1.3.6) documents: a request just inside it, one just outside, and
# a piece of the error message.
SDK_LIMITS: list[tuple[str, dict[str, object], dict[str, object], str]] = [
    ("min_segment_duration", {"min_segment_duration": 2}, {"min_segment_duration": 1.99}, "2"),
    ("max_segment_duration", {"max_segment_duration": 2}, {"max_segment_duration": 1.99}, "2"),
    (
        "max >= min",
        {"min_segment_duration": 3, "max_segment_duration": 3},
        {"min_segment_duration": 3, "max_segment_duration": 2.99},
        "below min_segment_duration",
    ),
    ("time range 2 s", {"d": [_ranged((0, 2))]}, {"d": [_ranged((0, 1.99))]}, "at least 2 s"),
    (
        "time ranges apart",
        {"d": [_ranged((0, 5), (5, 10))]},
        {"d": [_ranged((0, 5), (4.9, 10))]},
        "overlap",
    ),
    (
        "time ranges without durations",
        {"d": [_ranged((0, 5))]},
        {"d": [_ranged((0, 5))], "min_segment_duration": 2},
        "cannot be combined with segment_definitions[].time_ranges",
    ),
    (
        "time ranges without a window",
        {"d": [_ranged((0, 5))]},
        {"d": [_ranged((0, 5))], "start_time": 1},
        "cannot be combined",
    ),
    (
        "20 definitions",
        {"d": [_definition(i) for i in range(20)]},
        {"d": [_definition(i) for i in range(21)]},
        "more than 20",
    ),
    (
        "4 media sources",
        {"d": [_definition(media_sources=[_image(i) for i in range(4)])]},
        {"d": [_definition(media_sources=[_image(i) for i in range(5)])]},
        "at most 4",
    ),
    (
        "window 1 s",
        {"start_time": 3, "end_time": 4},
        {"start_time": 3, "end_time": 3.99},
        "below 1",
    ),
    (
        "window 2 h",
        {"start_time": 0, "end_time": 7200},
        {"start_time": 0, "end_time": 7200.5},
        "over 2 hours",
    ),
    ("max_tokens low", {"max_tokens": 2048}, {"max_tokens": 2047}, "outside 2048..98304"),
    ("max_tokens high", {"max_tokens": 98304}, {"max_tokens": 98305}, "outside 2048..98304"),
    (
        "unlimited needs pegasus1.6",
        {"max_tokens": "unlimited", "model_name": "pegasus1.6"},
        {"max_tokens": "unlimited", "model_name": "pegasus1.5"},
        "requires model_name 'pegasus1.6'",
    ),
    (
        "unlimited without time ranges",
        {"d": [_ranged((0, 5))], "model_name": "pegasus1.6"},
        {"d": [_ranged((0, 5))], "model_name": "pegasus1.6", "max_tokens": "unlimited"},
        "cannot be combined with time_ranges",
    ),
    ("model_name", {"model_name": "pegasus1.6"}, {"model_name": "pegasus1.2"}, "pegasus1.5"),
    (
        "timestamp format",
        {"d": [_definition(fields=[{"name": "t", "type": "timestamp", "format": "hh:mm:ss"}])]},
        {"d": [_definition(fields=[{"name": "t", "type": "timestamp"}])]},
        "format is required for timestamp type",
    ),
    (
        "format only on timestamps",
        {"d": [_definition(fields=[{"name": "t", "type": "string"}])]},
        {"d": [_definition(fields=[{"name": "t", "type": "string", "format": "seconds"}])]},
        "only allowed on timestamp fields",
    ),
    ("no prompt", {}, {"prompt": "what happens?"}, "prompt is not supported"),
]


def _request(changes: dict[str, object]) -> dict[str, object]:
    changes = dict(changes)
    definitions = changes.pop("d", [_definition()])
    return {
        "analysis_mode": "time_based_metadata",
        "response_format": {"type": "segment_definitions", "segment_definitions": definitions},
        **changes,
    }


@pytest.mark.parametrize(
    ("inside", "outside", "problem"), [c[1:] for c in SDK_LIMITS], ids=[c[0] for c in SDK_LIMITS]
)
def test_each_sdk_limit_just_inside_and_just_outside(
    inside: dict[str, object], outside: dict[str, object], problem: str
) -> None:
    parse_request(_request(inside))
    with pytest.raises(AnalyzeRequestError) as raised:
        parse_request(_request(outside))
    assert problem in str(raised.value) and raised.value.code == "parameter_invalid"


@pytest.mark.parametrize(
    ("duration", "changes"),
    [
        (12.0, {"end_time": 12.0}),
        (12.0, {"start_time": 11, "end_time": 12}),
        (12.0, {"d": [_ranged((10, 12))]}),
        (7200.0, {}),
        (7201.0, {"start_time": 1, "end_time": 7201}),
        (14400.0, {"start_time": 0, "end_time": 7200}),
    ],
)
def test_requests_that_fit_the_video(duration: float, changes: dict[str, object]) -> None:
    """Windows and ranges inside the video; 2 h analysed whole, 4 h with a window of <= 2 h."""
    parse_request(_request(changes)).check_video(duration)


@pytest.mark.parametrize(
    ("duration", "changes", "problem"),
    [
        (12.0, {"end_time": 12.5}, "end_time: 12.5 is after the video's end (12 s)"),
        (12.0, {"start_time": 12}, "start_time: 12 is not before the video's end"),
        (12.0, {"d": [_ranged((10, 12.5))]}, "time_ranges[0]: end_time 12.5 is after"),
        (7201.0, {}, "over 2 hours only a window can be analysed"),
        (14401.0, {"start_time": 0, "end_time": 7200}, "over the 4 hour limit"),
    ],
)
def test_requests_that_do_not_fit_the_video(
    duration: float, changes: dict[str, object], problem: str
) -> None:
    with pytest.raises(AnalyzeRequestError) as raised:
        parse_request(_request(changes)).check_video(duration)
    assert problem in str(raised.value)
