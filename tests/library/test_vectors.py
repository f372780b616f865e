"""Vector indexes: HNSW against exact search, and each store's switch to HNSW at scale."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from tests.library.conftest import postgres_store
from videoscope.library import IndexModel, Moment, MomentInput, NewVideo, SQLiteStore, Store
from videoscope.library.postgres import PostgresStore
from videoscope.library.vectors import ExactIndex, HNSWIndex
from videoscope.timeline import Timeline, VideoRef

DIM = 64


def clustered(n: int, seed: int) -> np.ndarray:
    """Unit vectors around 40 shared centres (nearest neighbours are close, as in embeddings)."""
    centres = np.random.default_rng(0).standard_normal((40, DIM))
    rng = np.random.default_rng(seed)
    x = centres[rng.integers(0, 40, n)] + rng.standard_normal((n, DIM)) * 0.5
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def test_hnsw_matches_exact_search_and_survives_save_and_removal(tmp_path: Path) -> None:
    data, queries = clustered(5000, 1), clustered(50, 2)
    ids = np.arange(1000, 6000)
    exact, hnsw = ExactIndex(DIM), HNSWIndex(DIM)
    exact.add(ids, data)
    hnsw.add(ids, data)
    recall = np.mean(
        [len(set(hnsw.search(q, 10)[0]) & set(exact.search(q, 10)[0])) / 10 for q in queries]
    )
    assert recall >= 0.95
    found, scores = hnsw.search(data[7], 3)
    assert found[0] == 1007 and scores[0] == pytest.approx(1.0, abs=1e-4)
    assert np.all(np.diff(scores) <= 1e-6)
    hnsw.remove(np.array([1007]))
    assert 1007 not in hnsw.search(data[7], 10)[0] and len(hnsw) == 4999
    hnsw.save(tmp_path / "graph.hnsw")
    loaded = HNSWIndex.load(tmp_path / "graph.hnsw")
    assert len(loaded) == 4999 and loaded.dim == DIM
    assert sorted(loaded.ids().tolist()) == sorted(set(ids.tolist()) - {1007})
    assert loaded.search(data[8], 1)[0][0] == 1008
    loaded.remove(ids[:2000])  # past a quarter deleted: the graph is rebuilt from live rows
    assert len(loaded) == 3000 and loaded.ids().min() == 3000
    assert loaded.search(data[4321], 1)[0][0] == 5321


def _add(store: Store, index_id: str, vectors: np.ndarray) -> str:
    timeline = Timeline(video=VideoRef(content_hash="h", duration=float(len(vectors))))
    moments = [
        MomentInput(Moment(video_id="", modality="visual", start=i, end=i + 1), "visual", v)
        for i, v in enumerate(vectors)
    ]
    return store.add_video(index_id, NewVideo("v.mp4"), timeline, moments).id


def test_store_switches_to_hnsw_and_keeps_it_current(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path, ann_min_rows=500)
    index = store.create_index("big", [IndexModel(model_name="videoscope-1")])
    small = _add(store, index.id, clustered(300, 3))
    assert isinstance(store._vector_index(index.id, "visual"), ExactIndex)  # below the threshold
    batch = clustered(300, 4)
    big = _add(store, index.id, batch)
    assert isinstance(store._vector_index(index.id, "visual"), HNSWIndex)
    hit = store.search_vectors(index.id, "visual", batch[5], 1)[0]
    assert (hit.video_id, hit.start) == (big, 5.0)
    assert hit.score == pytest.approx(1.0, abs=1e-4)
    assert (tmp_path / "vectors").exists()  # a full build is saved at once
    chunks = list(store._stored_vectors((index.id, "visual"), None, chunk=250))
    assert [len(ids) for ids, _ in chunks] == [250, 250, 100]
    assert len(np.unique(np.concatenate([ids for ids, _ in chunks]))) == 600
    store.delete_video(index.id, small)  # a delta: the graph drops the rows, no rebuild
    assert len(store._vector_index(index.id, "visual") or []) == 300
    store.close()

    reopened = SQLiteStore(tmp_path, ann_min_rows=200)
    late = clustered(50, 5)
    newest = _add(reopened, index.id, late)
    hits = reopened.search_vectors(index.id, "visual", late[9], 5)
    assert (hits[0].video_id, hits[0].start) == (newest, 9.0)
    assert {h.video_id for h in hits} <= {big, newest}
    assert len(reopened._vector_index(index.id, "visual") or []) == 350
    reopened.delete_index(index.id)
    assert not list((tmp_path / "vectors").glob(f"{index.id}.*"))
    reopened.close()


def test_postgres_switches_to_hnsw_and_uses_it(postgres_url: str) -> None:
    store = postgres_store(postgres_url)
    assert isinstance(store, PostgresStore)
    store.hnsw_min_rows = 500
    index = store.create_index("big", [IndexModel(model_name="videoscope-1")])
    _add(store, index.id, clustered(300, 3))
    assert not store._indexed  # below the threshold: exact scans
    batch = clustered(300, 4)
    big = _add(store, index.id, batch)
    assert store._indexed == {("visual", DIM)}
    query = batch[5].tolist()
    plan = store._query(
        f"EXPLAIN SELECT moment_id FROM vectors WHERE index_id = %s AND space = 'visual' "
        f"AND dim = {DIM} ORDER BY embedding::vector({DIM}) <=> %s::vector({DIM}) LIMIT 10",
        (index.id, str(query)),
    )
    assert "vectors_hnsw_visual_64" in " ".join(str(r) for r in plan)
    hits = store.search_vectors(index.id, "visual", batch[5], 10)
    assert (hits[0].video_id, hits[0].start) == (big, 5.0) and len(hits) == 10
    assert hits[0].score == pytest.approx(1.0, abs=1e-4)
    assert all(a.score >= b.score for a, b in itertools.pairwise(hits))
    assert store.search_text(index.id, "the", ["visual"], 5) == []  # no text was stored
    store.close()


def test_postgres_bulk_build_analyzes_and_prewarms(postgres_url: str) -> None:
    """After a bulk load the planner has statistics (else it scans every vector exactly) and the
    HNSW pages can be read into shared buffers before the first query."""
    store = postgres_store(postgres_url)
    assert isinstance(store, PostgresStore)
    store.hnsw_min_rows = None  # a bulk load: the indexes are built at the end
    index = store.create_index("bulk", [IndexModel(model_name="videoscope-1")])
    _add(store, index.id, clustered(300, 3))
    assert store.build_vector_indexes() == [f"vectors_hnsw_visual_{DIM}"]
    stats = store._query(
        "SELECT attname FROM pg_stats WHERE tablename = 'vectors' AND schemaname = current_schema()"
    )
    assert {"index_id", "space", "dim"} <= {r["attname"] for r in stats}
    assert store.prewarm() > 0
    assert store._query("SHOW jit")[0]["jit"] == "off"
    store.close()
