"""The production profile: the assistant as a replicated service on PostgreSQL and Redis.

`make run PROFILE=prod` calls `python -m shopbot.prod`. Compared with `make run` (SQLite, one
Rasa server with in-memory conversations and locks), it runs

* the shop database on PostgreSQL (`DATABASE_URL`),
* Rasa's tracker store on PostgreSQL and its lock store on Redis (bot/endpoints.prod.yml), so
  any Rasa server can continue any conversation and a conversation's messages are handled one
  at a time across all of them,
* `replicas` (default two) Rasa servers and as many action servers, each on its own port
  (Rasa server i calls action server i), plus the shop page, which talks to the first Rasa
  server. Order-lookup rate limits are shared through Redis (`SHOPBOT_REDIS_URL`).

Locally there is no load balancer: clients pick a Rasa server (the tests alternate between
them). In a cluster, a Kubernetes Service spreads requests over the replicas; deploy/README.md
shows that path with Rasa's official Helm charts. This module does not orchestrate anything
beyond starting and stopping processes through `shopbot.serve.Stack`.

Secrets come only from the environment, and the profile refuses to start without them:
`SHOPBOT_RASA_TOKEN` (Rasa's HTTP API), `SHOPBOT_ACTION_TOKEN` (Rasa -> action server) and
`SHOPBOT_IDENTITY_SECRET` (signed shopper identity). Database and Redis addresses default to
the local servers (127.0.0.1) and are taken from the environment when set.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url

from shop.config import REPO_ROOT, VAR_DIR
from shopbot.serve import PYTHON, Stack, StackConfig, StackError

PROD_ENDPOINTS = "endpoints.prod.yml"
SHOPBOT = REPO_ROOT / ".venv" / "bin" / "shopbot"

#: Secrets the profile will not start without (no defaults, no generated fallbacks).
REQUIRED_SECRETS = ("SHOPBOT_RASA_TOKEN", "SHOPBOT_ACTION_TOKEN", "SHOPBOT_IDENTITY_SECRET")
#: A secret shorter than this is a placeholder, not a secret.
MIN_SECRET_LENGTH = 16
#: Largest request body the Rasa servers accept (Sanic answers 413 above it). A chat message
#: is at most 2,000 characters (bot/resilient_rest.py) plus a signed identity.
RASA_MAX_REQUEST_BYTES = 64 * 1024

DEFAULT_DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/shopbot_prod"
DEFAULT_TRACKER_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/shopbot_prod_tracker"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


class ProdConfigError(ValueError):
    """The environment does not describe a valid production profile; the message says why."""


@dataclass(frozen=True)
class ProdSettings:
    """Everything the production profile needs, read once from the environment."""

    database_url: str
    tracker_database_url: str
    redis_url: str
    rasa_token: str
    action_token: str
    identity_secret: str
    #: Redis database of Rasa's lock store (rate limits use the one in `redis_url`).
    lock_redis_db: int = 1
    #: Alphanumeric prefix of the lock keys, so several deployments can share one Redis.
    lock_key_prefix: str = "shopbot"
    replicas: int = 2
    host: str = "127.0.0.1"
    rasa_ports: tuple[int, ...] = (5005, 5006)
    action_ports: tuple[int, ...] = (5055, 5056)
    web_port: int = 8080
    model_dir: Path = VAR_DIR / "prod" / "models"
    log_dir: Path = VAR_DIR / "prod" / "log"
    extra_env: Mapping[str, str] = field(default_factory=dict)
    #: Rasa's endpoints file, relative to bot/ (the lock-race benchmark swaps in a variant).
    endpoints_file: str = PROD_ENDPOINTS

    def __post_init__(self) -> None:
        problems = []
        for name, value in (("DATABASE_URL", self.database_url),
                            ("SHOPBOT_TRACKER_DATABASE_URL", self.tracker_database_url)):  # fmt: skip
            if make_url(value).get_backend_name() != "postgresql":
                problems.append(f"{name} must be a PostgreSQL URL (got {make_url(value).drivername})")
        if not self.redis_url.startswith(("redis://", "rediss://")):
            problems.append("SHOPBOT_REDIS_URL must be a redis:// or rediss:// URL")
        if not self.lock_key_prefix.isalnum():
            problems.append("SHOPBOT_LOCK_KEY_PREFIX must be letters and digits only")
        ports = min(len(self.rasa_ports), len(self.action_ports))
        if not 1 <= self.replicas <= ports:
            problems.append("need one Rasa port and one action server port per replica")
        if problems:
            raise ProdConfigError("; ".join(problems))


def settings_from_env(env: Mapping[str, str] | None = None, **overrides: object) -> ProdSettings:
    """The profile's settings from `env` (default: os.environ); refuses missing or weak secrets."""
    env = os.environ if env is None else env
    missing = [name for name in REQUIRED_SECRETS if not env.get(name)]
    if missing:
        raise ProdConfigError(
            "the production profile reads its secrets from the environment and will not start "
            f"without them; set {', '.join(missing)} (e.g. `export {missing[0]}=$(openssl rand -hex 32)`)"
        )
    weak = [name for name in REQUIRED_SECRETS if len(env[name]) < MIN_SECRET_LENGTH]
    if weak:
        raise ProdConfigError(f"{', '.join(weak)}: a secret needs at least {MIN_SECRET_LENGTH} characters")
    if len({env[name] for name in REQUIRED_SECRETS}) < len(REQUIRED_SECRETS):
        raise ProdConfigError(f"{', '.join(REQUIRED_SECRETS)} must be three different secrets")
    if env.get("SHOPBOT_DEMO_LOGIN", "").strip().lower() not in ("", "0", "false", "no", "off"):
        raise ProdConfigError(
            "SHOPBOT_DEMO_LOGIN is set: the password-less demo login lets anyone act as a "
            "customer and exists only in the dev profile; unset it (a shop's own backend signs "
            "the identity, see web/README.md)"
        )
    values: dict[str, object] = {
        "database_url": env.get("DATABASE_URL") or DEFAULT_DATABASE_URL,
        "tracker_database_url": env.get("SHOPBOT_TRACKER_DATABASE_URL") or DEFAULT_TRACKER_DATABASE_URL,
        "redis_url": env.get("SHOPBOT_REDIS_URL") or DEFAULT_REDIS_URL,
        "rasa_token": env["SHOPBOT_RASA_TOKEN"],
        "action_token": env["SHOPBOT_ACTION_TOKEN"],
        "identity_secret": env["SHOPBOT_IDENTITY_SECRET"],
    }
    if env.get("SHOPBOT_LOCK_KEY_PREFIX"):
        values["lock_key_prefix"] = env["SHOPBOT_LOCK_KEY_PREFIX"]
    if env.get("SHOPBOT_LOCK_REDIS_DB"):
        values["lock_redis_db"] = int(env["SHOPBOT_LOCK_REDIS_DB"])
    values.update(overrides)
    return ProdSettings(**values)  # type: ignore[arg-type]


