"""The production profile, live: two Rasa servers and two action servers on PostgreSQL and Redis.

One `ProdStack` per test session (each Rasa server takes about a minute to load its model):
a TINY demo shop in a fresh PostgreSQL database, a fresh tracker database, lock keys under a
prefix of their own in the local Redis.

The action servers reach the shop database through `TcpProxy`, a TCP relay in this process, so
a test can make the database unreachable (`cut`) and reachable again (`restore`) without
touching the PostgreSQL server that other tests and agents share.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

import pytest
import redis
import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from shop.db import make_engine, upgrade
from shop.demo import TINY, seed_demo_shop
from shopbot.prod import ProdSettings, ProdStack
from shopbot.serve import BOT_DIR, free_port

REDIS_URL = os.environ.get("SHOPBOT_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
#: Order lookups a sender may make per window in the prod stack under test (kept small).
ORDER_LOOKUP_LIMIT = 5


def _require_or_skip(condition: bool, reason: str) -> None:
    if not condition:
        if os.environ.get("CI"):
            pytest.fail(f"{reason} (CI runs `make test`, which provides it)")
        pytest.skip(reason)


def _redis_available() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


# --- a TCP relay that can cut the shop database off ------------------------------------------------
class TcpProxy:
    """Relays 127.0.0.1:`port` to `target`; `cut()` refuses and drops connections, `restore()` ends that."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = free_port()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="db-proxy", daemon=True)
        self._server: asyncio.AbstractServer | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    def _call(self, coroutine: Any) -> Any:
        future: Future[Any] = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        return future.result(timeout=10)

    def start(self) -> None:
        self._thread.start()
        self.restore()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()

    async def _handle(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
        except OSError:
            client_writer.close()
            return
        self._writers |= {client_writer, upstream_writer}
        try:
            await asyncio.gather(
                self._pipe(client_reader, upstream_writer), self._pipe(upstream_reader, client_writer)
            )
        finally:
            self._writers -= {client_writer, upstream_writer}

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port, reuse_address=True)

    async def _cut(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()

    def cut(self) -> None:
        """The database becomes unreachable: open connections drop, new ones are refused."""
        self._call(self._cut())

    def restore(self) -> None:
        self._call(self._listen())

    def close(self) -> None:
        self.cut()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)


# --- the stack ------------------------------------------------------------------------------------
def _create_database(admin_url: str) -> str:
    name = f"shopbot_prodtest_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return admin_url.rsplit("/", 1)[0] + f"/{name}"


def _drop_database(admin_url: str, url: str) -> None:
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
    admin.dispose()


@dataclass
class ProdDeployment:
    """The running production profile of this test session, and what tests need to poke it."""

    stack: ProdStack
    settings: ProdSettings
    #: The shop database, reached directly (not through the proxy), for checks and fault setup.
    shop_url: str
    db_proxy: TcpProxy
    lock_key_prefix: str
    identity_secret: str
    sessions_started: list[str] = field(default_factory=list)

    @property
    def rasa_urls(self) -> list[str]:
        return self.stack.rasa_urls

    def shop_engine(self):  # type: ignore[no-untyped-def]
        return make_engine(self.shop_url)


