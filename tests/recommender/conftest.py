"""A TINY demo shop and a small recommender trained on it, shared by the module's tests."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import Engine

from recommender.artifact import RecommenderArtifact
from recommender.data import ShopData, load_catalog, load_shop_data
from recommender.history import DatabaseHistory, DatabaseStock
from recommender.serving import Recommender
from recommender.train import build_artifact
from tests.recommender.reco_fixtures import SMALL_CONFIG, seeded_sqlite
from tests.tiny_shop import TinyShops


@dataclass
class TrainedShop:
    engine: Engine
    data: ShopData
    artifact: RecommenderArtifact


@pytest.fixture(scope="module")
def trained_shop(tmp_path_factory: pytest.TempPathFactory, tiny_shops: TinyShops) -> Iterator[TrainedShop]:
    """A TINY shop in SQLite and an artifact trained on it (read-only for tests: do not write)."""
    engine = seeded_sqlite(tiny_shops, tmp_path_factory.mktemp("shop") / "shop.db")
    data = load_shop_data(engine)
    yield TrainedShop(engine, data, build_artifact(data, SMALL_CONFIG))
    engine.dispose()


@pytest.fixture
def mutable_shop(tmp_path, tiny_shops: TinyShops) -> Iterator[TrainedShop]:  # type: ignore[no-untyped-def]
    """Like `trained_shop`, but a fresh copy that a test may change."""
    engine = seeded_sqlite(tiny_shops, tmp_path / "shop.db")
    data = load_shop_data(engine)
    yield TrainedShop(engine, data, build_artifact(data, SMALL_CONFIG))
    engine.dispose()


@pytest.fixture(scope="module")
def recommender(trained_shop: TrainedShop) -> Recommender:
    return Recommender(
        trained_shop.artifact,
        load_catalog(trained_shop.engine),
        DatabaseHistory(trained_shop.engine),
        stock=DatabaseStock(trained_shop.engine),
        engine=trained_shop.engine,
    )


@pytest.fixture(autouse=True)
def shoppers_allow_tracking(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The shoppers of these tests allowed tracking (what happens when they did not: tests/privacy)."""
    from shop.config import get_settings

    monkeypatch.setenv("SHOPBOT_TRACKING_WITHOUT_CHOICE", "true")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
