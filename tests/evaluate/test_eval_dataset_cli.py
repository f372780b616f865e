"""Loading files/folders/JSONL, pairing, aggregation, and the ``eval`` command."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from videoscope.cli.eval import eval_command
from videoscope.evaluate.dataset import evaluate_paths, load_samples
from videoscope.evaluate.schema import EvaluationError

DATA = Path(__file__).parent / "data"
SCHEMA = {"segment_definitions": [{"id": "plays", "fields": [{"name": "team", "type": "string"}]}]}


def seg(a: float, b: float, team: str = "Loyola") -> dict[str, Any]:
    return {"start_time": a, "end_time": b, "metadata": {"team": team}}


def write(path: Path, obj: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(obj if isinstance(obj, str) else json.dumps(obj))
    return path


def test_folders_pair_by_stem(tmp_path: Path) -> None:
    write(tmp_path / "truth/a.json", {"plays": [seg(0, 10)]})
    write(tmp_path / "truth/b.json", {"plays": [seg(0, 10)]})
    write(tmp_path / "truth/c.json", {"plays": [seg(0, 10)]})
    write(tmp_path / "pred/a.json", {"plays": [seg(0, 10)]})  # perfect
    write(tmp_path / "pred/b.json", {"plays": [seg(0, 5)]})  # half
    write(tmp_path / "pred/z.json", {"plays": []})  # no truth
    write(tmp_path / "schema.json", SCHEMA)
    report = evaluate_paths(tmp_path / "pred", tmp_path / "truth", tmp_path / "schema.json")
    by_id = {s.id: s for s in report.samples}
    assert by_id["a"].result.total == 1.0
    # b: temporal F1 2/3, segment F1 0.5, metadata 1 -> 0.1 + 0.2 + 0.15 + 0.3 = 0.75
    assert by_id["b"].result.total == pytest.approx(0.75)
    # c has no prediction: scored as {} -> missing definition, every component 0
    assert by_id["c"].prediction_missing and by_id["c"].result.total == 0.0
    assert report.unmatched_predictions == ["z"]
    assert report.mean["total"] == pytest.approx((1.0 + 0.75 + 0.0) / 3)
    assert report.definitions["plays"]["segment_f1"] == pytest.approx((1 + 0.5 + 0) / 3)
    assert report.fields == {"plays.team": 1.0}  # only aligned pairs (a, b) have fields


def test_jsonl_envelopes_and_bad_lines(tmp_path: Path) -> None:
    truth = [
        {
            "id": "v1",
            "data": {"plays": [seg(0, 10)]},
            "duration": 20,
            "segment_definitions": SCHEMA["segment_definitions"],
        },
        {"id": "v2", "data": json.dumps({"plays": [seg(0, 10)]}), "response_format": SCHEMA},
    ]
    write(tmp_path / "truth.jsonl", "\n".join(json.dumps(t) for t in truth) + "\n\n")
    preds = [
        json.dumps({"video_id": "v2", "result": {"data": json.dumps({"plays": [seg(0, 10)]})}}),
        "{this is not json",
        json.dumps({"id": "v1", "data": {"plays": [seg(0, 30)]}}),  # past the 20 s video
    ]
    write(tmp_path / "pred.jsonl", "\n".join(preds))
    samples = load_samples(tmp_path / "pred.jsonl")
    assert [s.id for s in samples] == ["v2", "pred#1", "v1"]
    assert samples[1].data == "{this is not json"
    report = evaluate_paths(tmp_path / "pred.jsonl", tmp_path / "truth.jsonl")
    by_id = {s.id: s.result for s in report.samples}
    assert by_id["v2"].total == 1.0
    assert [v.code for v in by_id["v1"].violations] == ["outside_video"]


def test_single_files_pair_whatever_their_names(tmp_path: Path) -> None:
    write(tmp_path / "model_output.json", {"plays": [seg(0, 10)]})
    write(tmp_path / "reference.json", {"plays": [seg(0, 10)]})
    report = evaluate_paths(tmp_path / "model_output.json", tmp_path / "reference.json")
    assert report.mean["total"] == 1.0 and report.unmatched_predictions == []


def test_loading_errors(tmp_path: Path) -> None:
    with pytest.raises(EvaluationError):
        load_samples(tmp_path / "nowhere")
    write(tmp_path / "t.json", "{broken")
    with pytest.raises(EvaluationError):
        load_samples(tmp_path / "t.json", strict=True)
    write(tmp_path / "dup.json", [{"id": "x", "data": {}}, {"id": "x", "data": {}}])
    with pytest.raises(EvaluationError):
        load_samples(tmp_path / "dup.json")


def make_app() -> typer.Typer:
    app = typer.Typer()
    app.command("eval")(eval_command)

    @app.command("noop")
    def _noop() -> None:  # a second command keeps 'eval' as a named subcommand
        pass

    return app


def seed_files(tmp_path: Path) -> tuple[Path, Path, Path]:
    data = json.loads((DATA / "basketball_result.json").read_text())
    truth = {"non_gameplay_footage" if k == "gameplay_footage" else k: v for k, v in data.items()}
    request = json.loads((DATA / "basketball_request.json").read_text())
    request.pop("min_segment_duration")
    pred = dict(truth)
    pred["scoring_plays"] = truth["scoring_plays"][:-1]  # misses the last play
    return (
        write(tmp_path / "pred/game.json", json.dumps({"data": json.dumps(pred)})),
        write(tmp_path / "truth/game.json", {"data": truth, "duration": 121}),
        write(tmp_path / "request.json", request),
    )


def test_cli_table_and_json(tmp_path: Path) -> None:
    pred, truth, request = seed_files(tmp_path)
    runner = CliRunner()
    out = runner.invoke(
        make_app(),
        [
            "eval",
            str(pred),
            str(truth),
            "--schema",
            str(request),
            "-o",
            str(tmp_path / "report.json"),
        ],
    )
    assert out.exit_code == 0, out.output
    assert "game" in out.output and "mean" in out.output and "scoring_plays" in out.output
    report = json.loads((tmp_path / "report.json").read_text())
    sample = report["samples"][0]
    # scoring_plays: 6 of the 7 plays, exact. Play lengths 8+5+6+8+5+4+8 = 44 s, the last is 8 s:
    # temporal recall = 36/44; segment p = 6/6, r = 6/7 -> F1 = 2*(6/7)/(13/7) = 12/13
    plays = sample["definitions"]["scoring_plays"]
    assert plays["segment"]["f1"] == pytest.approx(12 / 13)
    assert plays["temporal"]["recall"] == pytest.approx(36 / 44)
    assert sample["format"] == 1.0 and sample["metadata"] == 1.0
    printed = runner.invoke(
        make_app(), ["eval", str(pred), str(truth), "-s", str(request), "--json"]
    )
    assert json.loads(printed.output)["mean"] == report["mean"]


def test_cli_shows_violations(tmp_path: Path) -> None:
    overlapping = {"plays": [seg(0, 10), seg(5, 12)]}
    pred = write(tmp_path / "[odd] id.json", overlapping)
    truth = write(tmp_path / "truth.json", {"plays": [seg(0, 10)]})
    out = CliRunner().invoke(
        make_app(),
        ["eval", str(pred), str(truth), "-s", str(write(tmp_path / "schema.json", SCHEMA))],
    )
    assert out.exit_code == 0, out.output
    assert "[overlap] plays/1" in out.output  # not eaten as Rich markup
    assert "[odd] id" not in out.output  # single files pair: the truth's id is shown
    assert "truth" in out.output


def test_cli_errors(tmp_path: Path) -> None:
    runner = CliRunner()
    missing = runner.invoke(make_app(), ["eval", str(tmp_path / "p"), str(tmp_path / "t")])
    assert missing.exit_code == 1
    bad_gate = runner.invoke(make_app(), ["eval", "a", "b", "--gate", "maybe"])
    assert bad_gate.exit_code == 2
