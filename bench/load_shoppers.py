"""Load benchmark: N simulated shoppers chatting at once, production profile vs one server.

Each simulated shopper holds realistic scripted conversations, one after another, with a
think time between messages (people read the answer and type; default 3-8 s):

* browse: greet, search in their own words, refine ("cheaper", "in blue", "show more"), ask
  about a product on screen, thank;
* order status: a signed-in customer asks about their last order, a guest gives an order
  number and then the order's email;
* return: a signed-in customer returns an item of a recently delivered order (item, reason,
  confirmation), which writes an RMA.

Every message's latency is measured from request to complete answer. An error is an HTTP
error, a timeout, an empty answer or the REST channel's "having trouble" reply. Runs against
127.0.0.1 only, on servers this script starts (and stops), on a copy of the demo shop:

    .venv/bin/python bench/load_shoppers.py --profiles single,prod --levels 10,25,50,100

Prod: two Rasa + two action servers, PostgreSQL (shop DB cloned from `shopbot_prod`, which
`python -m shopbot.prod` prepares) and Redis; messages alternate between the Rasa servers.
Single: `make run`'s profile (SQLite, one Rasa server with in-memory tracker and lock store).

`--race-probe` also sends pairs of simultaneous messages of one conversation to both Rasa
servers and checks each conversation's tracker (prod only; `--lock-store redis` runs Rasa's
own RedisLockStore instead of ours to show the race end to end).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import numpy
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from shop.config import VAR_DIR  # noqa: E402
from shop.identity import IDENTITY_METADATA_KEY, sign_identity  # noqa: E402
from shop.models import Order, OrderStatus, Product  # noqa: E402
from shop.products import leaf_category  # noqa: E402
from shopbot.prod import (  # noqa: E402
    DEFAULT_DATABASE_URL,
    PROD_ENDPOINTS,
    ProdSettings,
    ProdStack,
    ensure_database,
    prepare_shop,
)
from shopbot.serve import BOT_DIR, Stack, StackConfig, free_port  # noqa: E402

TROUBLE_MARK = "having trouble"
REQUEST_TIMEOUT_S = 30.0
#: Loading a Rasa model takes a minute on a quiet machine, several on a busy shared one.
STARTUP_TIMEOUT_S = 900.0
BENCH_DIR = VAR_DIR / "bench"


# --- what the shoppers know about the shop ------------------------------------------------------
@dataclass
class ShopFacts:
    """Real ids and words from the benchmark's copy of the demo shop."""

    customers_with_orders: list[int]
    returnable: list[tuple[int, int]]  # (customer id, delivered order within the return window)
    guest_orders: list[tuple[int, str]]  # (order number, email on the order)
    categories: list[str]
    colors: list[str]

    @classmethod
    def load(cls, database_url: str) -> ShopFacts:
        engine = create_engine(database_url)
        now = datetime.now()
        with Session(engine) as session:
            customers = session.scalars(
                select(Order.customer_id).where(Order.customer_id.is_not(None)).distinct().limit(500)
            ).all()
            delivered = session.execute(
                select(Order.customer_id, Order.id)
                .where(Order.status == OrderStatus.DELIVERED, Order.customer_id.is_not(None))
                .where(Order.placed_at > now - timedelta(days=40))
                .limit(2000)
            ).all()
            orders_with_email = session.execute(select(Order.id, Order.email).limit(1000)).all()
            categories = session.scalars(select(Product.category_path).distinct().limit(200)).all()
            colors = session.scalars(select(Product.color).where(Product.color.is_not(None)).distinct()).all()
        engine.dispose()
        return cls(
            customers_with_orders=[c for c in customers if c],
            returnable=[(c, o) for c, o in delivered],
            guest_orders=[(o, e) for o, e in orders_with_email if e],
            categories=sorted({leaf_category(path).lower() for path in categories if path}),
            colors=sorted({c.lower() for c in colors if c})[:20],
        )


# --- scripted conversations --------------------------------------------------------------------------
Reply = list[dict[str, Any]]
#: A step turns the bot's last answer into the shopper's next message.
Step = Callable[[Reply], str]


def say(message: str) -> Step:
    return lambda _reply: message


