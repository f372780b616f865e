"""The language-model path: prompts, bounded JSON schemas, map-reduce over long videos.

The model sees only the evidence text (:mod:`videoscope.describe.context`). Every structured
request carries a JSON schema in which each string has a ``maxLength`` and each array a
``maxItems`` (small models otherwise never close the JSON); replies are validated with
``jsonschema`` and the callers fall back to the extractive answer when a reply fails. Chapter and
highlight *times* always come from the extractive segmentation (real evidence edges); the model
only words their titles and summaries.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Sequence
from typing import Any

from videoscope.backends.base import CHARS_PER_TOKEN, LanguageModel
from videoscope.describe.context import (
    Evidence,
    chunk,
    clock,
    estimate_tokens,
    render,
)
from videoscope.errors import InvalidRequestError

log = logging.getLogger(__name__)

SYSTEM = (
    "You describe a video using only the evidence measured from it. Each evidence line is "
    "[start-end] kind: text, where 'said' is the transcript, 'on screen' is text shown in the "
    "video, 'heard' is a sound and 'seen' lists what the images show. Do not invent anything "
    "that is not in the evidence. When you name a moment, use an mm:ss time from the evidence."
)

GIST_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "title": {"type": "string", "minLength": 3, "maxLength": 80},
        "topics": {
            "type": "array",
            "items": {"type": "string", "minLength": 2, "maxLength": 30},
            "minItems": 1,
            "maxItems": 5,
        },
        "hashtags": {
            "type": "array",
            "items": {"type": "string", "pattern": "^#[A-Za-z0-9_]+$", "maxLength": 30},
            "minItems": 1,
            "maxItems": 5,
        },
    },
    "required": ["title", "topics", "hashtags"],
    "additionalProperties": False,
}
SUMMARY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"summary": {"type": "string", "minLength": 10, "maxLength": 800}},
    "required": ["summary"],
    "additionalProperties": False,
}
CHAPTER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "chapter_title": {"type": "string", "minLength": 3, "maxLength": 60},
        "chapter_summary": {"type": "string", "minLength": 10, "maxLength": 300},
    },
    "required": ["chapter_title", "chapter_summary"],
    "additionalProperties": False,
}
HIGHLIGHT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "highlight": {"type": "string", "minLength": 3, "maxLength": 60},
        "highlight_summary": {"type": "string", "minLength": 10, "maxLength": 200},
    },
    "required": ["highlight", "highlight_summary"],
    "additionalProperties": False,
}
NOTES_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"notes": {"type": "string", "minLength": 5, "maxLength": 400}},
    "required": ["notes"],
    "additionalProperties": False,
}
#: Caps added to a caller's schema for generation (the output still validates the original).
STRING_CAP = 400
ARRAY_CAP = 10


def messages(evidence_text: str, task: str) -> list[dict[str, str]]:
    """The chat messages for ``task`` about ``evidence_text``."""
    return [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": f"Evidence:\n{evidence_text}\n\nTask: {task}"},
    ]


def evidence_text(
    llm: LanguageModel, evidence: Sequence[Evidence], reserve_tokens: int, temperature: float = 0.0
) -> str:
    """The evidence as text that fits the model's context beside ``reserve_tokens``.

    Long videos are map-reduced: each chunk that fits is condensed into notes by the model, and
    the notes (stamped with their chunk's span) stand in for the evidence; the notes are cut to
    fit if they still do not.
    """
    budget = max(256, llm.context_tokens - reserve_tokens - estimate_tokens(SYSTEM) - 64)
    text = render(evidence)
    if estimate_tokens(text) <= budget:
        return text
    notes: list[str] = []
    for part in chunk(evidence, budget):
        reply = structured(
            llm,
            messages(
                render(part)[: int(budget * CHARS_PER_TOKEN)], "Write short notes of what happens."
            ),
            NOTES_SCHEMA,
            temperature,
            max_tokens=200,
        )
        notes.append(f"[{clock(part[0].start)}-{clock(part[-1].end)}] notes: {reply['notes']}")
    reduced = "\n".join(notes)
    return reduced[: int(budget * CHARS_PER_TOKEN)]


def structured(
    llm: LanguageModel,
    chat: list[dict[str, str]],
    schema: dict[str, Any],
    temperature: float = 0.0,
    max_tokens: int = 400,
) -> Any:
    """The model's reply constrained by ``schema``, parsed and validated.

    Raises:
        ValueError: the reply is not JSON that validates (callers fall back).
    """
    from videoscope.backends.openai_compat import schema_problem

    text = llm.complete(chat, json_schema=schema, temperature=temperature, max_tokens=max_tokens)
    problem = schema_problem(text, schema)
    if problem is not None:
        raise ValueError(f"the language model's reply does not validate: {problem}")
    return json.loads(text)


def schema_from_format(response_format: dict[str, Any] | None) -> dict[str, Any] | None:
    """The JSON schema in a ``response_format``; accepts Twelve Labs' ``{"type": "json_schema",
    "json_schema": SCHEMA}``, OpenAI's ``{"json_schema": {"schema": SCHEMA}}`` and llama.cpp's
    ``{"type": "json_object", "schema": SCHEMA}``.

    Raises:
        InvalidRequestError: the format or its schema is malformed.
    """
    if not response_format:
        return None
    import jsonschema

    kind = response_format.get("type", "json_schema")
    if kind == "text":
        return None
    schema = response_format.get("json_schema", response_format.get("schema"))
    if isinstance(schema, dict) and isinstance(schema.get("schema"), dict):
        schema = schema["schema"]
    if kind not in ("json_schema", "json_object") or not isinstance(schema, dict):
        raise InvalidRequestError(
            "response_format",
            "must be {'type': 'json_schema', 'json_schema': <JSON schema object>}",
        )
    try:
        jsonschema.Draft202012Validator.check_schema(schema)
    except jsonschema.SchemaError as error:
        raise InvalidRequestError("response_format.json_schema", error.message) from error
    return schema


def bound_schema(schema: Any) -> Any:
    """A copy of ``schema`` with ``maxLength``/``maxItems`` caps where it has none: anything that
    validates the copy validates the original, and a small model always closes its JSON."""
    if isinstance(schema, list):
        return [bound_schema(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    bounded = {k: bound_schema(v) for k, v in schema.items()}
    kinds = schema.get("type")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    if "string" in kinds and "maxLength" not in schema and "enum" not in schema:
        bounded["maxLength"] = max(STRING_CAP, int(schema.get("minLength", 0)))
    if "array" in kinds and "maxItems" not in schema:
        bounded["maxItems"] = max(ARRAY_CAP, int(schema.get("minItems", 0)))
    return bounded


def stream_snapped(pieces: Iterator[str], snap: Any) -> Iterator[str]:
    """Apply the text transform ``snap`` (which never changes text across whitespace) to a stream
    of pieces, word by word, so that the joined output equals ``snap(joined input)``."""
    pending = ""
    for piece in pieces:
        pending += piece
        cut = max(pending.rfind(" "), pending.rfind("\n"))
        if cut >= 0:
            head, pending = pending[: cut + 1], pending[cut + 1 :]
            yield snap(head)
    if pending:
        yield snap(pending)
