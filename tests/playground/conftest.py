"""Playground fixtures: one short generated clip, a seeded app for the route tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

for _module in ("fastapi", "uvicorn", "httpx"):
    pytest.importorskip(_module)

from fastapi.testclient import TestClient  # noqa: E402

from tests.conftest import MediaFactory  # noqa: E402
from videoscope.api import create_app  # noqa: E402
from videoscope.config import ServerSettings, Settings  # noqa: E402
from videoscope.library.ingest import add_to_library  # noqa: E402
from videoscope.library.records import IndexModel  # noqa: E402
from videoscope.samples import OverlaySpec, ShotSpec, SpeechSpec, Truth, VideoSpec  # noqa: E402
from videoscope.timeline.model import OnScreenText, Shot, Timeline, Utterance, VideoRef  # noqa: E402

#: A 10.5 s clip: three cut shots, one spoken sentence, one overlay.
CLIP = VideoSpec(
    shots=[ShotSpec("rocket", 3.5), ShotSpec("coffee", 3.5), ShotSpec("chelsea", 3.5)],
    speech=[SpeechSpec("The rocket launch was a complete success today.", 0.4)],
    overlays=[OverlaySpec("BREAKING NEWS", 7.2, 10.0)],
    width=480,
    height=270,
)


@pytest.fixture(scope="session")
def clip(media: MediaFactory) -> tuple[Path, Truth]:
    """The playground clip and its truth."""
    return media.build("playground-clip.mp4", CLIP)


def truth_timeline(path: Path, truth: Truth) -> Timeline:
    """A Timeline written from the clip's exact truth (no models: fast route tests)."""
    return Timeline(
        video=VideoRef(content_hash="truth", duration=truth.duration, path=str(path)),
        shots=[
            Shot(start=s.start, end=s.end, index=i, transition="start" if i == 0 else "cut")
            for i, s in enumerate(truth.shots)
        ],
        utterances=[Utterance(start=s.start, end=s.end, text=s.text) for s in truth.speech],
        texts=[OnScreenText(start=o.start, end=o.end, text=o.text) for o in truth.overlays],
    )


class Seeded:
    """A TestClient over a fresh home whose index holds the clip (indexed from its truth)."""

    def __init__(self, client: TestClient, index_id: str, video_id: str, truth: Truth) -> None:
        self.client = client
        self.index_id = index_id
        self.video_id = video_id
        self.truth = truth


def seeded_app(home: Path, clip: tuple[Path, Truth], api_keys: list[str]) -> Iterator[Seeded]:
    """Build the app (no workers), store the clip's truth timeline, yield a client."""
    path, truth = clip
    settings = Settings(home=home, server=ServerSettings(api_keys=api_keys, workers=1))
    app = create_app(settings, start_workers=False)
    store = app.state.server.library.store
    index = store.create_index("playground", [IndexModel(model_name="marengo3.0")])
    record = add_to_library(store, index.id, path, truth_timeline(path, truth), text_embedder=None)
    with TestClient(app) as client:
        yield Seeded(client, index.id, record.id, truth)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory, clip: tuple[Path, Truth]) -> Iterator[Seeded]:
    """An open server (no API key) with the clip in one index."""
    yield from seeded_app(tmp_path_factory.mktemp("pg-home"), clip, [])


@pytest.fixture(scope="module")
def keyed(tmp_path_factory: pytest.TempPathFactory, clip: tuple[Path, Truth]) -> Iterator[Seeded]:
    """A server that needs the API key ``secret-key``, with the clip in one index."""
    yield from seeded_app(tmp_path_factory.mktemp("pg-keyed"), clip, ["secret-key"])
