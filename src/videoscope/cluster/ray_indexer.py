"""Index many videos on a Ray cluster: one actor per worker process, models loaded once each.

Each video is one actor call on whichever worker is free. A worker builds the video's Timeline
and its searchable moments (text embeddings included) and hands them back; the driver writes
them to the store. Writing only from the driver makes storing exactly-once by construction: an
actor killed mid-video is restarted by Ray and the call retried, but nothing reached the store
before the call returned, so a retried video is never stored twice.

Every worker reads the files by path, so the paths must be visible on every node (a shared
filesystem or object-store mount, as on any Ray cluster that processes files).

Example:
    >>> with RayIndexer(settings, address="auto") as indexer:  # doctest: +SKIP
    ...     for done in indexer.index(paths, ["shots", "speech"]):
    ...         print(done.path, len(done.timeline.shots))
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from videoscope.config import Settings
from videoscope.errors import BackendUnavailableError, ConfigError, VideoscopeError
from videoscope.library.store import MomentInput
from videoscope.timeline.model import Timeline


@dataclass(frozen=True)
class IndexedFile:
    """One finished video: its Timeline and the moments to store (or the error it raised)."""

    path: Path
    timeline: Timeline | None
    moments: list[MomentInput]
    #: Why the video could not be indexed (a :class:`VideoscopeError`'s message); None: done.
    error: str | None = None
    #: The worker process (pid) that produced it, for logs and tests.
    worker_pid: int = 0


#: Called after each finished video with (finished so far, total).
ClusterProgress = Callable[[int, int], None]


class _IndexWorker:
    """The actor body: a worker process with its own stages and (cached) models."""

    def __init__(self, settings_json: str) -> None:
        self.settings = Settings.model_validate_json(settings_json)

    def pid(self) -> int:
        return os.getpid()

    def index(self, path: str, stage_names: list[str], embed_texts: bool) -> IndexedFile:
        from videoscope.backends.registry import load_backend
        from videoscope.library.ingest import timeline_moments
        from videoscope.perceive.pipeline import index_video
        from videoscope.perceive.registry import build_stages

        try:
            stages = build_stages(stage_names, self.settings)  # stages keep per-video state
            timeline = index_video(path, stages, cache_dir=self.settings.cache_dir)
            embedder = None
            if embed_texts:
                backends = self.settings.backends
                embedder = load_backend(
                    "text_embedder",
                    backends.text_embedder,
                    **backends.options.get("text_embedder", {}),
                )
            moments = timeline_moments(timeline, embedder)
        except VideoscopeError as error:  # a bad file fails alone; the batch goes on
            return IndexedFile(Path(path), None, [], str(error), os.getpid())
        return IndexedFile(Path(path), timeline, moments, None, os.getpid())


def _import_ray() -> Any:
    try:
        import ray
    except ImportError as error:
        raise BackendUnavailableError(
            "cluster engine 'ray'",
            "Ray is not installed",
            "pip install 'videoscope[cluster]', or set [cluster] engine = \"local\"",
        ) from error
    return ray


class RayIndexer:
    """A pool of indexing actors on a Ray cluster.

    Args:
        settings: the settings every worker runs with (backends, cache, threads).
        address: the cluster: ``"auto"`` (a cluster started with ``ray start`` on this
            machine's network), ``"ray://HOST:PORT"`` (Ray client), ``"local"`` (start a
            private one-machine cluster), or ``None`` (``settings.cluster.address``).
        workers: actors to start; None: ``settings.cluster.workers``, else one per
            ``cpus_per_worker`` of the cluster's CPUs.
    """

    def __init__(
        self, settings: Settings, *, address: str | None = None, workers: int | None = None
    ) -> None:
        self.settings = settings
        self._ray = _import_ray()
        cluster = settings.cluster
        target = address or cluster.address
        self._owns_connection = not self._ray.is_initialized()
        if self._owns_connection:
            try:
                self._ray.init(
                    address=None if target == "local" else target,
                    include_dashboard=False,
                    log_to_driver=False,
                    configure_logging=False,
                )
            except (ConnectionError, RuntimeError, ValueError) as error:
                raise ConfigError(
                    f"cluster address {target!r}",
                    f"cannot connect to a Ray cluster there ({error})",
                    "start one with 'ray start --head', or use --cluster local",
                ) from error
        cpus = float(self._ray.cluster_resources().get("CPU", 1.0))
        count = workers or cluster.workers or max(1, int(cpus // cluster.cpus_per_worker))
        actor = self._ray.remote(
            num_cpus=cluster.cpus_per_worker,
            max_restarts=cluster.max_retries,
            max_task_retries=cluster.max_retries,
        )(_IndexWorker)
        settings_json = settings.model_dump_json()
        self.actors = [actor.remote(settings_json) for _ in range(count)]

    def worker_pids(self) -> list[int]:
        """The process id of each worker actor (they may live on other machines)."""
        return list(self._ray.get([a.pid.remote() for a in self.actors]))

    def index(
        self,
        paths: Sequence[str | Path],
        stage_names: Sequence[str],
        *,
        embed_texts: bool = True,
        progress: ClusterProgress | None = None,
    ) -> Iterator[IndexedFile]:
        """Index ``paths`` on the pool, yielding each video as it finishes (any order).

        Each free worker takes the next file, so long and short videos balance out. A worker
        that dies is restarted and its video retried up to ``cluster.max_retries`` times; a
        video whose worker keeps dying comes back with an error instead of hanging the batch.
        """
        ray = self._ray
        queue = [str(Path(p).resolve()) for p in paths]
        names = list(stage_names)
        running: dict[Any, tuple[Any, str]] = {}
        free = list(self.actors)
        done = 0
        while queue or running:
            while free and queue:
                worker, path = free.pop(), queue.pop(0)
                running[worker.index.remote(path, names, embed_texts)] = (worker, path)
            ready, _ = ray.wait(list(running), num_returns=1)
            worker, path = running.pop(ready[0])
            free.append(worker)
            try:
                result: IndexedFile = ray.get(ready[0])
            except ray.exceptions.RayError as error:
                failure = f"{path}: its worker failed ({type(error).__name__}); index it again"
                result = IndexedFile(Path(path), None, [], failure)
            done += 1
            if progress is not None:
                progress(done, done + len(queue) + len(running))
            yield result

    def close(self) -> None:
        """Stop the actors (and the connection, if this object opened it)."""
        for actor in self.actors:
            self._ray.kill(actor)
        self.actors = []
        if self._owns_connection:
            self._ray.shutdown()

    def __enter__(self) -> RayIndexer:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()
