"""A TINY demo shop per backend, seeded once per test module that imports `demo_engine`.

Read-only tests share it; tests that write use the function-scoped `engine` fixture instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
from sqlalchemy import Engine

from shop.db import make_engine, upgrade
from shop.demo import TINY, seed_demo_shop

#: The demo shop is seeded "as of" this moment.
NOW = datetime(2026, 11, 23, 12, 0, 0)


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def demo_engine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """One TINY demo shop per backend, shared by the read-only tests of this module."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'shop.db'}"
    else:
        url = request.getfixturevalue("postgres_databases").create()
    upgrade(url)
    engine = make_engine(url)
    seed_demo_shop(engine, size=TINY, now=NOW)
    yield engine
    engine.dispose()
    if request.param == "postgres":
        request.getfixturevalue("postgres_databases").drop(url)
