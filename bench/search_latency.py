"""Search latency, build time, memory and exact-vs-HNSW recall at 5k, 100k and 1M products.

    DATABASE_URL=... SHOPBOT_MODEL_DIR=... python bench/search_latency.py --sizes 5000,100000

The 5k point is the real DEFAULT demo index (`shopbot search build`). Larger catalogs are
synthetic: the real products repeated with new ids, jittered prices and their real embeddings
perturbed (cosine ~0.95 to the original), so filters, BM25 and the vector search see realistic
data. Every query is embedded for real (the query-embedding cache is cleared before each one),
on one torch thread, and runs through the whole `ProductSearch.search` (parsing, typo
correction, filters, BM25, vector search, fusion, diversity). Queries are the labelled set.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import sys
import time
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from search.catalog import CatalogItem  # noqa: E402
from search.engine import ProductSearch  # noqa: E402
from search.evaluation import load_specs  # noqa: E402
from search.index import VectorIndex, assemble, load_index  # noqa: E402


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def scaled(items: list[CatalogItem], vectors: np.ndarray, n: int, *, short_text: bool, seed: int = 7):
    """`n` products made from the real ones (see module docstring)."""
    rng = np.random.default_rng(seed)
    base = np.arange(n) % len(items)
    out: list[CatalogItem] = []
    for position, row in enumerate(base.tolist()):
        item = items[row]
        copy = position // len(items)
        if copy == 0:
            out.append(item if not short_text else replace(item, description=""))
            continue
        factor = Decimal(str(round(float(rng.uniform(0.8, 1.25)), 2)))
        out.append(
            replace(
                item,
                id=copy * 10_000_000 + item.id,
                sku=f"{item.sku}-R{copy}",
                price=(item.price * factor).quantize(Decimal("0.01")),
                description="" if short_text else item.description,
            )
        )
    noise = rng.standard_normal((n, vectors.shape[1])).astype(np.float32)
    noise /= np.linalg.norm(noise, axis=1, keepdims=True)
    synthetic = vectors[base] + 0.33 * noise
    synthetic[: len(items)] = vectors[: min(n, len(items))]
    synthetic /= np.linalg.norm(synthetic, axis=1, keepdims=True)
    return out, synthetic.astype(np.float32)


def time_queries(search: ProductSearch, queries: list[str], repeats: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU milliseconds per query. The machine is shared: wall time includes waiting
    for a core, CPU time (one torch thread, so single-threaded work) does not."""
    wall, cpu = [], []
    for _ in range(repeats):
        for query in queries:
            search.embedder._encode_cached.cache_clear()  # include embedding the query, every time
            started, started_cpu = time.perf_counter(), time.process_time()
            search.search(query, k=10)
            wall.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
    return wall, cpu


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


def ann_recall(vectors: np.ndarray, hnsw, queries: np.ndarray) -> float:
    exact = VectorIndex(vectors)
    approx = VectorIndex(vectors, hnsw)
    overlaps = []
    for q in queries:
        truth, _ = exact.top(q, 10)
        found, _ = approx.top(q, 10)
        overlaps.append(len(set(truth.tolist()) & set(found.tolist())) / 10)
    return float(np.mean(overlaps))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="5000,100000,1000000")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--queries", type=int, default=252)
    parser.add_argument("--backends", default="exact,hnsw")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()

    import torch

    torch.set_num_threads(1)
    real = load_index()
    queries = [s.query for s in load_specs()][: args.queries]
    search_5k = ProductSearch(real)
    search_5k.search("warm up", k=10)  # loads the model
    query_vectors = search_5k.embedder.encode(queries)
    results = []
    for size in [int(s) for s in args.sizes.split(",")]:
        for backend in args.backends.split(","):
            gc.collect()
            before = rss_mib()
            started = time.perf_counter()
            if size <= len(real.items) and backend == "exact":
                search = search_5k
                build_s = float("nan")
                n = len(real.items)
            else:
                items, vectors = scaled(real.items, real.vectors.vectors, size, short_text=size > 200_000)
                n = len(items)
                hnsw_started = time.perf_counter()
                hnsw = VectorIndex.build_hnsw(vectors, threads=2) if backend == "hnsw" else None
                hnsw_s = time.perf_counter() - hnsw_started
                index = assemble(items, vectors, backend=backend, hnsw=hnsw)  # type: ignore[arg-type]
                search = ProductSearch(index, embedder=search_5k.embedder)
                del items
                build_s = time.perf_counter() - started
            memory = rss_mib() - before
            search.search(queries[0], k=10)
            timings, cpu = time_queries(search, queries, args.repeats)
            row = {
                "products": n,
                "backend": backend,
                "p50_ms": round(pct(timings, 50), 1),
                "p95_ms": round(pct(timings, 95), 1),
                "mean_ms": round(statistics.fmean(timings), 1),
                "cpu_p50_ms": round(pct(cpu, 50), 1),
                "cpu_p95_ms": round(pct(cpu, 95), 1),
                "load_avg_1m": round(os.getloadavg()[0], 1),
                "queries": len(timings),
                "build_s_without_encoding": None if build_s != build_s else round(build_s, 1),
                "rss_delta_mib": round(memory),
            }
            if backend == "hnsw":
                row["hnsw_build_s"] = round(hnsw_s, 1)
                vectors_now = search.index.vectors
                row["recall10_vs_exact"] = round(
                    ann_recall(vectors_now.vectors, vectors_now.hnsw, query_vectors), 4
                )
            print(json.dumps(row), flush=True)
            results.append(row)
            del search
            gc.collect()
    print(f"torch threads {torch.get_num_threads()}, cpu count {os.cpu_count()}")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