def press_first_button(otherwise: str) -> Step:
    """What people do with buttons: press one (the first), else type `otherwise`."""

    def step(reply: Reply) -> str:
        for message in reply:
            for button in message.get("buttons") or []:
                if button.get("payload"):
                    return str(button["payload"])
        return otherwise

    return step


@dataclass
class Conversation:
    kind: str
    customer_id: int | None
    steps: list[Step]


def plan_conversation(facts: ShopFacts, rng: random.Random) -> Conversation:
    roll = rng.random()
    if roll < 0.5:
        category = rng.choice(facts.categories or ["jacket"])
        budget = rng.choice([30, 50, 80, 120, 200])
        query = rng.choice(
            [
                f"I'm looking for a {category} under ${budget}",
                f"show me {category}",
                f"do you have a {rng.choice(facts.colors or ['black'])} {category}?",
                f"{category} for a gift, not too expensive",
            ]
        )
        refine = rng.choice(["cheaper", f"in {rng.choice(facts.colors or ['blue'])}", "show more"])
        question = rng.choice(
            ["is the first one in stock?", "does the second one come in M?", "how much is it?"]
        )
        steps = [say("hi"), say(query), say(refine), say(question), say("thanks")]
        return Conversation("browse", rng.choice(facts.customers_with_orders + [None]), steps)
    if roll < 0.8:
        if rng.random() < 0.5 and facts.customers_with_orders:
            customer = rng.choice(facts.customers_with_orders)
            steps = [say("where is my last order?"), press_first_button("the latest one"), say("thanks")]
            return Conversation("order_status", customer, steps)
        number, email = rng.choice(facts.guest_orders)
        steps = [say(f"where is my order {number}?"), say(email), say("thank you")]
        return Conversation("order_status", None, steps)
    customer, order = rng.choice(facts.returnable)
    steps = [
        say(f"I want to return something from order {order}"),
        press_first_button("the first one"),
        say(rng.choice(["it doesn't fit", "it arrived damaged", "not what I expected"])),
        press_first_button("yes"),
        say("thanks"),
    ]
    return Conversation("return", customer, steps)


# --- the load generator --------------------------------------------------------------------------
@dataclass
class Sample:
    started: float
    latency: float
    kind: str
    error: str | None


@dataclass
class LevelResult:
    profile: str
    shoppers: int
    duration_s: float
    messages: int
    conversations: int
    throughput_msg_s: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    errors: int
    error_rate: float
    error_kinds: dict[str, int] = field(default_factory=dict)
    #: p50 / p95 latency (ms) and message count per conversation kind.
    by_kind: dict[str, dict[str, float]] = field(default_factory=dict)
    #: Load average of the machine (1 min) when the level ended: the machine is shared.
    load_average: float = 0.0


async def send(
    http: aiohttp.ClientSession, url: str, sender: str, message: str, metadata: dict[str, str] | None
) -> tuple[Reply, str | None]:
    body: dict[str, Any] = {"sender": sender, "message": message}
    if metadata:
        body["metadata"] = metadata
    try:
        async with http.post(f"{url}/webhooks/rest/webhook", json=body) as response:
            if response.status != 200:
                return [], f"http {response.status}"
            reply = await response.json()
    except TimeoutError:
        return [], "timeout"
    except aiohttp.ClientError as error:
        return [], type(error).__name__
    if not reply:
        return [], "empty answer"
    if any(TROUBLE_MARK in (m.get("text") or "").lower() for m in reply):
        return reply, "having trouble"
    return reply, None


async def shopper(
    number: int,
    *,
    http: aiohttp.ClientSession,
    urls: Sequence[str],
    facts: ShopFacts,
    identity_secret: str,
    think: tuple[float, float],
    measure_from: float,
    stop_at: float,
    samples: list[Sample],
    conversations: list[str],
    seed: int,
) -> None:
    rng = random.Random(seed * 100_003 + number)
    await asyncio.sleep(rng.uniform(0, think[1]))  # arrive spread out, not all at once
    turn = number  # alternate servers per message, starting at a different one per shopper
    while time.monotonic() < stop_at:
        conversation = plan_conversation(facts, rng)
        sender = f"load-{uuid.uuid4().hex[:16]}"
        metadata = None
        if conversation.customer_id is not None:
            token = sign_identity(conversation.customer_id, secret=identity_secret)
            metadata = {IDENTITY_METADATA_KEY: token}
        reply: Reply = []
        for step in conversation.steps:
            if time.monotonic() >= stop_at:
                return
            message = step(reply)
            url = urls[turn % len(urls)]
            turn += 1
            started = time.monotonic()
            reply, error = await send(http, url, sender, message, metadata)
            if started >= measure_from:
                samples.append(Sample(started, time.monotonic() - started, conversation.kind, error))
            await asyncio.sleep(rng.uniform(*think))
        if time.monotonic() < stop_at:
            conversations.append(conversation.kind)


