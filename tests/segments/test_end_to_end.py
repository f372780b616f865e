"""End to end on a generated video with exact truth: real stages, real embedder, real CLI."""

from __future__ import annotations

import json
import re
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from videoscope.cli.analyze import analyze_command
from videoscope.evaluate import check_format, segment_f1
from videoscope.samples import Truth
from videoscope.segments import AnalyzeRequestError, analyze_timeline, analyze_video
from videoscope.timeline.model import Timeline

REQUEST: dict[str, Any] = {
    "segment_definitions": [
        {
            "id": "camera_cut",
            "description": "Segment any time there is a hard cut in the camera.",
            "fields": [
                {
                    "name": "camera_angle",
                    "type": "string",
                    "description": "Angle of the camera.",
                    "enum": ["high", "low", "medium"],
                },
                {"name": "objects", "type": "array", "items": {"type": "string"}},
            ],
        },
        {
            "id": "speech",
            "description": "Each time someone speaks.",
            "fields": [
                {"name": "transcript", "type": "string", "description": "What is said."},
                {"name": "topic", "type": "string", "enum": ["news", "space", "weather"]},
            ],
        },
        {
            "id": "titles",
            "description": "Each time the on-screen text changes.",
            "fields": [
                {"name": "text", "type": "string", "description": "The on-screen text."},
                {"name": "shown_at", "type": "timestamp", "format": "seconds"},
            ],
        },
        {
            "id": "launch",
            "description": "When the rocket launch is shown or discussed.",
            "fields": [{"name": "description", "type": "string"}],
        },
        {
            "id": "not_launch",
            "description": "Everything that is NOT about the rocket launch.",
            "fields": [],
        },
    ],
    "temperature": 0,
}


def _spans(segments: list[dict[str, object]]) -> list[tuple[float, float]]:
    return [(float(s["start_time"]), float(s["end_time"])) for s in segments]  # type: ignore[arg-type]


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def test_analyze_reaches_quality_targets(news_indexed: tuple[Timeline, Truth, str]) -> None:
    timeline, truth, _ = news_indexed
    result = analyze_timeline(timeline, REQUEST, verbose=True)
    report = check_format(result.data, REQUEST, timeline.video.duration)
    assert report.valid, report.violations
    data = result.parsed()

    cuts = segment_f1(_spans(data["camera_cut"]), [(s.start, s.end) for s in truth.shots])
    assert cuts.f1 >= 0.9, cuts
    speech = segment_f1(_spans(data["speech"]), [(s.start, s.end) for s in truth.speech])
    assert speech.f1 >= 0.8, (speech, data["speech"])
    for overlay in truth.overlays:
        found = [
            s
            for s in data["titles"]
            if min(float(s["end_time"]), overlay.end) - max(float(s["start_time"]), overlay.start)
            > 0.5 * (overlay.end - overlay.start)
            and SequenceMatcher(None, _norm(overlay.text), _norm(str(s["metadata"]["text"])))
            .find_longest_match()
            .size
            >= 0.8 * len(_norm(overlay.text))
        ]
        assert found, (overlay, data["titles"])
    assert all(
        s["metadata"]["camera_angle"] in ("high", "low", "medium") for s in data["camera_cut"]
    )
    assert all(s["metadata"]["topic"] in ("news", "space", "weather") for s in data["speech"])
    # the launch sentence (6.0-8.9 s) is found; its complement does not cover it
    assert any(a <= 7.0 and b >= 8.0 for a, b in _spans(data["launch"])), data["launch"]
    assert not any(a < 7.5 < b for a, b in _spans(data["not_launch"]))
    # every boundary is measured evidence
    for evs in (result.evidence or {}).values():
        for ev in evs:
            assert "unsnapped" not in ev["start"] + ev["end"]
    again = analyze_timeline(timeline, REQUEST)
    assert again.data == result.data  # temperature 0: same video and schema, same output


def test_cli_writes_a_valid_result(
    news_indexed: tuple[Timeline, Truth, str], tmp_path: Path
) -> None:
    timeline, _, folder = news_indexed
    app = typer.Typer()
    app.command()(analyze_command)
    schema = tmp_path / "schema.json"
    schema.write_text(json.dumps(REQUEST))
    out = tmp_path / "result.json"
    run = CliRunner().invoke(app, [folder, "--schema", str(schema), "--out", str(out), "--verbose"])
    assert run.exit_code == 0, run.output
    written = json.loads(out.read_text())
    assert set(written) >= {"generation_id", "data", "finish_reason", "usage"}
    data = json.loads(written["data"])
    assert data["camera_cut"][0]["evidence"]["start"].startswith("video_start")
    for segs in data.values():
        for s in segs:
            s.pop("evidence")
    assert check_format(data, REQUEST, timeline.video.duration).valid


def test_analyze_video_indexes_then_analyzes(
    news_video: tuple[str, Truth], news_indexed: tuple[Timeline, Truth, str], index_cache: Path
) -> None:
    from videoscope.perceive.shots import ShotStage
    from videoscope.perceive.silence import SilenceStage
    from videoscope.perceive.speech import SpeechStage
    from videoscope.perceive.text import OnScreenTextStage

    path, _ = news_video
    stages = [ShotStage(), SilenceStage(), SpeechStage(), OnScreenTextStage()]
    result = analyze_video(path, REQUEST, stages=stages, cache_dir=index_cache)  # cache hit
    assert result.data == analyze_timeline(news_indexed[0], REQUEST).data
    with pytest.raises(AnalyzeRequestError, match="camera_cut"):
        bad = {
            "segment_definitions": [
                {**REQUEST["segment_definitions"][0], "fields": [{"name": "metadata"}]}
            ]
        }
        analyze_video(path, bad, stages=stages, cache_dir=index_cache)
