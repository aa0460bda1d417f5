"""The schema is created by Alembic migrations, on every supported backend."""

from sqlalchemy import inspect

from shop.db import current_revision, make_engine, upgrade

EXPECTED_TABLES = {
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
    "support_tickets",
    "interaction_events",
}


def test_upgrading_an_empty_database_creates_every_table(empty_database_url: str) -> None:
    upgrade(empty_database_url)

    engine = make_engine(empty_database_url)
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert tables >= EXPECTED_TABLES
    assert current_revision(empty_database_url) is not None


def test_upgrading_twice_is_a_no_op(empty_database_url: str) -> None:
    upgrade(empty_database_url)
    first = current_revision(empty_database_url)
    upgrade(empty_database_url)
    assert current_revision(empty_database_url) == first
