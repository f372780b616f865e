"""The ``/analyze`` time-based-metadata request: a pydantic model with precise validation errors.

The shape follows Twelve Labs' ``/analyze`` with ``analysis_mode: time_based_metadata``: either
the full request (``response_format: {type: segment_definitions, segment_definitions: [...]}``)
or the definitions at the top level. :func:`parse_request` turns any pydantic error into one
:class:`AnalyzeRequestError` that names the definition, the field and what is wrong.

Example:
    >>> request = parse_request({"segment_definitions": [{"id": "cut",
    ...     "description": "every hard cut", "fields": [{"name": "angle", "type": "string",
    ...     "enum": ["high", "low"]}]}], "min_segment_duration": 1})
    >>> request.segment_definitions[0].fields[0].enum
    ['high', 'low']
"""

from __future__ import annotations

import itertools
import json
import math
import re
from collections.abc import Mapping
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from videoscope.errors import VideoscopeError
from videoscope.evaluate.schema import Schema, parse_time

#: Limits as the ``twelvelabs`` SDK (1.3.6) documents them for time-based metadata.
MAX_DEFINITIONS = 20
MAX_FIELDS = 20
MAX_ENUM_VALUES = 100
MAX_MEDIA_SOURCES = 4
#: Shortest ``min_segment_duration`` / ``max_segment_duration`` and ``time_ranges`` entry (s).
MIN_SEGMENT_SECONDS = 2.0
#: The ``start_time``..``end_time`` window: at least 1 s, at most 2 h.
MIN_WINDOW_SECONDS = 1.0
MAX_WINDOW_SECONDS = 2 * 3600.0
#: Longest video: 2 h analysed whole, 4 h when a window (of at most 2 h) is given.
MAX_WHOLE_VIDEO_SECONDS = 2 * 3600.0
MAX_VIDEO_SECONDS = 4 * 3600.0
#: ``max_tokens`` range for time-based metadata; ``"unlimited"`` needs ``pegasus1.6``.
MIN_TBM_TOKENS, MAX_TOKENS = 2048, 98_304
#: Field names that collide with the segment envelope (``start_time``, ``end_time``, ``metadata``)
#: or with the verbose output's ``evidence`` key.
RESERVED_FIELD_NAMES = frozenset({"start_time", "end_time", "metadata", "evidence"})
_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]{0,63}$")
#: Tolerance when comparing request times with a measured duration (container rounding).
_EPS = 1e-3
_ID_RE = re.compile(r"^[A-Za-z0-9_\-][A-Za-z0-9_\-.]{0,63}$")

FieldType = Literal["string", "boolean", "number", "integer", "array", "timestamp", "time_array"]
ItemType = Literal["string", "boolean", "number", "integer", "timestamp"]
TimeFormat = Literal["seconds", "hh:mm:ss", "hh:mm:ss.fff"]


class AnalyzeRequestError(VideoscopeError):
    """An analyze request breaks the contract; ``subject`` names the definition and field.

    The code is Twelve Labs' ``parameter_invalid`` (HTTP 400, the SDK's ``BadRequestError``).
    """

    code = "parameter_invalid"


def _seconds(value: Any) -> Any:
    """Accept seconds or ``hh:mm:ss(.fff)`` strings for a time; leave anything else to pydantic."""
    if value is None or isinstance(value, bool):
        return value
    parsed = parse_time(value)
    if parsed is None:
        raise ValueError(f"{value!r} is not a time (seconds >= 0 or hh:mm:ss.fff)")
    return parsed


def _check_enum(values: list[Any], kind: str) -> None:
    if not values:
        raise ValueError("enum must hold at least one value (or be left out)")
    if len(values) > MAX_ENUM_VALUES:
        raise ValueError(f"enum has {len(values)} values, more than {MAX_ENUM_VALUES}")
    for value in values:
        ok = {
            "string": isinstance(value, str),
            "boolean": isinstance(value, bool),
            "number": isinstance(value, int | float) and not isinstance(value, bool),
            "integer": isinstance(value, int) and not isinstance(value, bool),
        }.get(kind, False)
        if not ok:
            raise ValueError(f"enum value {value!r} is not of type {kind}")
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"enum value {value!r} is not finite")
    keys = [json.dumps(v) for v in values]
    if len(set(keys)) != len(keys):
        raise ValueError(f"enum values repeat: {values}")


class ItemDefinition(BaseModel):
    """The element type of an ``array`` field."""

    model_config = ConfigDict(extra="forbid")

    type: ItemType = "string"
    description: str = ""
    enum: list[Any] | None = None

    @model_validator(mode="after")
    def _enum_fits(self) -> Self:
        if self.enum is not None:
            _check_enum(self.enum, self.type)
        return self


