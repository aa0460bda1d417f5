"""Fixtures of the terminal chat's tests: a Rasa double and a tiny demo shop."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from rasa_double import RasaDouble, running_rasa_double

from shop.db import make_engine, upgrade
from shop.demo import TINY, seed_demo_shop


@pytest.fixture
def rasa() -> Iterator[RasaDouble]:
    with running_rasa_double() as double:
        yield double


@pytest.fixture(scope="session")
def tiny_shop_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated SQLite database with the tiny demo shop (Alice is customer 1)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('chat-shop') / 'shop.db'}"
    upgrade(url)
    engine = make_engine(url)
    seed_demo_shop(engine, size=TINY)
    engine.dispose()
    return url
