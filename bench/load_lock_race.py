"""Does Rasa OSS's RedisLockStore race between Rasa servers here? Measure it, and the fix.

Starts W worker processes (each one stands for a Rasa server, bench/lock_race_worker.py in
the Rasa environment) against the local Redis. In every round all workers take the lock of
the same fresh conversation at the same instant and count how often more than one of them
was inside at once. Run for Rasa's `RedisLockStore` and for our `AtomicRedisLockStore`
(bot/atomic_lock_store.py) side by side:

    .venv/bin/python bench/load_lock_race.py --rounds 300 --workers 2

Only talks to Redis at 127.0.0.1; keys are namespaced by a random prefix and expire.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import time
import uuid
from pathlib import Path

import redis

REPO_ROOT = Path(__file__).resolve().parent.parent
RASA_PYTHON = REPO_ROOT / ".venv-rasa" / "bin" / "python"
WORKER = Path(__file__).resolve().parent / "lock_race_worker.py"


def measure(store: str, *, workers: int, rounds: int, period: float, hold: float, db: int) -> dict:
    """Run one race experiment; returns overlaps (both inside at once) and errors."""
    prefix = f"race{uuid.uuid4().hex[:10]}"
    # Workers need ~1 s to import Rasa; all of them start their first round at this instant.
    start_at = time.time() + 4.0
    processes = [
        subprocess.Popen(
            [
                str(RASA_PYTHON), str(WORKER), "--store", store, "--worker", str(w),
                "--rounds", str(rounds), "--start-at", str(start_at), "--period", str(period),
                "--hold", str(hold), "--prefix", prefix, "--db", str(db),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        for w in range(workers)
    ]  # fmt: skip
    results = []
    try:
        for process in processes:
            out, _ = process.communicate(timeout=60 + rounds * (period + 2.0))
            if process.returncode != 0:
                raise RuntimeError(f"worker failed with exit status {process.returncode}")
            results.append(json.loads(out.strip().splitlines()[-1]))
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()
    client = redis.Redis(host="127.0.0.1", port=6379, db=db)
    leftovers = list(client.scan_iter(f"{prefix}*"))
    if leftovers:
        client.delete(*leftovers)
    overlaps = sum(r["overlaps"] for r in results)
    return {
        "store": store,
        "workers": workers,
        "rounds": rounds,
        "overlaps": overlaps,
        "overlap_rate": round(overlaps / rounds, 3),
        "lock_errors": sum(r["lock_errors"] for r in results),
        "stalls": sum(r["stalls"] for r in results),
        "stuck": sum(r["stuck"] for r in results),
        "served": sum(r["served"] for r in results),
        "max_wait_s": max(r["max_wait_s"] for r in results),
        "locks_left_in_redis": len(leftovers),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--period", type=float, default=0.06)
    parser.add_argument("--hold", type=float, default=0.02)
    parser.add_argument("--db", type=int, default=1)
    args = parser.parse_args()
    print(
        f"{'store':<8} {'workers':>7} {'rounds':>6} {'overlaps':>8} {'rate':>6} {'errors':>6} "
        f"{'stalls':>6} {'stuck':>6} {'served':>6} {'max wait s':>10}"
    )
    for store in ("redis", "atomic"):
        r = measure(
            store, workers=args.workers, rounds=args.rounds, period=args.period, hold=args.hold, db=args.db
        )
        print(
            f"{r['store']:<8} {r['workers']:>7} {r['rounds']:>6} {r['overlaps']:>8} "
            f"{r['overlap_rate']:>6.3f} {r['lock_errors']:>6} {r['stalls']:>6} {r['stuck']:>6} "
            f"{r['served']:>6} "
            f"{r['max_wait_s']:>10.3f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