class FieldDefinition(BaseModel):
    """One metadata field: ``name``, ``type``, ``description``, optional ``enum`` and ``items``."""

    model_config = ConfigDict(extra="forbid")

    name: str
    type: FieldType = "string"
    description: str = ""
    enum: list[Any] | None = None
    items: ItemDefinition | None = None
    #: Output format of a ``timestamp`` field (required there, refused on any other type).
    format: TimeFormat | None = None

    @field_validator("name")
    @classmethod
    def _name_ok(cls, value: str) -> str:
        if value in RESERVED_FIELD_NAMES:
            raise ValueError(f"{value!r} is reserved (reserved: {sorted(RESERVED_FIELD_NAMES)})")
        if not _NAME_RE.match(value):
            raise ValueError(
                f"{value!r} is not a valid field name: 1-64 letters, digits, '_' or '-', "
                "not starting with a digit"
            )
        return value

    @model_validator(mode="after")
    def _enum_fits(self) -> Self:
        if self.type == "timestamp" and self.format is None:
            raise ValueError(
                "format is required for timestamp type; allowed values: seconds, hh:mm:ss, "
                "hh:mm:ss.fff"
            )
        if self.type != "timestamp" and self.format is not None:
            raise ValueError(f"format is only allowed on timestamp fields, not on {self.type}")
        if self.items is not None and self.type != "array":
            raise ValueError(f"'items' is only allowed on array fields, not on {self.type}")
        if self.enum is not None:
            if self.type in ("timestamp", "time_array"):
                raise ValueError(f"a {self.type} field cannot have an enum")
            if self.type == "array":
                if self.items is None:
                    self.items = ItemDefinition(type="string")
                _check_enum(self.enum, self.items.type)
            else:
                _check_enum(self.enum, self.type)
        return self

    def choices(self) -> list[Any] | None:
        """The allowed values (of the field, or of each item of an array), or None."""
        if self.enum is not None:
            return self.enum
        return self.items.enum if self.items is not None else None


class TimeRange(BaseModel):
    """A part of the video a definition is restricted to."""

    model_config = ConfigDict(extra="forbid")

    start_time: float = Field(ge=0)
    end_time: float = Field(gt=0)

    @field_validator("start_time", "end_time", mode="before")
    @classmethod
    def _parse_time(cls, value: Any) -> Any:
        return _seconds(value)

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.end_time - self.start_time < MIN_SEGMENT_SECONDS:
            raise ValueError(
                f"end_time {self.end_time:g} must be at least {MIN_SEGMENT_SECONDS:g} s after "
                f"start_time {self.start_time:g}"
            )
        return self


