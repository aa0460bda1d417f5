"""The Redis lock store of the production profile serialises a conversation across Rasa servers.

Two worker processes (each one stands for a Rasa server; bench/lock_race_worker.py, in Rasa's
own environment) take the lock of the same fresh conversation at the same instant, round after
round, and count how often both were inside at once. Rasa's stock RedisLockStore lets both in
most of the time on this machine (bench/load_lock_race.py, BENCHMARKS.md); ours never may.
"""

from __future__ import annotations

import json
import subprocess
import time
import uuid

import pytest
import redis

from shopbot.serve import REPO_ROOT

RASA_PYTHON = REPO_ROOT / ".venv-rasa" / "bin" / "python"
WORKER = REPO_ROOT / "bench" / "lock_race_worker.py"
LOCK_DB = 1


@pytest.fixture
def lock_redis() -> redis.Redis:
    client = redis.Redis(host="127.0.0.1", port=6379, db=LOCK_DB, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError:
        pytest.skip("Redis not reachable at 127.0.0.1:6379")
    return client


def race(store: str, *, rounds: int, prefix: str) -> list[dict]:
    start_at = time.time() + 5.0  # both workers import Rasa's lock store first
    workers = [
        subprocess.Popen(
            [str(RASA_PYTHON), str(WORKER), "--store", store, "--worker", str(i), "--rounds", str(rounds),
             "--start-at", str(start_at), "--period", "0.05", "--hold", "0.01", "--prefix", prefix,
             "--db", str(LOCK_DB)],
            stdout=subprocess.PIPE,
            text=True,
        )
        for i in range(2)
    ]  # fmt: skip
    try:
        outputs = [w.communicate(timeout=120)[0] for w in workers]
    finally:
        for w in workers:
            if w.poll() is None:
                w.kill()
    assert all(w.returncode == 0 for w in workers)
    return [json.loads(out.strip().splitlines()[-1]) for out in outputs]


def test_two_servers_never_hold_one_conversations_lock_at_once(lock_redis):
    prefix = f"locktest{uuid.uuid4().hex[:8]}"
    rounds = 40
    results = race("atomic", rounds=rounds, prefix=prefix)
    assert sum(r["overlaps"] for r in results) == 0
    assert sum(r["served"] for r in results) == 2 * rounds  # every message got its turn
    assert sum(r["lock_errors"] + r["stuck"] for r in results) == 0
    # The lock of a conversation disappears with its last ticket; nothing is left behind.
    assert list(lock_redis.scan_iter(f"{prefix}:lock:*")) == []
    leftovers = list(lock_redis.scan_iter(f"{prefix}*"))
    if leftovers:
        lock_redis.delete(*leftovers)
