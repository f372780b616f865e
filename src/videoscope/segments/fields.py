"""Fill each segment's metadata fields from its evidence: always the declared fields, types and
enum values.

:class:`EvidenceFieldFiller` is the offline default. It reads what was measured; it does not
reason. Enums are chosen by similarity between each value (with the field description) and the
segment's evidence text, deterministically (ties go to the first value). Strings are extractive:
the transcript, the on-screen text, the visual tags or audio labels when the field asks for
those, else a description built from all of them. Booleans and numbers are derived where the
field's name or description names something measurable (speech, text, music, cuts, words,
speakers, duration); everything else gets a schema-valid default that verbose output flags.
:class:`LanguageModelFieldFiller` asks a :class:`~videoscope.backends.base.LanguageModel` with a
JSON schema and falls back to the evidence value for any field the reply does not get right; a
long segment's evidence is trimmed to the model's budget around the segment's centre.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from videoscope.backends.base import LanguageModel
from videoscope.evaluate.schema import FieldSpec
from videoscope.evaluate.validity import value_problem
from videoscope.segments.chunks import budget_chars as budget_chars_for
from videoscope.segments.chunks import fit_centered
from videoscope.segments.evidence import SegmentEvidence
from videoscope.segments.request import FieldDefinition, SegmentDefinition
from videoscope.segments.similarity import Scorer

logger = logging.getLogger(__name__)

TimeFormatter = Callable[[float], float | str]
#: Tokens the LLM field filler allows for one reply.
REPLY_TOKENS = 512
#: Evidence characters per segment at most, whatever the model's context.
MAX_CHARS = 8000


@dataclass
class FilledFields:
    """A segment's metadata and the names of fields that got a schema default, not evidence."""

    values: dict[str, Any]
    defaults: list[str] = field(default_factory=list)


class FieldFiller(Protocol):
    """Fills the fields of one definition for one segment."""

    name: str

    def fill(
        self, definition: SegmentDefinition, evidence: SegmentEvidence, fmt: TimeFormatter
    ) -> FilledFields:
        """Metadata holding exactly ``definition.fields``, typed as declared."""
        ...


def _has(text: str, pattern: str) -> bool:
    return re.search(pattern, text, re.IGNORECASE) is not None


_SPOKEN = r"transcri|spoken|\bsaid\b|\bsays\b|speech|\bquote|dialog|narrat|words? (?:spoken|said)"
_SCREEN = r"on[- ]?screen|\btext\b|caption|\btitle|overlay|\bocr\b|written|subtitle|banner|chyron"
_VISUAL = r"\blabels?\b|\bobjects?\b|\btags?\b|visual|\bshown\b|\bvisible\b|\bseen\b|keywords?"
_AUDIO = r"\baudio\b|\bsounds?\b|music|\bnoise"


class EvidenceFieldFiller:
    """The offline default: values read from the segment's measured evidence."""

    name = "evidence"

    def __init__(self, scorer: Scorer) -> None:
        self.scorer = scorer

    def fill(
        self, definition: SegmentDefinition, evidence: SegmentEvidence, fmt: TimeFormatter
    ) -> FilledFields:
        """See the module docstring."""
        out = FilledFields({})
        for spec in definition.fields:
            value, from_evidence = self.value(spec, evidence, fmt)
            out.values[spec.name] = value
            if not from_evidence:
                out.defaults.append(spec.name)
        return out

    def value(
        self, spec: FieldDefinition, ev: SegmentEvidence, fmt: TimeFormatter
    ) -> tuple[Any, bool]:
        """``(value, from_evidence)`` for one field."""
        about = f"{spec.name.replace('_', ' ')} {spec.description}"
        if spec.type == "array":
            return self._array(spec, ev, fmt, about)
        if spec.enum is not None:
            return self.choose(spec.enum, spec.description, ev)
        if spec.type == "string":
            return _string(about, ev), True
        if spec.type == "boolean":
            return _boolean(about, ev)
        if spec.type in ("number", "integer"):
            number, ok = _number(about, ev)
            return (round(number) if spec.type == "integer" else number), ok
        if spec.type == "timestamp":
            times = ev.event_times()
            return fmt(times[0] if times else ev.interval.start), True
        if spec.type == "time_array":
            return [fmt(t) for t in ev.event_times()], True
        return "", False

    def choose(self, values: list[Any], description: str, ev: SegmentEvidence) -> tuple[Any, bool]:
        """The enum value most similar to the evidence (the first value when there is none)."""
        blob = ev.text_blob()
        if not blob:
            return values[0], False
        docs = [f"{str(v).replace('_', ' ')} ({description})" for v in values]
        scores = self.scorer.scores(blob, docs)
        best = max(range(len(values)), key=lambda i: (float(scores[i]), -i))
        return values[best], True

    def _array(
        self, spec: FieldDefinition, ev: SegmentEvidence, fmt: TimeFormatter, about: str
    ) -> tuple[list[Any], bool]:
        items = spec.items
        kind = items.type if items is not None else "string"
        if spec.choices() is not None:
            value, ok = self.choose(list(spec.choices() or []), spec.description, ev)
            return ([value] if ok else []), ok
        if kind == "timestamp":
            return [fmt(t) for t in ev.event_times()], True
        if kind != "string":
            return [], False
        if _has(about, _SPOKEN):
            return [u.text.strip() for u in ev.utterances if u.text.strip()], True
        if _has(about, _SCREEN):
            return ev.screen_text, True
        if _has(about, r"speaker"):
            return ev.speakers, True
        if _has(about, _AUDIO):
            return list(ev.audio), True
        return (ev.visual[:5] + ev.screen_text)[:10], True


