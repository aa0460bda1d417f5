"""Latency per message through Rasa and the action server, on a copy of the demo shop.

    .venv/bin/python bench/conversation_latency.py [--conversations 20] [--database var/shop.db]

Starts the action server and the Rasa server (shopbot.serve.Stack, free ports, a private copy of
the SQLite demo database), warms them up, then replays scripted shopper conversations one
message at a time over Rasa's REST channel and prints p50/p95/p99 and max per kind of message
and overall. Every message goes through NLU, the policies and (for all but small talk) a custom
action that reads the shop database, search index or recommender.

Needs what `make run` builds: var/shop.db (or --database), the search index and recommender in
SHOPBOT_MODEL_DIR (default var/models) and a trained model in bot/models.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import tempfile
import time
import uuid
from collections import defaultdict
from pathlib import Path

import requests

from shop.config import VAR_DIR, get_settings
from shop.identity import IDENTITY_METADATA_KEY, sign_identity
from shopbot.serve import Stack, StackConfig, free_port

IDENTITY_SECRET = "bench-identity-secret"

#: (kind, message, logged in as customer 1?) - a search session, questions, orders, policy, chit-chat.
SCRIPT: list[tuple[str, str]] = [
    ("greet", "hi"),
    ("search", "show me waterproof jackets under $150"),
    ("refine", "cheaper"),
    ("refine", "in black"),
    ("show_more", "show more"),
    ("product_question", "is the second one waterproof?"),
    ("similar", "more like the first one"),
    ("recommend", "what would you suggest for me?"),
    ("order_status", "where is my order 100234?"),
    ("policy", "how long do I have to return something?"),
    ("search", "noise cancelling headphones"),
    ("add_to_cart", "add the first one to my cart"),
    ("thank", "thanks!"),
]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (all its threads and waited-for children)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    utime, stime, cutime, cstime = (int(v) for v in fields[11:15])
    return (utime + stime + cutime + cstime) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=20)
    parser.add_argument("--database", type=Path, default=VAR_DIR / "shop.db")
    parser.add_argument("--model-dir", type=Path, default=get_settings().model_dir)
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="conversation-latency-"))
    copy = workdir / "shop.db"
    with sqlite3.connect(args.database) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    config = StackConfig(
        database_url=f"sqlite:///{copy}",
        identity_secret=IDENTITY_SECRET,
        rasa_token="bench-token",
        model_dir=args.model_dir,
        rasa_port=free_port(),
        action_port=free_port(),
        web_port=free_port(),
        log_dir=workdir / "logs",
        components=("actions", "rasa"),
    )
    url = f"{config.rasa_url}/webhooks/rest/webhook"
    token = sign_identity(1, secret=IDENTITY_SECRET)
    started = time.perf_counter()
    with Stack(config) as stack:
        print(f"stack ready in {time.perf_counter() - started:.0f} s (logs: {config.log_dir})")

        def send(sender: str, text: str) -> float:
            body = {"sender": sender, "message": text, "metadata": {IDENTITY_METADATA_KEY: token}}
            begin = time.perf_counter()
            response = requests.post(url, json=body, timeout=60)
            elapsed = time.perf_counter() - begin
            response.raise_for_status()
            if not response.json():
                raise RuntimeError(f"no reply to {text!r}")
            return elapsed * 1000

        # Warm-up: first use of every action loads the search index, embedder and recommender.
        warm = f"warm-{uuid.uuid4().hex[:6]}"
        for _, text in SCRIPT:
            send(warm, text)

        pids = [process.pid for process in stack._processes.values()]
        cpu_before = sum(cpu_seconds(pid) for pid in pids)
        by_kind: dict[str, list[float]] = defaultdict(list)
        for _ in range(args.conversations):
            sender = f"bench-{uuid.uuid4().hex[:8]}"
            for kind, text in SCRIPT:
                by_kind[kind].append(send(sender, text))
        cpu_used = sum(cpu_seconds(pid) for pid in pids) - cpu_before

    everything = [v for values in by_kind.values() for v in values]
    print(f"\n{len(everything)} messages, {args.conversations} conversations, one at a time")
    print(
        f"CPU of Rasa + action server: {cpu_used * 1000 / len(everything):.0f} ms per message on average; "
        f"1-minute load average at the end: {os.getloadavg()[0]:.1f}"
    )
    print(f"{'kind':18s} {'n':>4s} {'p50 ms':>8s} {'p95 ms':>8s} {'p99 ms':>8s} {'max ms':>8s}")
    for kind, values in [*sorted(by_kind.items()), ("ALL", everything)]:
        print(
            f"{kind:18s} {len(values):4d} {statistics.median(values):8.0f} {percentile(values, 95):8.0f}"
            f" {percentile(values, 99):8.0f} {max(values):8.0f}"
        )


if __name__ == "__main__":
    main()
