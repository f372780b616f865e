"""Store behaviour: indexes, videos, metadata, paging, text and vector retrieval, atomic writes.

Every test runs on both backends (the ``store`` fixture in conftest: SQLite and PostgreSQL).
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.library.conftest import reopen
from videoscope.errors import ConflictError, InvalidRequestError, NotFoundError
from videoscope.library import IndexModel, Moment, MomentInput, NewVideo, Store
from videoscope.timeline import Embeddings, TimedItem, Timeline, Utterance, VideoRef

MODELS = [IndexModel(model_name="videoscope-1", model_options=["visual", "audio"])]


def _unit(seed: int, dim: int = 8) -> np.ndarray:
    vector = np.random.default_rng(seed).standard_normal(dim).astype(np.float32)
    return vector / np.linalg.norm(vector)


def _video(store: Store, index_id: str, name: str, said: str, seed: int, **meta: object):
    timeline = Timeline(video=VideoRef(content_hash=name, duration=10.0, width=320, height=240))
    timeline.utterances.append(Utterance(start=1.0, end=3.0, text=said))
    timeline.embeddings["visual"] = Embeddings(
        model="m", windows=[TimedItem(start=0, end=4)], vectors=_unit(seed)[None]
    )
    moments = [
        MomentInput(Moment(video_id="", modality="speech", start=1.0, end=3.0, text=said)),
        MomentInput(
            Moment(video_id="", modality="visual", start=0.0, end=4.0), "visual", _unit(seed)
        ),
    ]
    return store.add_video(index_id, NewVideo(f"{name}.mp4", 1000, dict(meta)), timeline, moments)


def test_indexes_are_unique_paged_and_deletable(store: Store) -> None:
    first = store.create_index("news", MODELS)
    with pytest.raises(ConflictError, match="exists"):
        store.create_index("news", MODELS)
    for n in range(4):
        store.create_index(f"extra-{n}", MODELS)
    page = store.list_indexes(page=2, limit=2)
    assert page.total_results == 5 and page.total_pages == 3 and len(page.items) == 2
    assert store.list_indexes(name="news").items[0].id == first.id
    assert store.rename_index(first.id, "world").name == "world"
    store.delete_index(first.id)
    with pytest.raises(NotFoundError, match="no such index"):
        store.get_index(first.id)


def test_videos_metadata_filters_and_timeline_round_trip(store: Store) -> None:
    index = store.create_index("library", MODELS)
    a = _video(store, index.id, "a", "the rocket launch was a success", 1, sport="none")
    b = _video(store, index.id, "b", "a quiet morning with coffee", 2, sport="tennis")
    assert store.get_index(index.id).video_count == 2
    assert store.get_index(index.id).total_duration == 20.0
    assert [
        v.id for v in store.list_videos(index.id, metadata_filter={"sport": "tennis"}).items
    ] == [b.id]
    with pytest.raises(InvalidRequestError):
        store.list_videos(index.id, metadata_filter={"bad key'--": 1})
    updated = store.update_video_metadata(index.id, a.id, {"sport": None, "views": 3})
    assert updated.user_metadata == {"views": 3}
    timeline = store.get_timeline(index.id, a.id)
    assert timeline.utterances[0].text.startswith("the rocket")
    np.testing.assert_allclose(timeline.embeddings["visual"].vectors[0], _unit(1))
    store.delete_video(index.id, a.id)
    with pytest.raises(NotFoundError):
        store.get_video(index.id, a.id)
    assert store.search_text(index.id, "rocket", ["speech"], 10) == []


def test_text_and_vector_retrieval(store: Store) -> None:
    index = store.create_index("search", MODELS)
    a = _video(store, index.id, "a", "the rocket launch was a success", 1)
    b = _video(store, index.id, "b", "a quiet morning with coffee", 2)
    hits = store.search_text(index.id, "launch rocket", ["speech"], 5)
    assert [h.video_id for h in hits] == [a.id]
    assert store.search_text(index.id, "launch", ["text"], 5) == []  # wrong modality
    nearest = store.search_vectors(index.id, "visual", _unit(2), 2)
    assert [h.video_id for h in nearest] == [b.id, a.id]
    assert nearest[0].score == pytest.approx(1.0, abs=1e-5)
    c = _video(store, index.id, "c", "more", 3)  # a write invalidates the cached vector index
    assert store.search_vectors(index.id, "visual", _unit(3), 1)[0].video_id == c.id


def test_failed_write_leaves_no_half_indexed_video(store: Store) -> None:
    index = store.create_index("atomic", MODELS)
    timeline = Timeline(video=VideoRef(content_hash="x", duration=5.0))
    broken = [
        MomentInput(Moment(video_id="", modality="speech", start=0, end=1, text="fine")),
        MomentInput(Moment(video_id="", modality="visual", start=0, end=1), "visual", None),
        # A moment that slipped past validation: the database's own CHECK refuses it mid-write.
        MomentInput(
            Moment.model_construct(video_id="", modality="speech", start=2, end=1, text="")
        ),
    ]
    with pytest.raises(Exception):  # noqa: B017 - any database error
        store.add_video(index.id, NewVideo("x.mp4"), timeline, broken)
    assert store.list_videos(index.id).total_results == 0
    assert store.search_text(index.id, "fine", ["speech"], 5) == []
    reopened = reopen(store)
    assert reopened.list_videos(index.id).total_results == 0
    reopened.close()
