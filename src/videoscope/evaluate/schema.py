"""The request schema (``segment_definitions``) and result segments as small typed records.

The schema follows the Twelve Labs ``/analyze`` shape: each definition has an ``id``, a
``description``, ``fields`` (``name``, ``type``, ``description``, optional ``enum`` and ``items``)
and optional ``time_ranges``. A result maps definition ids to lists of
``{start_time, end_time, metadata}``; times are seconds or ``hh:mm:ss(.fff)`` strings.

Example:
    >>> schema = Schema.from_any({"segment_definitions": [{"id": "cut", "fields": []}]})
    >>> parse_time("00:01:02.5")
    62.5
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from videoscope.errors import VideoscopeError

FIELD_TYPES = frozenset(
    {"string", "boolean", "number", "integer", "array", "timestamp", "time_array"}
)

_TIME_RE = re.compile(r"^\s*(?:(?:(\d+):)?(\d{1,2}):)?(\d+(?:[.,]\d+)?)\s*$")


class EvaluationError(VideoscopeError):
    """An evaluation input (schema, ground truth, judge reply) cannot be used as given."""

    code = "evaluation_error"


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One metadata field of a definition; ``items`` is the element spec of an ``array``."""

    name: str
    type: str
    description: str = ""
    enum: tuple[Any, ...] | None = None
    items: FieldSpec | None = None


@dataclass(frozen=True, slots=True)
class DefinitionSpec:
    """One segment definition: what a segment is and which fields it carries."""

    id: str
    description: str = ""
    fields: tuple[FieldSpec, ...] = ()
    time_ranges: tuple[tuple[float, float], ...] = ()

    def field(self, name: str) -> FieldSpec | None:
        """The field called ``name``, or None."""
        for spec in self.fields:
            if spec.name == name:
                return spec
        return None


@dataclass(frozen=True, slots=True)
class Schema:
    """The segment definitions of one request, plus the request's ``min_segment_duration``."""

    definitions: tuple[DefinitionSpec, ...]
    min_segment_duration: float | None = None

    @property
    def ids(self) -> list[str]:
        """Definition ids in request order."""
        return [d.id for d in self.definitions]

    def get(self, definition_id: str) -> DefinitionSpec | None:
        """The definition with ``definition_id``, or None."""
        for d in self.definitions:
            if d.id == definition_id:
                return d
        return None

    @classmethod
    def from_any(cls, obj: Any) -> Schema:
        """Build from a full request, a ``response_format``, ``{"segment_definitions": [...]}``,
        a bare list of definitions, or a JSON string of any of these.

        Raises:
            EvaluationError: the schema is malformed (missing id, unknown field type, ...).
        """
        if isinstance(obj, Schema):
            return obj
        if isinstance(obj, str | bytes):
            try:
                obj = json.loads(obj)
            except json.JSONDecodeError as exc:
                raise EvaluationError("schema", f"not valid JSON ({exc})") from exc
        min_duration = None
        if isinstance(obj, Mapping):
            min_duration = obj.get("min_segment_duration")
            if "response_format" in obj:
                obj = obj["response_format"]
        if isinstance(obj, Mapping):
            obj = obj.get("segment_definitions")
        if not isinstance(obj, list):
            raise EvaluationError(
                "schema", "no list of segment_definitions found", "pass the request or its list"
            )
        defs = tuple(_parse_definition(d, i) for i, d in enumerate(obj))
        seen = [d.id for d in defs]
        if len(set(seen)) != len(seen):
            raise EvaluationError("schema", f"duplicate definition ids in {seen}")
        md = float(min_duration) if isinstance(min_duration, int | float) else None
        return cls(defs, md)

    @classmethod
    def infer(cls, data: Mapping[str, Any]) -> Schema:
        """Infer a schema from parsed result data (used when no schema is given): field types
        come from the first non-null value seen; no enums are known."""
        defs = []
        for def_id, segs in data.items():
            types: dict[str, str] = {}
            for seg in segs if isinstance(segs, list) else []:
                meta = seg.get("metadata") if isinstance(seg, Mapping) else None
                for name, value in (meta or {}).items():
                    if name not in types and value is not None:
                        types[name] = _json_type(value)
            fields = tuple(FieldSpec(n, t) for n, t in types.items())
            defs.append(DefinitionSpec(str(def_id), fields=fields))
        return cls(tuple(defs))


@dataclass(frozen=True, slots=True)
class Segment:
    """One result segment in float seconds, with its raw metadata dict."""

    start: float
    end: float
    metadata: Mapping[str, Any] = field(default_factory=dict)


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, list):
        return "array"
    return "string"


def _parse_field(raw: Any, where: str) -> FieldSpec:
    if not isinstance(raw, Mapping) or not isinstance(raw.get("name"), str):
        raise EvaluationError(where, "a field needs a string 'name'")
    ftype = raw.get("type", "string")
    if ftype not in FIELD_TYPES:
        raise EvaluationError(
            f"{where}.{raw['name']}", f"unknown type {ftype!r}", f"use one of {sorted(FIELD_TYPES)}"
        )
    enum = raw.get("enum")
    items_raw = raw.get("items")
    items = None
    if isinstance(items_raw, Mapping):
        items = _parse_field({"name": "items", **items_raw}, f"{where}.{raw['name']}")
    return FieldSpec(
        name=raw["name"],
        type=ftype,
        description=str(raw.get("description") or ""),
        enum=tuple(enum) if isinstance(enum, list) and enum else None,
        items=items,
    )


