"""Fixtures of the shop page's tests: the real web server (`python -m web`) over a tiny demo
shop, talking to a Rasa double (tests/chat/rasa_double.py)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest
import requests

from shop.db import make_engine, upgrade
from shop.demo import TINY, seed_demo_shop
from shopbot.serve import free_port

REPO_ROOT = Path(__file__).resolve().parents[2]
IDENTITY_SECRET = "web-test-identity-secret"


def _load_rasa_double() -> ModuleType:
    path = REPO_ROOT / "tests" / "chat" / "rasa_double.py"
    spec = importlib.util.spec_from_file_location("rasa_double", path)
    assert spec and spec.loader
    module = sys.modules.get("rasa_double") or importlib.util.module_from_spec(spec)
    if "rasa_double" not in sys.modules:
        sys.modules["rasa_double"] = module
        spec.loader.exec_module(module)
    return module


rasa_double = _load_rasa_double()


@dataclass
class WebServer:
    url: str
    process: subprocess.Popen[bytes]
    log: Path


def start_web_server(tmp: Path, *, database_url: str, rasa_url: str, rasa_token: str) -> WebServer:
    port = free_port()
    log = tmp / f"web-{port}.log"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SHOPBOT_IDENTITY_SECRET": IDENTITY_SECRET,
        "SHOPBOT_RASA_URL": rasa_url,
        "SHOPBOT_RASA_TOKEN": rasa_token,
    }
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "web", "--port", str(port)], cwd=REPO_ROOT, env=env, stdout=out, stderr=out
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"web server exited:\n{log.read_text()}")
        try:
            if requests.get(f"{url}/health", timeout=1).ok:
                return WebServer(url=url, process=process, log=log)
        except requests.RequestException:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"web server did not come up:\n{log.read_text()}")


def stop_web_server(server: WebServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(10)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


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
def web(tmp_path_factory: pytest.TempPathFactory, tiny_shop: str, rasa) -> Iterator[WebServer]:  # type: ignore[no-untyped-def]
    server = start_web_server(
        tmp_path_factory.mktemp("web"), database_url=tiny_shop, rasa_url=rasa.url, rasa_token=rasa.token
    )
    yield server
    stop_web_server(server)
