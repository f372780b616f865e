"""The language-model path with real models: the packaged SmolLM2 GGUF run in-process through
llama-cpp-python, and the same model behind a real OpenAI-compatible llama.cpp server on
loopback. Skipped (with the reason) when llama-cpp-python is not installed; CI must run them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from videoscope.describe import AnalyzeResult, ask, summarize
from videoscope.describe.generate import GIST_SCHEMA
from videoscope.samples import Truth
from videoscope.timeline.model import Timeline

Indexed = tuple[Timeline, Truth]
CHAT = [
    {"role": "system", "content": "You are a concise assistant."},
    {"role": "user", "content": "Name three things you can see at a rocket launch."},
]
GIST_CHAT = [
    {
        "role": "user",
        "content": "Video: a rocket launch and a cup of coffee. Give a title, "
        "topics and hashtags as JSON.",
    },
]


def _flush(served: Any) -> None:
    """Send an unrelated request, so that the next one finds the same server cache state.

    llama.cpp's server reuses the longest cached prompt prefix and evaluates only the rest; an
    identical second request re-evaluates just its last token, with batch-size-dependent float
    sums that can flip a greedy pick. Two requests compared must start from the same state.
    """
    served.complete([{"role": "user", "content": "Hi"}], max_tokens=1)


@pytest.fixture(scope="module")
def served(llama_server: str) -> Any:
    from videoscope.backends.openai_compat import OpenAICompatibleModel

    return OpenAICompatibleModel(base_url=llama_server, context_tokens=2048, timeout_s=120)


@pytest.fixture(scope="module")
def local(smollm_path: Path) -> Any:
    from videoscope.backends.registry import load_backend

    return load_backend("llm", "llama-cpp", context_tokens=2048)


def test_openai_backend_output_validates_the_schema(served: Any) -> None:
    text = served.complete(GIST_CHAT, json_schema=GIST_SCHEMA, max_tokens=200)
    jsonschema.validate(json.loads(text), GIST_SCHEMA)
    # llama-cpp-python's server refuses OpenAI's json_schema form; the backend switched over
    assert served.schema_mode == "json_object"


def test_openai_backend_stream_equals_complete_at_temperature_zero(served: Any) -> None:
    _flush(served)
    whole = served.complete(CHAT, temperature=0.0, max_tokens=40)
    _flush(served)
    pieces = list(served.stream(CHAT, temperature=0.0, max_tokens=40))
    assert whole and len(pieces) > 3
    assert "".join(pieces) == whole


def test_in_process_backend_validates_and_streams_the_same(local: Any) -> None:
    text = local.complete(GIST_CHAT, json_schema=GIST_SCHEMA, max_tokens=200)
    jsonschema.validate(json.loads(text), GIST_SCHEMA)
    whole = local.complete(CHAT, temperature=0.0, max_tokens=40)
    pieces = list(local.stream(CHAT, temperature=0.0, max_tokens=40))
    assert len(pieces) > 3 and "".join(pieces) == whole


def test_describe_through_the_server(talk: Indexed, served: Any) -> None:
    timeline, _ = talk
    schema = {
        "type": "object",
        "properties": {
            "title": {"type": "string"},
            "objects": {"type": "array", "items": {"type": "string"}},
        },
        "required": ["title", "objects"],
    }
    result = ask(
        timeline, "What is shown?", {"type": "json_schema", "json_schema": schema}, llm=served
    )
    assert isinstance(result, AnalyzeResult) and result.method in ("llm", "extractive_fallback")
    jsonschema.validate(json.loads(result.data), schema)

    _flush(served)
    whole = ask(timeline, "What happens at the start?", llm=served, max_tokens=48)
    assert isinstance(whole, AnalyzeResult) and whole.method == "llm" and whole.data
    _flush(served)
    pieces = list(
        ask(timeline, "What happens at the start?", stream=True, llm=served, max_tokens=48)
    )
    assert "".join(pieces) == whole.data

    extractive = summarize(timeline, "chapter", llm=None).chapters
    worded = summarize(timeline, "chapter", llm=served)
    assert worded.chapters is not None and extractive is not None
    # the model words the chapters; their times stay on the evidence
    assert [(c.start, c.end) for c in worded.chapters] == [(c.start, c.end) for c in extractive]
    assert all(c.chapter_title for c in worded.chapters)
