"""Export of embeddings to NumPy and Parquet, and the ``videoscope embed`` command."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tests.classify.media import Indexed
from videoscope.embed import Embedder, read_npz, read_parquet, segment_rows, write_export


def _rows(indexed: Indexed, embedder: Embedder) -> list:
    video = embedder.embed_video(indexed.timeline, clip_length=5.0)
    return segment_rows([("v1", video), ("query", embedder.embed_text("a rocket"))])


def test_npz_round_trip(indexed: Indexed, embedder: Embedder, tmp_path: Path) -> None:
    rows = _rows(indexed, embedder)
    data = read_npz(write_export(rows, tmp_path / "clips.npz"))
    assert set(data) == {"visual-text", "audio", "text"}
    visual = data["visual-text"]
    assert visual["vectors"].shape == (5, 384) and visual["dim"] == 384
    assert list(visual["scope"]) == ["clip"] * 4 + ["video"]
    assert visual["model"] == "efficientnet-lite0+minilm"
    expected = np.stack([r.vector for r in rows if r.option == "visual-text"])
    assert np.array_equal(visual["vectors"], expected)


def test_parquet_round_trip(indexed: Indexed, embedder: Embedder, tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    rows = _rows(indexed, embedder)
    back = read_parquet(write_export(rows, tmp_path / "clips.parquet"))
    assert len(back) == len(rows) == 11
    for original, read in zip(rows, back, strict=True):
        assert (read.video_id, read.option, read.scope, read.start, read.end) == (
            original.video_id,
            original.option,
            original.scope,
            original.start,
            original.end,
        )
        assert np.array_equal(read.vector, original.vector)


def test_embed_command_on_a_saved_timeline(indexed: Indexed, tmp_path: Path) -> None:
    import typer
    from typer.testing import CliRunner

    from videoscope.cli.embed import embed_command

    folder = tmp_path / "timeline"
    indexed.timeline.save(folder)
    app = typer.Typer()
    app.command()(embed_command)
    out, export = tmp_path / "out.json", tmp_path / "vectors.npz"
    result = CliRunner().invoke(
        app, [str(folder), "--clip-length", "4", "--out", str(out), "--export", str(export)]
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(out.read_text())
    segments = payload["video_embedding"]["segments"]
    assert len(segments) == 2 * (5 + 1) and "float" in segments[0]
    assert read_npz(export)["visual-text"]["vectors"].shape == (6, 384)
