"""Constants and helpers shared by the recommender tests (imported as a plain module)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine

from recommender.config import TrainConfig
from shop.db import make_engine, upgrade
from shop.demo import TINY, seed_demo_shop

#: Fixed "now" so the TINY shop (and every figure trained on it) is the same on every run.
NOW = datetime(2026, 11, 23, 12, 0, 0)

#: Small and single-threaded: fast and reproducible on two shared cores.
SMALL_CONFIG = TrainConfig(no_components=16, epochs=3, num_threads=1, tune_blend=False, max_sampled=10)


def seeded_sqlite(path) -> Engine:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{path}"
    upgrade(url)
    engine = make_engine(url)
    seed_demo_shop(engine, size=TINY, now=NOW)
    return engine