def percentile(values: Sequence[float], q: float) -> float:
    return float(numpy.percentile(values, q)) if values else float("nan")


async def run_level(
    profile: str,
    urls: Sequence[str],
    facts: ShopFacts,
    identity_secret: str,
    *,
    shoppers: int,
    duration: float,
    warmup: float,
    think: tuple[float, float],
    seed: int,
) -> LevelResult:
    samples: list[Sample] = []
    conversations: list[str] = []
    start = time.monotonic()
    measure_from, stop_at = start + warmup, start + warmup + duration
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as http:
        await asyncio.gather(
            *(
                shopper(
                    i, http=http, urls=urls, facts=facts, identity_secret=identity_secret, think=think,
                    measure_from=measure_from, stop_at=stop_at, samples=samples,
                    conversations=conversations, seed=seed,
                )
                for i in range(shoppers)
            )
        )  # fmt: skip
    measured = [s for s in samples if s.started < stop_at]
    latencies = [s.latency * 1000 for s in measured]
    errors = [s.error for s in measured if s.error]
    kinds: dict[str, int] = {}
    for error in errors:
        kinds[error] = kinds.get(error, 0) + 1
    by_kind: dict[str, dict[str, float]] = {}
    for kind in sorted({s.kind for s in measured}):
        of_kind = [s.latency * 1000 for s in measured if s.kind == kind]
        by_kind[kind] = {
            "messages": len(of_kind),
            "p50_ms": round(percentile(of_kind, 50), 1),
            "p95_ms": round(percentile(of_kind, 95), 1),
        }
    return LevelResult(
        profile=profile,
        shoppers=shoppers,
        duration_s=duration,
        messages=len(measured),
        conversations=len(conversations),
        throughput_msg_s=round(len(measured) / duration, 2),
        p50_ms=round(percentile(latencies, 50), 1),
        p95_ms=round(percentile(latencies, 95), 1),
        p99_ms=round(percentile(latencies, 99), 1),
        max_ms=round(max(latencies, default=float("nan")), 1),
        errors=len(errors),
        error_rate=round(len(errors) / len(measured), 4) if measured else float("nan"),
        error_kinds=kinds,
        by_kind=by_kind,
        load_average=round(os.getloadavg()[0], 2),
    )


# --- the race probe ----------------------------------------------------------------------------------
def conversation_is_whole(events: list[dict[str, Any]], expected_user_messages: int) -> bool:
    """Every message got its own complete turn: all user events there, none inside another's turn."""
    users = 0
    listening = True  # the bot waits for the shopper before each user event
    for event in events:
        if event.get("event") == "user":
            if not listening:
                return False
            users += 1
            listening = False
        elif event.get("event") == "action" and event.get("name") == "action_listen":
            listening = True
    return users == expected_user_messages and listening


async def race_probe(urls: Sequence[str], rasa_token: str, pairs: int) -> dict[str, int]:
    """`pairs` conversations, each sending two messages at the same instant to two Rasa servers."""
    timeout = aiohttp.ClientTimeout(total=120)
    broken = errors = 0
    async with aiohttp.ClientSession(timeout=timeout) as http:
        senders = [f"race-{uuid.uuid4().hex[:16]}" for _ in range(pairs)]
        for sender in senders:
            results = await asyncio.gather(
                send(http, urls[0], sender, "hi", None),
                send(http, urls[1 % len(urls)], sender, "thanks", None),
            )
            errors += sum(1 for _, error in results if error)
        for sender in senders:
            async with http.get(
                f"{urls[0]}/conversations/{sender}/tracker", params={"token": rasa_token}
            ) as response:
                tracker = await response.json()
            if not conversation_is_whole(tracker.get("events", []), 2):
                broken += 1
    return {"pairs": pairs, "broken_conversations": broken, "errors": errors}