class MediaSource(BaseModel):
    """A reference image of a definition: a ``name`` and exactly one of three sources."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=256)
    media_type: Literal["image"] = "image"
    url: str | None = Field(default=None, max_length=4096)
    asset_id: str | None = Field(default=None, max_length=64)
    base64_string: str | None = None

    @model_validator(mode="after")
    def _one_source(self) -> Self:
        given = [k for k in ("url", "asset_id", "base64_string") if getattr(self, k)]
        if len(given) != 1:
            raise ValueError(
                f"give exactly one of url, asset_id, base64_string (got {given or 'none'})"
            )
        return self


class SegmentDefinition(BaseModel):
    """What a segment is (``description``) and which ``fields`` each segment carries."""

    model_config = ConfigDict(extra="forbid")

    id: str
    description: str
    fields: list[FieldDefinition] = Field(default_factory=list)
    time_ranges: list[TimeRange] | None = None
    #: Reference images (the SDK's ``SmeMediaSource``): validated, not yet used for matching.
    media_sources: list[MediaSource] | None = Field(default=None, max_length=MAX_MEDIA_SOURCES)

    @field_validator("id")
    @classmethod
    def _id_ok(cls, value: str) -> str:
        if not _ID_RE.match(value):
            raise ValueError(f"{value!r} is not a valid id: 1-64 letters, digits, '_', '-' or '.'")
        return value

    @field_validator("description")
    @classmethod
    def _described(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("description must say what a segment is")
        return value

    @field_validator("time_ranges")
    @classmethod
    def _ranges_apart(cls, value: list[TimeRange] | None) -> list[TimeRange] | None:
        ordered = sorted(value or [], key=lambda r: r.start_time)
        for first, second in itertools.pairwise(ordered):
            if second.start_time < first.end_time:
                raise ValueError(
                    f"time ranges [{first.start_time:g}, {first.end_time:g}] and "
                    f"[{second.start_time:g}, {second.end_time:g}] overlap (touching is allowed)"
                )
        return value

    @field_validator("fields")
    @classmethod
    def _fields_ok(cls, value: list[FieldDefinition]) -> list[FieldDefinition]:
        if len(value) > MAX_FIELDS:
            raise ValueError(f"{len(value)} fields, more than {MAX_FIELDS}")
        names = [f.name for f in value]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(f"field names repeat: {repeated}")
        return value


class AnalyzeRequest(BaseModel):
    """A time-based-metadata request (see the module docstring for accepted shapes)."""

    model_config = ConfigDict(extra="ignore")

    segment_definitions: list[SegmentDefinition]
    min_segment_duration: float | None = Field(default=None, ge=MIN_SEGMENT_SECONDS)
    max_segment_duration: float | None = Field(default=None, ge=MIN_SEGMENT_SECONDS)
    start_time: float | None = Field(default=None, ge=0)
    end_time: float | None = Field(default=None, gt=0)
    segment_time_format: TimeFormat = "seconds"
    temperature: float = Field(default=0.0, ge=0.0, le=1.0)
    #: The ``model_name`` values the SDK lists (recorded; the configured backends do the work).
    model_name: Literal["pegasus1.5", "pegasus1.6"] = "pegasus1.5"
    max_tokens: int | Literal["unlimited"] = 32_768

    @field_validator("max_tokens")
    @classmethod
    def _tokens_in_range(cls, value: int | str) -> int | str:
        if isinstance(value, int) and not MIN_TBM_TOKENS <= value <= MAX_TOKENS:
            raise ValueError(
                f"{value} is outside {MIN_TBM_TOKENS}..{MAX_TOKENS} for time_based_metadata "
                "(or use 'unlimited' with pegasus1.6)"
            )
        return value

    @field_validator("start_time", "end_time", mode="before")
    @classmethod
    def _parse_time(cls, value: Any) -> Any:
        return _seconds(value)

    @model_validator(mode="before")
    @classmethod
    def _lift(cls, data: Any) -> Any:
        if isinstance(data, Mapping) and "segment_definitions" not in data:
            fmt = data.get("response_format")
            if isinstance(fmt, Mapping):
                kind = fmt.get("type", "segment_definitions")
                if kind != "segment_definitions":
                    raise ValueError(
                        f"response_format.type {kind!r} is not 'segment_definitions' "
                        "(time_based_metadata requires it)"
                    )
                lifted = {"segment_definitions": fmt.get("segment_definitions")}
                if "segment_time_format" in fmt:
                    lifted["segment_time_format"] = fmt["segment_time_format"]
                data = {**data, **lifted}
        if isinstance(data, Mapping):
            mode = data.get("analysis_mode", "time_based_metadata")
            if mode != "time_based_metadata":
                raise ValueError(f"analysis_mode {mode!r} is not 'time_based_metadata'")
            if data.get("prompt") is not None:
                raise ValueError(
                    "prompt is not supported when analysis_mode is time_based_metadata: describe "
                    "segments in segment_definitions[].description"
                )
        return data

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        defs = self.segment_definitions
        if not defs:
            raise ValueError("segment_definitions is empty: give at least one definition")
        if len(defs) > MAX_DEFINITIONS:
            raise ValueError(f"{len(defs)} segment definitions, more than {MAX_DEFINITIONS}")
        ids = [d.id for d in defs]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"definition ids repeat: {repeated}")
        low, high = self.min_segment_duration, self.max_segment_duration
        if low is not None and high is not None and high < low:
            raise ValueError(f"max_segment_duration {high:g} is below min_segment_duration {low:g}")
        ranged = [d.id for d in defs if d.time_ranges]
        if ranged:
            clash = [
                name
                for name in (
                    "min_segment_duration",
                    "max_segment_duration",
                    "start_time",
                    "end_time",
                )
                if getattr(self, name) is not None
            ]
            if clash:
                raise ValueError(
                    f"{', '.join(clash)} cannot be combined with segment_definitions[].time_ranges "
                    f"(set on {ranged}): use one or the other"
                )
            if self.max_tokens == "unlimited":
                raise ValueError("max_tokens 'unlimited' cannot be combined with time_ranges")
        if self.max_tokens == "unlimited" and self.model_name != "pegasus1.6":
            raise ValueError(
                f"max_tokens 'unlimited' requires model_name 'pegasus1.6', not {self.model_name!r}"
            )
        start, end = self.start_time, self.end_time
        if start is not None and end is not None:
            if end - start < MIN_WINDOW_SECONDS:
                raise ValueError(
                    f"the window end_time - start_time is {end - start:g} s, below "
                    f"{MIN_WINDOW_SECONDS:g} s"
                )
            if end - start > MAX_WINDOW_SECONDS:
                raise ValueError(
                    f"the window end_time - start_time is {end - start:g} s, over 2 hours "
                    f"({MAX_WINDOW_SECONDS:g} s)"
                )
        return self

    def check_video(self, duration: float) -> None:
        """Check the request against the video it analyses (window, time ranges, length).

        Raises:
            AnalyzeRequestError: the window or a time range lies outside the video, or the video is
                over 4 hours (over 2 hours without a ``start_time``/``end_time`` window).
        """
        hours = f"{duration / 3600:.2f} h"
        if duration > MAX_VIDEO_SECONDS + _EPS:
            raise AnalyzeRequestError("video", f"lasts {hours}, over the 4 hour limit")
        start = self.start_time or 0.0
        end = duration if self.end_time is None else self.end_time
        if duration > MAX_WHOLE_VIDEO_SECONDS + _EPS and end - start > MAX_WINDOW_SECONDS + _EPS:
            raise AnalyzeRequestError(
                "video",
                f"lasts {hours}: over 2 hours only a window can be analysed",
                "set start_time and end_time at most 2 hours apart",
            )
        if start >= duration:
            raise AnalyzeRequestError(
                "start_time", f"{start:g} is not before the video's end ({duration:g} s)"
            )
        if end > duration + _EPS:
            raise AnalyzeRequestError(
                "end_time", f"{end:g} is after the video's end ({duration:g} s)"
            )
        for i, definition in enumerate(self.segment_definitions):
            for j, time_range in enumerate(definition.time_ranges or []):
                if time_range.end_time > duration + _EPS:
                    raise AnalyzeRequestError(
                        f"definition {definition.id!r} (segment_definitions[{i}]) time_ranges[{j}]",
                        f"end_time {time_range.end_time:g} is after the video's end "
                        f"({duration:g} s)",
                    )

    def schema_dict(self) -> dict[str, Any]:
        """The request as plain JSON data (``segment_definitions`` + ``min_segment_duration``)."""
        return self.model_dump(
            mode="json",
            include={"segment_definitions", "min_segment_duration"},
            exclude_none=True,
        )

    def to_schema(self) -> Schema:
        """The evaluation package's :class:`~videoscope.evaluate.schema.Schema` of this request."""
        return Schema.from_any(self.schema_dict())