# --- the environment of each server --------------------------------------------------------------
def rasa_env(settings: ProdSettings) -> dict[str, str]:
    """Variables that bot/endpoints.prod.yml reads, plus Sanic's request size limit."""
    tracker = make_url(settings.tracker_database_url)
    redis = make_url(settings.redis_url)  # SQLAlchemy's URL parser reads redis:// URLs as well
    return {
        "SHOPBOT_ACTION_TOKEN": settings.action_token,
        "SHOPBOT_TRACKER_DB_HOST": tracker.host or "127.0.0.1",
        "SHOPBOT_TRACKER_DB_PORT": str(tracker.port or 5432),
        "SHOPBOT_TRACKER_DB_NAME": tracker.database or "",
        "SHOPBOT_TRACKER_DB_USER": tracker.username or "",
        "SHOPBOT_TRACKER_DB_PASSWORD": tracker.password or "",
        "SHOPBOT_LOCK_REDIS_HOST": redis.host or "127.0.0.1",
        "SHOPBOT_LOCK_REDIS_PORT": str(redis.port or 6379),
        "SHOPBOT_LOCK_REDIS_DB": str(settings.lock_redis_db),
        "SHOPBOT_LOCK_REDIS_PASSWORD": redis.password or "",
        "SHOPBOT_LOCK_KEY_PREFIX": settings.lock_key_prefix,
        "SANIC_REQUEST_MAX_SIZE": str(RASA_MAX_REQUEST_BYTES),
        # Replicas, not threads, use the cores: one TensorFlow thread per Rasa server avoids
        # several servers' thread pools fighting over the same few cores.
        "TF_INTER_OP_PARALLELISM_THREADS": "1",
        "TF_INTRA_OP_PARALLELISM_THREADS": "1",
    }


