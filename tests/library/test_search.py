"""Moment search on a library of really indexed generated videos, checked against their truth.

The videos are indexed once; every test runs on both store backends (SQLite and PostgreSQL).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import MediaFactory
from tests.library.conftest import BACKENDS, make_store
from videoscope.backends import load_backend
from videoscope.library import IndexModel, Store
from videoscope.library.ingest import add_to_library
from videoscope.perceive.pipeline import index_video
from videoscope.perceive.registry import build_stages
from videoscope.samples import OverlaySpec, ShotSpec, SpeechSpec, Truth, VideoSpec, photo
from videoscope.search import SearchEngine, SearchRequest
from videoscope.timeline import Timeline

STAGES = ["shots", "speech", "text", "visual"]
NEWS = VideoSpec(
    shots=[
        ShotSpec("rocket", 5.0),
        ShotSpec("coffee", 5.0),
        ShotSpec("chelsea", 5.0),
    ],
    speech=[
        SpeechSpec("The rocket launch was a complete success today.", 0.5),
        SpeechSpec("Next, the price of coffee beans keeps rising.", 5.5),
    ],
    overlays=[OverlaySpec("BREAKING NEWS", 10.5, 14.0)],
    width=640,
    height=360,
)
NATURE = VideoSpec(
    shots=[ShotSpec("camera", 5.0), ShotSpec("coins", 5.0)],
    speech=[SpeechSpec("An old photographer sets up his tripod.", 0.5)],
    overlays=[OverlaySpec("ARCHIVE FOOTAGE", 6.0, 9.0)],
    width=640,
    height=360,
)


class Library:
    def __init__(self, store: Store, index_id: str, engine: SearchEngine) -> None:
        self.store, self.index_id, self.engine = store, index_id, engine
        self.videos: dict[str, tuple[str, Truth]] = {}


Indexed = list[tuple[str, Path, Truth, Timeline, dict[str, str]]]


@pytest.fixture(scope="module")
def indexed(media: MediaFactory) -> Indexed:
    """The test videos, indexed once for every backend."""
    out = []
    for name, spec, meta in (
        ("news", NEWS, {"genre": "news"}),
        ("nature", NATURE, {"genre": "doc"}),
    ):
        path, truth = media.build(f"search-{name}.mp4", spec)
        out.append((name, path, truth, index_video(path, build_stages(STAGES)), meta))
    return out


@pytest.fixture(scope="module", params=BACKENDS)
def library(
    request: pytest.FixtureRequest, indexed: Indexed, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Library]:
    store = make_store(request.param, request, tmp_path_factory.mktemp("library"))
    index = store.create_index("search-test", [IndexModel(model_name="videoscope-1")])
    text_embedder = load_backend("text_embedder", "minilm")
    image_embedder = load_backend("image_text_embedder", "imagenet-concepts")
    lib = Library(store, index.id, SearchEngine(store, text_embedder, image_embedder))
    for name, path, truth, timeline, meta in indexed:
        record = add_to_library(
            store, index.id, path, timeline, text_embedder=text_embedder, user_metadata=meta
        )
        lib.videos[name] = (record.id, truth)
    yield lib
    store.close()


def _search(library: Library, **kwargs: object) -> list:
    page = library.engine.search(SearchRequest(index_id=library.index_id, **kwargs))
    return page.groups if kwargs.get("group_by") == "video" else page.clips


def test_spoken_phrase_finds_its_utterance(library: Library) -> None:
    video_id, truth = library.videos["news"]
    top = _search(library, query_text="price of coffee beans", search_options=["audio"])[0]
    spoken = truth.speech[1]
    assert top.video_id == video_id
    assert abs(top.start - spoken.start) <= 1.0 and abs(top.end - spoken.end) <= 1.0
    assert any("coffee" in e.text.lower() for e in top.evidence)
    assert top.modules == ["transcription"]


def test_word_on_screen_finds_its_overlay(library: Library) -> None:
    video_id, truth = library.videos["nature"]
    top = _search(library, query_text="archive footage", search_options=["visual"])[0]
    overlay = truth.overlays[0]
    assert top.video_id == video_id
    assert top.start <= overlay.start + 1.0 and top.end >= overlay.end - 1.0
    assert "text_in_video" in top.modules


def test_plain_description_finds_the_right_shot_first(library: Library) -> None:
    video_id, truth = library.videos["news"]
    top = _search(library, query_text="a cat", search_options=["visual"])[0]
    cat = next(s for s in truth.shots if s.photo == "chelsea")
    assert top.video_id == video_id
    assert cat.start - 0.5 <= top.thumbnail_time <= cat.end + 0.5


def test_image_query_finds_the_shot_it_came_from(library: Library) -> None:
    video_id, truth = library.videos["nature"]
    top = _search(library, query_image=photo("camera"), search_options=["visual"])[0]
    shot = next(s for s in truth.shots if s.photo == "camera")
    assert top.video_id == video_id
    assert shot.start - 0.5 <= top.thumbnail_time <= shot.end + 0.5


def test_group_by_video_ranks_the_right_video_first(library: Library) -> None:
    groups = _search(library, query_text="photographer with a tripod", group_by="video")
    assert groups[0].video_id == library.videos["nature"][0]
    assert groups[0].rank == 1 and groups[0].clips


def test_filters_and_paging(library: Library) -> None:
    filtered = _search(library, query_text="news", metadata_filter={"genre": "doc"})
    assert all(c.video_id == library.videos["nature"][0] for c in filtered)
    first = library.engine.search(
        SearchRequest(index_id=library.index_id, query_text="the", page_limit=1)
    )
    assert len(first.clips) == 1 and first.next_page_token
    second = library.engine.page(first.next_page_token)
    assert second.clips and second.clips[0].rank == 2
    assert second.prev_page_token is not None


def test_and_operator_needs_every_modality(library: Library) -> None:
    both = _search(library, query_text="rocket launch", operator="and")
    assert both, "the rocket is both said and shown"
    for clip in both:
        assert "transcription" in clip.modules
        assert {"visual", "text_in_video"} & set(clip.modules)
    said_only = _search(library, query_text="price of coffee beans", operator="and")
    assert all(len(c.modules) > 1 for c in said_only)
