"""`shopbot import FILE... [--format] [--dry-run]`: what the shop owner sees, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from tests.shop.importing_shop import EXAMPLES, SHOPIFY, WOOCOMMERCE, edited_csv, order, table_counts


def summary(output: str) -> dict[str, tuple[int, ...]]:
    """The summary table: kind -> (created, updated, unchanged, rejected)."""
    rows = {}
    for line in output.splitlines():
        cells = [c.strip() for c in line.strip("│ ").split("│")]
        if len(cells) == 5 and all(c.replace(",", "").isdigit() for c in cells[1:]):
            rows[cells[0]] = tuple(int(c.replace(",", "")) for c in cells[1:])
    return rows


@pytest.fixture
def shopbot(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Runs `shopbot` against the test database, with models and lookup tables in tmp_path."""
    from shop import db
    from shop.config import get_settings
    from shopbot.cli import app

    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("SHOPBOT_MODEL_DIR", str(tmp_path / "models"))
    get_settings.cache_clear()
    db.get_engine.cache_clear()
    runner = CliRunner()
    lookups = tmp_path / "catalog.yml"

    def run(*args: str):  # type: ignore[no-untyped-def]
        extra = ["--lookups", str(lookups)] if args and args[0] == "import" else []
        return runner.invoke(app, [*args, *extra], env={"COLUMNS": "200"})

    run.lookups = lookups  # type: ignore[attr-defined]
    yield run
    get_settings.cache_clear()
    db.get_engine.cache_clear()


def test_it_names_each_files_format_and_kind_and_prints_the_counts(shopbot) -> None:  # type: ignore[no-untyped-def]
    files = [str(SHOPIFY / "products_export.csv"), str(SHOPIFY / "orders_export.csv")]

    first = shopbot("import", *files, "--no-reindex")
    again = shopbot("import", *files, "--no-reindex")

    assert first.exit_code == 0, first.output
    assert "products_export.csv: Shopify products (CSV)" in first.output
    assert "orders_export.csv: Shopify orders (CSV)" in first.output
    assert "kind" in first.output and "created" in first.output and "rejected" in first.output
    assert summary(first.output)["products"] == (3, 0, 0, 0)
    assert summary(first.output)["orders"] == (3, 0, 0, 0)
    assert summary(again.output)["orders"] == (0, 0, 3, 0)
    assert again.exit_code == 0


def test_after_new_products_the_recommender_and_lookup_tables_follow(shopbot) -> None:  # type: ignore[no-untyped-def]
    result = shopbot("import", str(WOOCOMMERCE / "products.csv"), "--no-reindex")
    again = shopbot("import", str(WOOCOMMERCE / "products.csv"), "--no-reindex")

    assert result.exit_code == 0, result.output
    assert "recommender: not trained yet" in result.output  # no model in this shop: says so, still exit 0
    assert "the NLU lookup tables changed: retrain the Rasa model" in result.output
    assert "Harbourline" in shopbot.lookups.read_text() and "navy" in shopbot.lookups.read_text()
    assert "lookup tables" not in again.output  # nothing changed, nothing follows


def test_a_price_change_leaves_the_vocabulary_and_so_the_rasa_model_alone(shopbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    shopbot("import", str(WOOCOMMERCE / "products.csv"), "--no-reindex")
    cheaper = edited_csv(
        WOOCOMMERCE / "products.csv", tmp_path / "products.csv", {(5, "Regular price"): "25.00"}
    )

    result = shopbot("import", str(cheaper), "--no-reindex")

    assert summary(result.output)["products"] == (0, 1, 2, 0)
    assert "the NLU lookup tables are unchanged: the Rasa model needs no retraining" in result.output


def test_a_dry_run_says_so_and_writes_nothing(shopbot, engine: Engine) -> None:  # type: ignore[no-untyped-def]
    result = shopbot("import", str(EXAMPLES / "catalog.csv"), str(EXAMPLES / "customers.csv"), "--dry-run")

    assert result.exit_code == 0, result.output
    assert "dry run: nothing was written" in result.output
    assert summary(result.output)["customers"] == (2, 0, 0, 0)
    assert set(table_counts(engine).values()) == {0}
    assert not shopbot.lookups.exists()


def test_bad_rows_are_listed_with_file_line_key_and_reason_and_exit_non_zero(  # type: ignore[no-untyped-def]
    shopbot, engine: Engine, tmp_path: Path
) -> None:
    bad = edited_csv(
        SHOPIFY / "orders_export.csv", tmp_path / "orders_export.csv", {(2, "Lineitem sku"): "XX-9"}
    )

    result = shopbot("import", str(SHOPIFY / "products_export.csv"), str(bad))

    assert result.exit_code == 1
    assert "1 row is bad, nothing was imported" in result.output
    assert "unknown sku(s) XX-9" in result.output and "1001" in result.output
    assert "Traceback" not in result.output
    assert set(table_counts(engine).values()) == {0}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.csv"], "no such file"),
        ([str(EXAMPLES / "orders.csv"), "--format", "shopify"], "cannot tell what kind of shopify file"),
        ([str(EXAMPLES / "orders.csv"), "--format", "magento"], "unknown format 'magento'"),
    ],
)
def test_an_unusable_file_or_format_is_one_clear_line(shopbot, args: list[str], message: str) -> None:  # type: ignore[no-untyped-def]
    result = shopbot("import", *args)

    assert result.exit_code == 1 and message in result.output
    assert "Traceback" not in result.output


def test_the_format_can_be_named(shopbot, engine: Engine) -> None:  # type: ignore[no-untyped-def]
    files = [str(WOOCOMMERCE / "products.csv"), str(WOOCOMMERCE / "orders.json")]
    result = shopbot("import", *files, "--format", "woocommerce", "--no-follow")

    assert result.exit_code == 0, result.output
    assert "orders.json: WooCommerce orders (JSON)" in result.output
    assert order(engine, 7301).shipment.carrier == "USPS"


def test_a_large_file_shows_a_progress_bar(shopbot, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from shopbot import importing_cli

    monkeypatch.setattr(importing_cli, "PROGRESS_BYTES", 0)

    result = shopbot("import", str(EXAMPLES / "catalog.csv"), "--no-follow")

    assert result.exit_code == 0, result.output
    assert " rows" in result.output and "100%" in result.output
