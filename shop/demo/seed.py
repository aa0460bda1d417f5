"""The deterministic demo shop: `seed_demo_shop(engine, seed=7, size=DEFAULT)`.

Same seed, size and `now` give the same shop, row for row. The shop has a catalog drawn
from `data/demo/*.json` (`shop.demo.catalog`), simulated shoppers with hidden tastes and
their orders, returns and browsing (`shop.demo.shoppers`), and planted customers and
orders with fixed ids that conversations and tests rely on (`shop.demo.planted`).
Everything is written with bulk inserts in one transaction; see data/README.md for the
assumptions behind the numbers.
"""

from __future__ import annotations

import enum
import json
import random
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sqlalchemy import Connection, Engine, MetaData, Table, func, select, text

from shop.config import get_settings
from shop.demo.catalog import build_catalog
from shop.demo.planted import (
    FIRST_GENERATED_CUSTOMER_ID,
    FIRST_GENERATED_ORDER_ID,
    PLANTED_ORDER_IDS,
    plant,
)
from shop.demo.rows import ShopDraft
from shop.demo.shoppers import Simulation, TasteModel, simulate_shoppers
from shop.demo.vocabulary import CATEGORY_PATHS, CATEGORY_SLUGS, load_vocabulary
from shop.models import Base

__all__ = [
    "CATEGORY_PATHS",
    "CATEGORY_SLUGS",
    "DEFAULT",
    "TINY",
    "DemoShopError",
    "DemoSize",
    "DemoSummary",
    "SIZES",
    "seed_demo_shop",
]

#: Tables in insertion order (parents before children).
TABLES = (
    "customers",
    "products",
    "variants",
    "orders",
    "order_lines",
    "order_status_events",
    "shipments",
    "returns",
    "return_lines",
    "refunds",
    "interaction_events",
)
_CHUNK = 20_000


@dataclass(frozen=True)
class DemoSize:
    name: str
    products: int
    #: Including the three planted customers.
    customers: int
    #: Including the eight planted orders.
    orders: int
    months: int = 18


DEFAULT = DemoSize("default", products=5400, customers=2400, orders=24000)
TINY = DemoSize("tiny", products=400, customers=80, orders=1500)
SIZES = {size.name: size for size in (DEFAULT, TINY)}


class DemoShopError(Exception):
    """The demo shop cannot be seeded (e.g. the database already holds a shop)."""


@dataclass(frozen=True)
class DemoSummary:
    seed: int
    size: str
    now: datetime
    seconds: float
    #: Rows written per table.
    counts: dict[str, int]
    categories: int
    planted_order_ids: tuple[int, ...] = PLANTED_ORDER_IDS
    #: SKU of each planted order's products by role, e.g. {"alice_laptop": "LAP-00003"}.
    planted_skus: dict[str, str] = field(default_factory=dict)


def _naive_utc(moment: datetime | None) -> datetime:
    if moment is None:
        return datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    if moment.tzinfo is not None:
        return moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def build_demo_shop(
    *, seed: int, size: DemoSize, now: datetime
) -> tuple[dict[str, list[dict[str, Any]]], dict[str, str]]:
    """Every row of the demo shop, by table, plus the planted SKUs. Pure: writes nothing."""
    settings = get_settings()
    vocabulary = load_vocabulary()
    rnd = random.Random(seed)
    rng = np.random.default_rng(seed)
    catalog = build_catalog(
        vocabulary, products=size.products, currency=settings.currency, now=now, rnd=rnd, rng=rng
    )
    draft = ShopDraft()
    simulation = Simulation(
        vocabulary=vocabulary,
        catalog=catalog,
        draft=draft,
        taste=TasteModel(catalog, vocabulary),
        now=now,
        currency=settings.currency,
        return_window_days=settings.return_window_days,
        rnd=rnd,
        rng=rng,
    )
    _, planted = plant(simulation)
    simulate_shoppers(
        simulation,
        customers=size.customers - FIRST_GENERATED_CUSTOMER_ID + 1,
        orders=size.orders - len(PLANTED_ORDER_IDS),
        months=size.months,
        first_customer_id=FIRST_GENERATED_CUSTOMER_ID,
        first_order_id=FIRST_GENERATED_ORDER_ID,
    )
    rows = {
        "customers": sorted(draft.customers, key=lambda r: r["id"]),
        "products": catalog.products,
        "variants": catalog.variants,
        "orders": draft.orders,
        "order_lines": draft.order_lines,
        "order_status_events": draft.order_status_events,
        "shipments": draft.shipments,
        "returns": draft.returns,
        "return_lines": draft.return_lines,
        "refunds": draft.refunds,
        "interaction_events": draft.interaction_events,
    }
    return rows, planted.skus


def _empty_every_table(connection: Connection) -> None:
    """Delete every row of every table (bar Alembic's), children first, in the caller's transaction."""
    existing = MetaData()
    existing.reflect(connection)
    tables = [t for t in existing.sorted_tables if t.name != "alembic_version"]
    if connection.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        return
    for table in reversed(tables):
        connection.execute(table.delete())


def _holds_a_shop(connection: Connection) -> bool:
    tables = Base.metadata.tables
    return any(
        connection.execute(select(func.count()).select_from(tables[name])).scalar_one()
        for name in ("customers", "products", "orders")
    )


def _copy_value(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dict | list):
        return json.dumps(value)
    return value


def _bulk_insert(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert `rows` fast: PostgreSQL's COPY where the driver is psycopg, else executemany chunks."""
    if not rows:
        return
    driver = connection.connection.driver_connection
    if (
        connection.dialect.name == "postgresql"
        and hasattr(driver, "cursor")
        and connection.dialect.driver == "psycopg"
    ):
        columns = list(rows[0])
        names = ", ".join(f'"{c}"' for c in columns)
        with driver.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row([_copy_value(row[c]) for c in columns])
        return
    for offset in range(0, len(rows), _CHUNK):
        connection.execute(table.insert(), rows[offset : offset + _CHUNK])


def _fix_sequences(connection: Connection) -> None:
    """After inserts with explicit ids, move PostgreSQL's id sequences past the largest id."""
    if connection.dialect.name != "postgresql":
        return
    for name in TABLES:
        connection.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                f'(SELECT COALESCE(MAX(id), 0) + 1 FROM "{name}"), false)'
            )
        )


def seed_demo_shop(
    engine: Engine,
    *,
    seed: int = 7,
    size: DemoSize = DEFAULT,
    now: datetime | None = None,
    reset: bool = False,
) -> DemoSummary:
    """Fill the (migrated) database with the demo shop, in one transaction.

    `reset=True` first empties every table; otherwise a database that already holds
    customers, products or orders is refused with `DemoShopError` and left untouched.
    """
    started = time.perf_counter()
    moment = _naive_utc(now)
    rows, planted_skus = build_demo_shop(seed=seed, size=size, now=moment)
    tables = Base.metadata.tables
    with engine.begin() as connection:
        if reset:
            _empty_every_table(connection)
        elif _holds_a_shop(connection):
            raise DemoShopError(
                "the database already holds a shop; seed with reset=True (--reset) to replace it"
            )
        for name in TABLES:
            _bulk_insert(connection, tables[name], rows[name])
        _fix_sequences(connection)
    return DemoSummary(
        seed=seed,
        size=size.name,
        now=moment,
        seconds=time.perf_counter() - started,
        counts={name: len(rows[name]) for name in TABLES},
        categories=len({p["category_path"] for p in rows["products"]}),
        planted_skus=planted_skus,
    )