def parse_request(obj: Any) -> AnalyzeRequest:
    """Validate a request given as a dict, a JSON string or bytes, or an :class:`AnalyzeRequest`.

    Raises:
        AnalyzeRequestError: naming the definition (id and index), the field (name and index) and
            the problem, e.g. ``definition 'plays' (segment_definitions[1]) field 'points'
            (fields[0]) enum: enum value 2 is not of type string``.
    """
    if isinstance(obj, AnalyzeRequest):
        return obj
    if isinstance(obj, str | bytes):
        try:
            obj = json.loads(obj)
        except json.JSONDecodeError as error:
            raise AnalyzeRequestError("request", f"not valid JSON ({error})") from error
    if not isinstance(obj, Mapping):
        raise AnalyzeRequestError("request", f"must be a JSON object, not {type(obj).__name__}")
    try:
        return AnalyzeRequest.model_validate(obj)
    except ValidationError as error:
        first = error.errors()[0]
        subject = describe_location(obj, first["loc"])
        message = str(first["msg"]).removeprefix("Value error, ")
        more = len(error.errors()) - 1
        hint = f"{more} more problem(s) after this one" if more else ""
        raise AnalyzeRequestError(subject, message, hint) from error


def describe_location(raw: Any, loc: tuple[int | str, ...]) -> str:
    """Readable place of a pydantic error ``loc`` in the raw request: ids and names, not indexes.

    Example:
        >>> raw = {"segment_definitions": [{"id": "a", "fields": [{"name": "x"}]}]}
        >>> describe_location(raw, ("segment_definitions", 0, "fields", 0, "enum"))
        "definition 'a' (segment_definitions[0]) field 'x' (fields[0]) enum"
    """
    if isinstance(raw, Mapping) and "segment_definitions" not in raw:
        fmt = raw.get("response_format")
        if isinstance(fmt, Mapping):
            raw = {"segment_definitions": fmt.get("segment_definitions")}
    parts: list[str] = []
    node: Any = raw
    keys = list(loc)
    i = 0
    while i < len(keys):
        key = keys[i]
        nxt = keys[i + 1] if i + 1 < len(keys) else None
        child = _child(node, key)
        if key in ("segment_definitions", "fields") and isinstance(nxt, int):
            item = _child(child, nxt)
            label = "definition" if key == "segment_definitions" else "field"
            name_key = "id" if key == "segment_definitions" else "name"
            name = item.get(name_key) if isinstance(item, Mapping) else None
            shown = f"{label} {name!r} " if isinstance(name, str) else f"{label} "
            parts.append(f"{shown}({key}[{nxt}])")
            node = item
            i += 2
            continue
        parts.append(f"[{key}]" if isinstance(key, int) else str(key))
        node = child
        i += 1
    return " ".join(parts) or "request"


def _child(node: Any, key: int | str) -> Any:
    if isinstance(node, Mapping):
        return node.get(key)
    if isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node):
        return node[key]
    return None