@pytest.fixture(scope="session")
def prod(postgres_server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProdDeployment]:
    _require_or_skip(any((BOT_DIR / "models").glob("*.tar.gz")), "no trained Rasa model in bot/models")
    _require_or_skip(_redis_available(), f"Redis not reachable at {REDIS_URL}")
    workdir = tmp_path_factory.mktemp("prod")
    shop_url = _create_database(postgres_server)
    tracker_url = _create_database(postgres_server)
    proxy: TcpProxy | None = None
    lock_key_prefix = f"prodtest{uuid.uuid4().hex[:8]}"
    try:
        upgrade(shop_url)
        engine = make_engine(shop_url)
        seed_demo_shop(engine, size=TINY)
        engine.dispose()
        # No search index or recommender is built: these tests exercise customer service, which
        # needs only the database (the shopping actions answer "not available" without them).
        model_dir = workdir / "models"

        target = make_url(shop_url)
        proxy = TcpProxy(target.host or "127.0.0.1", target.port or 5432)
        proxy.start()
        identity_secret = secrets.token_urlsafe(32)
        settings = ProdSettings(
            database_url=target.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False),
            # Rasa's SQLAlchemy 1.4 uses psycopg2: a plain postgresql:// URL.
            tracker_database_url=make_url(tracker_url).set(drivername="postgresql").render_as_string(False),
            redis_url=REDIS_URL,
            rasa_token=secrets.token_urlsafe(32),
            action_token=secrets.token_urlsafe(32),
            identity_secret=identity_secret,
            lock_key_prefix=lock_key_prefix,
            rasa_ports=(free_port(), free_port()),
            action_ports=(free_port(), free_port()),
            web_port=free_port(),
            model_dir=model_dir,
            log_dir=workdir / "logs",
            extra_env={
                "SHOPBOT_ORDER_LOOKUP_LIMIT": str(ORDER_LOOKUP_LIMIT),
                # Counters of this session only: Redis outlives test runs, and a later run (or CI
                # on this machine) must not start with order 100234 already looked up too often.
                "SHOPBOT_RATE_LIMIT_NAMESPACE": f"{lock_key_prefix}:",
            },
        )
        with ProdStack(settings, with_web=False) as stack:
            yield ProdDeployment(stack, settings, shop_url, proxy, lock_key_prefix, identity_secret)
    finally:
        if proxy is not None:
            proxy.close()
        _drop_database(postgres_server, shop_url)
        _drop_database(postgres_server, tracker_url)
        _forget_redis_keys(f"{lock_key_prefix}*")


@pytest.fixture(autouse=True)
def fresh_rate_limits(request: pytest.FixtureRequest) -> None:
    """Each test starts with no order lookups counted (the limits count per order number and
    client across senders, so earlier tests' lookups of the same demo order would add up)."""
    if "prod" in request.fixturenames:
        prod: ProdDeployment = request.getfixturevalue("prod")
        _forget_redis_keys(f"{prod.lock_key_prefix}:*")


def _forget_redis_keys(*patterns: str) -> None:
    """Remove this session's lock keys (lock database) and rate-limit keys (REDIS_URL's)."""
    for client in (redis.Redis.from_url(REDIS_URL), redis.Redis.from_url(REDIS_URL, db=1)):
        keys = [key for pattern in patterns for key in client.scan_iter(pattern)]
        if keys:
            client.delete(*keys)
        client.close()


# --- shoppers -------------------------------------------------------------------------------------
@dataclass
class Shopper:
    """One conversation (sender id), talking to whichever Rasa server the test names."""

    prod: ProdDeployment
    sender: str
    metadata: dict[str, Any] | None = None
    timeout: float = 60.0

    def say(self, message: str, server: int = 0) -> list[dict[str, Any]]:
        body: dict[str, Any] = {"sender": self.sender, "message": message}
        if self.metadata:
            body["metadata"] = self.metadata
        response = requests.post(
            f"{self.prod.rasa_urls[server]}/webhooks/rest/webhook", json=body, timeout=self.timeout
        )
        response.raise_for_status()
        return response.json()

    def text(self, message: str, server: int = 0) -> str:
        """Everything the bot answered, as one lower-case string."""
        return " ".join(m.get("text") or "" for m in self.say(message, server)).lower()

    def tracker(self, server: int = 0) -> dict[str, Any]:
        response = requests.get(
            f"{self.prod.rasa_urls[server]}/conversations/{self.sender}/tracker",
            params={"token": self.prod.settings.rasa_token},
            timeout=self.timeout,
        )
        response.raise_for_status()
        return response.json()


@pytest.fixture
def shopper(prod: ProdDeployment) -> Callable[..., Shopper]:
    """Make a shopper with a fresh sender id; `customer_id=` signs them in as that customer."""

    def make(customer_id: int | None = None) -> Shopper:
        from shop.identity import IDENTITY_METADATA_KEY, sign_identity

        metadata = None
        if customer_id is not None:
            token = sign_identity(customer_id, secret=prod.identity_secret)
            metadata = {IDENTITY_METADATA_KEY: token}
        return Shopper(prod, f"prodtest-{uuid.uuid4().hex[:12]}", metadata)

    return make
