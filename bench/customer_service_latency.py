"""Latency of the customer-service domain calls that the Rasa actions make, on the demo shop.

Seeds the demo shop (DEFAULT size unless --size tiny) into a fresh SQLite file or a fresh
PostgreSQL database, then times each call many times on random orders of the right kind
and prints p50/p95/max in milliseconds:

    nice .venv/bin/python bench/customer_service_latency.py --backend sqlite
    nice .venv/bin/python bench/customer_service_latency.py --backend postgres

Writes (cancel, address change, return) each use a different order, so every call does the
real work. The database is dropped afterwards.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

from shop.db import make_engine, upgrade
from shop.demo import DEFAULT, TINY, seed_demo_shop
from shop.identity import GUEST, Requester
from shop.models import Order, OrderStatus
from shop.orders import cancel_order, change_shipping_address, find_order, recent_orders
from shop.ratelimit import InMemoryRateLimiter, RedisRateLimiter
from shop.returns import create_return, find_returns, return_options

NOW = datetime(2026, 11, 23, 12, 0, 0)
POSTGRES_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def timed(label: str, calls: list[Callable[[], object]]) -> None:
    samples = []
    for call in calls:
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    p95 = samples[min(len(samples) - 1, int(0.95 * len(samples)))]
    print(
        f"{label:<34} n={len(samples):<4} p50={statistics.median(samples):7.2f} ms  "
        f"p95={p95:7.2f} ms  max={samples[-1]:7.2f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--size", choices=["default", "tiny"], default="default")
    parser.add_argument("-n", type=int, default=200, help="calls per operation")
    args = parser.parse_args()
    rng = random.Random(7)

    cleanup: Callable[[], None]
    if args.backend == "sqlite":
        directory = tempfile.mkdtemp()
        url = f"sqlite:///{Path(directory) / 'shop.db'}"
        cleanup = lambda: None  # noqa: E731 - the temp dir is left to the OS
    else:
        name = f"shopbot_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(POSTGRES_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        url = POSTGRES_ADMIN.rsplit("/", 1)[0] + f"/{name}"

        def cleanup() -> None:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    try:
        upgrade(url)
        engine = make_engine(url)
        summary = seed_demo_shop(engine, size=DEFAULT if args.size == "default" else TINY, now=NOW)
        orders = summary.counts["orders"]
        print(f"backend={args.backend} size={args.size} orders={orders} seeded in {summary.seconds:.1f} s")

        with Session(engine) as session:
            rows = session.execute(select(Order.id, Order.customer_id, Order.email, Order.status)).all()
        by_status: dict[OrderStatus, list] = {}
        for row in rows:
            by_status.setdefault(row.status, []).append(row)
        owned = [r for r in rows if r.customer_id is not None]
        n = args.n

        def pick(status: OrderStatus, count: int) -> list:
            pool = [r for r in by_status.get(status, []) if r.customer_id is not None]
            return rng.sample(pool, min(count, len(pool)))

        timed(
            "find_order (customer)",
            [
                lambda r=r: find_order(Requester(r.customer_id), r.id, engine=engine)
                for r in rng.sample(owned, n)
            ],
        )
        timed(
            "find_order (guest, email)",
            [lambda r=r: find_order(GUEST, r.id, r.email, engine=engine) for r in rng.sample(rows, n)],
        )
        timed(
            "find_order (guest, wrong email)",
            [
                lambda r=r: _refused(lambda: find_order(GUEST, r.id, "x@example.org", engine=engine))
                for r in rng.sample(rows, n)
            ],
        )
        timed(
            "find_order (guest, unknown number)",
            [
                lambda i=i: _refused(lambda: find_order(GUEST, 900000 + i, "x@example.org", engine=engine))
                for i in range(n)
            ],
        )
        timed(
            "recent_orders",
            [
                lambda r=r: recent_orders(Requester(r.customer_id), engine=engine)
                for r in rng.sample(owned, n)
            ],
        )
        delivered = pick(OrderStatus.DELIVERED, 2 * n)
        timed(
            "return_options",
            [
                lambda r=r: return_options(Requester(r.customer_id), r.id, engine=engine, now=NOW)
                for r in delivered[:n]
            ],
        )
        timed(
            "find_returns (by order)",
            [
                lambda r=r: find_returns(Requester(r.customer_id), order_number=r.id, engine=engine)
                for r in delivered[:n]
            ],
        )
        unshipped = pick(OrderStatus.PAID, n) + pick(OrderStatus.PLACED, n)
        rng.shuffle(unshipped)
        half = len(unshipped) // 2
        timed(
            "cancel_order (write)",
            [
                lambda r=r: cancel_order(Requester(r.customer_id), r.id, engine=engine, now=NOW)
                for r in unshipped[:half]
            ],
        )
        address = {
            "street": "742 Evergreen Terrace",
            "city": "Springfield",
            "postcode": "97403",
            "country": "US",
        }
        timed(
            "change_shipping_address (write)",
            [
                lambda r=r: change_shipping_address(
                    Requester(r.customer_id), r.id, address, engine=engine, now=NOW
                )
                for r in unshipped[half:]
            ],
        )
        returnable = []
        for r in delivered:
            options = return_options(Requester(r.customer_id), r.id, engine=engine, now=NOW)
            if options.eligible_lines:
                returnable.append((r, options.eligible_lines[0].item.line_id))
        timed(
            "create_return (write)",
            [
                lambda r=r, line=line: create_return(
                    Requester(r.customer_id), r.id, [line], "too small", engine=engine, now=NOW
                )
                for r, line in returnable[:n]
            ],
        )
        memory = InMemoryRateLimiter(10, 600)
        timed("rate limiter hit (memory)", [lambda i=i: memory.hit(f"s{i % 50}") for i in range(n)])
        try:
            import redis

            limiter = RedisRateLimiter(redis.Redis(), 10, 600, prefix=f"shopbot:bench:{uuid.uuid4().hex}:")
            timed("rate limiter hit (redis)", [lambda i=i: limiter.hit(f"s{i % 50}") for i in range(n)])
        except Exception as error:  # Redis is optional for this benchmark
            print(f"rate limiter hit (redis): skipped ({error})")
        engine.dispose()
    finally:
        cleanup()


def _refused(call: Callable[[], object]) -> None:
    from shop.refusals import Refused

    try:
        call()
    except Refused:
        return
    raise AssertionError("expected a refusal")


if __name__ == "__main__":
    main()
