"""Writes stay correct when several servers act on one order at once, or the database fails midway."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from shop.identity import Requester
from shop.models import Order, OrderStatus, Refund
from shop.orders import cancel_order
from shop.refusals import Refusal, Refused
from shop.returns import create_return, return_options
from tests.shop.cs_shop import ALICE, BOB, NOW, _postgres_template, _sqlite_template, shop_engine, snapshot

__all__ = ["_postgres_template", "_sqlite_template", "shop_engine"]  # fixtures, imported for pytest

alice, bob = Requester.customer(ALICE), Requester.customer(BOB)
WRITE_TABLES = ("orders", "order_status_events", "refunds", "returns", "return_lines")


def run_at_once(count: int, action: Callable[[], object]) -> list[object]:
    """Run `action` in `count` threads released together; each result or exception."""
    barrier = threading.Barrier(count)
    results: list[object] = [None] * count

    def worker(index: int) -> None:
        barrier.wait()
        try:
            results[index] = action()
        except Exception as error:  # collected and asserted on by the test
            results[index] = error

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_concurrent_cancels_of_one_order_cancel_it_once_with_one_refund(shop_engine):
    results = run_at_once(4, lambda: cancel_order(bob, 100238, engine=shop_engine, now=NOW))
    successes = [r for r in results if not isinstance(r, Exception)]
    refusals = [r for r in results if isinstance(r, Refused)]
    assert len(successes) == 1, results
    assert len(refusals) == 3 and {r.reason for r in refusals} == {Refusal.ALREADY_CANCELLED}
    with Session(shop_engine) as session:
        assert session.get(Order, 100238).status == OrderStatus.CANCELLED
        assert session.scalar(select(func.count()).select_from(Refund).where(Refund.order_id == 100238)) == 1
        cancellations = [e for e in session.get(Order, 100238).history if e.status == OrderStatus.CANCELLED]
        assert len(cancellations) == 1


def test_concurrent_returns_never_return_more_units_than_were_bought(shop_engine):
    options = return_options(alice, 100236, engine=shop_engine, now=NOW)
    line = options.eligible_lines[0]
    units = line.returnable_quantity
    reasons = iter(f"reason {i}" for i in range(units + 2))  # distinct requests, not retries
    results = run_at_once(
        units + 2,
        lambda: create_return(
            alice, 100236, {line.item.line_id: 1}, next(reasons), engine=shop_engine, now=NOW
        ),
    )
    receipts = [r for r in results if not isinstance(r, Exception)]
    refusals = [r for r in results if isinstance(r, Refused)]
    assert len(receipts) == units, results
    assert len(refusals) == 2 and {r.reason for r in refusals} == {Refusal.NOTHING_LEFT_TO_RETURN}
    assert len({r.rma_number for r in receipts}) == units  # every RMA number unique
    after = return_options(alice, 100236, engine=shop_engine, now=NOW).line(line.item.line_id)
    assert after.item.returned_quantity == line.item.returned_quantity + units


def fail_inserts_into(engine: Engine, table: str) -> None:
    """Make the database itself fail the next insert into `table` (a real fault, not a mock)."""
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            connection.execute(
                text(
                    f"CREATE TRIGGER fail_{table} BEFORE INSERT ON {table} "
                    "BEGIN SELECT RAISE(ABORT, 'disk failure'); END"
                )
            )
        else:
            connection.execute(
                text(
                    "CREATE FUNCTION fail_insert() RETURNS trigger LANGUAGE plpgsql AS "
                    "$$ BEGIN RAISE EXCEPTION 'disk failure'; END $$"
                )
            )
            connection.execute(
                text(
                    f"CREATE TRIGGER fail_{table} BEFORE INSERT ON {table} "
                    "FOR EACH ROW EXECUTE FUNCTION fail_insert()"
                )
            )


def test_a_return_that_fails_halfway_is_never_half_written(shop_engine):
    line = return_options(alice, 100236, engine=shop_engine, now=NOW).eligible_lines[0]
    fail_inserts_into(shop_engine, "refunds")  # the Return and its lines are written before the Refund
    before = snapshot(shop_engine, *WRITE_TABLES)
    with pytest.raises(DBAPIError):
        create_return(alice, 100236, [line.item.line_id], "x", engine=shop_engine, now=NOW)
    assert snapshot(shop_engine, *WRITE_TABLES) == before


def test_a_cancel_that_fails_halfway_leaves_the_order_as_it_was(shop_engine):
    fail_inserts_into(shop_engine, "refunds")  # the status change is flushed before the refund
    before = snapshot(shop_engine, *WRITE_TABLES)
    with pytest.raises(DBAPIError):
        cancel_order(bob, 100238, engine=shop_engine, now=NOW)
    assert snapshot(shop_engine, *WRITE_TABLES) == before
    with Session(shop_engine) as session:
        assert session.get(Order, 100238).status == OrderStatus.PAID
