"""Importing Shopify's product CSV and order CSV (mapping: data/platform-imports.md), on SQLite
and PostgreSQL. The example files are written from Shopify's published column lists."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from shop.importing import detect, import_files
from shop.models import Customer, OrderStatus, Refund, RefundStatus
from tests.shop.importing_shop import (
    SHOPIFY,
    counts,
    edited_csv,
    history,
    order,
    product,
    reasons,
    snapshot,
    table_counts,
)

PRODUCTS = SHOPIFY / "products_export.csv"
ORDERS = SHOPIFY / "orders_export.csv"


def test_both_exports_are_recognised_by_their_headers() -> None:
    assert (detect(PRODUCTS).family, detect(PRODUCTS).kind) == ("shopify", "products")
    assert (detect(ORDERS).family, detect(ORDERS).kind) == ("shopify", "orders")
    assert detect(ORDERS, "shopify").describe() == "Shopify orders (CSV)"


def test_a_products_rows_become_one_product_with_its_variants_options_and_prices(engine: Engine) -> None:
    report = import_files(engine, [PRODUCTS])

    assert counts(report) == {"products": (3, 0, 0, 0)}
    jacket = product(engine, "summit-softshell-jacket")
    assert [(v.sku, v.size, v.color, v.stock) for v in jacket.variants] == [
        ("PW-SOFT-S", "S", "Slate", 3),
        ("PW-SOFT-M", "M", "Slate", 6),
        ("PW-SOFT-L", "L", "Slate", 2),
    ]
    assert jacket.price == Decimal("149.00")  # the lowest variant price
    assert jacket.color == "Slate" and jacket.attributes["sizes"] == ["S", "M", "L"]
    assert jacket.description == "Wind-resistant softshell with a brushed fleece lining & two zip pockets."
    assert jacket.category_path == "Apparel & Accessories > Clothing > Outerwear > Coats & Jackets"
    beanie = product(engine, "merino-trail-beanie")
    assert beanie.description == (
        "A warm, itch-free merino wool beanie for cold trail mornings.\n- 100% merino\n- Fold-up cuff"
    )
    assert beanie.attributes["compare_at_price"] == "42.00" and beanie.price == Decimal("34.00")
    assert beanie.attributes["tags"] == ["winter", "merino", "hiking"]
    assert beanie.brand == "Peakwool" and beanie.image_url == "https://cdn.example.com/beanie-charcoal.jpg"
    assert [(v.sku, v.color, v.stock) for v in beanie.variants] == [
        ("PW-BEANIE-CHR", "Charcoal", 14),
        ("PW-BEANIE-MOS", "Moss", 0),
    ]
    mug = product(engine, "enamel-camp-mug")  # Shopify's "Title: Default Title" is no option
    assert [(v.sku, v.size, v.color) for v in mug.variants] == [("TK-MUG-350", None, None)]
    assert "options" not in mug.attributes and mug.active


def test_a_draft_or_archived_product_is_imported_inactive(engine: Engine, tmp_path: Path) -> None:
    draft = edited_csv(PRODUCTS, tmp_path / "p.csv", {(6, "Status"): "draft"})

    import_files(engine, [draft])

    assert not product(engine, "enamel-camp-mug").active and product(engine, "merino-trail-beanie").active


def test_orders_bring_their_customers_statuses_history_and_refunds(engine: Engine) -> None:
    report = import_files(engine, [PRODUCTS, ORDERS])

    assert counts(report) == {
        "products": (3, 0, 0, 0),
        "customers": (2, 0, 0, 0),
        "orders": (3, 0, 0, 0),
        "refunds": (1, 0, 0, 0),
    }
    fulfilled = order(engine, 1001)
    assert fulfilled.status is OrderStatus.SHIPPED and fulfilled.total == Decimal("183.00")
    assert fulfilled.customer.email == "robin.example@example.net" and fulfilled.shipping_city == "Portland"
    assert [(ln.variant.sku, ln.quantity, ln.unit_price) for ln in fulfilled.lines] == [
        ("PW-SOFT-M", 1, Decimal("149.00")),
        ("PW-BEANIE-CHR", 1, Decimal("34.00")),
    ]
    # Shopify's times carry an offset; ours are UTC.
    assert history(engine, 1001) == [
        ("placed", datetime(2026, 11, 28, 15, 15), None),
        ("paid", datetime(2026, 11, 28, 15, 20), None),
        ("shipped", datetime(2026, 11, 29, 14, 0), None),
    ]
    assert order(engine, 1002).status is OrderStatus.PAID
    assert [s for s, _, _ in history(engine, 1002)] == ["placed", "paid"]
    cancelled = order(engine, 1003)
    assert cancelled.status is OrderStatus.CANCELLED
    assert history(engine, 1003)[-1][:2] == ("cancelled", datetime(2026, 11, 20, 23, 0))
    with Session(engine) as session:
        refund = session.scalars(select(Refund)).one()
        robin = session.scalars(select(Customer).where(Customer.email == "robin.example@example.net")).one()
    assert (refund.order_id, refund.amount, refund.status) == (1003, Decimal("149.00"), RefundStatus.ISSUED)
    assert (robin.name, robin.postcode, robin.country) == ("Robin Example", "97201", "US")


def test_a_re_import_of_the_same_exports_changes_nothing(engine: Engine) -> None:
    import_files(engine, [PRODUCTS, ORDERS])
    before = snapshot(engine)

    again = import_files(engine, [PRODUCTS, ORDERS])

    assert again.written and not again.changed
    assert snapshot(engine) == before


def test_a_re_export_with_an_order_fulfilled_appends_shipped_to_its_history(
    engine: Engine, tmp_path: Path
) -> None:
    import_files(engine, [PRODUCTS, ORDERS])
    before = history(engine, 1002)
    fulfilled = edited_csv(
        ORDERS,
        tmp_path / "orders_export.csv",
        {(3, "Fulfillment Status"): "fulfilled", (3, "Fulfilled at"): "2026-12-03 09:30:00 +0100"},
    )

    report = import_files(engine, [fulfilled])

    assert counts(report)["orders"] == (0, 1, 2, 0)
    assert order(engine, 1002).status is OrderStatus.SHIPPED
    assert history(engine, 1002) == [*before, ("shipped", datetime(2026, 12, 3, 8, 30), "imported")]


def test_every_bad_product_row_is_reported_and_nothing_is_written(engine: Engine, tmp_path: Path) -> None:
    bad = edited_csv(
        PRODUCTS,
        tmp_path / "products_export.csv",
        {(1, "Handle"): "", (3, "Variant Price"): "abc", (6, "Title"): ""},
    )

    report = import_files(engine, [bad])

    assert reasons(report) == [
        (2, None, "the row has no handle and follows no other row"),
        (3, "merino-trail-beanie", "missing title"),  # the product's next row now starts it
        (4, "summit-softshell-jacket", "bad price 'abc': not a number"),
        (7, "enamel-camp-mug", "missing title"),
    ]
    assert set(table_counts(engine).values()) == {0}


def test_every_bad_order_row_is_reported_and_nothing_is_written(engine: Engine, tmp_path: Path) -> None:
    import_files(engine, [PRODUCTS])
    before = snapshot(engine)
    bad = edited_csv(
        ORDERS,
        tmp_path / "orders_export.csv",
        {(1, "Lineitem sku"): "", (3, "Lineitem sku"): "NOPE-1", (4, "Created at"): "someday"},
    )

    report = import_files(engine, [bad])

    lines = {(line, key): reason for line, key, reason in reasons(report)}
    assert lines[(2, "#1001")] == (
        "line item on line 2 ('Peakwool Summit Softshell Jacket - M / Slate') has no SKU"
    )
    assert lines[(4, "1002")] == "unknown sku(s) NOPE-1"
    assert lines[(5, "1003")] == (
        "bad placed_at 'someday': use an ISO 8601 date-time like 2026-11-02T14:05:00Z"
    )
    assert snapshot(engine) == before


def test_one_bad_line_item_among_good_exports_writes_nothing(engine: Engine, tmp_path: Path) -> None:
    bad = edited_csv(ORDERS, tmp_path / "orders_export.csv", {(2, "Lineitem sku"): "PW-BEANIE-XXL"})

    report = import_files(engine, [PRODUCTS, bad])

    assert reasons(report) == [(2, "1001", "unknown sku(s) PW-BEANIE-XXL")]
    assert set(table_counts(engine).values()) == {0}
