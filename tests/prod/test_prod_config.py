"""The production profile's configuration: secrets only from the environment, refused when absent.

No servers are started here, except Rasa for a few seconds to show that it, too, refuses the
production endpoints without their secrets.
"""

from __future__ import annotations

import math
import os
import re
import secrets
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import yaml

from shopbot.prod import (
    PROD_ENDPOINTS,
    REQUIRED_SECRETS,
    ProdConfigError,
    ProdStack,
    action_env,
    rasa_env,
    settings_from_env,
)
from shopbot.serve import BOT_DIR, RASA, REPO_ROOT


def good_env() -> dict[str, str]:
    return {name: secrets.token_urlsafe(32) for name in REQUIRED_SECRETS}


@pytest.mark.parametrize("missing", REQUIRED_SECRETS)
def test_the_profile_refuses_to_start_without_each_secret(missing):
    env = good_env()
    del env[missing]
    with pytest.raises(ProdConfigError, match=missing):
        settings_from_env(env)


def test_an_empty_or_placeholder_secret_is_refused():
    env = good_env() | {"SHOPBOT_RASA_TOKEN": ""}
    with pytest.raises(ProdConfigError, match="SHOPBOT_RASA_TOKEN"):
        settings_from_env(env)
    env = good_env() | {"SHOPBOT_ACTION_TOKEN": "changeme"}
    with pytest.raises(ProdConfigError, match="at least 16 characters"):
        settings_from_env(env)


def test_one_secret_reused_for_everything_is_refused():
    shared = secrets.token_urlsafe(32)
    with pytest.raises(ProdConfigError, match="different"):
        settings_from_env({name: shared for name in REQUIRED_SECRETS})


def test_the_profile_refuses_sqlite_for_the_shop_or_the_conversations():
    with pytest.raises(ProdConfigError, match="DATABASE_URL must be a PostgreSQL URL"):
        settings_from_env(good_env() | {"DATABASE_URL": "sqlite:///var/shop.db"})
    with pytest.raises(ProdConfigError, match="SHOPBOT_TRACKER_DATABASE_URL"):
        settings_from_env(good_env() | {"SHOPBOT_TRACKER_DATABASE_URL": "sqlite:///rasa.db"})


def test_secrets_reach_the_servers_only_through_their_environment():
    env = good_env() | {
        "SHOPBOT_TRACKER_DATABASE_URL": "postgresql://rasa:example-pw@db.internal:6543/conversations",
        "SHOPBOT_REDIS_URL": "redis://:example-redis-pw@cache.internal:6380/2",
    }
    settings = settings_from_env(env)
    rasa = rasa_env(settings)
    assert rasa["SHOPBOT_ACTION_TOKEN"] == env["SHOPBOT_ACTION_TOKEN"]
    assert (rasa["SHOPBOT_TRACKER_DB_HOST"], rasa["SHOPBOT_TRACKER_DB_PORT"]) == ("db.internal", "6543")
    assert (rasa["SHOPBOT_TRACKER_DB_USER"], rasa["SHOPBOT_TRACKER_DB_PASSWORD"]) == ("rasa", "example-pw")
    assert rasa["SHOPBOT_TRACKER_DB_NAME"] == "conversations"
    assert (rasa["SHOPBOT_LOCK_REDIS_HOST"], rasa["SHOPBOT_LOCK_REDIS_PORT"]) == ("cache.internal", "6380")
    assert rasa["SHOPBOT_LOCK_REDIS_PASSWORD"] == "example-redis-pw"
    assert env["SHOPBOT_RASA_TOKEN"] not in rasa.values()  # Rasa gets its API token as an argument
    actions = action_env(settings)
    assert actions["SHOPBOT_ACTION_TOKEN"] == env["SHOPBOT_ACTION_TOKEN"]
    assert actions["SANIC_HOST"] == "127.0.0.1"