# --- the two profiles --------------------------------------------------------------------------------
def copy_sqlite(source: Path, target: Path) -> None:
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)


def clone_postgres(template_url: str) -> str:
    """A new database copied from `template_url`'s (PostgreSQL CREATE DATABASE ... TEMPLATE)."""
    template = make_url(template_url)
    name = f"shopbot_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(template.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template.database}"'))
    admin.dispose()
    return template.set(database=name).render_as_string(hide_password=False)


def drop_postgres(url: str) -> None:
    parsed = make_url(url)
    # The tracker URL names psycopg2 (Rasa's driver); this environment has psycopg 3.
    admin_url = parsed.set(database="postgres", drivername="postgresql+psycopg")
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
    admin.dispose()


def lock_store_endpoints(kind: str, workdir: Path) -> str:
    """The production endpoints file, or a copy that uses Rasa's own RedisLockStore."""
    if kind == "atomic":
        return PROD_ENDPOINTS
    variant = workdir / "endpoints.redis-lock.yml"
    original = (BOT_DIR / PROD_ENDPOINTS).read_text()
    variant.write_text(original.replace("type: atomic_lock_store.AtomicRedisLockStore", "type: redis"))
    return str(variant)


class Profile:
    name: str
    urls: list[str]
    identity_secret: str
    rasa_token: str
    database_url: str

    def __enter__(self) -> Profile:
        raise NotImplementedError

    def __exit__(self, *_exc: object) -> None:
        raise NotImplementedError


class SingleServer(Profile):
    """`make run`'s profile: SQLite, one Rasa server (in-memory tracker and lock) + one action server."""

    name = "single"

    def __init__(self, workdir: Path) -> None:
        source = BENCH_DIR / "single" / "shop.db"
        self.model_dir = BENCH_DIR / "single" / "models"
        source.parent.mkdir(parents=True, exist_ok=True)
        prepare_shop(f"sqlite:///{source}", self.model_dir)
        copy = workdir / "shop.db"
        copy_sqlite(source, copy)
        self.database_url = f"sqlite:///{copy}"
        self.identity_secret = secrets.token_urlsafe(32)
        self.rasa_token = secrets.token_urlsafe(32)
        self.stack = Stack(
            StackConfig(
                database_url=self.database_url,
                identity_secret=self.identity_secret,
                rasa_token=self.rasa_token,
                model_dir=self.model_dir,
                rasa_port=free_port(),
                action_port=free_port(),
                web_port=free_port(),
                log_dir=workdir / "logs",
                components=("actions", "rasa"),
            )
        )
        self.urls = [self.stack.config.rasa_url]

    def __enter__(self) -> SingleServer:
        self.stack.start()
        try:
            self.stack.wait_until_ready(STARTUP_TIMEOUT_S)
        except BaseException:
            self.stack.stop()
            raise
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stack.stop()


class Production(Profile):
    """The production profile (shopbot/prod.py) on a clone of the prepared `shopbot_prod` database."""

    name = "prod"

    def __init__(self, workdir: Path, lock_store: str) -> None:
        template_url = DEFAULT_DATABASE_URL
        model_dir = VAR_DIR / "prod" / "models"
        ensure_database(template_url)
        prepare_shop(template_url, model_dir)
        self.database_url = clone_postgres(template_url)
        self.tracker_url = make_url(self.database_url).set(
            drivername="postgresql", database=f"{make_url(self.database_url).database}_tracker"
        )
        ensure_database(self.tracker_url.render_as_string(hide_password=False))
        self.identity_secret = secrets.token_urlsafe(32)
        self.rasa_token = secrets.token_urlsafe(32)
        self.name = "prod" if lock_store == "atomic" else "prod (Rasa RedisLockStore)"
        self.settings = ProdSettings(
            database_url=self.database_url,
            tracker_database_url=self.tracker_url.render_as_string(hide_password=False),
            redis_url="redis://127.0.0.1:6379/0",
            rasa_token=self.rasa_token,
            action_token=secrets.token_urlsafe(32),
            identity_secret=self.identity_secret,
            lock_key_prefix=f"bench{uuid.uuid4().hex[:8]}",
            rasa_ports=(free_port(), free_port()),
            action_ports=(free_port(), free_port()),
            web_port=free_port(),
            model_dir=model_dir,
            log_dir=workdir / "logs",
            endpoints_file=lock_store_endpoints(lock_store, workdir),
        )
        self.stack = ProdStack(self.settings, with_web=False)
        self.urls = self.stack.rasa_urls

    def __enter__(self) -> Production:
        self.stack.start()
        try:
            self.stack.wait_until_ready(STARTUP_TIMEOUT_S)
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stack.stop()
        drop_postgres(self.database_url)
        drop_postgres(self.tracker_url.render_as_string(hide_password=False))