def _string(about: str, ev: SegmentEvidence) -> str:
    if _has(about, _SPOKEN) and ev.transcript:
        return ev.transcript
    if _has(about, _SCREEN) and ev.screen_text:
        return " | ".join(ev.screen_text)
    if _has(about, r"speaker") and ev.speakers:
        return ", ".join(ev.speakers)
    if _has(about, _VISUAL) and ev.visual:
        return ", ".join(ev.visual[:5])
    if _has(about, _AUDIO) and ev.audio:
        return ", ".join(ev.audio)
    return ev.describe()


def _boolean(about: str, ev: SegmentEvidence) -> tuple[bool, bool]:
    checks: list[tuple[str, bool]] = [
        (r"music|song", any("music" in a.lower() for a in ev.audio)),
        (r"crowd|cheer|applau", any("crowd" in a.lower() for a in ev.audio)),
        (_SPOKEN + r"|speak|talk", bool(ev.transcript)),
        (_SCREEN, bool(ev.screen_text)),
        (r"\bcuts?\b|shot change|camera change", bool(ev.cuts)),
    ]
    for pattern, value in checks:
        if _has(about, pattern):
            return value, True
    return False, False


def _number(about: str, ev: SegmentEvidence) -> tuple[float, bool]:
    checks: list[tuple[str, Callable[[], float]]] = [
        (r"duration|length|seconds|how long", lambda: round(ev.interval.duration, 3)),
        (r"\bwords?\b", lambda: float(len(ev.words) or len(ev.transcript.split()))),
        (r"\bcuts?\b", lambda: float(len(ev.cuts))),
        (r"\bshots?\b", lambda: float(len(ev.shots))),
        (r"speakers?", lambda: float(len(ev.speakers))),
        (r"utterances?|sentences?", lambda: float(len(ev.utterances))),
        (_SCREEN, lambda: float(len(ev.screen_text))),
    ]
    for pattern, value in checks:
        if _has(about, pattern):
            return value(), True
    return 0.0, False


def field_json_schema(spec: FieldDefinition, start: float, end: float) -> dict[str, Any]:
    """JSON schema of one field's value for constrained decoding (times as seconds)."""
    if spec.type == "timestamp":
        return {"type": "number", "minimum": start, "maximum": end}
    if spec.type == "time_array":
        return {"type": "array", "items": {"type": "number", "minimum": start, "maximum": end}}
    if spec.type == "array":
        items = spec.items
        item: dict[str, Any] = {"type": items.type if items is not None else "string"}
        if item["type"] == "timestamp":
            item = {"type": "number", "minimum": start, "maximum": end}
        if spec.choices() is not None:
            item["enum"] = spec.choices()
        return {"type": "array", "items": item}
    out: dict[str, Any] = {"type": spec.type}
    if spec.enum is not None:
        out["enum"] = spec.enum
    return out


def metadata_json_schema(definition: SegmentDefinition, start: float, end: float) -> dict[str, Any]:
    """JSON schema of one segment's metadata object (every field required, nothing else)."""
    return {
        "type": "object",
        "properties": {f.name: field_json_schema(f, start, end) for f in definition.fields},
        "required": [f.name for f in definition.fields],
        "additionalProperties": False,
    }


