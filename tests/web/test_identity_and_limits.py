"""Identity that cannot be borrowed, and limits a fresh sender id does not reset (issue 18).

* `POST /api/login` signed a token for any customer id or email, with no password, and the
  production profile served it too. Now it exists only in the dev profile, only for the demo
  customers, and the production profile refuses to start with it.
* Numbers and characters that ended in a 500 (`customer_id` 2**63 or 10**30, an email with a
  lone surrogate, `?page=²`, a 31-digit page) get a clear 4xx.
* `/api/chat` and `/api/login` had no limit; they are limited per client address, so new
  sender ids change nothing.
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from shop.db import make_engine
from shop.identity import verify_identity_token
from shop.models import Customer
from shopbot.prod import ProdConfigError, ProdStack, settings_from_env
from tests.web.web_server import IDENTITY_SECRET, WebServer, start_web_server, stop_web_server

REPO_ROOT = Path(__file__).resolve().parents[2]
PROD_SECRETS = {
    "SHOPBOT_RASA_TOKEN": "prod-rasa-test-token-0123456789",
    "SHOPBOT_ACTION_TOKEN": "prod-action-test-token-0123456789",
    "SHOPBOT_IDENTITY_SECRET": "prod-identity-test-secret-0123456789",
}


def _login(web: WebServer, body: object) -> requests.Response:
    return requests.post(f"{web.url}/api/login", json=body, timeout=10)


@pytest.fixture
def prod_page(tmp_path, tiny_shop, rasa):  # type: ignore[no-untyped-def]
    server = start_web_server(
        tmp_path, database_url=tiny_shop, rasa_url=rasa.url, rasa_token=rasa.token,
        extra_env={"SHOPBOT_DEMO_LOGIN": "false"},
    )  # fmt: skip
    yield server
    stop_web_server(server)


# --- the demo login ----------------------------------------------------------------------------
def test_a_page_without_the_demo_login_serves_no_password_less_login(prod_page: WebServer) -> None:
    assert _login(prod_page, {"customer_id": 1}).status_code == 404
    assert requests.get(f"{prod_page.url}/api/customers", timeout=10).status_code == 404
    assert "token" not in _login(prod_page, {"email": "alice@example.com"}).text


def test_the_production_profile_turns_the_demo_login_off_and_refuses_to_start_with_it() -> None:
    stack = ProdStack(settings_from_env(PROD_SECRETS))
    assert stack.servers["web"]._env()["SHOPBOT_DEMO_LOGIN"] == "false"
    for value in ("true", "1", "yes"):
        with pytest.raises(ProdConfigError, match="SHOPBOT_DEMO_LOGIN"):
            settings_from_env({**PROD_SECRETS, "SHOPBOT_DEMO_LOGIN": value})


def test_the_demo_login_signs_only_the_demo_customers(web: WebServer, tiny_shop: str) -> None:
    engine = make_engine(tiny_shop)
    with engine.connect() as connection:
        other = connection.execute(select(Customer.id, Customer.email).where(Customer.id > 3).limit(1)).one()
    engine.dispose()

    assert _login(web, {"customer_id": 1}).status_code == 200
    for body in ({"customer_id": other.id}, {"email": other.email}, {"email": other.email.upper()}):
        response = _login(web, body)
        assert response.status_code == 404, body
        assert "token" not in response.json()


@pytest.mark.parametrize(
    "body",
    [
        {"customer_id": 2**63},
        {"customer_id": 10**30},
        {"customer_id": -(2**63) - 1},
        {"email": "\ud800@example.com"},
        {"email": "alice\x00@example.com"},
        {"email": "a" * 10_000},
        {"customer_id": 1.5},
        {"customer_id": "1"},
        [],
        5,
        None,
    ],
)
def test_odd_logins_get_a_clear_refusal(web: WebServer, body: object) -> None:
    response = _login(web, body)
    assert 400 <= response.status_code < 500, (body, response.status_code, response.text)
    assert "error" in response.json() and "Traceback" not in response.text


@pytest.mark.parametrize(
    "query",
    [{"page": "²"}, {"page": "1" * 31}, {"per_page": "9" * 40}, {"page": "0"}, {"page": "-1"}, {"page": "١"}],
)
def test_odd_page_numbers_get_a_clear_refusal(web: WebServer, query: dict[str, str]) -> None:
    response = requests.get(f"{web.url}/api/products", params=query, timeout=10)
    assert response.status_code == 400, (query, response.text)
    assert "page" in response.json()["error"]


def test_a_message_with_control_characters_or_a_lone_surrogate_is_refused_in_words(web: WebServer) -> None:
    for message in ("hello\x00there", "hi \ud800", "bell\x07"):
        response = requests.post(
            f"{web.url}/api/chat", json={"sender": str(uuid.uuid4()), "message": message}, timeout=10
        )
        assert response.status_code == 400, message
        assert "not text" in response.json()["error"]


# --- the shop backend's own signing --------------------------------------------------------------
def test_the_documented_backend_example_signs_a_token_the_assistant_accepts() -> None:
    result = subprocess.run(
        [sys.executable, str(REPO_ROOT / "deploy" / "examples" / "sign_identity.py"), "2"],
        env={"SHOPBOT_IDENTITY_SECRET": IDENTITY_SECRET, "PATH": "/usr/bin:/bin"},
        capture_output=True, text=True, timeout=30, check=True,
    )  # fmt: skip
    token = result.stdout.strip()
    assert verify_identity_token(token, secret=IDENTITY_SECRET).customer_id == 2
    assert verify_identity_token(token, secret="another-secret").is_guest


# --- limits that hold ----------------------------------------------------------------------------
@pytest.fixture
def limited_page(tmp_path, tiny_shop, rasa):  # type: ignore[no-untyped-def]
    server = start_web_server(
        tmp_path, database_url=tiny_shop, rasa_url=rasa.url, rasa_token=rasa.token,
        extra_env={"SHOPBOT_CHAT_RATE_LIMIT": "3", "SHOPBOT_LOGIN_RATE_LIMIT": "2"},
    )  # fmt: skip
    yield server
    stop_web_server(server)


def test_fresh_sender_ids_do_not_reset_the_chat_limit(limited_page: WebServer) -> None:
    statuses = [
        requests.post(
            f"{limited_page.url}/api/chat", json={"sender": str(uuid.uuid4()), "message": "hi"}, timeout=10
        ).status_code
        for _ in range(5)
    ]
    assert statuses == [200, 200, 200, 429, 429]
    refused = requests.post(
        f"{limited_page.url}/api/chat", json={"sender": str(uuid.uuid4()), "message": "hi"}, timeout=10
    )
    assert int(refused.headers["Retry-After"]) >= 1 and "wait" in refused.json()["error"]


def test_the_login_is_limited_per_client_address(limited_page: WebServer) -> None:
    statuses = [_login(limited_page, {"customer_id": 1 + i % 3}).status_code for i in range(4)]
    assert statuses == [200, 200, 429, 429]
