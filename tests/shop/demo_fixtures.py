"""A TINY demo shop per backend, seeded once per test module that imports `demo_engine`.

Read-only tests share it; tests that write use the function-scoped `engine` fixture instead.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from shop.db import make_engine, upgrade
from shop.demo import TINY, seed_demo_shop
from tests.tiny_shop import FIXED_NOW

#: The demo shop is seeded "as of" this moment.
NOW = FIXED_NOW


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def demo_engine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """One TINY demo shop per backend, shared by the read-only tests of this module."""
    if request.param == "sqlite":
        tiny_shops = request.getfixturevalue("tiny_shops")
        engine = make_engine(tiny_shops.copy(tmp_path_factory.mktemp("demo") / "shop.db", now=NOW))
    else:
        url = request.getfixturevalue("postgres_databases").create()
        upgrade(url)
        engine = make_engine(url)
        seed_demo_shop(engine, size=TINY, now=NOW)
    yield engine
    engine.dispose()
    if request.param == "postgres":
        request.getfixturevalue("postgres_databases").drop(url)
