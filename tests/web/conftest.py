"""Fixtures of the shop page's tests: the real web server (`python -m web`) over a tiny demo
shop, talking to a Rasa double (tests/chat/rasa_double.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.chat import rasa_double
from tests.tiny_shop import TinyShops
from tests.web import web_server


@pytest.fixture(scope="session")
def tiny_shop(tmp_path_factory: pytest.TempPathFactory, tiny_shops: TinyShops) -> str:
    """URL of a SQLite database holding the tiny demo shop."""
    return tiny_shops.copy(tmp_path_factory.mktemp("web-shop") / "shop.db")


@pytest.fixture(scope="session")
def rasa() -> Iterator[object]:
    with rasa_double.running_rasa_double(token="web-test-rasa-token") as double:
        yield double


@pytest.fixture(scope="session")
def web(tmp_path_factory: pytest.TempPathFactory, tiny_shop: str, rasa) -> Iterator[web_server.WebServer]:  # type: ignore[no-untyped-def]
    server = web_server.start_web_server(
        tmp_path_factory.mktemp("web"), database_url=tiny_shop, rasa_url=rasa.url, rasa_token=rasa.token
    )
    yield server
    web_server.stop_web_server(server)
