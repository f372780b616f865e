"""Extractive answers to open prompts: relevant evidence lines, or a schema-valid JSON object.

Without a language model (or when its reply fails), an open prompt is answered with the evidence
lines most similar to it; a ``response_format`` schema is filled from the extractive gist,
summary, chapters and highlights by property name (``title``, ``summary``, ``topics``,
``start``, ``end``, ...) and type, then validated.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from videoscope.describe.context import Evidence
from videoscope.describe.keywords import SentenceEmbedder
from videoscope.errors import InvalidRequestError

_TITLE = ("title", "name", "headline", "label", "heading")
_TOPICS = ("topic", "tag", "keyword", "category", "categories", "subject", "theme")
_MOMENTS = ("chapter", "segment", "section", "part", "scene")
_HIGHLIGHTS = ("highlight", "moment", "event", "clip")


@dataclass
class Facts:
    """What the extractive method knows, for filling a schema."""

    title: str
    summary: str
    topics: list[str]
    hashtags: list[str]
    duration: float
    chapters: list[dict[str, Any]] = field(default_factory=list)
    highlights: list[dict[str, Any]] = field(default_factory=list)


def relevant(
    prompt: str, evidence: Sequence[Evidence], embedder: SentenceEmbedder, count: int = 6
) -> list[Evidence]:
    """The ``count`` evidence items most similar to ``prompt`` (similarity >= 0.2), by time."""
    if not evidence:
        return []
    vectors = embedder.embed([prompt, *(e.line for e in evidence)])
    similarity = vectors[1:] @ vectors[0]
    ranked = [int(i) for i in similarity.argsort()[::-1][:count] if similarity[int(i)] >= 0.2]
    return sorted((evidence[i] for i in ranked), key=lambda e: e.start)


def fill_schema(schema: dict[str, Any], facts: Facts) -> str:
    """A JSON text that validates ``schema``, built from ``facts``.

    Raises:
        InvalidRequestError: the schema asks for something the facts cannot satisfy.
    """
    import jsonschema

    value = _fill(schema, facts, "", None, schema)
    try:
        jsonschema.validate(value, schema)
    except jsonschema.ValidationError as error:
        raise InvalidRequestError(
            "response_format",
            f"the extractive method cannot fill this schema ({error.message})",
            "configure a language model backend (backends.llm) or relax the schema",
        ) from error
    return json.dumps(value, ensure_ascii=False)


def _resolve(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        target: Any = root
        for key in ref[2:].split("/"):
            target = target.get(key, {}) if isinstance(target, dict) else {}
        return _resolve(target, root) if isinstance(target, dict) else {}
    for key in ("anyOf", "oneOf"):
        options = schema.get(key)
        if isinstance(options, list) and options:
            typed = [o for o in options if isinstance(o, dict) and o.get("type") != "null"]
            return _resolve((typed or options)[0], root)
    if isinstance(schema.get("allOf"), list):
        merged = {k: v for k, v in schema.items() if k != "allOf"}
        for part in schema["allOf"]:
            merged.update(_resolve(part, root))
        return merged
    return schema


def _kind(schema: dict[str, Any]) -> str:
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind is None:
        kind = "object" if "properties" in schema else "array" if "items" in schema else "string"
    return str(kind)


def _fill(
    schema: dict[str, Any], facts: Facts, name: str, record: dict[str, Any] | None, root: Any
) -> Any:
    schema = _resolve(schema, root)
    if "const" in schema:
        return schema["const"]
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return schema["enum"][0]
    kind, key = _kind(schema), name.lower()
    if kind == "object":
        properties = schema.get("properties", {})
        return {k: _fill(v, facts, k, record, root) for k, v in properties.items()}
    if kind == "array":
        return _array(schema, facts, key, record, root)
    if kind in ("number", "integer"):
        return _number(schema, facts, key, record, kind)
    if kind == "boolean":
        return False
    if kind == "null":
        return None
    return _string(schema, facts, key, record)


def _array(
    schema: dict[str, Any], facts: Facts, key: str, record: dict[str, Any] | None, root: Any
) -> list[Any]:
    items = _resolve(schema.get("items", {}) if isinstance(schema.get("items"), dict) else {}, root)
    low, high = int(schema.get("minItems", 0)), int(schema.get("maxItems", 10))
    records: list[dict[str, Any] | None]
    if _kind(items) == "object":
        pool = facts.highlights if any(h in key for h in _HIGHLIGHTS) else facts.chapters
        records = list(pool) or [None]
    elif "hashtag" in key:
        records = [{"text": h} for h in facts.hashtags] or [None]
    else:
        records = [{"text": t} for t in facts.topics] or [None]
    count = min(max(low, min(len(records), high)), high)
    out = []
    for i in range(count):
        item_record = records[i % len(records)] if records else None
        value = _fill(items, facts, key.rstrip("s"), item_record or record, root)
        out.append(value)
    if schema.get("uniqueItems") and len({json.dumps(v) for v in out}) < len(out):
        out = list({json.dumps(v): v for v in out}.values())
    return out


def _number(
    schema: dict[str, Any], facts: Facts, key: str, record: dict[str, Any] | None, kind: str
) -> float | int:
    value: float
    if record and "start" in key and "start" in record:
        value = float(record["start"])
    elif record and "end" in key and "end" in record:
        value = float(record["end"])
    elif "duration" in key or "length" in key:
        value = facts.duration
    elif record and ("number" in key or "index" in key) and "number" in record:
        value = float(record["number"])
    else:
        value = float(schema.get("minimum", 0))
    if "minimum" in schema:
        value = max(value, float(schema["minimum"]))
    if "maximum" in schema:
        value = min(value, float(schema["maximum"]))
    return int(value) if kind == "integer" else round(value, 3)


def _string(schema: dict[str, Any], facts: Facts, key: str, record: dict[str, Any] | None) -> str:
    if record and "text" in record:
        text = str(record["text"])
    elif record and any(t in key for t in _TITLE) and "title" in record:
        text = str(record["title"])
    elif record and "summary" in record and not any(t in key for t in _TITLE):
        text = str(record["summary"])
    elif any(t in key for t in _TITLE):
        text = facts.title
    elif "hashtag" in key:
        text = facts.hashtags[0] if facts.hashtags else "#video"
    elif any(t in key for t in _TOPICS):
        text = facts.topics[0] if facts.topics else "video"
    else:
        text = facts.summary
    cap = int(schema.get("maxLength", 10_000))
    if len(text) > cap:
        text = text[: max(0, cap - 3)].rsplit(" ", 1)[0] + "..." if cap > 3 else text[:cap]
    return text.ljust(int(schema.get("minLength", 0)), ".")
