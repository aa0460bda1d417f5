"""Fixtures for the customer-service tests: a seeded shop per backend, cloned per test.

Seeding once per backend and cloning (a file copy for SQLite, `CREATE DATABASE ... TEMPLATE`
for PostgreSQL) keeps every test on its own fresh database - writes of one test can never
leak into another - without paying the seed for each test.

Test modules import the fixtures they use (with the session-wide templates):
`from cs_shop import _postgres_template, _sqlite_template, shop_engine, shop_readonly`.
`shop_readonly` is shared by a module's tests, so only tests that cannot write may use it;
tests of refused writes use `shop_engine`, so a bug that does write cannot leak into others.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, func, select, text

from shop.db import make_engine, upgrade
from shop.models import Base
from tests.tiny_shop import FIXED_NOW, TinyShops

#: The demo shop is seeded "as of" this moment; tests pass it as `now` to the domain.
NOW = FIXED_NOW

ALICE, BOB, CARLA = 1, 2, 3
ALICE_EMAIL, BOB_EMAIL, GUEST_EMAIL = "alice@example.com", "bob@example.com", "guest@example.com"


def seed(engine: Engine) -> None:
    from shop.demo import TINY, seed_demo_shop

    seed_demo_shop(engine, size=TINY, now=NOW)


@pytest.fixture(scope="session")
def _sqlite_template(tiny_shops: TinyShops) -> str:
    return str(tiny_shops.template(NOW))


@pytest.fixture(scope="session")
def _postgres_template(postgres_server: str) -> Iterator[str]:
    name = f"shopbot_cs_template_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = postgres_server.rsplit("/", 1)[0] + f"/{name}"
    try:
        upgrade(url)
        engine = make_engine(url)
        seed(engine)
        engine.dispose()  # a template must have no open connections
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def _clone(request: pytest.FixtureRequest, backend: str, directory: Path) -> Iterator[Engine]:
    if backend == "sqlite":
        path = directory / f"shop-{uuid.uuid4().hex[:8]}.db"
        shutil.copyfile(request.getfixturevalue("_sqlite_template"), path)
        engine = make_engine(f"sqlite:///{path}")
        try:
            yield engine
        finally:
            engine.dispose()
        return
    template_url = request.getfixturevalue("_postgres_template")
    admin_url = request.getfixturevalue("postgres_server")
    template = template_url.rsplit("/", 1)[1]
    name = f"shopbot_cs_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    engine = make_engine(admin_url.rsplit("/", 1)[0] + f"/{name}")
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def shop_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A fresh copy of the seeded demo shop for one test, once per backend (tests that write)."""
    with _clone(request, request.param, tmp_path) as engine:
        yield engine


@pytest.fixture(scope="module", params=BACKENDS)
def shop_readonly(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """One copy of the seeded demo shop shared by a module's read-only tests, once per backend."""
    with _clone(request, request.param, tmp_path_factory.mktemp("cs-readonly")) as engine:
        yield engine


def row_counts(engine: Engine) -> dict[str, int]:
    """Rows per table: compare before and after an action to prove it wrote nothing."""
    with engine.connect() as connection:
        return {
            table.name: connection.scalar(select(func.count()).select_from(table)) or 0
            for table in Base.metadata.sorted_tables
        }


def snapshot(engine: Engine, *tables: str) -> dict[str, list[tuple]]:
    """Full contents of some tables, for exact before/after comparisons."""
    with engine.connect() as connection:
        return {
            name: [tuple(row) for row in connection.execute(Base.metadata.tables[name].select()).all()]
            for name in tables
        }
