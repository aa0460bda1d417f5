"""Shared fixtures: real databases (SQLite file and PostgreSQL), migrated with Alembic."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from shop.db import make_engine, upgrade
from shopbot.serve import BOT_DIR, Stack, StackConfig, free_port
from tests.tiny_shop import TinyShops

POSTGRES_ADMIN_URL = os.environ.get(
    "SHOPBOT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def _postgres_available() -> bool:
    try:
        engine = create_engine(POSTGRES_ADMIN_URL)
        with engine.connect():
            pass
        engine.dispose()
        return True
    except Exception:
        return False


@pytest.fixture(scope="session", autouse=True)
def committed_lookups_stay_untouched() -> Iterator[None]:
    """No test may rewrite the NLU lookup tables the Rasa model is trained on: a test that imports
    a catalog writes its own (`--lookups`), or `make test` would retrain Rasa on a test's shop."""
    from shopbot.lookups import OUTPUT

    before = OUTPUT.read_bytes() if OUTPUT.exists() else None
    yield
    after = OUTPUT.read_bytes() if OUTPUT.exists() else None
    if after != before:
        if before is not None:
            OUTPUT.write_bytes(before)
        pytest.fail(f"a test rewrote {OUTPUT}; pass --lookups to the import it runs (restored)")


def _model_manifests(model_dir: Path) -> dict[Path, bytes]:
    """The manifests of the models `make models` builds (search index, recommender)."""
    paths = [model_dir / "search" / "manifest.json", model_dir / "recommender" / "CURRENT"]
    return {path: path.read_bytes() for path in paths if path.exists()}


@dataclass(frozen=True)
class BuiltModels:
    """The demo shop's built models as the session found them, and a copy to restore from."""

    model_dir: Path
    manifests: dict[Path, bytes]
    backup: Path

    def changed(self) -> list[Path]:
        now = _model_manifests(self.model_dir)
        return [path for path, data in self.manifests.items() if now.get(path) != data]

    def restore(self) -> None:
        for name in ("search", "recommender"):
            if (self.backup / name).is_dir():
                shutil.rmtree(self.model_dir / name, ignore_errors=True)
                shutil.copytree(self.backup / name, self.model_dir / name)


@pytest.fixture(scope="session")
def built_models(tmp_path_factory: pytest.TempPathFactory) -> BuiltModels:
    from shop.config import Settings

    # Read from the environment now, not from get_settings(): tests clear and refill its cache.
    model_dir = Path(Settings().model_dir).resolve()
    backup = tmp_path_factory.mktemp("built-models")
    for name in ("search", "recommender"):
        if (model_dir / name).is_dir():
            shutil.copytree(model_dir / name, backup / name)
    return BuiltModels(model_dir, _model_manifests(model_dir), backup)


@pytest.fixture(autouse=True)
def built_models_stay_untouched(built_models: BuiltModels) -> Iterator[None]:
    """No test may rebuild the demo shop's search index or recommender in place: the live tests
    after it would search a test's tiny catalog (a catalog import re-indexes search, so a test
    that imports sets SHOPBOT_MODEL_DIR). The test that did fails, and the models are restored."""
    yield
    changed = built_models.changed()
    if changed:
        built_models.restore()
        names = ", ".join(map(str, changed))
        pytest.fail(f"this test rebuilt {names} in place (restored); give it its own SHOPBOT_MODEL_DIR")


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """The admin URL of the local PostgreSQL. In CI its absence is a failure, never a skip."""
    if not _postgres_available():
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required in CI but not reachable at {POSTGRES_ADMIN_URL}")
        pytest.skip("PostgreSQL not reachable (set SHOPBOT_TEST_POSTGRES_URL)")
    return POSTGRES_ADMIN_URL


def create_postgres_database(admin_url: str) -> str:
    """Create a fresh, empty database and return its URL."""
    name = f"shopbot_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return admin_url.rsplit("/", 1)[0] + f"/{name}"


def drop_postgres_database(admin_url: str, url: str) -> None:
    name = url.rsplit("/", 1)[1]
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


class PostgresDatabases:
    """Creates and drops throwaway databases on the test server (for fixtures in other folders,
    which cannot import this conftest reliably: pytest loads several modules named `conftest`)."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url

    def create(self) -> str:
        return create_postgres_database(self.admin_url)

    def drop(self, url: str) -> None:
        drop_postgres_database(self.admin_url, url)


@pytest.fixture(scope="session")
def postgres_databases(postgres_server: str) -> PostgresDatabases:
    return PostgresDatabases(postgres_server)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_database_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """URL of an empty database, once per backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'shop.db'}"
        return
    admin_url = request.getfixturevalue("postgres_server")
    url = create_postgres_database(admin_url)
    try:
        yield url
    finally:
        drop_postgres_database(admin_url, url)


@pytest.fixture
def engine(empty_database_url: str) -> Iterator[Engine]:
    """An engine on a database migrated to head, once per backend."""
    upgrade(empty_database_url)
    engine = make_engine(empty_database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def sqlite_engine(tmp_path) -> Iterator[Engine]:  # type: ignore[no-untyped-def]
    """A migrated SQLite database, for tests where the backend does not matter."""
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    upgrade(url)
    engine = make_engine(url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def tiny_shops(tmp_path_factory: pytest.TempPathFactory) -> TinyShops:
    """The TINY demo shop, seeded once per session and handed out as private SQLite copies."""
    return TinyShops(tmp_path_factory.mktemp("tiny-shops"))


# --- the live assistant (Rasa + action server + web), shared by every live test ------------------
def _require_or_skip(condition: bool, reason: str) -> None:
    if not condition:
        if os.environ.get("CI"):
            pytest.fail(f"{reason} (CI runs `make test`, which builds it first)")
        pytest.skip(reason)


@pytest.fixture(scope="session")
def live_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The whole assistant on free ports, over a private copy of the demo database.

    Needs what `make test` builds first: var/shop.db, the models in var/models and a trained
    Rasa model in bot/models. Starting takes about a minute (Rasa loads its model), so every
    live test shares this one stack.
    """
    import sqlite3

    from shop.config import VAR_DIR, get_settings

    demo_db = VAR_DIR / "shop.db"
    _require_or_skip(demo_db.exists(), "demo shop database var/shop.db is missing")
    _require_or_skip(any((BOT_DIR / "models").glob("*.tar.gz")), "no trained Rasa model in bot/models")

    workdir = tmp_path_factory.mktemp("live")
    copy = workdir / "shop.db"
    with sqlite3.connect(demo_db) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    config = StackConfig(
        database_url=f"sqlite:///{copy}",
        identity_secret="live-test-identity-secret",
        rasa_token="live-test-rasa-token",
        model_dir=get_settings().model_dir,
        rasa_port=free_port(),
        action_port=free_port(),
        web_port=free_port(),
        log_dir=workdir / "logs",
        tracker_db=workdir / "tracker.db",
    )
    with Stack(config) as stack:
        yield stack