def action_env(settings: ProdSettings) -> dict[str, str]:
    return {
        "SHOPBOT_ACTION_TOKEN": settings.action_token,
        # Rate limits shared by all action servers.
        "SHOPBOT_REDIS_URL": settings.redis_url,
        # rasa-sdk binds to 0.0.0.0 unless told otherwise; locally only our Rasa servers call it.
        "SANIC_HOST": settings.host,
        # One torch thread per action server (query embeddings): see the TensorFlow note above.
        "OMP_NUM_THREADS": "1",
    }


class ProdStack:
    """The servers of the production profile: `actions-i` and `rasa-i` per replica, and `web`.

    Each server is a one-component `shopbot.serve.Stack`, so every one of them can be killed,
    started and restarted on its own (the fault tests do exactly that).
    """

    def __init__(self, settings: ProdSettings, *, with_web: bool = True) -> None:
        self.settings = settings
        s = settings
        web_port = s.web_port
        self.servers: dict[str, Stack] = {}
        for i in range(s.replicas):
            base = StackConfig(
                database_url=s.database_url,
                identity_secret=s.identity_secret,
                rasa_token=s.rasa_token,
                action_token=s.action_token,
                model_dir=s.model_dir,
                host=s.host,
                rasa_port=s.rasa_ports[i],
                action_port=s.action_ports[i],
                web_port=web_port,
                log_dir=s.log_dir,
                endpoints_file=s.endpoints_file,
                demo_login=False,
            )
            self.servers[f"actions-{i + 1}"] = Stack(
                replace(base, components=("actions",), extra_env={**s.extra_env, **action_env(s)})
            )
            self.servers[f"rasa-{i + 1}"] = Stack(
                replace(base, components=("rasa",), extra_env={**s.extra_env, **rasa_env(s)})
            )
        if with_web:
            web = replace(self.servers["rasa-1"].config, components=("web",), extra_env=dict(s.extra_env))
            self.servers["web"] = Stack(web)

    # --- addresses ------------------------------------------------------------------------------
    @property
    def rasa_urls(self) -> list[str]:
        return [self.servers[f"rasa-{i + 1}"].config.rasa_url for i in range(self.settings.replicas)]

    @property
    def action_urls(self) -> list[str]:
        return [self.servers[f"actions-{i + 1}"].config.action_url for i in range(self.settings.replicas)]

    @property
    def web_url(self) -> str:
        return self.servers["rasa-1"].config.web_url

    # --- process management ---------------------------------------------------------------------
    def start(self) -> None:
        self.settings.log_dir.mkdir(parents=True, exist_ok=True)
        for stack in self.servers.values():
            stack.start()

    def wait_until_ready(self, timeout: float = 600.0) -> None:
        deadline = time.monotonic() + timeout
        for stack in self.servers.values():
            stack.wait_until_ready(max(1.0, deadline - time.monotonic()))

    def stop(self) -> None:
        for stack in self.servers.values():
            stack.stop()

    def _component(self, server: str) -> tuple[Stack, str]:
        stack = self.servers[server]
        return stack, stack.config.components[0]

    def kill(self, server: str) -> None:
        """Kill one server hard (SIGKILL), as a crash would."""
        stack, component = self._component(server)
        stack.kill(component)

    def start_server(self, server: str, timeout: float = 300.0) -> None:
        """Start one server that was killed, and wait until it answers."""
        stack, _ = self._component(server)
        stack.start()
        stack.wait_until_ready(timeout)

    def restart(self, server: str, timeout: float = 300.0) -> None:
        """Stop one server gracefully and start it again."""
        stack, component = self._component(server)
        stack.restart(component, timeout)

    def dead(self) -> list[str]:
        return [name for name, stack in self.servers.items() if stack.dead()]

    def log_paths(self) -> list[Path]:
        return [stack.log_path(stack.config.components[0]) for stack in self.servers.values()]

    def log_tail(self, server: str, lines: int = 30) -> str:
        stack, component = self._component(server)
        return stack.log_tail(component, lines)

    def __enter__(self) -> ProdStack:
        self.start()
        try:
            self.wait_until_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()


