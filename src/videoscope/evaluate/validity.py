"""Format validity: does a result parse, match its request schema, and form a clean timeline?

:func:`check_format` is the final guard of the analyze engine and the format component of the
reward. It never raises on bad *data*; every problem becomes a :class:`Violation`.

Example:
    >>> schema = {"segment_definitions": [{"id": "cut", "fields": [
    ...     {"name": "angle", "type": "string", "enum": ["high", "low"]}]}]}
    >>> report = check_format('{"cut": [{"start_time": 0, "end_time": 2,'
    ...                       ' "metadata": {"angle": "side"}}]}', schema)
    >>> report.valid, report.violations[0].code
    (False, 'enum')
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from videoscope.evaluate.schema import DefinitionSpec, FieldSpec, Schema, load_result, parse_time

SEGMENT_KEYS = frozenset({"start_time", "end_time", "metadata"})
_EPS = 1e-9


@dataclass(frozen=True, slots=True)
class Violation:
    """One problem: which definition, which segment index (as given), which field, what is wrong.

    ``code`` is one of: ``json``, ``not_object``, ``unknown_definition``, ``missing_definition``,
    ``not_list``, ``segment_not_object``, ``missing_key``, ``unexpected_key``, ``bad_time``,
    ``empty_segment``, ``too_short``, ``outside_video``, ``outside_time_range``, ``overlap``,
    ``metadata_not_object``, ``unknown_field``, ``missing_field``, ``type``, ``enum``.
    """

    code: str
    message: str
    definition: str | None = None
    segment: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = [x for x in (self.definition, self.segment, self.field) if x is not None]
        place = "/".join(str(x) for x in where)
        return (
            f"[{self.code}] {place}: {self.message}" if place else f"[{self.code}] {self.message}"
        )


@dataclass(frozen=True, slots=True)
class FormatReport:
    """``valid`` is True when there is no violation; ``data`` is the parsed object (None when the
    JSON did not parse)."""

    valid: bool
    violations: tuple[Violation, ...] = ()
    data: Any = field(default=None, compare=False, repr=False)


def check_format(
    data: Any,
    schema: Any,
    duration: float | None = None,
    *,
    require_all_definitions: bool = True,
    require_all_fields: bool = True,
) -> FormatReport:
    """Validate a result against the request ``schema`` (anything :meth:`Schema.from_any` takes).

    Checks: JSON parses (``data`` may be a JSON string, a dict, or an envelope with ``data``);
    the top level is an object keyed by known definition ids (all present unless
    ``require_all_definitions=False``); each segment is an object with exactly ``start_time``,
    ``end_time`` and ``metadata``; times parse, ``start < end``, the segment lies inside
    ``[0, duration]`` when ``duration`` is known and inside the definition's ``time_ranges`` when it
    has some, and lasts at least ``min_segment_duration`` when the request sets it; segments of a
    definition do not overlap (touching is fine); metadata has exactly the schema's fields (missing
    ones allowed with ``require_all_fields=False``), each of the declared type and in its enum.
    Violations of one segment are all reported; order of segments does not matter.
    """
    spec = Schema.from_any(schema)
    try:
        parsed = load_result(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        return FormatReport(False, (Violation("json", f"not valid JSON: {exc}"),), None)
    out: list[Violation] = []
    if not isinstance(parsed, Mapping):
        out.append(Violation("not_object", f"top level is {type(parsed).__name__}, not an object"))
        return FormatReport(False, tuple(out), parsed)
    for def_id in parsed:
        if spec.get(str(def_id)) is None:
            out.append(Violation("unknown_definition", "not in the request", str(def_id)))
    for definition in spec.definitions:
        if definition.id not in parsed:
            if require_all_definitions:
                out.append(Violation("missing_definition", "no entry (use [])", definition.id))
            continue
        _check_definition(
            parsed[definition.id], definition, spec, duration, out, require_all_fields
        )
    return FormatReport(not out, tuple(out), parsed)


def _check_definition(
    segs: Any,
    definition: DefinitionSpec,
    spec: Schema,
    duration: float | None,
    out: list[Violation],
    require_all_fields: bool,
) -> None:
    did = definition.id
    if not isinstance(segs, list):
        out.append(
            Violation("not_list", f"segments must be a list, got {type(segs).__name__}", did)
        )
        return
    spans: list[tuple[float, float, int]] = []
    for i, seg in enumerate(segs):
        if not isinstance(seg, Mapping):
            out.append(Violation("segment_not_object", "a segment must be an object", did, i))
            continue
        for key in sorted(SEGMENT_KEYS - seg.keys()):
            out.append(Violation("missing_key", f"missing {key!r}", did, i))
        for key in sorted(map(str, seg.keys() - SEGMENT_KEYS)):
            out.append(Violation("unexpected_key", f"unexpected key {key!r}", did, i))
        span = _check_times(seg, definition, spec, duration, did, i, out)
        if span is not None:
            spans.append((span[0], span[1], i))
        if "metadata" in seg:
            _check_metadata(seg["metadata"], definition, duration, did, i, out, require_all_fields)
    spans.sort()
    reach: tuple[float, float, int] | None = None  # the earlier segment that ends last
    for start, end, i in spans:
        if reach is not None and start < reach[1] - _EPS:
            msg = f"overlaps segment {reach[2]} ([{reach[0]:g}, {reach[1]:g}]) from {start:g}s"
            out.append(Violation("overlap", msg, did, i))
        if reach is None or end > reach[1]:
            reach = (start, end, i)


def _check_times(
    seg: Mapping[str, Any],
    definition: DefinitionSpec,
    spec: Schema,
    duration: float | None,
    did: str,
    i: int,
    out: list[Violation],
) -> tuple[float, float] | None:
    times: list[float] = []
    for key in ("start_time", "end_time"):
        if key not in seg:
            continue
        t = parse_time(seg[key])
        if t is None:
            msg = f"{key} {seg[key]!r} is not seconds >= 0 or hh:mm:ss(.fff)"
            out.append(Violation("bad_time", msg, did, i, key))
        else:
            times.append(t)
    if len(times) != 2:
        return None
    start, end = times
    if not start < end:
        out.append(Violation("empty_segment", f"start {start:g} is not before end {end:g}", did, i))
        return None
    if spec.min_segment_duration is not None and end - start < spec.min_segment_duration - _EPS:
        msg = f"lasts {end - start:g}s, below min_segment_duration {spec.min_segment_duration:g}s"
        out.append(Violation("too_short", msg, did, i))
    if duration is not None and end > duration + _EPS:
        out.append(
            Violation("outside_video", f"ends at {end:g}s after the video ({duration:g}s)", did, i)
        )
    if definition.time_ranges and not any(
        a - _EPS <= start and end <= b + _EPS for a, b in definition.time_ranges
    ):
        msg = f"[{start:g}, {end:g}] is not inside any requested time range"
        out.append(Violation("outside_time_range", msg, did, i))
    return start, end


def _check_metadata(
    meta: Any,
    definition: DefinitionSpec,
    duration: float | None,
    did: str,
    i: int,
    out: list[Violation],
    require_all_fields: bool,
) -> None:
    if not isinstance(meta, Mapping):
        out.append(Violation("metadata_not_object", "metadata must be an object", did, i))
        return
    for name, value in meta.items():
        spec = definition.field(str(name))
        if spec is None:
            out.append(Violation("unknown_field", "not in the definition's fields", did, i, name))
            continue
        problem = value_problem(value, spec, duration)
        if problem is not None:
            out.append(Violation(problem[0], problem[1], did, i, spec.name))
    if require_all_fields:
        for spec in definition.fields:
            if spec.name not in meta:
                out.append(Violation("missing_field", "field is missing", did, i, spec.name))


def value_problem(
    value: Any, spec: FieldSpec, duration: float | None = None
) -> tuple[str, str] | None:
    """``(code, message)`` when ``value`` does not fit the field ``spec``, else None.

    string: str; boolean: bool; number: finite int/float (not bool); integer: an int or an
    integral float; array: a list whose items fit ``items`` when given; timestamp: a time (see
    :func:`parse_time`) inside the video when ``duration`` is known; time_array: a list of those.
    ``enum`` applies to the value, or to each item of an array.
    """
    t = spec.type
    if t == "string":
        ok = isinstance(value, str)
    elif t == "boolean":
        ok = isinstance(value, bool)
    elif t == "number":
        ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    elif t == "integer":
        ok = (isinstance(value, int) and not isinstance(value, bool)) or (
            isinstance(value, float) and value.is_integer()
        )
    elif t == "timestamp":
        return _time_problem(value, duration)
    elif t in ("array", "time_array"):
        if not isinstance(value, list):
            return "type", f"expected a list, got {type(value).__name__}"
        item = spec.items if t == "array" else FieldSpec("item", "timestamp")
        for j, v in enumerate(value):
            problem = value_problem(v, item, duration) if item is not None else None
            if problem is None and spec.enum is not None and v not in spec.enum:
                problem = "enum", f"{v!r} is not one of {list(spec.enum)}"
            if problem is not None:
                return problem[0], f"item {j}: {problem[1]}"
        return None
    else:
        return "type", f"unknown field type {t!r}"
    if not ok:
        return "type", f"expected {t}, got {type(value).__name__} {value!r}"
    if spec.enum is not None and value not in spec.enum:
        return "enum", f"{value!r} is not one of {list(spec.enum)}"
    return None


def _time_problem(value: Any, duration: float | None) -> tuple[str, str] | None:
    t = parse_time(value)
    if t is None:
        return "type", f"{value!r} is not a timestamp (seconds or hh:mm:ss.fff)"
    if duration is not None and t > duration + _EPS:
        return "outside_video", f"timestamp {t:g}s is after the video ({duration:g}s)"
    return None
