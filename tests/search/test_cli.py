"""`shopbot search build|query|ask` against a real database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import update
from typer.testing import CliRunner

from search.cli import app
from search.index import copy_embedding_cache
from shop.config import get_settings
from shop.db import make_engine
from shop.models import Product
from tests.search.conftest import TEST_CATEGORIES
from tests.tiny_shop import TinyShops


@pytest.fixture
def shop_env(tmp_path: Path, index_dir: Path, tiny_shops: TinyShops, monkeypatch: pytest.MonkeyPatch):
    url = tiny_shops.copy(tmp_path / "shop.db")
    engine = make_engine(url)
    with engine.begin() as connection:  # keep the categories whose embeddings are already cached
        leaf = Product.category_path
        keep = [leaf.like(f"%> {c}") for c in TEST_CATEGORIES]
        from sqlalchemy import or_

        connection.execute(update(Product).where(~or_(*keep)).values(active=False))
    engine.dispose()
    model_dir = tmp_path / "models"
    copy_embedding_cache(index_dir, model_dir / "search")
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("SHOPBOT_MODEL_DIR", str(model_dir))
    get_settings.cache_clear()
    yield model_dir
    get_settings.cache_clear()


def test_build_writes_the_index_under_the_model_dir_and_reuses_cached_embeddings(shop_env: Path):
    runner = CliRunner()
    built = runner.invoke(app, ["build"])
    assert built.exit_code == 0, built.output
    assert "0 encoded" in built.output
    manifest = json.loads((shop_env / "search" / "manifest.json").read_text())
    assert manifest["backend"] == "exact" and manifest["products"] > 50

    found = runner.invoke(app, ["query", "rain jacket under 200", "--json"])
    assert found.exit_code == 0, found.output
    payload = json.loads(found.stdout)
    assert payload["constraints"]["max_price"] == "200"
    assert payload["hits"] and all(float(h["price"]) <= 200 for h in payload["hits"])

    answer = runner.invoke(app, ["ask", "can I pay with paypal?"])
    assert answer.exit_code == 0 and "PayPal" in answer.stdout


def keep_lookups_in(folder: Path) -> list[str]:
    """The import's follow-up writes NLU lookup tables; this test's go to its own folder, never to
    the repository's bot/data/lookups/catalog.yml (which the Rasa model is trained on)."""
    return ["--lookups", str(folder / "lookups.yml")]


def test_a_catalog_import_brings_the_search_index_up_to_date(shop_env: Path):
    from shop.config import REPO_ROOT
    from shopbot.cli import app as shopbot

    runner = CliRunner()
    assert runner.invoke(app, ["build"]).exit_code == 0
    before = json.loads((shop_env / "search" / "manifest.json").read_text())["products"]

    imported = runner.invoke(
        shopbot,
        ["catalog", "import", str(REPO_ROOT / "data/examples/catalog.csv"), *keep_lookups_in(shop_env)],
    )

    assert imported.exit_code == 0, imported.output
    assert "4 encoded" in imported.output
    assert json.loads((shop_env / "search" / "manifest.json").read_text())["products"] == before + 4
    found = runner.invoke(app, ["query", "programmable drip coffee maker", "--json"])
    assert json.loads(found.stdout)["hits"][0]["sku"] == "EX-1003"


def test_an_import_that_changes_nothing_leaves_the_index_alone(shop_env: Path):
    from shop.config import REPO_ROOT
    from shopbot.cli import app as shopbot

    runner = CliRunner()
    example = str(REPO_ROOT / "data/examples/catalog.csv")
    assert (
        runner.invoke(
            shopbot, ["catalog", "import", example, "--no-reindex", *keep_lookups_in(shop_env)]
        ).exit_code
        == 0
    )
    assert runner.invoke(app, ["build"]).exit_code == 0
    built_at = json.loads((shop_env / "search" / "manifest.json").read_text())["built_at"]

    again = runner.invoke(shopbot, ["catalog", "import", example, *keep_lookups_in(shop_env)])

    assert again.exit_code == 0 and "search index" not in again.output
    assert json.loads((shop_env / "search" / "manifest.json").read_text())["built_at"] == built_at