def test_make_run_prod_refuses_to_start_without_secrets_and_says_which():
    env = {k: v for k, v in os.environ.items() if k not in REQUIRED_SECRETS}
    result = subprocess.run(
        [sys.executable, "-m", "shopbot.prod", "--no-prepare"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "Refusing to start" in result.stderr
    for name in REQUIRED_SECRETS:
        assert name in result.stderr
    assert "Starting" not in result.stdout


def _env_references(value: object) -> bool:
    return isinstance(value, str) and re.fullmatch(r"\$\{[A-Z0-9_]+\}", value) is not None


def test_every_production_endpoint_value_comes_from_the_environment():
    endpoints = yaml.safe_load((BOT_DIR / PROD_ENDPOINTS).read_text())
    assert endpoints["tracker_store"]["type"] == "SQL"
    assert endpoints["tracker_store"]["dialect"] == "postgresql"
    assert endpoints["lock_store"]["type"] == "atomic_lock_store.AtomicRedisLockStore"
    for section in ("tracker_store", "lock_store"):
        for key, value in endpoints[section].items():
            if key not in ("type", "dialect"):
                assert _env_references(value), f"{section}.{key} must be ${{...}} from the environment"
    assert _env_references(endpoints["action_endpoint"]["headers"]["X-Shopbot-Action-Token"])
    # Rasa substitutes ${...} only in plain scalars: a quoted value would stay a literal string.
    raw = (BOT_DIR / PROD_ENDPOINTS).read_text()
    assert not re.search(r"""["']\$\{""", raw)


@pytest.mark.rasa
def test_rasa_refuses_the_production_endpoints_without_their_secrets(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHOPBOT_")}
    env["ACTION_ENDPOINT_URL"] = "http://127.0.0.1:9/webhook"
    result = subprocess.run(
        [str(RASA), "run", "--endpoints", PROD_ENDPOINTS, "--credentials", "credentials.yml",
         "--model", str(tmp_path), "-p", "9"],
        cwd=BOT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )  # fmt: skip
    assert result.returncode != 0
    assert "SHOPBOT_" in result.stdout + result.stderr


# --- no secret in the repository ----------------------------------------------------------------
SECRET_NAME = r"(?:password|passwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key)"
SECRET_ASSIGNMENT = re.compile(
    rf"""(?ix) {SECRET_NAME} [\w-]* ["']? \s* [:=] \s* ["']? (?P<value>[A-Za-z0-9+/_\-=]{{16,}})"""
)
KNOWN_SECRET_SHAPES = [
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    re.compile(r"\bAKIA[0-9A-Z]{16}\b"),  # AWS access key id
    re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b"),  # GitHub token
    re.compile(r"\bxox[baprs]-[A-Za-z0-9-]{10,}\b"),  # Slack token
    re.compile(r"\b(?:postgres(?:ql)?|redis|mysql)(?:\+\w+)?://[^:/\s]+:(?!\$\{)[^@\s]{6,}@"),  # URL password
]


def _entropy(value: str) -> float:
    counts = Counter(value)
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())


#: Words that mark a value as an obvious stand-in (test fixtures, documentation).
STAND_IN = re.compile(r"(?i)test|example|dummy|fake|placeholder|changeme|not-a-secret")


def secrets_in(text: str) -> list[str]:
    """Literal secrets in `text`: known key shapes, and random-looking values given secret names."""
    found = [m.group(0) for shape in KNOWN_SECRET_SHAPES for m in shape.finditer(text)]
    found = [hit for hit in found if not STAND_IN.search(hit)]
    for match in SECRET_ASSIGNMENT.finditer(text):
        value = match.group("value")
        if STAND_IN.search(value):
            continue
        random_looking = any(c.isdigit() for c in value) and any(c.isalpha() for c in value)
        if random_looking and _entropy(value) >= 3.5:
            found.append(match.group(0))
    return found


def test_the_secret_detector_finds_real_looking_secrets_and_ignores_references():
    # The samples are glued together at run time so that this file itself holds no secret shape.
    key, pw = "q8ZrT1vK0pX4" + "mN7bW2yL5cH9", "hN3kq9Zt" + "L0xV7mP2wR5s"
    assert secrets_in(f'SHOPBOT_RASA_TOKEN = "{key}"')
    assert secrets_in(f"password: {pw}")
    assert secrets_in("-----BEGIN RSA " + "PRIVATE KEY-----")
    assert secrets_in("DATABASE_URL=postgresql://shop:" + "Tr0ub4dor3x" + "@db:5432/shop")
    assert not secrets_in("password: ${SHOPBOT_TRACKER_DB_PASSWORD}")
    assert not secrets_in('rasa_token="live-test-rasa-token"')
    assert not secrets_in('SECRET = "test-secret-0123456789"')
    assert not secrets_in("token = secrets.token_urlsafe(32)")
    assert not secrets_in("postgresql+psycopg://postgres@127.0.0.1:5432/test")


def test_no_secret_is_committed_to_the_repository():
    tracked = (
        subprocess.run(["git", "ls-files", "-z"], cwd=REPO_ROOT, capture_output=True, check=True)
        .stdout.decode()
        .split("\0")
    )
    findings = []
    for name in filter(None, tracked):
        path = REPO_ROOT / name
        if not path.is_file() or path.stat().st_size > 2_000_000:
            continue
        try:
            content = path.read_text()
        except UnicodeDecodeError:
            continue  # binary
        findings += [f"{name}: {hit[:60]}" for hit in secrets_in(content)]
    assert findings == []


def test_generated_local_secrets_and_env_files_are_never_committed():
    for candidate in ("var/secrets.env", ".env", "deploy/prod.env"):
        ignored = subprocess.run(["git", "check-ignore", "-q", candidate], cwd=REPO_ROOT)
        assert ignored.returncode == 0, f"{candidate} must be git-ignored"


def test_the_action_server_plugin_is_where_rasa_sdk_looks_for_it():
    assert (Path(REPO_ROOT) / "rasa_sdk_plugins" / "__init__.py").is_file()


def test_the_profile_pairs_each_rasa_server_with_its_own_action_server():
    ports = {"rasa_ports": (6005, 6006), "action_ports": (6055, 6056), "web_port": 6080}
    settings = settings_from_env(good_env(), **ports)
    servers = ProdStack(settings).servers
    assert sorted(servers) == ["actions-1", "actions-2", "rasa-1", "rasa-2", "web"]
    for i in (1, 2):
        rasa, actions = servers[f"rasa-{i}"].config, servers[f"actions-{i}"].config
        assert (rasa.components, actions.components) == (("rasa",), ("actions",))
        assert rasa.action_port == actions.action_port == 6054 + i
        assert rasa.rasa_port == 6004 + i
        assert rasa.endpoints_file == PROD_ENDPOINTS
        assert rasa.web_url == "http://127.0.0.1:6080"  # CORS: the shop page's origin
        # The body size limit is Rasa's; an action server receives whole trackers.
        assert "SANIC_REQUEST_MAX_SIZE" in rasa.extra_env
        assert "SANIC_REQUEST_MAX_SIZE" not in actions.extra_env
        assert actions.extra_env["SANIC_HOST"] == "127.0.0.1"
    assert servers["web"].config.rasa_url == "http://127.0.0.1:6005"
