"""Catalog import and export against real databases (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, selectinload
from typer.testing import CliRunner

from shop.catalog import CatalogValidationError, export_catalog, import_catalog
from shop.config import REPO_ROOT
from shop.demo import TINY, seed_demo_shop
from shop.models import Product

EXAMPLES = REPO_ROOT / "data" / "examples"


def snapshot(engine: Engine) -> list[tuple]:
    """Every product with its variants, as plain values (timestamps included)."""
    with Session(engine) as session:
        products = session.scalars(
            select(Product).order_by(Product.sku).options(selectinload(Product.variants))
        )
        return [
            (
                *(getattr(p, c.key) for c in Product.__table__.columns),
                tuple((v.sku, v.size, v.color, v.stock) for v in p.variants),
            )
            for p in products
        ]


def product(engine: Engine, sku: str) -> Product:
    with Session(engine) as session:
        query = select(Product).where(Product.sku == sku).options(selectinload(Product.variants))
        return session.scalars(query).one()


def test_a_good_csv_file_inserts_every_product_with_its_variants(engine: Engine) -> None:
    result = import_catalog(engine, EXAMPLES / "catalog.csv")

    assert (result.inserted, result.updated, result.unchanged) == (4, 0, 0)
    jacket = product(engine, "EX-1001")
    assert jacket.price == Decimal("289.00") and jacket.currency == "USD"
    assert jacket.attributes["waterproof"] is True and jacket.attributes["sizes"] == ["S", "M", "L"]
    assert [(v.size, v.stock) for v in jacket.variants] == [("S", 4), ("M", 0), ("L", 7)]
    laptop = product(engine, "EX-1002")
    assert laptop.title == 'Lumio AirBook 14" Laptop - 16GB RAM, 512GB SSD'
    coffee = product(engine, "EX-1003")
    assert (coffee.currency, coffee.rating, coffee.attributes, coffee.variants) == ("EUR", None, {}, [])
    assert product(engine, "EX-1004").attributes["final_sale"] is True


def test_a_good_json_lines_file_inserts_every_product(engine: Engine) -> None:
    result = import_catalog(engine, EXAMPLES / "catalog.jsonl")

    assert (result.inserted, result.updated, result.unchanged) == (3, 0, 0)
    headphones = product(engine, "EX-2002")
    assert headphones.price == Decimal("149.50") and headphones.description == "" and headphones.active
    boots = product(engine, "EX-2003")
    assert boots.currency == "GBP" and not boots.active
    assert [(v.sku, v.stock) for v in boots.variants] == [("EX-2003-42", 2), ("EX-2003-43", 0)]


@pytest.mark.parametrize("name", ["catalog.csv", "catalog.jsonl"])
def test_importing_the_same_file_again_changes_nothing(engine: Engine, name: str) -> None:
    import_catalog(engine, EXAMPLES / name)
    before = snapshot(engine)

    again = import_catalog(engine, EXAMPLES / name)

    assert (again.inserted, again.updated, again.unchanged) == (0, 0, again.total)
    assert snapshot(engine) == before


def test_a_changed_row_updates_only_that_product(engine: Engine, tmp_path: Path) -> None:
    import_catalog(engine, EXAMPLES / "catalog.jsonl")
    rows = [json.loads(line) for line in (EXAMPLES / "catalog.jsonl").read_text().splitlines()]
    rows[0]["price"] = "199.99"
    rows[2]["variants"][1]["stock"] = 5  # a stock change alone is an update too
    changed = tmp_path / "changed.jsonl"
    changed.write_text("".join(json.dumps(row) + "\n" for row in rows))

    result = import_catalog(engine, changed)

    assert (result.inserted, result.updated, result.unchanged) == (0, 2, 1)
    assert product(engine, "EX-2001").price == Decimal("199.99")
    assert [v.stock for v in product(engine, "EX-2003").variants] == [2, 5]


def test_a_file_with_one_bad_row_writes_nothing(engine: Engine, tmp_path: Path) -> None:
    import_catalog(engine, EXAMPLES / "catalog.csv")
    before = snapshot(engine)
    lines = (EXAMPLES / "catalog.csv").read_text().splitlines()
    updated = lines[1].replace("289.00", "249.00")  # would update EX-1001
    new = lines[2].replace("EX-1002", "EX-1099")  # would insert EX-1099
    bad = lines[3].replace("79.99", "free")
    mixed = tmp_path / "mixed.csv"
    mixed.write_text("\n".join([lines[0], updated, new, bad]) + "\n")

    with pytest.raises(CatalogValidationError) as raised:
        import_catalog(engine, mixed)

    assert [(e.line, e.sku) for e in raised.value.errors] == [(4, "EX-1003")]
    assert "bad price 'free'" in raised.value.errors[0].reason
    assert snapshot(engine) == before


def test_a_variant_sku_owned_by_another_product_is_refused_and_nothing_is_written(
    engine: Engine, tmp_path: Path
) -> None:
    import_catalog(engine, EXAMPLES / "catalog.jsonl")
    before = snapshot(engine)
    thief = {
        "sku": "EX-3001",
        "title": "Another tent",
        "category_path": "Outdoor > Camping > Tents",
        "brand": "Campwise",
        "price": "99.00",
        "variants": [{"sku": "EX-2001-STD", "stock": 1}],
    }
    path = tmp_path / "thief.jsonl"
    path.write_text(json.dumps(thief) + "\n")

    with pytest.raises(CatalogValidationError) as raised:
        import_catalog(engine, path)

    assert [(e.line, e.sku) for e in raised.value.errors] == [(1, "EX-3001")]
    assert "already belongs to product EX-2001" in raised.value.errors[0].reason
    assert snapshot(engine) == before


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_an_exported_demo_catalog_reimports_without_any_change(
    engine: Engine, tmp_path: Path, fmt: str
) -> None:
    seed_demo_shop(engine, size=TINY)
    before = snapshot(engine)
    path = tmp_path / f"catalog.{fmt}"

    exported = export_catalog(engine, path)
    result = import_catalog(engine, path)

    assert exported.products == TINY.products
    assert (result.inserted, result.updated, result.unchanged) == (0, 0, TINY.products)
    assert snapshot(engine) == before
    export_catalog(engine, tmp_path / f"again.{fmt}")
    assert (tmp_path / f"again.{fmt}").read_bytes() == path.read_bytes()


def test_an_exported_file_fills_an_empty_shop_with_the_same_products(engine: Engine, tmp_path: Path) -> None:
    import_catalog(engine, EXAMPLES / "catalog.csv")
    import_catalog(engine, EXAMPLES / "catalog.jsonl")
    export_catalog(engine, tmp_path / "all.jsonl")
    export_catalog(engine, tmp_path / "all.csv")

    jsonl_records = [json.loads(line) for line in (tmp_path / "all.jsonl").read_text().splitlines()]

    assert [r["sku"] for r in jsonl_records] == sorted(r["sku"] for r in jsonl_records)
    assert len(jsonl_records) == 7
    assert (tmp_path / "all.csv").read_text().count("\nEX-") == 7


class TestCommandLine:
    """`shopbot catalog import|export`: readable errors, no stack traces, non-zero exit codes."""

    @pytest.fixture
    def cli(self, engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
        from shop import db
        from shop.config import get_settings
        from shopbot.importing_cli import catalog_app

        monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
        # The import re-indexes search: into this test's model dir, never the demo shop's index.
        monkeypatch.setenv("SHOPBOT_MODEL_DIR", str(tmp_path / "models"))
        get_settings.cache_clear()
        db.get_engine.cache_clear()
        runner = CliRunner()
        # --no-follow: the recommender and the repository's NLU lookup tables are not this test's
        # (tests/shop/test_import_command.py checks what follows an import).
        follow = ["--no-follow"]
        yield lambda *args: runner.invoke(
            catalog_app, [*args, *(follow if args[0] == "import" else [])], env={"COLUMNS": "200"}
        )
        get_settings.cache_clear()
        db.get_engine.cache_clear()

    def test_a_good_file_reports_the_counts(self, cli) -> None:  # type: ignore[no-untyped-def]
        first = cli("import", str(EXAMPLES / "catalog.csv"))
        second = cli("import", str(EXAMPLES / "catalog.csv"))

        assert first.exit_code == 0 and "4 inserted" in first.output
        assert second.exit_code == 0 and "0 inserted, 0 updated, 4 unchanged" in second.output

    def test_bad_rows_are_listed_with_line_numbers_and_exit_non_zero(self, cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
        bad = tmp_path / "bad.csv"
        bad.write_text(
            "sku,title,category_path,brand,price,currency\n"
            "A-1,Tent,Outdoor > Camping > Tents,X,10.00,USD\n"
            ",Tent,Outdoor > Camping > Tents,X,10.00,USD\n"
            "A-3,Tent,Outdoor > Camping > Tents,X,10.00,XYZ\n"
        )

        result = cli("import", str(bad))

        assert result.exit_code == 1
        assert "2 rows are bad, nothing was imported" in result.output
        assert "missing sku" in result.output and "unknown currency 'XYZ'" in result.output
        assert "Traceback" not in result.output

    @pytest.mark.parametrize(
        ("name", "message"),
        [("missing.csv", "no such file"), ("catalog.xlsx", "cannot tell the format")],
    )
    def test_an_unusable_file_is_a_clear_error(self, cli, tmp_path: Path, name: str, message: str) -> None:  # type: ignore[no-untyped-def]
        if name.endswith(".xlsx"):
            (tmp_path / name).write_bytes(b"PK\x03\x04")

        result = cli("import", str(tmp_path / name))

        assert result.exit_code == 1 and message in result.output
        assert "Traceback" not in result.output

    def test_export_writes_the_requested_format(self, cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
        cli("import", str(EXAMPLES / "catalog.jsonl"))

        result = cli("export", str(tmp_path / "out.txt"), "--format", "jsonl")

        assert result.exit_code == 0 and "exported 3 products" in result.output
        assert len((tmp_path / "out.txt").read_text().splitlines()) == 3
