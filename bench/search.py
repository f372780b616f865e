"""Search at scale: N moments in the embedded store and in PostgreSQL, through the Store API.

The moments are visual moments of N/1000 videos (1000 each) with 384-d cluster-structured unit
vectors (``bench/vector_index.py`` draws them) and a few words of text each. Each backend gets
the same data through ``Store.add_video`` and answers the same held-out queries, one at a time,
with ``Store.search_vectors(index, "visual", q, 10)``. Reported per backend:

* load: writing every video (records, moments, full-text index, vector rows);
* index build: the embedded store's HNSW graph (built on first search) / PostgreSQL's HNSW index
  (``build_vector_indexes`` after a bulk load);
* p50/p95 query latency and recall@10 against exact search over the same vectors;
* for the embedded store, reopening: loading the saved graph and answering the first query;
* for PostgreSQL, the queries run after ``PostgresStore.prewarm()`` (the HNSW index read into
  shared buffers, sized to hold it), as a server that has been up a while has it.

PostgreSQL runs as a private server (:class:`videoscope.library.pgserver.LocalPostgres`).

Run: ``python bench/search.py [--n 1000000] [--pg-n 1000000] [--out FILE]`` (prints the table; the
history in bench/results/search.md is kept by hand)
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as bench/vector_index.py
import platform
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from vector_index import exact_top_k, queries, recall_at_k
from videoscope.library import IndexModel, Moment, MomentInput, NewVideo, SQLiteStore, Store
from videoscope.timeline import Timeline, VideoRef

PER_VIDEO = 1000
K = 10
WORDS = np.array([f"w{n:04d}" for n in range(3000)])


def load(store: Store, data: np.ndarray) -> tuple[str, list[str], float]:
    """Write ``data`` as videos of PER_VIDEO moments; (index id, video ids, seconds)."""
    index = store.create_index(f"bench-{len(data)}", [IndexModel(model_name="videoscope-1")])
    rng = np.random.default_rng(5)
    video_ids = []
    started = time.perf_counter()
    for first in range(0, len(data), PER_VIDEO):
        rows = data[first : first + PER_VIDEO]
        texts = [" ".join(w) for w in WORDS[rng.integers(0, len(WORDS), (len(rows), 4))]]
        timeline = Timeline(video=VideoRef(content_hash=f"v{first}", duration=float(len(rows))))
        moments = [
            MomentInput(
                Moment(
                    video_id="",
                    modality="visual",
                    start=float(i),
                    end=float(i + 1),
                    text=texts[i],
                ),
                "visual",
                row,
            )
            for i, row in enumerate(rows)
        ]
        video = store.add_video(index.id, NewVideo(f"v{first}.mp4"), timeline, moments)
        video_ids.append(video.id)
    return index.id, video_ids, time.perf_counter() - started


def server_cpu(pid: int | None) -> float:
    """Seconds a local server process (a PostgreSQL backend) has run on a CPU; 0 without one."""
    if pid is None:
        return 0.0
    return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0]) / 1e9


def measure(
    store: Store,
    index_id: str,
    video_ids: list[str],
    qs: np.ndarray,
    truth: np.ndarray,
    server_pid: int | None = None,
) -> dict[str, float]:
    """p50/p95 latency (ms) and recall@10 of ``search_vectors`` for each query.

    CPU is this thread's time plus, with ``server_pid``, the time the server process serving
    the store's connection ran (from ``/proc``), so it holds steady however loaded the machine.
    """
    row_of = {v: n * PER_VIDEO for n, v in enumerate(video_ids)}
    found, wall, cpu = [], [], []
    for q in qs:
        started, used, served = time.perf_counter(), time.thread_time(), server_cpu(server_pid)
        hits = store.search_vectors(index_id, "visual", q, K)
        cpu.append((time.thread_time() - used + server_cpu(server_pid) - served) * 1000)
        wall.append((time.perf_counter() - started) * 1000)
        found.append(np.array([row_of[h.video_id] + int(h.start) for h in hits]))
    return {
        "p50": float(np.percentile(wall, 50)),
        "p95": float(np.percentile(wall, 95)),
        "cpu50": float(np.percentile(cpu, 50)),
        "cpu95": float(np.percentile(cpu, 95)),
        "recall": recall_at_k(found, truth),
    }


def bench_sqlite(data: np.ndarray, qs: np.ndarray, truth: np.ndarray) -> dict[str, float]:
    """The embedded store: load, first search (HNSW build), queries, reopen."""
    folder = Path(tempfile.mkdtemp(prefix="videoscope-bench-sqlite-"))
    try:
        store = SQLiteStore(folder)
        index_id, video_ids, loaded = load(store, data)
        started = time.perf_counter()
        store.search_vectors(index_id, "visual", qs[0], K)
        built = time.perf_counter() - started
        result = measure(store, index_id, video_ids, qs, truth)
        store.close()
        started = time.perf_counter()
        reopened = SQLiteStore(folder)
        reopened.search_vectors(index_id, "visual", qs[0], K)
        result["reopen"] = time.perf_counter() - started
        reopened.close()
        size = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())
        return {**result, "load": loaded, "build": built, "disk_gb": size / 1e9}
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def bench_postgres(data: np.ndarray, qs: np.ndarray, truth: np.ndarray) -> dict[str, float]:
    """PostgreSQL with pgvector: bulk load, HNSW build, queries."""
    from videoscope.library.pgserver import LocalPostgres, vector_settings
    from videoscope.library.postgres import PostgresStore

    # Sized to the index (shared_buffers holds the HNSW graph; the build fits in memory).
    settings = {**vector_settings(len(data)), "synchronous_commit": "off"}
    with LocalPostgres(settings=settings) as server:
        store = PostgresStore(server.url, hnsw_min_rows=None)
        index_id, video_ids, loaded = load(store, data)
        started = time.perf_counter()
        store.build_vector_indexes()
        built = time.perf_counter() - started
        started = time.perf_counter()
        store.prewarm()  # the graph's pages into shared buffers, as a server would at start
        prewarmed = time.perf_counter() - started
        store.search_vectors(index_id, "visual", qs[0], K)
        pid = store._db.info.backend_pid  # the server process that answers this store
        result = measure(store, index_id, video_ids, qs, truth, server_pid=pid)
        store.close()
        size = sum(f.stat().st_size for f in server.folder.rglob("*") if f.is_file())
    return {**result, "load": loaded, "build": built, "prewarm": prewarmed, "disk_gb": size / 1e9}


def main() -> None:
    """Run the chosen backends and write a Markdown report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="moments in the embedded store")
    parser.add_argument("--pg-n", type=int, default=None, help="moments in PostgreSQL (= --n)")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgres"])
    parser.add_argument(
        "--out", type=Path, help="also write the table here (bench/results/search.md keeps history)"
    )
    args = parser.parse_args()
    load_before = os.getloadavg()
    qs = queries(args.queries)
    rows, notes = [], []
    for backend in args.backends:
        n = args.n if backend == "sqlite" else (args.pg_n or args.n)
        from vector_index import embeddings

        data = embeddings(n)
        truth = exact_top_k(data, qs)
        run = bench_sqlite if backend == "sqlite" else bench_postgres
        r = run(data, qs, truth)
        reopen = f"{r['reopen']:.1f}" if "reopen" in r else "-"
        cpu = f"{r['cpu50']:.2f} / {r['cpu95']:.2f}"
        row = (
            f"| {backend} | {n:,} | {r['load']:.0f} | {r['build']:.0f} | {r['p50']:.2f} | "
            f"{r['p95']:.2f} | {cpu} | {r['recall']:.3f} | {reopen} | {r['disk_gb']:.2f} |"
        )
        print(row, flush=True)
        rows.append(row)
        if "prewarm" in r:
            notes.append(f"* {backend} {n:,}: pg_prewarm of the HNSW index {r['prewarm']:.1f} s")
        del data
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    text = (
        f"# Search at scale: 384-d moments, {args.queries} queries, k={K}\n\n"
        f"Machine: {os.cpu_count()} cores ({cpu}), {memory:.0f} GiB RAM, "
        f"Python {platform.python_version()}; load average at start "
        f"{load_before[0]:.1f} (other work shared the cores).\n\n"
        "| backend | moments | load s | index build s | p50 ms | p95 ms | CPU p50 / p95 ms | "
        "recall@10 | reopen s | disk GB |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
        + "\n".join(rows)
        + "\n\n"
        + "\n".join(notes)
        + "\n"
    )
    print(text)
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text)


if __name__ == "__main__":
    main()
