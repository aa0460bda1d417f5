"""Serving latency and memory of `Recommender.recommend` at 5k, 100k and 1M products.

    .venv/bin/python bench/recommender_scale.py [--sizes 5000 100000 1000000] [--requests 2000]

The catalog and the artifact are synthetic (random embeddings with the served shape: 64
components, identity plus metadata features, item-kNN with `--neighbours` per product, segment
popularity), because training LightFM on a million products is not what is measured here. The
code path is the real one: `Recommender.__init__` (precomputing every product's representation
and the filter indexes) and `Recommender.recommend` (context, LightFM x kNN x popularity blend,
masks, argpartition, reasons), with histories in memory (no database round trip) and without the
live stock re-check. Also prints the demo shop's training time when `--shop-db` is given.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import resource
import statistics
import time
from datetime import datetime, timedelta

import numpy as np
import scipy.sparse as sp
from lightfm import LightFM

from recommender.artifact import RecommenderArtifact
from recommender.cold_items import ColdItemMap
from recommender.config import BlendWeights, TrainConfig
from recommender.data import CatalogItem, Interaction, ShopData
from recommender.features import feature_space_for, item_identity, user_identity
from recommender.history import InMemoryHistory
from recommender.serving import Recommender
from recommender.types import RecommendationFilters
from shop.models import EventKind

COMPONENTS = 64
USERS = 2000
HISTORY = 20
SEGMENTS = ("budget", "mainstream", "premium")


def rss_mib() -> float:
    with open(f"/proc/{os.getpid()}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def synthetic_catalog(n: int, rng: random.Random) -> tuple[CatalogItem, ...]:
    departments = [f"Dept {d}" for d in range(8)]
    items = []
    for product in range(1, n + 1):
        department = departments[product % len(departments)]
        middle = f"Group {product % 40}"
        leaf = f"Leaf {product % 400}"
        items.append(
            CatalogItem(
                product_id=product,
                title=f"Product {product}",
                category_path=f"{department} > {middle} > {leaf}",
                brand=f"Brand {rng.randrange(500)}",
                price=round(rng.lognormvariate(3.5, 1.0), 2),
                color=rng.choice(("black", "white", "red", "blue", None)),
                material=rng.choice(("cotton", "steel", "plastic", None)),
                attributes={"waterproof": True} if rng.random() < 0.2 else {},
                stock=0 if rng.random() < 0.1 else rng.randrange(1, 20),
            )
        )
    return tuple(items)


def synthetic_shop(n: int, neighbours: int, seed: int = 7) -> tuple[Recommender, list[int]]:
    rng = random.Random(seed)
    nrng = np.random.default_rng(seed)
    catalog = synthetic_catalog(n, rng)
    config = TrainConfig(no_components=COMPONENTS)
    features = feature_space_for(catalog, config)
    now = datetime(2026, 11, 23)
    customers = list(range(1, USERS + 1))
    interactions = tuple(
        Interaction(
            c,
            rng.randrange(1, n + 1),
            rng.choice(list(EventKind)[:4]),
            now - timedelta(days=rng.random() * 300),
        )
        for c in customers
        for _ in range(HISTORY)
    )
    data = ShopData(catalog, {c: rng.choice(SEGMENTS) for c in customers}, interactions, ())

    metadata = sorted({name for item in catalog for name in features.item_metadata(item)})
    item_feature_map = {item_identity(item.product_id): i for i, item in enumerate(catalog)}
    item_feature_map |= {name: n + i for i, name in enumerate(metadata)}
    item_map = {item.product_id: i for i, item in enumerate(catalog)}
    user_map = {c: i for i, c in enumerate(customers)}
    user_feature_map = {user_identity(c): i for i, c in enumerate(customers)}

    model = LightFM(no_components=COMPONENTS)
    model.item_embeddings = nrng.normal(0, 0.1, (len(item_feature_map), COMPONENTS)).astype(np.float32)
    model.item_biases = nrng.normal(0, 0.1, len(item_feature_map)).astype(np.float32)
    model.user_embeddings = nrng.normal(0, 0.1, (USERS, COMPONENTS)).astype(np.float32)
    model.user_biases = np.zeros(USERS, dtype=np.float32)

    rows = nrng.integers(0, n, n * neighbours)
    cols = nrng.integers(0, n, n * neighbours)
    knn = sp.csr_matrix((nrng.random(n * neighbours, dtype=np.float32), (rows, cols)), shape=(n, n))
    pairs = nrng.integers(0, n, (n * 2, 2))
    co_purchases = sp.csr_matrix(
        (np.ones(len(pairs), dtype=np.float32), (pairs[:, 0], pairs[:, 1])), shape=(n, n)
    )
    artifact = RecommenderArtifact(
        model=model,
        mappings=(user_map, user_feature_map, item_map, item_feature_map),
        user_features=sp.identity(USERS, format="csr", dtype=np.float32),
        item_features=sp.csr_matrix((n, len(item_feature_map)), dtype=np.float32),
        feature_space=features,
        cold_item_map=ColdItemMap(tuple(metadata), np.zeros((len(metadata) + 1, COMPONENTS + 1), np.float32)),
        item_has_interactions=np.ones(n, dtype=bool),
        config=config,
        blend_warm=BlendWeights(1.0, 0.5, 0.25),
        blend_cold=BlendWeights(1.0, 0.25, 0.5),
        knn=knn,
        co_purchases=co_purchases,
        popularity=nrng.pareto(2.0, n).astype(np.float32),
        segment_popularity={s: nrng.pareto(2.0, n).astype(np.float32) for s in SEGMENTS},
        fingerprint="synthetic",
        reference_time=now,
        created_at=now,
    )
    return Recommender(artifact, catalog, InMemoryHistory(data)), customers


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return ordered[len(ordered) // 2], ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def measure(size: int, requests: int, neighbours: int) -> dict[str, float]:
    gc.collect()
    before = rss_mib()
    started = time.perf_counter()
    recommender, customers = synthetic_shop(size, neighbours)
    load_seconds = time.perf_counter() - started
    gc.collect()
    after = rss_mib()
    rng = random.Random(1)
    cases = {
        "customer": lambda: recommender.recommend(rng.choice(customers), k=10),
        "customer+filters": lambda: recommender.recommend(
            rng.choice(customers),
            k=10,
            filters=RecommendationFilters(category=f"Group {rng.randrange(40)}", max_price=50),
        ),
        "guest session": lambda: recommender.recommend(
            None, k=10, session_product_ids=[rng.randrange(1, size + 1) for _ in range(3)]
        ),
    }
    result: dict[str, float] = {
        "products": size,
        "load_s": round(load_seconds, 1),
        "memory_mib": round(after - before),
        "load_average_1m": os.getloadavg()[0],
    }
    for name, call in cases.items():
        for _ in range(50):  # warm-up
            call()
        samples, cpu_samples = [], []
        for _ in range(requests):
            c0, t0 = time.thread_time(), time.perf_counter()
            call()
            samples.append((time.perf_counter() - t0) * 1000)
            cpu_samples.append((time.thread_time() - c0) * 1000)
        p50, p99 = percentiles(samples)
        cpu_p50, cpu_p99 = percentiles(cpu_samples)
        result[f"{name} p50_ms"] = round(p50, 2)
        result[f"{name} p99_ms"] = round(p99, 2)
        result[f"{name} mean_ms"] = round(statistics.fmean(samples), 2)
        # CPU time of the request itself: what the wall time would be on an idle core.
        result[f"{name} cpu_p50_ms"] = round(cpu_p50, 2)
        result[f"{name} cpu_p99_ms"] = round(cpu_p99, 2)
    return result


def shop_training_time(url: str) -> None:
    from recommender.data import load_shop_data
    from recommender.train import build_artifact
    from shop.db import make_engine

    engine = make_engine(url)
    t0 = time.perf_counter()
    data = load_shop_data(engine)
    t1 = time.perf_counter()
    config = TrainConfig()
    artifact = build_artifact(data, config.replace(tune_blend=False))
    t2 = time.perf_counter()
    tuned = build_artifact(data, config)
    t3 = time.perf_counter()
    print(
        f"demo shop ({artifact.data_summary}): load {t1 - t0:.1f} s, train without tuning {t2 - t1:.1f} s "
        f"(LightFM fit {artifact.metrics['fit_seconds']} s), train with blend tuning {t3 - t2:.1f} s "
        f"(LightFM fit {tuned.metrics['fit_seconds']} s), {config.epochs} epochs, {config.num_threads} thread"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[5_000, 100_000, 1_000_000])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--neighbours", type=int, default=TrainConfig().knn_neighbours)
    parser.add_argument("--shop-db", default=None, help="SQLAlchemy URL of a demo shop to time training on")
    args = parser.parse_args()
    threads = os.environ.get("OPENBLAS_NUM_THREADS", "default")
    print(f"numpy {np.__version__}, {os.cpu_count()} CPUs, BLAS threads={threads}")
    for size in args.sizes:
        print(measure(size, args.requests, args.neighbours), flush=True)
    if args.shop_db:
        shop_training_time(args.shop_db)


if __name__ == "__main__":
    main()
