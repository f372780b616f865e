"""The offline (extractive) describe path on real generated, indexed video."""

from __future__ import annotations

import itertools
import json

import jsonschema
import pytest

from videoscope.describe import AnalyzeResult, ask, gist, summarize
from videoscope.describe.context import gather
from videoscope.samples import Truth
from videoscope.timeline.model import Timeline

Indexed = tuple[Timeline, Truth]


def _edges(timeline: Timeline) -> set[float]:
    """Every real boundary: shot starts, utterance and silence edges, the video's ends."""
    edges = {0.0, timeline.video.duration}
    edges |= {s.start for s in timeline.shots}
    for items in (timeline.utterances, timeline.silences):
        edges |= {t for item in items for t in (item.start, item.end)}
    return edges


def test_gist_mentions_what_is_shown_and_said(talk: Indexed) -> None:
    timeline, _ = talk
    result = gist(timeline, ["title", "topic", "hashtag"], llm=None)
    assert result.method == "extractive"
    assert result.title and result.topics and result.hashtags
    text = " ".join([result.title, *result.topics]).lower()
    assert "rocket" in text  # said (and seen as a "missile")
    assert "coffee" in text  # said and shown on screen
    assert all(h.startswith("#") and " " not in h for h in result.hashtags)
    assert len(set(result.hashtags)) == len(result.hashtags)
    only_title = gist(timeline, ["title"], llm=None)
    assert only_title.topics is None and only_title.hashtags is None
    assert set(dict(only_title)) == {"id", "title", "method"}  # how the API server reads it


def test_chapters_cover_the_video_on_real_edges(talk: Indexed) -> None:
    timeline, truth = talk
    chapters = summarize(timeline, "chapter", llm=None).chapters
    assert chapters is not None and len(chapters) >= 2
    assert chapters[0].start == 0.0
    assert chapters[-1].end == pytest.approx(truth.duration, abs=0.05)
    assert [c.chapter_number for c in chapters] == list(range(1, len(chapters) + 1))
    edges = _edges(timeline)
    for before, after in itertools.pairwise(chapters):
        assert before.end == after.start  # no gap, no overlap
        assert min(abs(before.end - e) for e in edges) < 1e-3
        assert not any(u.start + 0.3 < before.end < u.end - 0.3 for u in timeline.utterances)
        # the generated video's chapter edges are its true cuts
        assert min(abs(before.end - b) for b in truth.boundaries) < 0.25
    for chapter in chapters:
        assert chapter.end > chapter.start and chapter.chapter_title and chapter.chapter_summary
    assert "rocket" in chapters[0].chapter_summary.lower()


def test_highlights_are_inside_the_video_on_evidence(talk: Indexed) -> None:
    timeline, truth = talk
    highlights = summarize(timeline, "highlight", llm=None).highlights
    assert highlights
    evidence = {(round(e.start, 3), round(e.end, 3)) for e in gather(timeline)}
    for h in highlights:
        assert 0 <= h.start < h.end <= truth.duration + 1e-6
        assert (h.start, h.end) in evidence
        assert h.highlight and h.highlight_summary
    spans = sorted((h.start, h.end) for h in highlights)
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans))
    # the overlays are the most salient moments of this video
    texts = " ".join(h.highlight for h in highlights)
    assert "LAUNCH SUCCESSFUL" in texts or "COFFEE BREAK" in texts


def test_summary_is_multimodal(talk: Indexed) -> None:
    timeline, _ = talk
    text = summarize(timeline, "summary", llm=None).summary
    assert text
    seen = {t.label for t in timeline.visual_tags}
    assert seen and any(label in text for label in seen)  # what is seen
    assert "rocket" in text.lower()  # what is said
    assert "COFFEE BREAK" in text  # what is on screen
    assert "music" in text.lower()  # what is heard


def test_silent_video_is_summarised_from_what_is_seen(silent: Indexed) -> None:
    timeline, _ = silent
    assert not timeline.utterances
    seen = {t.label for t in timeline.visual_tags}
    assert seen
    text = summarize(timeline, "summary", llm=None).summary
    assert text and any(label in text for label in seen)
    found = gist(timeline, llm=None)
    assert found.title and found.title != "Untitled video"
    chapters = summarize(timeline, "chapter", llm=None).chapters
    assert chapters and chapters[0].start == 0 and chapters[-1].end == timeline.video.duration


SCHEMA = {
    "type": "object",
    "properties": {
        "title": {"type": "string", "maxLength": 40},
        "topics": {"type": "array", "items": {"type": "string"}, "minItems": 2},
        "is_outdoor": {"type": "boolean"},
        "mood": {"enum": ["calm", "excited"]},
        "moments": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "start": {"type": "number", "minimum": 0},
                    "end": {"type": "number"},
                    "description": {"type": "string"},
                },
                "required": ["start", "end", "description"],
            },
        },
    },
    "required": ["title", "topics", "is_outdoor", "mood", "moments"],
}


def test_ask_with_a_schema_returns_valid_json(talk: Indexed) -> None:
    timeline, truth = talk
    result = ask(
        timeline,
        "Describe the key moments.",
        {"type": "json_schema", "json_schema": SCHEMA},
        llm=None,
    )
    assert isinstance(result, AnalyzeResult) and result.method == "extractive"
    value = json.loads(result.data)
    jsonschema.validate(value, SCHEMA)
    for moment in value["moments"]:
        assert 0 <= moment["start"] < moment["end"] <= truth.duration


def test_ask_stream_equals_the_answer_and_respects_the_window(talk: Indexed) -> None:
    timeline, _ = talk
    whole = ask(timeline, "What is on screen about coffee?", start=9.0, end=14.0, llm=None)
    assert isinstance(whole, AnalyzeResult)
    pieces = list(
        ask(timeline, "What is on screen about coffee?", start=9.0, end=14.0, stream=True, llm=None)
    )
    assert len(pieces) > 3 and "".join(pieces) == whole.data
    assert "COFFEE BREAK" in whole.data and "LAUNCH" not in whole.data


def test_a_failing_language_model_falls_back_flagged(talk: Indexed) -> None:
    from tests.describe.conftest import _free_port
    from videoscope.backends.openai_compat import OpenAICompatibleModel

    dead = OpenAICompatibleModel(base_url=f"http://127.0.0.1:{_free_port()}/v1", timeout_s=2)
    timeline, _ = talk
    result = ask(timeline, "Give a title", {"type": "json_schema", "json_schema": SCHEMA}, llm=dead)
    assert isinstance(result, AnalyzeResult) and result.method == "extractive_fallback"
    jsonschema.validate(json.loads(result.data), SCHEMA)
    assert gist(timeline, llm=dead).method == "extractive_fallback"


def test_a_bad_schema_is_refused(talk: Indexed) -> None:
    from videoscope.errors import InvalidRequestError

    with pytest.raises(InvalidRequestError):
        ask(talk[0], "x", {"type": "json_schema", "json_schema": {"type": "nonsense"}}, llm=None)
