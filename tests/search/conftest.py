"""A small real catalog for the search tests: the TINY demo shop, a few categories of it.

Encoding costs CPU, so the index is built once per test session from ~150 products; the
embedder runs on one thread.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from search.catalog import CatalogItem, load_catalog
from search.embedding import Embedder
from search.engine import ProductSearch
from search.index import build_index
from shop.db import make_engine
from tests.tiny_shop import TinyShops

#: Leaf categories kept for the search index used by the tests.
TEST_CATEGORIES = {
    "Jackets",
    "Laptops",
    "Laptop Sleeves & Bags",
    "Running Shoes",
    "Headphones",
    "Mugs & Cups",
    "Tents",
    "T-Shirts",
}


@pytest.fixture(scope="session")
def tiny_shop(tmp_path_factory: pytest.TempPathFactory, tiny_shops: TinyShops) -> Iterator[Engine]:
    """The TINY demo shop in a migrated SQLite file (read-only for the tests)."""
    engine = make_engine(tiny_shops.copy(tmp_path_factory.mktemp("search-shop") / "shop.db"))
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def catalog(tiny_shop: Engine) -> list[CatalogItem]:
    return [item for item in load_catalog(tiny_shop) if item.category in TEST_CATEGORIES]


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    return Embedder(threads=1)


@pytest.fixture(scope="session")
def index_dir(
    tmp_path_factory: pytest.TempPathFactory, catalog: list[CatalogItem], embedder: Embedder
) -> Path:
    directory = tmp_path_factory.mktemp("search-index") / "search"
    build_index(catalog, directory, embedder=embedder)
    return directory


@pytest.fixture(scope="session")
def search(index_dir: Path, embedder: Embedder) -> ProductSearch:
    return ProductSearch.load(index_dir, embedder=embedder)
