"""Fixtures of the shop page's tests: the real web server (`python -m web`) over a tiny demo
shop, talking to a Rasa double (tests/chat/rasa_double.py)."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from shop.db import make_engine, upgrade
from shop.demo import TINY, seed_demo_shop

TESTS_DIR = Path(__file__).resolve().parents[1]


def load_test_module(name: str, path: Path) -> ModuleType:
    """Import a helper module of another test folder (test folders are not packages here)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


rasa_double = load_test_module("rasa_double", TESTS_DIR / "chat" / "rasa_double.py")
web_server = load_test_module("web_server", TESTS_DIR / "web" / "web_server.py")


@pytest.fixture(scope="session")
def tiny_shop(tmp_path_factory: pytest.TempPathFactory) -> str:
    """URL of a SQLite database holding the tiny demo shop."""
    url = f"sqlite:///{tmp_path_factory.mktemp('web-shop') / 'shop.db'}"
    upgrade(url)
    engine = make_engine(url)
    seed_demo_shop(engine, size=TINY)
    engine.dispose()
    return url


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
