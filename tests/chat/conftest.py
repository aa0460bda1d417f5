"""Fixtures of the terminal chat's tests: a Rasa double and a tiny demo shop."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.chat.rasa_double import RasaDouble, running_rasa_double
from tests.tiny_shop import TinyShops


@pytest.fixture
def rasa() -> Iterator[RasaDouble]:
    with running_rasa_double() as double:
        yield double


@pytest.fixture(scope="session")
def tiny_shop_url(tmp_path_factory: pytest.TempPathFactory, tiny_shops: TinyShops) -> str:
    """A migrated SQLite database with the tiny demo shop (Alice is customer 1)."""
    return tiny_shops.copy(tmp_path_factory.mktemp("chat-shop") / "shop.db")
