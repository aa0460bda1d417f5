"""Constants and helpers shared by the recommender tests (imported as a plain module)."""

from __future__ import annotations

from sqlalchemy import Engine

from recommender.config import TrainConfig
from shop.db import make_engine
from tests.tiny_shop import FIXED_NOW, TinyShops

#: Fixed "now" so the TINY shop (and every figure trained on it) is the same on every run.
NOW = FIXED_NOW

#: Small and single-threaded: fast and reproducible on two shared cores.
SMALL_CONFIG = TrainConfig(no_components=16, epochs=3, num_threads=1, tune_blend=False, max_sampled=10)


def seeded_sqlite(tiny_shops: TinyShops, path) -> Engine:  # type: ignore[no-untyped-def]
    """A private copy of the TINY shop seeded as of NOW."""
    return make_engine(tiny_shops.copy(path, now=NOW))
