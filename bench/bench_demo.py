"""Demo shop generation: time to build and write the DEFAULT shop, and how much structure it has.

    .venv/bin/python bench/bench_demo.py                 # SQLite in a temporary directory
    .venv/bin/python bench/bench_demo.py --postgres      # also PostgreSQL at 127.0.0.1:5432
    .venv/bin/python bench/bench_demo.py --size tiny

Prints the wall time of the pure build (no database), of the whole `seed_demo_shop`
(build + bulk insert, one transaction) and of a `reset=True` re-seed, the row counts, and
structure figures: co-purchase lifts, and hit@10 on held-out purchases of a popularity
ranking versus a simple taste-aware ranking (category and brand shares of the shopper).
"""

from __future__ import annotations

import argparse
import math
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from datetime import datetime

from sqlalchemy import Engine, create_engine, select, text

from shop.db import make_engine, upgrade
from shop.demo import SIZES, build_demo_shop, seed_demo_shop
from shop.models import Order, OrderLine, Product
from shop.products import leaf_category

NOW = datetime(2026, 11, 23, 12, 0, 0)
POSTGRES_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def structure(engine: Engine) -> dict[str, float]:
    query = (
        select(Order.id, Order.customer_id, Product.id, Product.category_path, Product.brand)
        .join(OrderLine, OrderLine.order_id == Order.id)
        .join(Product, Product.id == OrderLine.product_id)
        .order_by(Order.placed_at, OrderLine.id)
    )
    with engine.connect() as connection:
        rows = [(o, c, p, leaf_category(path), b) for o, c, p, path, b in connection.execute(query)]
    baskets: dict[int, set[str]] = defaultdict(set)
    for order, _, _, category, _ in rows:
        baskets[order].add(category)

    def lift(anchor: str, accessory: str) -> float:
        with_anchor = [b for b in baskets.values() if anchor in b]
        conditional = sum(accessory in b for b in with_anchor) / len(with_anchor)
        return conditional / (sum(accessory in b for b in baskets.values()) / len(baskets))

    histories: dict[int, list[tuple]] = defaultdict(list)
    for row in rows:
        if row[1] is not None:
            histories[row[1]].append(row)
    histories = {c: h for c, h in histories.items() if len(h) >= 5}
    training = [r for h in histories.values() for r in h[: -max(1, len(h) // 5)]]
    popularity = Counter(r[2] for r in training)
    products = {r[2]: (r[3], r[4]) for r in rows}
    popular_order = sorted(products, key=lambda i: (-popularity[i], i))
    popular_hits = taste_hits = 0
    for history in histories.values():
        cut = len(history) - max(1, len(history) // 5)
        earlier, later = history[:cut], {r[2] for r in history[cut:]}
        seen = {r[2] for r in earlier}
        categories = Counter(r[3] for r in earlier)
        brands = Counter(r[4] for r in earlier)
        n = len(earlier)
        top_popular = [i for i in popular_order if i not in seen][:10]
        scored = sorted(
            (
                -(
                    math.log1p(popularity[i])
                    + 4 * categories[products[i][0]] / n
                    + 2 * brands[products[i][1]] / n
                ),
                i,
            )
            for i in products
            if i not in seen
        )[:10]
        popular_hits += bool(later & set(top_popular))
        taste_hits += bool(later & {i for _, i in scored})
    return {
        "lift laptop->sleeve": lift("Laptops", "Laptop Sleeves & Bags"),
        "lift laptop->mouse/keyboard": lift("Laptops", "Mice & Keyboards"),
        "lift tent->sleeping bag": lift("Tents", "Sleeping Bags"),
        "lift laptop->tent (unrelated)": lift("Laptops", "Tents"),
        "hit@10 popularity": popular_hits / len(histories),
        "hit@10 taste-aware": taste_hits / len(histories),
        "shoppers evaluated": len(histories),
    }


def run(url: str, size_name: str, label: str) -> None:
    size = SIZES[size_name]
    upgrade(url)
    engine = make_engine(url)
    started = time.perf_counter()
    build_demo_shop(seed=7, size=size, now=NOW)
    build_seconds = time.perf_counter() - started
    summary = seed_demo_shop(engine, size=size, now=NOW)
    reset = seed_demo_shop(engine, size=size, now=NOW, reset=True)
    print(f"[{label}] size={size_name} build only: {build_seconds:.1f} s")
    print(
        f"[{label}] seed (build + write): {summary.seconds:.1f} s; re-seed with reset: {reset.seconds:.1f} s"
    )
    print(f"[{label}] rows: " + ", ".join(f"{k}={v:,}" for k, v in summary.counts.items()))
    print(f"[{label}] categories: {summary.categories}")
    for name, value in structure(engine).items():
        print(f"[{label}] {name}: {value:.3f}")
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", default="default", choices=sorted(SIZES))
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        run(f"sqlite:///{directory}/bench.db", args.size, "sqlite")
    if args.postgres:
        name = f"shopbot_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            run(POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}", args.size, "postgres")
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


if __name__ == "__main__":
    main()
