"""The code stays ruff-clean, ruff-formatted and mypy-clean (the project's own standard)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)


@pytest.mark.skipif(shutil.which("ruff") is None, reason="ruff is in the dev extra")
def test_ruff_lint_and_format() -> None:
    lint = _run("ruff", "check", "src", "tests", "bench")
    assert lint.returncode == 0, lint.stdout
    form = _run("ruff", "format", "--check", "src", "tests", "bench")
    assert form.returncode == 0, form.stdout


def test_mypy_on_the_package() -> None:
    pytest.importorskip("mypy")
    result = _run(sys.executable, "-m", "mypy", "src")
    assert result.returncode == 0, result.stdout
