"""One "Rasa server" of bench/load_lock_race.py: takes conversation locks from a Redis lock store.

Runs in the Rasa environment (.venv-rasa, Python 3.10), because the lock stores are Rasa's.
Every round starts at the same wall-clock instant in every worker and takes the lock of a
fresh conversation, which is what two Rasa servers do when a shopper's two messages reach
both at once. Inside the lock it counts how many holders are in the critical section; more
than one is the race. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bot"))

import redis  # noqa: E402
from atomic_lock_store import AtomicRedisLockStore  # noqa: E402
from rasa.core.lock_store import LockError, RedisLockStore  # noqa: E402
from rasa.utils.endpoints import EndpointConfig  # noqa: E402


def make_store(kind: str, host: str, port: int, db: int, prefix: str) -> RedisLockStore:
    if kind == "redis":
        return RedisLockStore(host=host, port=port, db=db, key_prefix=prefix)
    config = EndpointConfig(url=host, port=port, db=db, key_prefix=prefix, type="atomic")
    return AtomicRedisLockStore(config)


async def run(args: argparse.Namespace) -> dict[str, object]:
    store = make_store(args.store, args.host, args.port, args.db, args.prefix)
    counters = redis.Redis(host=args.host, port=args.port, db=args.db)
    overlaps = lock_errors = served = stuck = 0
    waits: list[float] = []
    for round_number in range(args.rounds):
        start = args.start_at + round_number * args.period
        await asyncio.sleep(max(0.0, start - time.time()))
        conversation = f"{args.prefix}-conversation-{round_number}"
        inside_key = f"{args.prefix}:inside:{round_number}"
        asked = time.perf_counter()

        async def serve_one_message(
            conversation: str = conversation, inside_key: str = inside_key, asked: float = asked
        ) -> None:
            nonlocal overlaps, served
            async with store.lock(conversation, args.lifetime, wait_time_in_seconds=args.poll):
                waits.append(time.perf_counter() - asked)
                if counters.incr(inside_key) > 1:
                    overlaps += 1
                await asyncio.sleep(args.hold)
                counters.decr(inside_key)
                served += 1

        try:
            # Rasa itself waits without limit; a lost ticket would hang this worker forever.
            await asyncio.wait_for(serve_one_message(), timeout=3 * args.lifetime)
        except LockError:
            lock_errors += 1
        except asyncio.TimeoutError:  # noqa: UP041 - not the builtin on Python 3.10
            stuck += 1
    return {
        "worker": args.worker,
        "store": args.store,
        "rounds": args.rounds,
        "served": served,
        "overlaps": overlaps,
        "lock_errors": lock_errors,
        # Never got the lock within three ticket lifetimes: Rasa would wait forever here.
        "stuck": stuck,
        "max_wait_s": round(max(waits, default=0.0), 4),
        # A wait of half a ticket lifetime means a ticket was lost and the queue stalled.
        "stalls": sum(1 for wait in waits if wait > args.lifetime / 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--store", choices=["redis", "atomic"], required=True)
    parser.add_argument("--worker", type=int, default=0)
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--start-at", type=float, required=True)
    parser.add_argument("--period", type=float, default=0.1, help="seconds between rounds")
    parser.add_argument("--hold", type=float, default=0.02, help="seconds inside the lock")
    parser.add_argument(
        "--lifetime", type=float, default=2.0, help="ticket lifetime (Rasa's default is 60 s)"
    )
    parser.add_argument("--poll", type=float, default=0.01, help="seconds between lock checks")
    parser.add_argument("--prefix", required=True, help="alphanumeric key prefix of this run")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=6379)
    parser.add_argument("--db", type=int, default=1)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args))), flush=True)


if __name__ == "__main__":
    main()