def _parse_definition(raw: Any, index: int) -> DefinitionSpec:
    if not isinstance(raw, Mapping) or not isinstance(raw.get("id"), str) or not raw["id"]:
        raise EvaluationError(f"segment_definitions[{index}]", "a definition needs a string 'id'")
    where = f"definition {raw['id']!r}"
    fields_raw = raw.get("fields") or []
    if not isinstance(fields_raw, list):
        raise EvaluationError(where, "'fields' must be a list")
    fields = tuple(_parse_field(f, where) for f in fields_raw)
    names = [f.name for f in fields]
    if len(set(names)) != len(names):
        raise EvaluationError(where, f"duplicate field names in {names}")
    ranges = []
    for r in raw.get("time_ranges") or []:
        if isinstance(r, Mapping):
            a, b = r.get("start_time", r.get("start")), r.get("end_time", r.get("end"))
        elif isinstance(r, list | tuple) and len(r) == 2:
            a, b = r
        else:
            raise EvaluationError(where, f"bad time range {r!r}", "use {start_time, end_time}")
        ta, tb = parse_time(a), parse_time(b)
        if ta is None or tb is None or ta >= tb:
            raise EvaluationError(where, f"bad time range {r!r}")
        ranges.append((ta, tb))
    return DefinitionSpec(raw["id"], str(raw.get("description") or ""), fields, tuple(ranges))


def parse_time(value: Any) -> float | None:
    """Seconds from a number or a ``[[hh:]mm:]ss[.fff]`` string; None when not a valid time.

    Booleans, NaN, infinities, negative values and minutes/seconds >= 60 below a higher unit are
    rejected. A comma is accepted as decimal separator (``00:00:01,500``).

    Example:
        >>> parse_time(3), parse_time("01:02"), parse_time("1:00:00.250"), parse_time("61:00")
        (3.0, 62.0, 3600.25, 3660.0)
    """
    kind = type(value)
    if kind is float or kind is int:  # fast path for the common case
        seconds = float(value)
        return seconds if seconds >= 0 and math.isfinite(seconds) else None
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str):
        match = _TIME_RE.match(value)
        if match is None:
            return None
        hours, minutes, secs = match.groups()
        seconds = float(secs.replace(",", "."))
        if minutes is not None:
            if seconds >= 60 or (hours is not None and int(minutes) >= 60):
                return None
            seconds += 60 * int(minutes) + 3600 * int(hours or 0)
    else:
        return None
    if not math.isfinite(seconds) or seconds < 0:
        return None
    return seconds


def load_result(data: Any) -> Any:
    """The parsed ``data`` object: accepts a JSON string, a dict, or an envelope holding ``data``
    (``{"data": ...}`` or ``{"result": {"data": ...}}``). Raises ``json.JSONDecodeError``."""
    if isinstance(data, str | bytes):
        data = json.loads(data)
    if isinstance(data, Mapping):
        if isinstance(data.get("result"), Mapping) and "data" in data["result"]:
            return load_result(data["result"]["data"])
        if "data" in data and isinstance(data["data"], str | Mapping):
            return load_result(data["data"])
    return data


def segments_of(data: Any, *, strict: bool = False) -> dict[str, list[Segment]]:
    """Definition id -> segments (sorted by start) from parsed result ``data``.

    With ``strict=False`` (predictions) entries that are not objects or whose times do not parse
    or have ``start > end`` are skipped. With ``strict=True`` (ground truth) they raise
    :class:`EvaluationError`.
    """
    if not isinstance(data, Mapping):
        if strict:
            raise EvaluationError("ground truth", "the result data is not a JSON object")
        return {}
    out: dict[str, list[Segment]] = {}
    for def_id, raw_segs in data.items():
        segs: list[Segment] = []
        for i, raw in enumerate(raw_segs if isinstance(raw_segs, list) else []):
            seg = _segment(raw)
            if seg is None:
                if strict:
                    raise EvaluationError(f"ground truth {def_id}[{i}]", f"bad segment {raw!r}")
                continue
            segs.append(seg)
        if not isinstance(raw_segs, list) and strict:
            raise EvaluationError(f"ground truth {def_id}", "segments must be a list")
        segs.sort(key=lambda s: (s.start, s.end))
        out[str(def_id)] = segs
    return out


def _segment(raw: Any) -> Segment | None:
    if type(raw) is not dict and not isinstance(raw, Mapping):
        return None
    start, end = parse_time(raw.get("start_time")), parse_time(raw.get("end_time"))
    if start is None or end is None or start > end:
        return None
    meta = raw.get("metadata")
    return Segment(start, end, meta if type(meta) is dict or isinstance(meta, Mapping) else {})
