"""The ``videoscope classify`` command on a saved timeline (no re-indexing)."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from tests.classify.media import Indexed
from videoscope.cli.classify import classify_command


def _app() -> typer.Typer:
    app = typer.Typer()
    app.command()(classify_command)
    return app


def test_classify_command_reports_classes_and_clips(indexed: Indexed, tmp_path: Path) -> None:
    folder = tmp_path / "timeline"
    indexed.timeline.save(folder)
    classes = tmp_path / "classes.json"
    classes.write_text(json.dumps([{"name": "news", "prompts": ["a news broadcast"]}]))
    result = CliRunner().invoke(
        _app(),
        [
            str(folder),
            "--class",
            "cooking=cooking tutorial|a recipe",
            "--classes",
            str(classes),
            "--clips",
            "--detailed",
        ],
    )
    assert result.exit_code == 0, result.output
    video = json.loads(result.stdout)["data"][0]
    names = {c["name"]: c for c in video["classes"]}
    assert set(names) == {"cooking", "news"}
    assert "conversation" in {clip["option"] for clip in names["cooking"]["clips"]}
    assert "detailed_scores" in names["news"]


def test_classify_command_labels_shots(indexed: Indexed, tmp_path: Path) -> None:
    folder = tmp_path / "timeline"
    indexed.timeline.save(folder)
    out = tmp_path / "shots.json"
    result = CliRunner().invoke(
        _app(),
        [
            str(folder),
            "--class",
            "cat=a cat",
            "--class",
            "rocket=a rocket",
            "--shots",
            "--options",
            "visual",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    shots = json.loads(out.read_text())["data"][0]["shots"]
    photos = [s.photo for s in indexed.truth.shots]
    labels = dict(zip(photos, (s["label"] for s in shots), strict=True))
    assert labels["chelsea"] == "cat" and labels["rocket"] == "rocket"
    assert labels["coffee"] is None


def test_classify_command_refuses_bad_classes(tmp_path: Path) -> None:
    result = CliRunner().invoke(_app(), [str(tmp_path), "--class", "=nothing"])
    assert result.exit_code != 0
    result = CliRunner().invoke(_app(), [str(tmp_path)])
    assert result.exit_code != 0
