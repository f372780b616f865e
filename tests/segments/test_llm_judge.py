"""Content units judged by a language model: the packaged SmolLM2 through the real llama.cpp
backend, a real OpenAI-compatible client whose server is down, and replies that break the schema.
Whatever the model does, every unit gets a decision and the output stays valid."""

from __future__ import annotations

import json
import socket
import time
from typing import Any

from tests.segments.builders import news_timeline
from tests.segments.test_fields import ScriptedModel
from videoscope.evaluate import check_format
from videoscope.segments import (
    ChunkOptions,
    ContentOptions,
    LanguageModelJudge,
    LexicalScorer,
    analyze_timeline,
)

SCORER = LexicalScorer()
REQUEST: dict[str, Any] = {
    "segment_definitions": [
        {
            "id": "launch",
            "description": "when the rocket launch is visible",
            "fields": [{"name": "mood", "type": "string", "enum": ["calm", "exciting"]}],
        },
        {"id": "cuts", "description": "every hard cut", "fields": []},
    ],
    "temperature": 0,
}
#: Four units a chunk, two shared: the news timeline's five shots make chunks 0-3 and 2-4, and
#: no unit is equally central in both.
CHUNKS = ContentOptions(chunks=ChunkOptions(max_units=4, overlap=0.5))


def _valid(result: Any) -> dict[str, Any]:
    report = check_format(result.data, REQUEST, news_timeline().video.duration)
    assert report.valid, report.violations
    assert not [w for w in result.warnings if w.startswith("guard")]
    plans: dict[str, Any] = result.plans
    return plans


def test_smollm_judges_every_unit_in_overlapping_chunks_deterministically(smollm: Any) -> None:
    runs = []
    for _ in range(2):
        judge = LanguageModelJudge(smollm, options=CHUNKS.chunks)
        started = time.process_time()
        result = analyze_timeline(
            news_timeline(),
            REQUEST,
            verbose=True,
            scorer=SCORER,
            llm=smollm,
            judge=judge,
            content=CHUNKS,
        )
        cpu = time.process_time() - started
        report = _valid(result)["launch"]["judge"]
        assert judge.calls == 2  # one completion per chunk
        assert report == {**report, "judge": "llm:llama-cpp", "units": 5, "chunks": 2}
        assert report["decided"] == 5 and report["fallback"] == 0  # the model judged every unit
        runs.append((result.data, result.generation_id))
        assert cpu < 120, f"{cpu:.1f} s of CPU for 5 units"
    assert runs[0] == runs[1]  # temperature 0: byte-identical


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_model_that_fails_leaves_every_unit_to_the_similarity_threshold() -> None:
    from videoscope.backends.openai_compat import OpenAICompatibleModel

    down = OpenAICompatibleModel(base_url=f"http://127.0.0.1:{_free_port()}/v1", timeout_s=5)
    offline = analyze_timeline(news_timeline(), REQUEST, scorer=SCORER, llm=None, content=CHUNKS)
    failed = analyze_timeline(
        news_timeline(), REQUEST, verbose=True, scorer=SCORER, llm=down, content=CHUNKS
    )
    report = _valid(failed)["launch"]["judge"]
    assert report["decided"] == 0 and report["fallback"] == 5 and report["chunks"] == 2
    assert failed.data == offline.data


def test_malformed_replies_fall_back_unit_by_unit() -> None:
    def reply(schema: dict[str, Any]) -> str:
        if "u1" not in schema["properties"]:
            return "not json"  # the field filler's request
        # first chunk: u1 a proper answer, u2 mistyped, u3 missing, u4 invented; second: a list
        return json.dumps({"u1": True, "u2": "yes", "u4": False, "u9": True})

    model = ScriptedModel(reply)
    result = analyze_timeline(
        news_timeline(), REQUEST, verbose=True, scorer=SCORER, llm=model, content=CHUNKS
    )
    report = _valid(result)["launch"]["judge"]
    # chunk 0-3 answers unit 0 (true) and unit 3 (false); chunk 2-4 answers its u1, unit 2
    # (true: unanswered in chunk 0-3); units 1 and 4 fall back to the similarity threshold
    assert report["units"] == 5 and report["decided"] == 3
    launch = result.parsed()["launch"]
    assert launch and launch[0]["start_time"] == 0.0  # unit 0 was judged a match
    assert all(seg["metadata"]["mood"] in ("calm", "exciting") for seg in launch)
