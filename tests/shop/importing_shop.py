"""What the import tests read back from the database: counts, an order as plain values, history."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, selectinload

from shop.config import REPO_ROOT
from shop.importing import ImportReport
from shop.models import (
    Customer,
    Order,
    OrderLine,
    OrderStatusEvent,
    Product,
    Refund,
    Return,
    Shipment,
    Variant,
)

EXAMPLES = REPO_ROOT / "data" / "examples"
SHOPIFY = EXAMPLES / "shopify"
WOOCOMMERCE = EXAMPLES / "woocommerce"
TABLES = (Product, Variant, Customer, Order, OrderLine, OrderStatusEvent, Shipment, Return, Refund)


def table_counts(engine: Engine) -> dict[str, int]:
    """Rows in every table an import writes."""
    with Session(engine) as session:
        return {
            model.__tablename__: session.scalar(select(func.count()).select_from(model)) or 0
            for model in TABLES
        }


def counts(report: ImportReport) -> dict[str, tuple[int, int, int, int]]:
    """(created, updated, unchanged, rejected) of every kind the import saw."""
    return {
        kind: (c.created, c.updated, c.unchanged, c.rejected)
        for kind, c in report.counts.items()
        if c.created or c.updated or c.unchanged or c.rejected
    }


def reasons(report: ImportReport) -> list[tuple[int, str | None, str]]:
    """(line, key, reason) of every bad row, in file order."""
    return [(error.line, error.key, error.reason) for _, error in report.errors]


def order(engine: Engine, number: int) -> Order:
    """The order with its lines (and their products), history, shipment, returns and customer."""
    with Session(engine) as session:
        query = (
            select(Order)
            .where(Order.id == number)
            .options(
                selectinload(Order.lines).selectinload(OrderLine.product),
                selectinload(Order.lines).selectinload(OrderLine.variant),
                selectinload(Order.history),
                selectinload(Order.shipment),
                selectinload(Order.returns).selectinload(Return.refund),
                selectinload(Order.customer),
            )
        )
        return session.scalars(query).one()


def history(engine: Engine, number: int) -> list[tuple[str, Any, str | None]]:
    """The order's status history as (status, at, note), oldest first."""
    with Session(engine) as session:
        events = session.scalars(
            select(OrderStatusEvent)
            .where(OrderStatusEvent.order_id == number)
            .order_by(OrderStatusEvent.at, OrderStatusEvent.id)
        )
        return [(e.status.value, e.at, e.note) for e in events]


def product(engine: Engine, sku: str) -> Product:
    with Session(engine) as session:
        query = select(Product).where(Product.sku == sku).options(selectinload(Product.variants))
        return session.scalars(query).one()


def snapshot(engine: Engine) -> list[tuple]:
    """Every row of every imported table as plain values (ids and timestamps included)."""
    with Session(engine) as session:
        rows = []
        for model in TABLES:
            columns = model.__table__.columns
            for obj in session.scalars(select(model).order_by(model.id)):
                rows.append((model.__tablename__, *(getattr(obj, c.key) for c in columns)))
        return rows


def write(folder: Path, name: str, content: str) -> Path:
    path = folder / name
    path.write_text(content, encoding="utf-8")
    return path


def edited_csv(
    source: Path, target: Path, changes: dict[tuple[int, str], str], drop: tuple[int, ...] = ()
) -> Path:
    """A copy of a CSV file with cells changed: {(data row from 1, column name): new value}."""
    import csv
    import io

    rows = list(csv.reader(io.StringIO(source.read_text(encoding="utf-8"))))
    header = rows[0]
    for (row, column), value in changes.items():
        rows[row][header.index(column)] = value
    rows = [r for n, r in enumerate(rows) if n not in drop]
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    target.write_text(out.getvalue(), encoding="utf-8")
    return target
