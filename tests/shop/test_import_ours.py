"""Importing the shop's data in our own schema (data/shop-data-schema.md), on SQLite and PostgreSQL.

All the files of one import are one transaction: every row is checked (fields, then references
against the database and the same import), every bad row is reported with its line and reason,
and one bad row anywhere means nothing is written.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine

from shop.importing import FileProblem, detect, import_files
from shop.models import OrderStatus, RefundStatus, ReturnStatus
from tests.shop.importing_shop import (
    EXAMPLES,
    counts,
    history,
    order,
    reasons,
    snapshot,
    table_counts,
    write,
)

OURS = [
    EXAMPLES / name
    for name in (
        "catalog.csv",
        "catalog.jsonl",
        "customers.csv",
        "orders.csv",
        "orders.jsonl",
        "shipments.csv",
        "returns.csv",
        "refunds.csv",
    )
]
LINE = '"[{""sku"":""EX-1001-M"",""quantity"":1,""unit_price"":""289.00""}]"'


def test_every_kind_is_detected_from_its_header() -> None:
    kinds = {path.name: (detect(path).family, detect(path).kind) for path in OURS}
    assert kinds == {
        "catalog.csv": ("ours", "products"),
        "catalog.jsonl": ("ours", "products"),
        "customers.csv": ("ours", "customers"),
        "orders.csv": ("ours", "orders"),
        "orders.jsonl": ("ours", "orders"),
        "shipments.csv": ("ours", "shipments"),
        "returns.csv": ("ours", "returns"),
        "refunds.csv": ("ours", "refunds"),
    }


def test_a_file_of_unknown_kind_is_a_clear_error(tmp_path: Path) -> None:
    path = write(tmp_path, "mystery.csv", "colour,weight\nred,3\n")
    with pytest.raises(FileProblem, match="cannot tell what kind of file this is"):
        detect(path)


def test_good_files_write_every_kind_with_references_resolved(engine: Engine) -> None:
    report = import_files(engine, OURS)

    assert report.written and report.errors == []
    assert counts(report) == {
        "products": (7, 0, 0, 0),
        "customers": (2, 0, 0, 0),
        "orders": (4, 0, 0, 0),
        "shipments": (2, 0, 0, 0),
        "returns": (1, 0, 0, 0),
        "refunds": (1, 0, 0, 0),
    }
    shipped = order(engine, 500101)
    assert shipped.status is OrderStatus.SHIPPED and shipped.customer.email == "dana.example@example.org"
    assert [(ln.variant.sku, ln.quantity, ln.unit_price) for ln in shipped.lines] == [
        ("EX-1001-M", 1, Decimal("289.00"))
    ]
    assert shipped.total == Decimal("289.00")  # no total in the file: the sum of the lines
    assert (shipped.shipment.carrier, shipped.shipment.tracking_number) == ("UPS", "1Z999AA10123456784")
    assert shipped.shipment.estimated_delivery == date(2026, 11, 24)
    assert [(s, at) for s, at, _ in history(engine, 500101)] == [
        ("placed", datetime(2026, 11, 18, 10, 15)),
        ("shipped", datetime(2026, 11, 20, 8, 0)),
    ]
    guest = order(engine, 500103)
    assert guest.customer is None and guest.email == "guest.buyer@example.org" and guest.currency == "EUR"
    assert [(r.rma_number, r.status) for r in guest.returns] == [("RMA-500103-1", ReturnStatus.RECEIVED)]
    assert guest.returns[0].refund.status is RefundStatus.PENDING
    jsonl = order(engine, 500201)
    assert [(ln.variant.sku, ln.quantity) for ln in jsonl.lines] == [("EX-1004-L", 2)]


def test_a_re_import_of_the_same_files_changes_nothing(engine: Engine) -> None:
    import_files(engine, OURS)
    before = snapshot(engine)

    again = import_files(engine, OURS)

    assert again.written and not again.changed
    assert all(
        created == updated == rejected == 0 for created, updated, _, rejected in counts(again).values()
    )
    assert snapshot(engine) == before


def test_a_re_import_that_changes_a_status_appends_to_the_history(engine: Engine, tmp_path: Path) -> None:
    import_files(engine, OURS)
    before = history(engine, 500101)
    delivered = (
        (EXAMPLES / "orders.csv")
        .read_text()
        .replace(
            "500101,C-5001,dana.example@example.org,shipped,2026-11-20T08:00:00Z",
            "500101,C-5001,dana.example@example.org,delivered,2026-11-23T17:30:00Z",
        )
    )

    report = import_files(engine, [write(tmp_path, "orders.csv", delivered)])

    assert counts(report) == {"orders": (0, 1, 2, 0)}
    assert order(engine, 500101).status is OrderStatus.DELIVERED
    assert history(engine, 500101) == [*before, ("delivered", datetime(2026, 11, 23, 17, 30), "imported")]


def test_a_changed_customer_is_updated_in_place(engine: Engine, tmp_path: Path) -> None:
    import_files(engine, OURS)
    moved = (
        (EXAMPLES / "customers.csv")
        .read_text()
        .replace("12 Example Street,Springfield", "9 New Road,Shelbyville")
    )

    report = import_files(engine, [write(tmp_path, "customers.csv", moved)])

    assert counts(report) == {"customers": (0, 1, 1, 0)}
    assert order(engine, 500101).customer.city == "Shelbyville"


BAD_ROWS = {
    "customers": (
        "customers.csv",
        "customer_id,email,name,country\n"
        "C-1,not-an-email,X,US\n"
        "C-2,a@example.org,,US\n"
        "C-3,b@example.org,B,USA\n"
        "C-4,dana.example@example.org,Someone Else,US\n"
        "C-5,e@example.org,E,US\n"
        "C-5,f@example.org,F,US\n",
        [
            (2, "C-1", "bad email 'not-an-email'"),
            (3, "C-2", "missing name"),
            (4, "C-3", "bad country 'USA': use a two-letter ISO 3166 code like US or DE"),
            (5, "C-4", "email dana.example@example.org already belongs to customer C-5001"),
            (7, "C-5", "duplicate customer_id (first on line 6)"),
        ],
    ),
    "orders": (
        "orders.csv",
        "order_number,customer_id,email,status,placed_at,lines\n"
        f"1,C-404,a@example.org,placed,2026-01-01T00:00:00Z,{LINE}\n"
        f"2,,a@example.org,lost,2026-01-01T00:00:00Z,{LINE}\n"
        f"3,,a@example.org,placed,yesterday,{LINE}\n"
        '4,,a@example.org,placed,2026-01-01T00:00:00Z,"[{""sku"":""NOPE"",""quantity"":1,""unit_price"":""1""}]"\n'
        "5,,a@example.org,placed,2026-01-01T00:00:00Z,[]\n"
        '6,,a@example.org,placed,2026-01-01T00:00:00Z,"[{""sku"":""EX-1001-M"",""quantity"":0,""unit_price"":""1""}]"\n'
        f"7,,,placed,2026-01-01T00:00:00Z,{LINE}\n"
        f"8,,a@example.org,placed,2026-01-01T00:00:00Z,{LINE}\n"
        f"8,,a@example.org,placed,2026-01-01T00:00:00Z,{LINE}\n",
        [
            (2, "1", "unknown customer_id 'C-404'"),
            (
                3,
                "2",
                "unknown status 'lost' (use one of: placed, paid, shipped, delivered, cancelled, returned)",
            ),
            (4, "3", "bad placed_at 'yesterday': use an ISO 8601 date-time like 2026-11-02T14:05:00Z"),
            (5, "4", "unknown sku(s) NOPE"),
            (6, "5", "lines must list at least one {sku, quantity, unit_price}"),
            (7, "6", "line 1: bad quantity 0: must be a whole number >= 1"),
            (8, "7", "missing email"),
            (10, "8", "duplicate order_number (first on line 9)"),
        ],
    ),
    "shipments": (
        "shipments.csv",
        "order_number,carrier,tracking_number,shipped_at,estimated_delivery\n"
        "999,UPS,1Z1,2026-11-20T08:00:00Z,2026-11-24\n"
        "500101,UPS,,2026-11-20T08:00:00Z,\n"
        "500102,UPS,1Z2,2026-11-26T08:00:00Z,soon\n",
        [
            (2, "999", "unknown order_number 999"),
            (3, "500101", "missing tracking_number"),
            (4, "500102", "bad estimated_delivery 'soon': use a date like 2026-11-04"),
        ],
    ),
    "returns": (
        "returns.csv",
        "rma_number,order_number,reason,status,refund_amount,lines\n"
        'R-1,999,too big,requested,1.00,"[{""sku"":""EX-1001-M"",""quantity"":1}]"\n'
        'R-2,500101,too big,requested,1.00,"[{""sku"":""EX-1003"",""quantity"":1}]"\n'
        'R-3,500101,too big,requested,1.00,"[{""sku"":""EX-1001-M"",""quantity"":5}]"\n'
        'R-4,500101,too big,maybe,1.00,"[{""sku"":""EX-1001-M"",""quantity"":1}]"\n'
        'RMA-500103-1,500101,too big,requested,1.00,"[{""sku"":""EX-1001-M"",""quantity"":1}]"\n',
        [
            (2, "R-1", "unknown order_number 999"),
            (3, "R-2", "sku EX-1003 is not in order 500101"),
            (4, "R-3", "returns 5 of EX-1001-M, order 500101 has 1"),
            (5, "R-4", "unknown status 'maybe' (use one of: requested, received, refunded, rejected)"),
            (6, "RMA-500103-1", "rma_number RMA-500103-1 belongs to order 500103"),
        ],
    ),
    "refunds": (
        "refunds.csv",
        "refund_id,order_number,rma_number,amount,status\n"
        "F-1,999,,1.00,issued\n"
        "F-2,500101,RMA-NOPE,1.00,issued\n"
        "F-3,500101,RMA-500103-1,1.00,issued\n"
        "F-4,500101,,-5,issued\n"
        "F-5,500101,,1.00,sent\n"
        "F-6,500103,RMA-500103-1,79.99,issued\n",
        [
            (2, "F-1", "unknown order_number 999"),
            (3, "F-2", "unknown rma_number RMA-NOPE"),
            (4, "F-3", "rma_number RMA-500103-1 belongs to order 500103"),
            (5, "F-4", "bad amount '-5': must be greater than 0"),
            (6, "F-5", "unknown status 'sent' (use one of: pending, issued)"),
            (7, "F-6", "return RMA-500103-1 already has refund RF-9001"),
        ],
    ),
}


@pytest.mark.parametrize("kind", list(BAD_ROWS))
def test_every_bad_row_of_a_kind_is_reported_with_its_line_and_reason(
    engine: Engine, tmp_path: Path, kind: str
) -> None:
    import_files(engine, OURS)
    before = snapshot(engine)
    name, content, expected = BAD_ROWS[kind]

    report = import_files(engine, [write(tmp_path, name, content)])

    assert not report.written
    assert reasons(report) == expected
    assert report.counts[kind].rejected == len(expected)
    assert snapshot(engine) == before


def test_one_bad_row_among_good_files_writes_nothing_at_all(engine: Engine, tmp_path: Path) -> None:
    bad_refund = (EXAMPLES / "refunds.csv").read_text().replace("79.99,EUR", "79.99,XYZ")
    files = [*OURS[:-1], write(tmp_path, "refunds.csv", bad_refund)]

    report = import_files(engine, files)

    assert reasons(report) == [(2, "RF-9001", "unknown currency 'XYZ' (supported: EUR, GBP, USD)")]
    assert report.counts["orders"].created == 4  # counted, then rolled back with everything else
    assert set(table_counts(engine).values()) == {0}


def test_an_order_may_only_refer_to_products_and_customers_that_exist(engine: Engine) -> None:
    report = import_files(engine, [EXAMPLES / "orders.csv"])

    assert [(line, key) for line, key, _ in reasons(report)] == [(2, "500101"), (3, "500102"), (4, "500103")]
    assert "unknown customer_id 'C-5001'; unknown sku(s) EX-1001-M" in reasons(report)[0][2]
    assert set(table_counts(engine).values()) == {0}


def test_a_dry_run_counts_everything_and_writes_nothing(engine: Engine) -> None:
    report = import_files(engine, OURS, dry_run=True)

    assert report.errors == [] and not report.written
    assert report.counts["orders"].created == 4 and report.counts["refunds"].created == 1
    assert set(table_counts(engine).values()) == {0}


def test_batches_do_not_change_the_result(engine: Engine) -> None:
    report = import_files(engine, OURS, batch_size=1)

    assert report.written and counts(report)["orders"] == (4, 0, 0, 0)
    assert [s for s, _, _ in history(engine, 500101)] == ["placed", "shipped"]