# --- preparing the databases and models ----------------------------------------------------------
def ensure_database(url: str) -> bool:
    """Create the PostgreSQL database named in `url` if it does not exist; True if created."""
    target = make_url(url)
    maintenance: URL = target.set(database="postgres")
    if target.drivername == "postgresql":  # Rasa's psycopg2 URL; this environment has psycopg 3
        maintenance = maintenance.set(drivername="postgresql+psycopg")
    engine = create_engine(maintenance, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            exists = connection.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": target.database}
            ).first()
            if exists:
                return False
            quoted = connection.dialect.identifier_preparer.quote(str(target.database))
            connection.execute(text(f"CREATE DATABASE {quoted}"))
            return True
    finally:
        engine.dispose()


def prepare(settings: ProdSettings, *, demo_size: str = "default", seed_demo: bool = True) -> None:
    """Idempotently: create the databases, migrate, seed the demo shop if empty, build models."""
    ensure_database(settings.database_url)
    ensure_database(settings.tracker_database_url)
    prepare_shop(settings.database_url, settings.model_dir, demo_size=demo_size, seed_demo=seed_demo)


def prepare_shop(
    database_url: str, model_dir: Path, *, demo_size: str = "default", seed_demo: bool = True
) -> None:
    """Migrate the shop database, seed the demo shop if it is empty, build the models for it."""
    env = {**os.environ, "DATABASE_URL": database_url, "SHOPBOT_MODEL_DIR": str(model_dir)}

    def shopbot(*args: str) -> None:
        subprocess.run([str(SHOPBOT), *args], env=env, check=True)

    shopbot("db", "upgrade")
    if seed_demo and _shop_is_empty(database_url):
        shopbot("demo", "seed", "--size", demo_size)
    shopbot("recommender", "train", "--if-changed")
    _reuse_embedding_cache(model_dir / "search")
    shopbot("search", "build")


def _reuse_embedding_cache(index_dir: Path) -> None:
    """Start a first index from `make run`'s embeddings: products are encoded by content hash,
    so only what differs is encoded again (minutes of CPU saved on the same demo catalog)."""
    from search.index import build_id, copy_embedding_cache, default_index_dir

    source = default_index_dir()
    if build_id(index_dir) is None and build_id(source) is not None:
        copy_embedding_cache(source, index_dir)


def _shop_is_empty(database_url: str) -> bool:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT count(*) FROM products")).scalar_one() == 0
    finally:
        engine.dispose()


def _print_welcome(stack: ProdStack) -> None:
    lines = [
        "",
        "The shopping assistant is running in the production profile.",
        "",
        f"  Shop page (talks to the first Rasa server):  {stack.web_url}",
    ]
    for i, url in enumerate(stack.rasa_urls, start=1):
        lines.append(f"  Rasa server {i} (REST channel):  {url}/webhooks/rest/webhook")
    for i, url in enumerate(stack.action_urls, start=1):
        lines.append(f"  Action server {i} (loopback only, token required):  {url}/health")
    lines += [
        f"  Terminal chat:  {PYTHON.parent / 'shopbot'} chat --url {stack.rasa_urls[0]}",
        f"  Logs:  {stack.settings.log_dir}/",
        "",
        "Press Ctrl-C to stop.",
        "",
    ]
    print("\n".join(lines), flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the assistant in the production profile.")
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--no-prepare", action="store_true", help="skip migrations, demo seed, models")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds to wait for readiness")
    args = parser.parse_args(argv)
    try:
        settings = settings_from_env(
            replicas=args.replicas,
            rasa_ports=tuple(5005 + i for i in range(args.replicas)),
            action_ports=tuple(5055 + i for i in range(args.replicas)),
        )
    except ProdConfigError as error:
        print(f"Refusing to start the production profile: {error}", file=sys.stderr)
        return 2
    if not args.no_prepare:
        print("Preparing PostgreSQL (migrations, demo shop) and the models…", flush=True)
        prepare(settings)

    stack = ProdStack(settings)

    def _terminate(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _terminate)
    print(f"Starting {args.replicas} action servers, {args.replicas} Rasa servers and the shop page…")
    stack.start()
    try:
        stack.wait_until_ready(args.timeout)
        _print_welcome(stack)
        while not stack.dead():
            time.sleep(0.5)
        name = stack.dead()[0]
        print(f"The {name} server stopped unexpectedly:\n{stack.log_tail(name)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    except StackError as error:
        print(f"Could not start the assistant: {error}", file=sys.stderr)
        return 1
    finally:
        print("Stopping…", flush=True)
        stack.stop()


if __name__ == "__main__":
    sys.exit(main())