# --- main -----------------------------------------------------------------------------------------
def print_table(results: list[LevelResult]) -> None:
    header = (
        f"{'profile':<28} {'N':>4} {'msgs':>6} {'msg/s':>7} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'p99 ms':>8} {'max ms':>8} {'errors':>7} {'err rate':>8}"
    )
    print(header)
    for r in results:
        print(
            f"{r.profile:<28} {r.shoppers:>4} {r.messages:>6} {r.throughput_msg_s:>7.2f} {r.p50_ms:>8.0f} "
            f"{r.p95_ms:>8.0f} {r.p99_ms:>8.0f} {r.max_ms:>8.0f} {r.errors:>7} {r.error_rate:>8.4f}"
            + f"  load {r.load_average:.1f}"
            + (f"  {r.error_kinds}" if r.error_kinds else "")
        )
        for kind, stats in r.by_kind.items():
            print(
                f"    {kind:<14} {stats['messages']:>6.0f} msgs  "
                f"p50 {stats['p50_ms']:>6.0f} ms  p95 {stats['p95_ms']:>6.0f} ms"
            )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", default="single,prod", help="comma-separated: single, prod")
    parser.add_argument("--levels", default="10,25,50,100", help="numbers of concurrent shoppers")
    parser.add_argument("--duration", type=float, default=60.0, help="measured seconds per level")
    parser.add_argument("--warmup", type=float, default=10.0, help="unmeasured seconds per level")
    parser.add_argument("--think", default="3,8", help="think time between messages, min,max seconds")
    parser.add_argument("--lock-store", choices=["atomic", "redis"], default="atomic")
    parser.add_argument("--race-probe", type=int, default=0, help="prod: this many simultaneous pairs")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=BENCH_DIR / "load_shoppers.json")
    args = parser.parse_args(argv)
    levels = [int(n) for n in args.levels.split(",") if n]
    think_min, think_max = (float(x) for x in args.think.split(","))
    results: list[LevelResult] = []
    probes: dict[str, dict[str, int]] = {}
    started_at = datetime.now().isoformat(timespec="seconds")
    names = [p.strip() for p in args.profiles.split(",") if p.strip()]
    # All profiles run at once and take turns level by level, so that both see the same
    # machine: this one is shared, and its load changes by the minute.
    with tempfile.TemporaryDirectory(prefix="load-") as tmp, ExitStack() as running:
        profiles: list[Profile] = []
        for name in names:
            workdir = Path(tmp) / name
            workdir.mkdir()
            profile = SingleServer(workdir) if name == "single" else Production(workdir, args.lock_store)
            print(f"starting the {profile.name} profile…", flush=True)
            began = time.monotonic()
            running.enter_context(profile)
            print(f"  ready after {time.monotonic() - began:.0f} s: {profile.urls}", flush=True)
            profiles.append(profile)
        facts = {profile.name: ShopFacts.load(profile.database_url) for profile in profiles}
        for shoppers in levels:
            for profile in profiles:
                result = asyncio.run(
                    run_level(
                        profile.name, profile.urls, facts[profile.name], profile.identity_secret,
                        shoppers=shoppers, duration=args.duration, warmup=args.warmup,
                        think=(think_min, think_max), seed=args.seed,
                    )
                )  # fmt: skip
                results.append(result)
                print_table([result])
        for profile in profiles:
            if args.race_probe and len(profile.urls) > 1:
                probe = race_probe(profile.urls, profile.rasa_token, args.race_probe)
                probes[profile.name] = asyncio.run(probe)
                print(f"  race probe ({profile.name}): {probes[profile.name]}", flush=True)
    print()
    print_table(results)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {
                "started_at": started_at,
                "think_s": [think_min, think_max],
                "results": [asdict(r) for r in results],
                "race_probes": probes,
            },
            indent=2,
        )
    )
    print(f"\nwritten to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
