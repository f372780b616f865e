"""``videoscope gist|summarize|ask`` on a saved timeline folder (extractive method)."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import typer
from typer.testing import CliRunner

from videoscope.cli.describe import ask_command, gist_command, summarize_command

app = typer.Typer()
app.command("gist")(gist_command)
app.command("summarize")(summarize_command)
app.command("ask")(ask_command)


def test_cli_commands(talk_folder: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["gist", str(talk_folder), "--llm", "none"])
    assert result.exit_code == 0, result.output
    assert "coffee" in " ".join(json.loads(result.stdout)["topics"])

    result = runner.invoke(
        app, ["summarize", str(talk_folder), "--type", "chapter", "--llm", "none"]
    )
    assert result.exit_code == 0, result.output
    chapters = json.loads(result.stdout)["chapters"]
    assert chapters[0]["start"] == 0 and chapters[-1]["end"] > 17

    schema = {"type": "object", "properties": {"title": {"type": "string"}}, "required": ["title"]}
    (tmp_path / "schema.json").write_text(json.dumps(schema))
    args = ["ask", str(talk_folder), "Give a title", "--schema", str(tmp_path / "schema.json")]
    result = runner.invoke(app, [*args, "--llm", "none"])
    assert result.exit_code == 0, result.output
    jsonschema.validate(json.loads(result.stdout), schema)
