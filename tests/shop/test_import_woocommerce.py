"""Importing WooCommerce's product CSV (its built-in exporter) and its orders (the REST API's JSON,
an array or one order per line), mapped as data/platform-imports.md says, on SQLite and PostgreSQL.
In a JSON array, an order's "line" is its position in the array."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from shop.importing import detect, import_files
from shop.models import Customer, OrderStatus, Refund
from tests.shop.importing_shop import (
    WOOCOMMERCE,
    counts,
    edited_csv,
    history,
    order,
    product,
    reasons,
    snapshot,
    table_counts,
    write,
)

PRODUCTS = WOOCOMMERCE / "products.csv"
ORDERS = WOOCOMMERCE / "orders.json"


def orders_with(tmp_path: Path, change, name: str = "orders.json") -> Path:  # type: ignore[no-untyped-def]
    orders = json.loads(ORDERS.read_text())
    change(orders)
    return write(tmp_path, name, json.dumps(orders))


def test_the_product_csv_and_the_order_json_are_recognised(tmp_path: Path) -> None:
    assert (detect(PRODUCTS).family, detect(PRODUCTS).kind) == ("woocommerce", "products")
    assert (detect(ORDERS).family, detect(ORDERS).kind, detect(ORDERS).format) == (
        "woocommerce",
        "orders",
        "json",
    )
    lines = write(tmp_path, "orders.jsonl", "\n".join(json.dumps(o) for o in json.loads(ORDERS.read_text())))
    assert (detect(lines).family, detect(lines).format) == ("woocommerce", "jsonl")


def test_a_variable_product_gets_its_variations_as_variants_and_the_sale_price(engine: Engine) -> None:
    report = import_files(engine, [PRODUCTS])

    assert counts(report) == {"products": (3, 0, 0, 0)}
    hoodie = product(engine, "HB-HOODIE")
    assert [(v.sku, v.size, v.color, v.stock) for v in hoodie.variants] == [
        ("HB-HOODIE-S", "S", "Navy", 5),
        ("HB-HOODIE-M", "M", "Navy", 8),
        ("HB-HOODIE-L", "L", "Navy", 0),
    ]
    assert hoodie.price == Decimal("44.00") and hoodie.attributes["compare_at_price"] == "55.00"
    assert hoodie.description == "Brushed-back fleece hoodie with a kangaroo pocket and ribbed cuffs."
    assert hoodie.category_path == "Clothing > Hoodies"  # the deepest of its categories
    assert hoodie.brand == "Harbourline" and hoodie.attributes["tags"] == ["fleece", "casual"]
    assert hoodie.image_url == "https://cdn.example.com/hoodie-front.jpg"
    tote = product(engine, "HB-TOTE")
    assert [(v.sku, v.stock) for v in tote.variants] == [("HB-TOTE-STD", 25)] and tote.active
    assert not product(engine, "HB-CAP-OLD").active  # Published 0


def test_orders_bring_customers_statuses_history_tracking_and_refunds(engine: Engine) -> None:
    report = import_files(engine, [PRODUCTS, ORDERS])

    assert counts(report) == {
        "products": (3, 0, 0, 0),
        "customers": (1, 0, 0, 0),
        "orders": (3, 0, 0, 0),
        "shipments": (1, 0, 0, 0),
        "refunds": (1, 0, 0, 0),
    }
    completed = order(engine, 7301)
    assert completed.status is OrderStatus.SHIPPED and completed.customer.external_id == "woo-42"
    assert [(ln.variant.sku, ln.unit_price) for ln in completed.lines] == [
        ("HB-HOODIE-M", Decimal("44.00")),
        ("HB-TOTE-STD", Decimal("29.00")),
    ]
    assert (completed.shipment.carrier, completed.shipment.tracking_number) == (
        "USPS",
        "9400100000000000000000",
    )
    assert [s for s, _, _ in history(engine, 7301)] == ["placed", "paid", "shipped"]
    guest = order(engine, 7302)  # customer_id 0 is WooCommerce's guest
    assert guest.customer is None and guest.email == "lee.guest@example.com"
    assert guest.status is OrderStatus.PAID
    assert order(engine, 7303).status is OrderStatus.CANCELLED  # refunded before it was completed
    with Session(engine) as session:
        refund = session.scalars(select(Refund)).one()
        kim = session.scalars(select(Customer)).one()
    assert (refund.external_id, refund.order_id, refund.amount) == ("woo-880", 7303, Decimal("44.00"))
    assert kim.created_at == datetime(2026, 11, 25, 9, 12)  # the first of her orders in the file


def test_a_re_import_of_the_same_exports_changes_nothing(engine: Engine, tmp_path: Path) -> None:
    import_files(engine, [PRODUCTS, ORDERS])
    before = snapshot(engine)
    as_lines = write(
        tmp_path, "orders.jsonl", "\n".join(json.dumps(o) for o in json.loads(ORDERS.read_text()))
    )

    again = import_files(engine, [PRODUCTS, as_lines])

    assert again.written and not again.changed
    assert snapshot(engine) == before


def test_a_re_export_with_an_order_completed_appends_shipped_to_its_history(
    engine: Engine, tmp_path: Path
) -> None:
    import_files(engine, [PRODUCTS, ORDERS])
    before = history(engine, 7302)

    def complete(orders: list) -> None:
        orders[1].update(status="completed", date_completed_gmt="2026-12-04T10:00:00")

    report = import_files(engine, [orders_with(tmp_path, complete)])

    assert counts(report)["orders"] == (0, 1, 2, 0)
    assert order(engine, 7302).status is OrderStatus.SHIPPED
    assert history(engine, 7302) == [*before, ("shipped", datetime(2026, 12, 4, 10, 0), "imported")]


def test_every_bad_product_row_is_reported_and_nothing_is_written(engine: Engine, tmp_path: Path) -> None:
    bad = edited_csv(
        PRODUCTS,
        tmp_path / "products.csv",
        {(2, "Parent"): "id:999", (5, "Regular price"): "twenty", (6, "Name"): ""},
    )

    report = import_files(engine, [bad])

    assert reasons(report) == [
        (3, "999", "variation(s) of unknown parent '999'"),
        (6, "HB-TOTE", "bad price 'twenty': not a number"),
        (7, "HB-CAP-OLD", "missing title"),
    ]
    assert set(table_counts(engine).values()) == {0}


def test_every_bad_order_is_reported_with_what_depends_on_it(engine: Engine, tmp_path: Path) -> None:
    import_files(engine, [PRODUCTS])
    before = snapshot(engine)

    def spoil(orders: list) -> None:
        orders[0]["line_items"][1]["sku"] = "NOPE"
        orders[1]["status"] = "on-the-moon"
        orders[2]["billing"]["email"] = ""

    report = import_files(engine, [orders_with(tmp_path, spoil)])

    assert reasons(report) == [
        (1, "7301", "unknown sku(s) NOPE"),
        (1, "7301", "order 7301 is rejected (line 1)"),  # its shipment
        (
            2,
            "7302",
            "unknown status 'on-the-moon' (use one of: placed, paid, shipped, delivered, cancelled, "
            "returned)",
        ),
        (3, "7303", "missing email"),
        (3, "woo-880", "order 7303 is rejected (line 3)"),  # its refund
    ]
    assert snapshot(engine) == before


def test_broken_json_is_reported_with_its_line(engine: Engine, tmp_path: Path) -> None:
    array = write(tmp_path, "orders.json", '[{"id": 1,}]')
    lines = write(tmp_path, "orders.jsonl", json.dumps(json.loads(ORDERS.read_text())[1]) + "\n{broken\n")

    assert reasons(import_files(engine, [array])) == [
        (1, None, "bad JSON: Expecting property name enclosed in double quotes (column 11)")
    ]
    assert (2, None, "bad JSON: Expecting property name enclosed in double quotes (column 2)") in reasons(
        import_files(engine, [lines])
    )
    assert set(table_counts(engine).values()) == {0}


def test_one_bad_order_among_good_exports_writes_nothing(engine: Engine, tmp_path: Path) -> None:
    def spoil(orders: list) -> None:
        orders[1]["line_items"][0]["quantity"] = 0

    report = import_files(engine, [PRODUCTS, orders_with(tmp_path, spoil)])

    assert reasons(report) == [(2, "7302", "line 1: bad quantity 0: must be a whole number >= 1")]
    assert set(table_counts(engine).values()) == {0}
