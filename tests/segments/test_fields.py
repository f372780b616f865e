"""Field filling: the evidence default, and the LLM path's contract (schema, fallback).

The contract of the LLM path is exercised with a scripted stand-in that implements the
``LanguageModel`` protocol: it checks what the engine sends (a JSON schema with every field
required) and returns canned replies, including wrong ones that a grammar-constrained real model
never gives. The real SmolLM2 runs in test_llm_judge.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

from tests.segments.builders import news_timeline
from videoscope.backends.base import LanguageModel
from videoscope.evaluate import check_format
from videoscope.segments import LanguageModelFieldFiller, LexicalScorer, analyze_timeline
from videoscope.segments.fields import EvidenceFieldFiller

REQUEST: dict[str, Any] = {
    "segment_definitions": [
        {
            "id": "cuts",
            "description": "every hard cut",
            "fields": [
                {"name": "angle", "type": "string", "enum": ["high", "low"]},
                {"name": "team", "type": "string", "description": "name of the team"},
                {"name": "points", "type": "integer"},
                {"name": "moment", "type": "timestamp", "format": "seconds"},
            ],
        }
    ]
}


class ScriptedModel:
    """A stand-in for a chat LLM: replies with ``reply(schema)``; records the schemas."""

    name = "scripted"
    context_tokens = 2048

    def __init__(self, reply: Any) -> None:
        self.reply = reply
        self.schemas: list[dict[str, Any]] = []

    def complete(
        self,
        messages: Sequence[dict[str, str]],
        *,
        json_schema: dict[str, Any] | None = None,
        temperature: float = 0.0,
        max_tokens: int = 512,
    ) -> str:
        assert json_schema is not None and messages[-1]["role"] == "user"
        self.schemas.append(json_schema)
        return str(self.reply(json_schema))

    def stream(self, messages: Sequence[dict[str, str]], **kwargs: Any) -> Iterator[str]:
        yield self.complete(messages, **kwargs)


def test_llm_values_are_used_when_valid_and_replaced_when_not() -> None:
    def reply(schema: dict[str, Any]) -> str:
        start = schema["properties"]["moment"]["minimum"]
        return json.dumps({"angle": "low", "team": "Ramblers", "points": "two", "moment": start})

    model = ScriptedModel(reply)
    assert isinstance(model, LanguageModel)
    timeline = news_timeline()
    result = analyze_timeline(timeline, REQUEST, verbose=True, llm=model, scorer=LexicalScorer())
    assert check_format(result.data, REQUEST, timeline.video.duration).valid
    first = result.parsed()["cuts"][0]["metadata"]
    assert first["angle"] == "low" and first["team"] == "Ramblers"
    assert first["points"] == 0  # "two" is not an integer: the evidence default replaces it
    assert first["moment"] == 0.0
    schema = model.schemas[0]
    assert schema["required"] == ["angle", "team", "points", "moment"]
    assert schema["properties"]["angle"]["enum"] == ["high", "low"]
    assert schema["additionalProperties"] is False


def test_broken_llm_replies_fall_back_to_evidence() -> None:
    timeline = news_timeline()
    for reply in ("not json", "[1, 2]", '{"angle": "sideways"}'):
        model = ScriptedModel(lambda _schema, text=reply: text)
        filler = LanguageModelFieldFiller(model, EvidenceFieldFiller(LexicalScorer()))
        result = analyze_timeline(timeline, REQUEST, filler=filler, scorer=LexicalScorer())
        assert check_format(result.data, REQUEST, timeline.video.duration).valid
        assert all(s["metadata"]["angle"] in ("high", "low") for s in result.parsed()["cuts"])


def test_enum_choice_follows_the_evidence() -> None:
    timeline = news_timeline()
    request = {
        "segment_definitions": [
            {
                "id": "speech",
                "description": "each sentence spoken",
                "fields": [
                    {"name": "topic", "type": "string", "enum": ["weather", "rocket", "news"]}
                ],
            }
        ]
    }
    result = analyze_timeline(timeline, request, scorer=LexicalScorer())
    topics = [s["metadata"]["topic"] for s in result.parsed()["speech"]]
    assert topics == ["news", "rocket", "weather"]
