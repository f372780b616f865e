"""Indexing on a real local Ray cluster into a real PostgreSQL store.

The Timelines built on the cluster must equal those a single process builds, every video must
be stored exactly once, and a worker process killed mid-video must not lose or duplicate it.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.conftest import MediaFactory
from tests.library.conftest import postgres_store
from videoscope.cli.app import app
from videoscope.cluster import RayIndexer
from videoscope.config import Settings
from videoscope.perceive.pipeline import index_video
from videoscope.perceive.registry import build_stages
from videoscope.samples import OverlaySpec, ShotSpec, VideoSpec

STAGES = ["shots", "text"]
PHOTOS = ["rocket", "coffee", "chelsea", "camera", "coins", "astronaut"]


def _videos(media: MediaFactory, count: int, shots: int = 2, seconds: float = 2.0) -> list[Path]:
    paths = []
    for number in range(count):
        spec = VideoSpec(
            shots=[ShotSpec(PHOTOS[(number + k) % len(PHOTOS)], seconds) for k in range(shots)],
            overlays=[OverlaySpec(f"CLIP {number}", 0.2, seconds - 0.2)],
            width=320,
            height=180,
            audio=False,
        )
        paths.append(media.build(f"cluster-{number}-{shots}x{seconds}.mp4", spec)[0])
    return paths


def _settings(tmp_path: Path, database_url: str | None = None) -> Settings:
    return Settings(home=tmp_path / "home", database_url=database_url)


def test_cluster_timelines_equal_single_process_and_use_both_nodes(
    ray_cluster: Any, media: MediaFactory, tmp_path: Path
) -> None:
    paths = _videos(media, 4)
    with RayIndexer(_settings(tmp_path), workers=2) as indexer:
        pids = indexer.worker_pids()
        results = {done.path: done for done in indexer.index(paths, STAGES, embed_texts=False)}
    assert len(set(pids)) == 2 and os.getpid() not in pids
    assert sorted(results) == sorted(p.resolve() for p in paths)
    for path in paths:
        done = results[path.resolve()]
        assert done.error is None and done.timeline is not None
        alone = index_video(path, build_stages(STAGES))
        assert done.timeline.shots == alone.shots
        assert done.timeline.texts == alone.texts
        assert [t.text for t in done.timeline.texts] and done.timeline.shots


def test_cli_index_folder_on_cluster_stores_each_video_once_in_postgres(
    ray_cluster: Any, media: MediaFactory, tmp_path: Path, postgres_url: str
) -> None:
    folder = tmp_path / "archive"
    folder.mkdir()
    for path in _videos(media, 3):
        (folder / path.name).symlink_to(path)
    (folder / "broken.mp4").write_bytes(b"not a video")
    store = postgres_store(postgres_url)
    env = {
        "VIDEOSCOPE_HOME": str(tmp_path / "home"),
        "VIDEOSCOPE_DATABASE_URL": store.url,  # type: ignore[attr-defined]
        "VIDEOSCOPE_CLUSTER__ENGINE": "ray",
    }
    from videoscope.config import get_settings

    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(
            app, ["index", str(folder), "--index", "archive", "--stages", "shots,text"], env=env
        )
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "broken.mp4" in result.output and "error" in result.output
    index = store.list_indexes(name="archive").items[0]
    videos = store.list_videos(index.id, limit=50).items
    assert sorted(v.filename for v in videos) == sorted(p.name for p in _videos(media, 3))
    hits = store.search_text(index.id, "CLIP", ["text"], limit=10)
    assert {hit.video_id for hit in hits} == {v.id for v in videos}


@pytest.mark.slow
def test_killed_worker_is_restarted_and_its_video_retried_not_duplicated(
    ray_cluster: Any, media: MediaFactory, tmp_path: Path
) -> None:
    paths = _videos(media, 3, shots=4, seconds=4.0)
    with RayIndexer(_settings(tmp_path), workers=2) as indexer:
        first_pids = indexer.worker_pids()
        victim = first_pids[0]
        killer = threading.Timer(2.0, os.kill, (victim, signal.SIGKILL))
        killer.start()
        started = time.monotonic()
        results = list(indexer.index(paths, ["shots", "text", "visual"], embed_texts=False))
        killer.join()
        assert victim not in indexer.worker_pids()  # Ray restarted the actor in a new process
    assert time.monotonic() - started < 600
    assert sorted(r.path for r in results) == sorted(p.resolve() for p in paths)
    assert all(r.error is None and r.timeline is not None for r in results)
    assert victim not in {r.worker_pid for r in results}  # its video was redone elsewhere
    assert {r.worker_pid for r in results} - set(first_pids)  # by the restarted worker