class LanguageModelFieldFiller:
    """Fields from an LLM with JSON-schema constrained output; evidence values as fallback."""

    def __init__(
        self,
        llm: LanguageModel,
        fallback: FieldFiller,
        *,
        temperature: float = 0.0,
        budget_chars: int | None = None,
    ) -> None:
        self.llm = llm
        self.fallback = fallback
        self.temperature = temperature
        self.name = f"llm:{llm.name}"
        context = llm.context_tokens
        #: Evidence characters sent per segment (default: what the model's context allows).
        self.budget_chars = budget_chars or budget_chars_for(context, REPLY_TOKENS, MAX_CHARS)

    def fill(
        self, definition: SegmentDefinition, evidence: SegmentEvidence, fmt: TimeFormatter
    ) -> FilledFields:
        """Ask the LLM; any missing or invalid value is replaced by the fallback's value."""
        base = self.fallback.fill(definition, evidence, fmt)
        if not definition.fields:
            return base
        start, end = evidence.interval.start, evidence.interval.end
        schema = metadata_json_schema(definition, start, end)
        fields_text = "\n".join(
            f"- {f.name} ({f.type}{', one of ' + json.dumps(f.choices()) if f.choices() else ''})"
            f": {f.description}"
            for f in definition.fields
        )
        messages = [
            {
                "role": "system",
                "content": "You fill metadata fields for one video segment using only the "
                "measured evidence given. Reply with one JSON object.",
            },
            {
                "role": "user",
                "content": f"Segment definition: {definition.description}\n"
                f"Segment: {start:.2f}s to {end:.2f}s\n"
                f"Evidence:\n{evidence_text(evidence, self.budget_chars)}\n"
                f"Fields:\n{fields_text}",
            },
        ]
        try:
            reply = self.llm.complete(
                messages, json_schema=schema, temperature=self.temperature, max_tokens=REPLY_TOKENS
            )
            parsed = json.loads(reply)
        except Exception as error:  # any model failure falls back to evidence
            logger.warning("LLM field filling failed (%s); using evidence values", error)
            return base
        if not isinstance(parsed, dict):
            return base
        out = FilledFields(dict(base.values), [])
        for spec in definition.fields:
            value = _from_llm(parsed.get(spec.name), spec, fmt)
            if value is not None:
                out.values[spec.name] = value
            elif spec.name in base.defaults:
                out.defaults.append(spec.name)
        return out


def evidence_text(evidence: SegmentEvidence, budget: int) -> str:
    """The segment's evidence for a prompt in at most about ``budget`` characters: what was seen
    and heard, then the utterances and on-screen texts nearest the segment's centre that fit."""
    head = []
    if evidence.visual:
        head.append("Visual: " + ", ".join(evidence.visual[:5]) + ".")
    if evidence.audio:
        head.append("Audio: " + ", ".join(evidence.audio) + ".")
    header = " ".join(head)
    lines = evidence.timed_lines()
    if not lines:
        return header or evidence.describe()
    room = max(budget - len(header) - 1, 64)
    body = fit_centered(lines, evidence.interval.center, room)
    return "\n".join([header, *body] if header else body)


def _from_llm(value: Any, spec: FieldDefinition, fmt: TimeFormatter) -> Any:
    """The LLM's value converted to output form, or None when it does not fit the field."""
    if value is None:
        return None
    try:
        if spec.type == "timestamp":
            value = fmt(float(value))
        elif spec.type == "time_array" or (
            spec.type == "array" and spec.items is not None and spec.items.type == "timestamp"
        ):
            value = [fmt(float(v)) for v in value]
        elif spec.type == "integer" and isinstance(value, float) and value.is_integer():
            value = int(value)
    except (TypeError, ValueError):
        return None
    check = to_field_spec(spec)
    return value if value_problem(value, check) is None else None


def to_field_spec(spec: FieldDefinition) -> FieldSpec:
    """The evaluation package's :class:`FieldSpec` for a request field."""
    items = None
    if spec.items is not None:
        enum = tuple(spec.items.enum) if spec.items.enum else None
        items = FieldSpec("items", spec.items.type, spec.items.description, enum)
    enum = tuple(spec.enum) if spec.enum else None
    return FieldSpec(spec.name, spec.type, spec.description, enum, items)
