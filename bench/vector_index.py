"""Which approximate-nearest-neighbour index the embedded store uses: candidates side by side.

Every candidate indexes the same cluster-structured 384-d unit vectors (the MiniLM / visual
embedding size) and answers the same held-out queries one at a time, as search does. Reported:
build time, p50/p95 single-query latency, recall@10 against exact search, and memory-ish size.

Candidates (all on PyPI, all CPU): NumPy exact scan (the baseline), usearch HNSW, hnswlib HNSW,
voyager HNSW (Spotify's hnswlib-based library), FAISS HNSW-flat and IVF-flat, sqlite-vec ``vec0``
(an exact scan inside SQLite).

Run: ``python bench/vector_index.py [--n 200000] [--out bench/results/vector_index.md]``
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # one query, one thread (before NumPy loads)
import platform
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

DIM = 384
K = 10
QUERIES = 500


def embeddings(n: int, seed: int = 0, dim: int = DIM) -> np.ndarray:
    """``n`` unit vectors shaped like real sentence/image embeddings.

    A mixture of ~n/400 topic clusters in a 48-d latent space, mapped to ``dim`` dimensions by a
    fixed random linear map, plus isotropic noise: low intrinsic dimension, uneven cluster sizes
    and an anisotropic cloud, as MiniLM vectors have (typical nearest-neighbour cosine 0.6-0.9,
    random pairs ~0.1-0.3). The same ``seed`` gives the same clusters; distinct ``part`` seeds
    below draw disjoint points from them.
    """
    return _draw(n, seed, part=0, dim=dim)


def queries(n: int, seed: int = 0, dim: int = DIM) -> np.ndarray:
    """Held-out query vectors from the same distribution as :func:`embeddings`."""
    return _draw(n, seed, part=1, dim=dim)


def _draw(n: int, seed: int, part: int, dim: int, latent: int = 48) -> np.ndarray:
    shape_rng = np.random.default_rng(seed)
    clusters = max(16, n // 400) if part == 0 else None
    projection = shape_rng.standard_normal((latent, dim)).astype(np.float32) / np.sqrt(latent)
    offset = shape_rng.standard_normal(dim).astype(np.float32) * 0.35  # a shared mean direction
    count = clusters or 0
    centres = np.random.default_rng((seed, 7)).standard_normal((max(count, 2500), latent))
    weights = np.random.default_rng((seed, 8)).pareto(1.5, len(centres)) + 1.0
    weights /= weights.sum()
    rng = np.random.default_rng((seed, part))
    out = np.empty((n, dim), dtype=np.float32)
    for start in range(0, n, 100_000):
        m = min(100_000, n - start)
        which = rng.choice(len(centres), m, p=weights)
        z = centres[which] + rng.standard_normal((m, latent)) * 0.45
        x = z.astype(np.float32) @ projection + offset
        x += rng.standard_normal((m, dim)).astype(np.float32) * 0.06
        out[start : start + m] = x / np.linalg.norm(x, axis=1, keepdims=True)
    return out


def exact_top_k(data: np.ndarray, qs: np.ndarray, k: int = K) -> np.ndarray:
    """Exact inner-product top-``k`` row numbers for each query (chunked over ``data``)."""
    best_ids = np.zeros((len(qs), 0), dtype=np.int64)
    best_scores = np.zeros((len(qs), 0), dtype=np.float32)
    for start in range(0, len(data), 200_000):
        scores = qs @ data[start : start + 200_000].T
        top = np.argpartition(-scores, k - 1, axis=1)[:, :k]
        best_ids = np.hstack([best_ids, top + start])
        best_scores = np.hstack([best_scores, np.take_along_axis(scores, top, 1)])
        keep = np.argsort(-best_scores, axis=1)[:, :k]
        best_ids = np.take_along_axis(best_ids, keep, 1)
        best_scores = np.take_along_axis(best_scores, keep, 1)
    return best_ids


def recall_at_k(found: list[np.ndarray], truth: np.ndarray, k: int = K) -> float:
    """Mean fraction of the true top-``k`` that each answer holds."""
    return float(
        np.mean(
            [
                len(set(f[:k].tolist()) & set(t.tolist())) / k
                for f, t in zip(found, truth, strict=True)
            ]
        )
    )


def timed_queries(
    search: Callable[[np.ndarray], np.ndarray], qs: np.ndarray
) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """Answers, wall-clock and CPU milliseconds per query, one query at a time.

    CPU time (of the calling thread; searches run on one thread) is what the query costs on an
    idle core; wall time adds whatever else the machine was doing.
    """
    found, wall, cpu = [], [], []
    for q in qs:
        t, c = time.perf_counter(), time.thread_time()
        found.append(np.asarray(search(q)))
        cpu.append((time.thread_time() - c) * 1000)
        wall.append((time.perf_counter() - t) * 1000)
    return found, np.asarray(wall), np.asarray(cpu)


Search = Callable[[np.ndarray], np.ndarray]
Variants = list[tuple[str, Search]]


def _usearch(data: np.ndarray) -> Variants:
    from usearch.index import Index

    index = Index(
        ndim=DIM, metric="ip", dtype="f32", connectivity=16, expansion_add=128,
        expansion_search=128,
    )  # fmt: skip
    index.add(np.arange(len(data)), data, threads=os.cpu_count() or 1)
    return [("usearch HNSW f32 (M16, efC128, ef128)", lambda q: index.search(q, K, threads=1).keys)]


def _hnswlib(data: np.ndarray) -> Variants:
    import hnswlib

    index = hnswlib.Index(space="ip", dim=DIM)
    index.init_index(max_elements=len(data), ef_construction=128, M=16)
    index.add_items(data, np.arange(len(data)), num_threads=os.cpu_count() or 1)
    index.set_num_threads(1)

    def at(ef: int) -> Search:
        def search(q: np.ndarray) -> np.ndarray:
            index.set_ef(ef)
            return index.knn_query(q, K)[0][0]

        return search

    return [(f"hnswlib HNSW (M16, efC128, ef{ef})", at(ef)) for ef in (64, 128)]


def _voyager(data: np.ndarray) -> Variants:
    from voyager import Index, Space

    index = Index(Space.InnerProduct, num_dimensions=DIM, M=16, ef_construction=128)
    index.add_items(data, np.arange(len(data)), num_threads=os.cpu_count() or 1)

    def at(ef: int) -> Search:
        return lambda q: index.query(q, K, num_threads=1, query_ef=ef)[0]

    return [(f"voyager HNSW (M16, efC128, ef{ef})", at(ef)) for ef in (64, 128)]


def _faiss_hnsw(data: np.ndarray) -> Variants:
    import faiss

    index = faiss.IndexHNSWFlat(DIM, 16, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = 128
    faiss.omp_set_num_threads(os.cpu_count() or 1)
    index.add(data)
    faiss.omp_set_num_threads(1)

    def at(ef: int) -> Search:
        def search(q: np.ndarray) -> np.ndarray:
            index.hnsw.efSearch = ef
            return index.search(q[None], K)[1][0]

        return search

    return [(f"faiss HNSW-flat (M16, efC128, ef{ef})", at(ef)) for ef in (64, 128)]


def _faiss_ivf(data: np.ndarray) -> Variants:
    import faiss

    nlist = int(4 * np.sqrt(len(data)))
    index = faiss.IndexIVFFlat(faiss.IndexFlatIP(DIM), DIM, nlist, faiss.METRIC_INNER_PRODUCT)
    faiss.omp_set_num_threads(os.cpu_count() or 1)
    sample = np.random.default_rng(1).choice(len(data), min(len(data), 50 * nlist), replace=False)
    index.train(data[sample])
    index.add(data)
    faiss.omp_set_num_threads(1)

    def at(nprobe: int) -> Search:
        def search(q: np.ndarray) -> np.ndarray:
            index.nprobe = nprobe
            return index.search(q[None], K)[1][0]

        return search

    return [(f"faiss IVF-flat ({nlist} lists, nprobe {p})", at(p)) for p in (16, 32)]


def _sqlite_vec(data: np.ndarray) -> Variants:
    import sqlite_vec

    db = sqlite3.connect(":memory:")
    db.enable_load_extension(True)
    sqlite_vec.load(db)
    db.execute(f"CREATE VIRTUAL TABLE v USING vec0(embedding float[{DIM}] distance_metric=cosine)")
    with db:
        db.executemany(
            "INSERT INTO v(rowid, embedding) VALUES (?, ?)",
            ((i, row.tobytes()) for i, row in enumerate(data)),
        )

    def search(q: np.ndarray) -> np.ndarray:
        sql = "SELECT rowid FROM v WHERE embedding MATCH ? AND k = ?"
        return np.array([r[0] for r in db.execute(sql, (q.tobytes(), K))])

    return [("sqlite-vec vec0 (exact scan)", search)]


def _exact(data: np.ndarray) -> Variants:
    def search(q: np.ndarray) -> np.ndarray:
        scores = data @ q
        top = np.argpartition(-scores, K - 1)[:K]
        return top[np.argsort(-scores[top])]

    return [("numpy exact scan", search)]


CANDIDATES: dict[str, Callable[[np.ndarray], Variants]] = {
    "numpy": _exact,
    "usearch": _usearch,
    "hnswlib": _hnswlib,
    "voyager": _voyager,
    "faiss-hnsw": _faiss_hnsw,
    "faiss-ivf": _faiss_ivf,
    "sqlite-vec": _sqlite_vec,
}


def main() -> None:
    """Run every candidate and write a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200_000)
    parser.add_argument("--only", nargs="*", help=f"candidates to run, of {list(CANDIDATES)}")
    parser.add_argument("--out", type=Path, default=Path("bench/results/vector_index.md"))
    args = parser.parse_args()
    try:
        import faiss

        faiss.omp_set_num_threads(os.cpu_count() or 1)
    except ImportError:
        pass
    load = os.getloadavg()
    data, qs = embeddings(args.n), queries(QUERIES)
    truth = exact_top_k(data, qs)
    rows = []
    for name, build in CANDIDATES.items():
        if args.only and name not in args.only:
            continue
        t, c = time.perf_counter(), time.process_time()
        try:
            variants = build(data)
        except Exception as error:  # e.g. a Python whose sqlite3 cannot load extensions
            rows.append(f"| {name} | could not run: {type(error).__name__}: {error} ||||||")
            print(rows[-1], flush=True)
            continue
        built, built_cpu = time.perf_counter() - t, time.process_time() - c
        for label, search in variants:
            found, ms, cpu_ms = timed_queries(search, qs)
            row = (
                f"| {label} | {built:.1f} | {built_cpu:.1f} | {np.percentile(ms, 50):.2f} | "
                f"{np.percentile(ms, 95):.2f} | {np.percentile(cpu_ms, 50):.2f} | "
                f"{np.percentile(cpu_ms, 95):.2f} | {recall_at_k(found, truth):.3f} |"
            )
            print(row, flush=True)
            rows.append(row)
        del variants
    cpu = next(
        (
            ln.split(":", 1)[1].strip()
            for ln in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in ln
        ),
        platform.processor(),
    )
    text = (
        f"# Vector index candidates: {args.n:,} x {DIM}-d unit vectors, "
        f"{QUERIES} queries, k={K}\n\n"
        f"Machine: {os.cpu_count()} cores ({cpu}), Python {platform.python_version()}. "
        "Build uses every core; queries run one at a time on one thread (NumPy's BLAS too: "
        "``OPENBLAS_NUM_THREADS=1``). Load average at start "
        f"{load[0]:.1f}: other work shared the cores, so wall times are inflated; CPU times "
        "are what each step costs on an idle machine.\n\n"
        "| candidate | build s | build CPU s | p50 ms | p95 ms | p50 CPU ms | p95 CPU ms "
        "| recall@10 |\n|---|---:|---:|---:|---:|---:|---:|---:|\n" + "\n".join(rows) + "\n"
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)


if __name__ == "__main__":
    main()
