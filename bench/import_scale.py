"""Import at scale: time and peak memory of `shopbot import` for 100k products and 200k orders.

    .venv/bin/python bench/import_scale.py                          # SQLite, 100k products, 200k orders
    .venv/bin/python bench/import_scale.py --backends sqlite,postgres   # also PostgreSQL at 127.0.0.1:5432
    .venv/bin/python bench/import_scale.py --products 10000 --orders 20000 --no-baseline   # a quick run

Files in our schema are generated (streamed) into a temporary folder: products with two
variants each, customers (one per four orders), orders with one to three lines, and a shipment
for every shipped or delivered order. Each step then runs `shop.importing.import_files` in a
fresh child process, which prints its wall time and its own peak resident memory (ru_maxrss):

1. products (one file, one transaction);
2. customers, orders and shipments together (one transaction; every SKU and customer resolved);
3. the same four files again (nothing changes: every row "unchanged");
4. a second orders file in which every tenth order moved on one status (history appended).

The baseline, in the same run, is the same steps at a tenth of the size: peak memory that stays
about the same while the files grow tenfold is what "bounded" means here.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import subprocess
import sys
import tempfile
import uuid
from datetime import datetime, timedelta
from pathlib import Path

POSTGRES_ADMIN_URL = os.environ.get(
    "SHOPBOT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
START = datetime(2025, 1, 1, 8, 0, 0)
CATEGORIES = [
    "Outdoor > Clothing > Jackets",
    "Outdoor > Camping > Tents",
    "Electronics > Audio > Headphones",
    "Home & Kitchen > Coffee > Coffee Makers",
    "Clothing > Tops > T-Shirts",
    "Sports > Running > Running Shoes",
]
BRANDS = ["Fjellmark", "Lumio", "Brewster", "Sonara", "Northridge", "Basics & Co", "Stride"]
STATUSES = ["placed", "paid", "shipped", "delivered", "cancelled"]
NEXT_STATUS = {"placed": "paid", "paid": "shipped", "shipped": "delivered"}


# --- files -------------------------------------------------------------------------------------
def write_files(folder: Path, products: int, orders: int, seed: int = 7) -> dict[str, Path]:
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {name: folder / f"{name}.csv" for name in ("products", "customers", "orders", "shipments")}
    prices: list[str] = []
    with paths["products"].open("w", newline="") as stream:
        out = csv.writer(stream)
        out.writerow(["sku", "title", "description", "category_path", "brand", "price", "variants"])
        for n in range(products):
            category = CATEGORIES[n % len(CATEGORIES)]
            price = f"{rng.uniform(5, 500):.2f}"
            prices.append(price)
            variants = [
                {"sku": f"P{n:06d}-{size}", "size": size, "stock": rng.randint(0, 30)} for size in "ML"
            ]
            out.writerow(
                [
                    f"P{n:06d}",
                    f"{rng.choice(BRANDS)} {category.split('>')[-1].strip()} {n}",
                    f"Product number {n}, generated for the import benchmark.",
                    category,
                    rng.choice(BRANDS),
                    price,
                    json.dumps(variants, separators=(",", ":")),
                ]
            )
    customers = max(1, orders // 4)
    with paths["customers"].open("w", newline="") as stream:
        out = csv.writer(stream)
        out.writerow(["customer_id", "email", "name", "city", "country"])
        for n in range(customers):
            out.writerow([f"C{n:07d}", f"shopper{n}@example.org", f"Shopper {n}", "Springfield", "US"])
    statuses: list[str] = []
    with (
        paths["orders"].open("w", newline="") as orders_out,
        paths["shipments"].open("w", newline="") as ships,
    ):
        out, ship = csv.writer(orders_out), csv.writer(ships)
        out.writerow(["order_number", "customer_id", "email", "status", "placed_at", "lines"])
        ship.writerow(["order_number", "carrier", "tracking_number", "shipped_at", "estimated_delivery"])
        for n in range(orders):
            customer = rng.randrange(customers)
            placed = START + timedelta(minutes=3 * n)
            status = rng.choice(STATUSES)
            statuses.append(status)
            lines = []
            for p in rng.sample(range(products), k=min(products, rng.randint(1, 3))):
                lines.append({"sku": f"P{p:06d}-{rng.choice('ML')}", "quantity": 1, "unit_price": prices[p]})
            out.writerow(
                [
                    500000 + n,
                    f"C{customer:07d}",
                    f"shopper{customer}@example.org",
                    status,
                    placed.isoformat(),
                    json.dumps(lines, separators=(",", ":")),
                ]
            )
            if status in ("shipped", "delivered"):
                shipped = placed + timedelta(days=1)
                ship.writerow(
                    [
                        500000 + n,
                        "UPS",
                        f"1Z{n:016d}",
                        shipped.isoformat(),
                        (shipped + timedelta(days=3)).date(),
                    ]
                )
    # The same orders, every tenth one a status further along (a re-import that changes a status).
    moved = folder / "orders_moved.csv"
    with paths["orders"].open(newline="") as source, moved.open("w", newline="") as target:
        reader, out = csv.reader(source), csv.writer(target)
        out.writerow(next(reader))
        for n, row in enumerate(reader):
            if n % 10 == 0 and row[3] in NEXT_STATUS:
                row[3] = NEXT_STATUS[row[3]]
            out.writerow(row)
    paths["orders_moved"] = moved
    return paths


# --- one measured step, in a child process -----------------------------------------------------
def child(url: str, files: list[str]) -> None:
    import resource
    import time

    from shop.db import make_engine
    from shop.importing import import_files

    engine = make_engine(url)
    started = time.perf_counter()
    report = import_files(engine, files)
    seconds = time.perf_counter() - started
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    counts = {
        k: [c.created, c.updated, c.unchanged, c.rejected]
        for k, c in report.counts.items()
        if c.created or c.updated or c.unchanged or c.rejected
    }
    print(
        json.dumps({"seconds": seconds, "peak_mib": peak_mib, "errors": len(report.errors), "counts": counts})
    )


def measure(url: str, files: list[Path]) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--child", url, *map(str, files)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def run(url: str, paths: dict[str, Path], label: str) -> list[tuple[str, dict]]:
    from shop.db import upgrade

    upgrade(url)
    rest = [paths["customers"], paths["orders"], paths["shipments"]]
    steps = [
        ("products", [paths["products"]]),
        ("customers + orders + shipments", rest),
        ("all again, nothing changed", [paths["products"], *rest]),
        ("orders, every 10th status moved on", [paths["orders_moved"]]),
    ]
    results = []
    for name, files in steps:
        result = measure(url, files)
        print(
            f"{label:28} {name:38} {result['seconds']:8.1f} s  peak {result['peak_mib']:7.0f} MiB  "
            f"errors {result['errors']}  {result['counts']}",
            flush=True,
        )
        results.append((name, result))
    return results


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3:])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--orders", type=int, default=200_000)
    parser.add_argument("--backends", default="sqlite", help="sqlite, postgres or both: sqlite,postgres")
    parser.add_argument("--no-baseline", action="store_true", help="skip the tenth-size baseline")
    parser.add_argument("--baseline-only", action="store_true", help="only the tenth-size baseline")
    args = parser.parse_args()

    from sqlalchemy import create_engine, text

    with tempfile.TemporaryDirectory(prefix="import-bench-") as tmp:
        sizes = [(args.products, args.orders)]
        if not args.no_baseline:
            sizes.insert(0, (max(1, args.products // 10), max(1, args.orders // 10)))
        if args.baseline_only:
            sizes = sizes[:1]
        backends = set(args.backends.split(","))
        for products, orders in sizes:
            folder = Path(tmp) / f"{products}-{orders}"
            paths = write_files(folder, products, orders)
            megabytes = sum(p.stat().st_size for p in paths.values()) / 2**20
            print(f"# {products:,} products, {orders:,} orders: {megabytes:.0f} MiB of CSV", flush=True)
            if "sqlite" in backends:
                run(f"sqlite:///{folder / 'shop.db'}", paths, f"SQLite {products // 1000}k/{orders // 1000}k")
            if "postgres" in backends:
                name = f"shopbot_bench_{uuid.uuid4().hex[:10]}"
                admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
                with admin.connect() as connection:
                    connection.execute(text(f'CREATE DATABASE "{name}"'))
                try:
                    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
                    run(url, paths, f"PostgreSQL {products // 1000}k/{orders // 1000}k")
                finally:
                    with admin.connect() as connection:
                        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                    admin.dispose()


if __name__ == "__main__":
    main()
