"""The ``twelvelabs`` SDK 1.2.0 (gist and summarize era), in its own environment, against a real
server: every reply must parse into that version's types (chapter and highlight times are
``int`` there)."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.api.conftest import ThreadServer
from videoscope.samples import Truth

ROOT = Path(__file__).resolve().parents[2]
#: The separate environment with SDK 1.2.0 (``scripts/setup`` creates it).
LEGACY_PYTHON = Path(
    os.environ.get("VIDEOSCOPE_SDK_LEGACY_PYTHON", ROOT / ".venv-twelvelabs-1.2.0/bin/python")
)


@pytest.fixture(scope="module")
def legacy(server: ThreadServer, journey_video: tuple[Path, Truth]) -> dict[str, Any]:
    if not LEGACY_PYTHON.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{LEGACY_PYTHON} is missing: scripts/setup creates it")
        pytest.skip(f"no SDK 1.2.0 environment at {LEGACY_PYTHON} (run scripts/setup)")
    run = subprocess.run(
        [
            str(LEGACY_PYTHON),
            str(Path(__file__).with_name("sdk_legacy_client.py")),
            server.url,
            str(journey_video[0]),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    return dict(json.loads(run.stdout))


def test_sdk_120_indexes_and_searches(legacy: dict[str, Any]) -> None:
    assert legacy["sdk"] == "1.2.0" and legacy["status"] == "ready"
    assert legacy["search"], "the rocket shot is found"
    assert legacy["search"][0]["start"] < 4.0


def test_sdk_120_chapters_and_highlights_parse_with_integer_times(
    legacy: dict[str, Any], journey_video: tuple[Path, Truth]
) -> None:
    duration = journey_video[1].duration
    chapters = legacy["chapter"]["chapters"]
    assert legacy["chapter"]["summarize_type"] == "chapter" and chapters
    for item in [*chapters, *legacy["highlight"]["highlights"]]:
        assert isinstance(item["start"], int) and isinstance(item["end"], int)
        assert item["start"] == round(item["start_sec"]) and item["end"] == round(item["end_sec"])
        assert 0 <= item["start_sec"] < item["end_sec"] <= duration + 1e-3
    for first, second in itertools.pairwise(chapters):
        assert first["end"] == second["start"], "back-to-back chapters stay back to back"
    assert legacy["summary"]["summary"] and legacy["gist"]["title"]
