"""All-or-nothing writes that stay correct when several requests change one order at once.

`write_transaction(engine, work)` runs `work(session)` in one transaction. The
read-check-write steps inside (is the order still unshipped? how many units are left to
return?) must see the latest committed state and keep it until commit:

* PostgreSQL: the work locks the rows it checks (`SELECT ... FOR UPDATE`).
* SQLite has no row locks, and Python's sqlite3 driver only begins a transaction at the
  first write, so two requests could both pass the check and both write (two refunds for
  one cancelled order). Here the transaction first takes SQLite's database write lock with
  a no-op write - the effect of ``BEGIN IMMEDIATE`` - so such requests run one after the
  other; the later one then sees the earlier one's result ("already cancelled").

A transaction that still loses a race ("database is locked" past the busy timeout, or an
exception in `retry_on` such as a unique RMA number taken meanwhile) rolled back whole, so
it is simply run again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from shop.db import transaction

T = TypeVar("T")
ATTEMPTS = 5


def write_transaction(
    engine: Engine, work: Callable[[Session], T], *, retry_on: tuple[type[Exception], ...] = ()
) -> T:
    """`work(session)`'s result, committed; on any exception nothing is written."""
    for attempt in range(ATTEMPTS):
        try:
            with transaction(engine) as session:
                if engine.dialect.name == "sqlite":
                    # Matches no row, but takes the write lock now, before anything is read.
                    session.execute(text("UPDATE orders SET id = id WHERE 1 = 0"))
                return work(session)
        except OperationalError as error:
            if attempt == ATTEMPTS - 1 or "locked" not in str(error.orig).lower():
                raise
        except retry_on:
            if attempt == ATTEMPTS - 1:
                raise
        time.sleep(0.02 * (attempt + 1))
    raise AssertionError("unreachable")
