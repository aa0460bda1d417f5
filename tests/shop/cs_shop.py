"""Fixtures for the customer-service tests: a seeded shop per backend, cloned per test.

Seeding once per backend and cloning (a file copy for SQLite, `CREATE DATABASE ... TEMPLATE`
for PostgreSQL) keeps every test on its own fresh database - writes of one test can never
leak into another - without paying the seed for each test.

Test modules import the fixtures they use: `from cs_shop import NOW, shop_engine`.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from datetime import datetime

import pytest
from sqlalchemy import Engine, create_engine, func, select, text

from shop.db import make_engine, upgrade
from shop.models import Base

#: The demo shop is seeded "as of" this moment; tests pass it as `now` to the domain.
NOW = datetime(2026, 11, 23, 12, 0, 0)

ALICE, BOB, CARLA = 1, 2, 3
ALICE_EMAIL, BOB_EMAIL, GUEST_EMAIL = "alice@example.com", "bob@example.com", "guest@example.com"


def seed(engine: Engine) -> None:
    try:
        from shop.demo import TINY, seed_demo_shop
    except ImportError:  # until the demo shop generator lands: the planted rows only
        _plant_contract_rows(engine)
        return
    seed_demo_shop(engine, size=TINY, now=NOW)


def _plant_contract_rows(engine: Engine) -> None:
    from datetime import timedelta
    from decimal import Decimal

    from shop.db import transaction
    from shop.models import (
        Customer,
        Order,
        OrderLine,
        OrderStatus,
        OrderStatusEvent,
        Product,
        Refund,
        RefundStatus,
        Return,
        ReturnLine,
        ReturnStatus,
        Shipment,
    )

    def product(pid: int, title: str, price: str, **attributes: object) -> Product:
        return Product(
            id=pid,
            sku=f"SKU-{pid}",
            title=title,
            category_path="Test > Things",
            brand="Acme",
            price=Decimal(price),
            currency="USD",
            attributes=dict(attributes),
        )

    with transaction(engine) as s:
        s.add_all(
            [
                Customer(id=1, email=ALICE_EMAIL, name="Alice Moreno"),
                Customer(id=2, email=BOB_EMAIL, name="Bob Chen"),
                Customer(id=3, email="carla@example.com", name="Carla Diaz"),
                product(1, "Zenbook 14 Laptop", "999.00"),
                product(2, "Neoprene Laptop Sleeve", "29.90"),
                product(3, "Clearance Wool Scarf", "15.00", final_sale=True),
                product(4, "Trail Running Shoes", "89.50"),
            ]
        )
        s.flush()

        def order(number, customer, email, status, days_ago, lines, *, shipped=None, delivered=None):
            placed = NOW - timedelta(days=days_ago)
            o = Order(
                id=number,
                customer_id=customer,
                email=email,
                status=status,
                placed_at=placed,
                currency="USD",
                total=sum((Decimal(p) * q for _, q, p in lines), Decimal(0)),
                shipping_name="Test Person",
                shipping_street="1 Main Street",
                shipping_city="Springfield",
                shipping_postcode="62704",
                shipping_country="US",
            )
            o.lines = [OrderLine(product_id=pid, quantity=q, unit_price=Decimal(p)) for pid, q, p in lines]
            o.history = [OrderStatusEvent(status=OrderStatus.PLACED, at=placed)]
            if status != OrderStatus.PLACED:
                o.history.append(OrderStatusEvent(status=OrderStatus.PAID, at=placed))
            if shipped is not None:
                o.history.append(
                    OrderStatusEvent(status=OrderStatus.SHIPPED, at=NOW - timedelta(days=shipped))
                )
                o.shipment = Shipment(
                    carrier="UPS",
                    tracking_number=f"1Z999AA1{number:010d}",
                    shipped_at=NOW - timedelta(days=shipped),
                    estimated_delivery=(NOW + timedelta(days=2)).date(),
                    delivered_at=NOW - timedelta(days=delivered) if delivered is not None else None,
                )
            if delivered is not None:
                o.history.append(
                    OrderStatusEvent(status=OrderStatus.DELIVERED, at=NOW - timedelta(days=delivered))
                )
            if status == OrderStatus.CANCELLED:
                o.history.append(OrderStatusEvent(status=OrderStatus.CANCELLED, at=placed))
            s.add(o)
            return o

        order(100234, 1, ALICE_EMAIL, OrderStatus.SHIPPED, 3, [(1, 1, "999.00"), (2, 1, "29.90")], shipped=1)
        order(100235, 1, ALICE_EMAIL, OrderStatus.PLACED, 0, [(4, 1, "89.50")])
        order(
            100236,
            1,
            ALICE_EMAIL,
            OrderStatus.DELIVERED,
            9,
            [(4, 2, "89.50"), (3, 1, "15.00")],
            shipped=7,
            delivered=5,
        )
        order(100237, 1, ALICE_EMAIL, OrderStatus.DELIVERED, 66, [(2, 1, "29.90")], shipped=63, delivered=60)
        order(100238, 2, BOB_EMAIL, OrderStatus.PAID, 1, [(4, 1, "89.50")])
        o239 = order(
            100239,
            2,
            BOB_EMAIL,
            OrderStatus.DELIVERED,
            16,
            [(4, 1, "89.50"), (2, 1, "29.90")],
            shipped=14,
            delivered=12,
        )
        order(100240, 2, BOB_EMAIL, OrderStatus.CANCELLED, 30, [(2, 1, "29.90")])
        order(100241, None, GUEST_EMAIL, OrderStatus.SHIPPED, 2, [(2, 2, "29.90")], shipped=1)
        s.flush()
        r = Return(
            rma_number="RMA-100239-1",
            order_id=100239,
            reason="too small",
            status=ReturnStatus.RECEIVED,
            refund_amount=Decimal("89.50"),
            created_at=NOW - timedelta(days=8),
        )
        r.lines = [ReturnLine(order_line_id=o239.lines[0].id, quantity=1)]
        r.refund = Refund(
            order_id=100239, amount=Decimal("89.50"), currency="USD", status=RefundStatus.PENDING
        )
        s.add(r)


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("cs-template") / "shop.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    engine = make_engine(url)
    seed(engine)
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return str(path)


@pytest.fixture(scope="session")
def _postgres_template(postgres_server: str) -> Iterator[str]:
    from conftest import create_postgres_database, drop_postgres_database

    url = create_postgres_database(postgres_server)
    upgrade(url)
    engine = make_engine(url)
    seed(engine)
    engine.dispose()
    yield url
    drop_postgres_database(postgres_server, url)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def shop_engine(request: pytest.FixtureRequest, tmp_path) -> Iterator[Engine]:  # type: ignore[no-untyped-def]
    """A fresh copy of the seeded demo shop, once per backend."""
    if request.param == "sqlite":
        path = tmp_path / "shop.db"
        shutil.copyfile(request.getfixturevalue("_sqlite_template"), path)
        engine = make_engine(f"sqlite:///{path}")
        yield engine
        engine.dispose()
        return
    template_url = request.getfixturevalue("_postgres_template")
    admin_url = request.getfixturevalue("postgres_server")
    template = template_url.rsplit("/", 1)[1]
    name = f"shopbot_cs_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    url = admin_url.rsplit("/", 1)[0] + f"/{name}"
    engine = make_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def row_counts(engine: Engine) -> dict[str, int]:
    """Rows per table: compare before and after an action to prove it wrote nothing."""
    with engine.connect() as connection:
        return {
            table.name: connection.scalar(select(func.count()).select_from(table)) or 0
            for table in Base.metadata.sorted_tables
        }


def snapshot(engine: Engine, *tables: str) -> dict[str, list[tuple]]:
    """Full contents of some tables, for exact before/after comparisons."""
    with engine.connect() as connection:
        return {
            name: [tuple(row) for row in connection.execute(Base.metadata.tables[name].select()).all()]
            for name in tables
        }
