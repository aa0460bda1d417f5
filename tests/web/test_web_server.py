"""The shop page's server: page and assets, product grid, demo login and the chat proxy.

The server runs for real (`python -m web`) over a tiny demo shop; Rasa is the double from
tests/chat/rasa_double.py (the live stack tests do the same against the real assistant).
"""

from __future__ import annotations

import re
import time
import uuid
from pathlib import Path
from xml.etree import ElementTree

import pytest
import requests
from sqlalchemy import func, select
from typer.testing import CliRunner

from shop.config import get_settings
from shop.db import make_engine
from shop.demo.vocabulary import CATEGORY_PATHS, CATEGORY_SLUGS
from shop.identity import IDENTITY_METADATA_KEY, sign_identity, verify_identity_token
from shop.models import Product, Variant
from shopbot.cli import app as shopbot_app
from tests.web.web_server import IDENTITY_SECRET, WebServer, start_web_server, stop_web_server
from web.app import OPENAPI_FILE, STATIC_DIR, create_app
from web.catalog import category_slug, leaf_category


def new_sender() -> str:
    return str(uuid.uuid4())


def chat(web: WebServer, message: str, *, sender: str, identity: str | None = None) -> requests.Response:
    body = {"sender": sender, "message": message}
    if identity is not None:
        body["identity"] = identity
    return requests.post(f"{web.url}/api/chat", json=body, timeout=30)


# --- the page -----------------------------------------------------------------------------------
def test_the_shop_page_and_its_assets_are_served_under_a_strict_content_policy(web: WebServer) -> None:
    page = requests.get(web.url, timeout=10)

    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    for asset in re.findall(r'(?:src|href)="(/static/[^"]+)"', page.text):
        response = requests.get(web.url + asset, timeout=10)
        assert response.status_code == 200, asset
    assert 'id="chat"' in page.text and "/static/js/widget.js" in page.text


def test_every_demo_category_has_an_svg_illustration() -> None:
    for slug in CATEGORY_SLUGS:
        path = STATIC_DIR / "img" / "categories" / f"{slug}.svg"
        assert path.exists(), f"missing illustration for {slug}"
        root = ElementTree.parse(path).getroot()
        assert root.tag == "{http://www.w3.org/2000/svg}svg", slug
        assert root.get("viewBox"), slug


def test_the_grids_category_slugs_are_the_demo_shops() -> None:
    assert [category_slug(leaf_category(path)) for path in CATEGORY_PATHS] == list(CATEGORY_SLUGS)


# --- the product grid ---------------------------------------------------------------------------
def test_the_grid_lists_active_products_most_rated_first_with_their_stock(
    web: WebServer, tiny_shop: str
) -> None:
    page = requests.get(f"{web.url}/api/products", params={"per_page": 10}, timeout=10).json()

    engine = make_engine(tiny_shop)
    with engine.connect() as connection:
        active = connection.execute(
            select(func.count()).select_from(Product).where(Product.active)
        ).scalar_one()
        first = page["products"][0]
        stock = connection.execute(
            select(func.coalesce(func.sum(Variant.stock), 0)).where(Variant.product_id == first["id"])
        ).scalar_one()
    engine.dispose()
    assert page["total"] == active
    assert len(page["products"]) == 10
    counts = [p["rating_count"] for p in page["products"]]
    assert counts == sorted(counts, reverse=True)
    assert first["stock"] == stock and first["in_stock"] == (stock > 0)
    assert re.fullmatch(r"\d+\.\d\d", first["price"])
    assert first["image_url"].startswith("/static/img/categories/")


def test_the_grid_filters_by_category_and_pages_through_it(web: WebServer) -> None:
    categories = requests.get(f"{web.url}/api/categories", timeout=10).json()["categories"]
    jackets = next(c for c in categories if c["slug"] == "jackets")

    first = requests.get(
        f"{web.url}/api/products", params={"category": "jackets", "per_page": 4}, timeout=10
    ).json()
    second = requests.get(
        f"{web.url}/api/products", params={"category": "jackets", "per_page": 4, "page": 2}, timeout=10
    ).json()

    assert jackets["department"] == "Outdoor"
    assert first["total"] == jackets["count"] > 4
    assert {p["category"] for p in first["products"] + second["products"]} == {"Jackets"}
    assert not {p["id"] for p in first["products"]} & {p["id"] for p in second["products"]}
    assert (
        sum(c["count"] for c in categories)
        == requests.get(f"{web.url}/api/products", timeout=10).json()["total"]
    )


def test_the_grid_answers_bad_paging_with_a_clear_error_and_unknown_categories_with_nothing(
    web: WebServer,
) -> None:
    bad = requests.get(f"{web.url}/api/products", params={"page": "zero"}, timeout=10)
    unknown = requests.get(f"{web.url}/api/products", params={"category": "spaceships"}, timeout=10)

    assert bad.status_code == 400 and "positive whole numbers" in bad.json()["error"]
    assert unknown.json()["total"] == 0 and unknown.json()["products"] == []


# --- logging in ---------------------------------------------------------------------------------
def test_the_login_switch_offers_the_planted_demo_customers(web: WebServer) -> None:
    customers = requests.get(f"{web.url}/api/customers", timeout=10).json()["customers"]
    assert [(c["id"], c["email"]) for c in customers] == [
        (1, "alice@example.com"),
        (2, "bob@example.com"),
        (3, "carla@example.com"),
    ]


def test_logging_in_issues_a_token_that_the_action_servers_check_accepts(web: WebServer) -> None:
    response = requests.post(f"{web.url}/api/login", json={"customer_id": 2}, timeout=10).json()

    assert response["customer"]["name"] == "Bob Chen"
    assert verify_identity_token(response["token"], secret=IDENTITY_SECRET).customer_id == 2
    me = requests.get(f"{web.url}/api/me", headers={"X-Shop-Identity": response["token"]}, timeout=10).json()
    assert me["customer"]["email"] == "bob@example.com"


def test_logging_in_by_email_ignores_case(web: WebServer) -> None:
    response = requests.post(f"{web.url}/api/login", json={"email": "Alice@Example.com"}, timeout=10).json()
    assert verify_identity_token(response["token"], secret=IDENTITY_SECRET).customer_id == 1


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"customer_id": 999999}, 404),
        ({"email": "nobody@example.com"}, 404),
        ({"customer_id": "1"}, 400),
        ({}, 400),
    ],
)
def test_logging_in_as_nobody_is_refused(web: WebServer, body: dict, status: int) -> None:
    response = requests.post(f"{web.url}/api/login", json=body, timeout=10)
    assert response.status_code == status
    assert "token" not in response.json()


def forged_tokens() -> list[str]:
    genuine = sign_identity(1, secret=IDENTITY_SECRET)
    version, customer, issued, mac = genuine.split(".")
    return [
        f"{version}.2.{issued}.{mac}",  # Alice's signature on Bob's id
        sign_identity(2, secret="not-the-shops-secret"),
        sign_identity(2, secret=IDENTITY_SECRET, issued_at=int(time.time()) - 30 * 24 * 3600),  # expired
        "2",
        "",
    ]


@pytest.mark.parametrize("token", forged_tokens())
def test_a_forged_expired_or_bare_token_is_a_guest(web: WebServer, token: str) -> None:
    me = requests.get(f"{web.url}/api/me", headers={"X-Shop-Identity": token}, timeout=10).json()
    assert me == {"customer": None}


# --- the chat proxy -----------------------------------------------------------------------------
def test_chat_passes_the_identity_on_as_message_metadata_only(web: WebServer, rasa) -> None:  # type: ignore[no-untyped-def]
    token = requests.post(f"{web.url}/api/login", json={"customer_id": 1}, timeout=10).json()["token"]
    sender = new_sender()

    reply = chat(web, "who am i", sender=sender, identity=token).json()
    guest = chat(web, "who am i", sender=sender).json()

    assert reply["messages"][0]["text"] == f"identity: {token}"
    assert rasa.requests[-2] == {
        "sender": sender,
        "message": "who am i",
        "metadata": {IDENTITY_METADATA_KEY: token},
    }
    assert guest["messages"][0]["text"] == "identity: guest"
    assert rasa.requests[-1]["metadata"] is None


def test_chat_brings_cards_and_buttons_in_the_widgets_shape(web: WebServer) -> None:
    messages = chat(web, "jackets", sender=new_sender()).json()["messages"]

    assert messages[0]["html"] == "<p>Here are <strong>2 jackets</strong> for you:</p>"
    cards = messages[1]["cards"]
    assert [c["title"] for c in cards] == ["Trailblazer Waterproof Jacket", "Summit Down Parka"]
    assert cards[0]["price"] == "89.99" and cards[0]["rating"] == 4.5 and cards[1]["in_stock"] is False
    assert [b["title"] for b in cards[0]["buttons"]] == ["More like this", "Add to cart"]
    assert cards[0]["buttons"][0]["payload"] == '/similar_items{"product_id": 12}'


def test_bot_markdown_reaches_the_page_as_safe_html(web: WebServer) -> None:
    html = chat(web, "markdown", sender=new_sender()).json()["messages"][0]["html"]

    assert "<strong>bold</strong>" in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert 'href="javascript:' not in html
    assert '<a href="/static/img/logo.svg" target="_blank" rel="noopener noreferrer">ok</a>' in html
    assert "[elsewhere](https://example.com)" in html and 'href="https' not in html


def test_history_replays_the_conversation_with_the_titles_of_pressed_buttons(web: WebServer) -> None:
    sender = new_sender()
    chat(web, "jackets", sender=sender)
    chat(web, '/similar_items{"product_id": 12}', sender=sender)

    history = requests.get(f"{web.url}/api/history", params={"sender": sender}, timeout=10).json()

    shown = [(m["role"], m["text"]) for m in history["messages"]]
    assert shown == [
        ("user", "jackets"),
        ("bot", "Here are **2 jackets** for you:"),
        ("bot", ""),
        ("user", "More like this: Trailblazer Waterproof Jacket"),
        ("bot", "Similar to product 12:"),
        ("bot", ""),
    ]
    assert history["messages"][5]["cards"][0]["title"] == "Ridge Softshell Jacket"
    assert history["paused"] is False and history["handoff_ticket"] is None


def test_history_keeps_the_handoff_state_while_a_human_has_the_conversation(web: WebServer) -> None:
    sender = new_sender()
    reply = chat(web, "handoff", sender=sender).json()["messages"]
    later = chat(web, "hello?", sender=sender).json()["messages"]

    history = requests.get(f"{web.url}/api/history", params={"sender": sender}, timeout=10).json()

    assert reply[1]["handoff"] == {"ticket_id": 42}
    assert later == []  # paused: the bot stays quiet
    assert history["paused"] is True and history["handoff_ticket"] == 42


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        ({"sender": "short", "message": "hi"}, 400, "sender must be"),
        ({"sender": "<script>alert(1)</script>", "message": "hi"}, 400, "sender must be"),
        ({"sender": "a1b2c3d4e5", "message": "   "}, 400, "non-empty"),
        ({"sender": "a1b2c3d4e5", "message": "x" * 2001}, 413, "too long"),
        ({"sender": "a1b2c3d4e5"}, 400, "non-empty"),
    ],
)
def test_bad_chat_requests_get_a_clear_error_and_never_reach_rasa(  # type: ignore[no-untyped-def]
    web: WebServer, rasa, body: dict, status: int, error: str
) -> None:
    before = len(rasa.requests)
    response = requests.post(f"{web.url}/api/chat", json=body, timeout=10)
    assert response.status_code == status
    assert error in response.json()["error"]
    assert len(rasa.requests) == before


def test_a_down_assistant_is_a_polite_error_not_a_stack_trace(tmp_path: Path, tiny_shop: str) -> None:
    server = start_web_server(tmp_path, database_url=tiny_shop, rasa_url="http://127.0.0.1:9", rasa_token="x")
    try:
        sent = chat(server, "hello", sender=new_sender())
        history = requests.get(f"{server.url}/api/history", params={"sender": new_sender()}, timeout=10)
    finally:
        stop_web_server(server)
    assert sent.status_code == 502 and history.status_code == 502
    assert sent.json() == {"error": "The assistant is not reachable right now. Please try again in a moment."}
    assert "Traceback" not in sent.text


def test_the_shell_gets_its_identity_from_the_pages_login_when_it_has_no_secret(  # type: ignore[no-untyped-def]
    web: WebServer, rasa, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shop.config import get_settings

    monkeypatch.setenv("SHOPBOT_IDENTITY_SECRET", "")
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(
            shopbot_app,
            ["chat", "--url", rasa.url, "--web-url", web.url, "--as", "bob@example.com"],
            input="who am i\n",
        )
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    token = rasa.requests[-1]["metadata"][IDENTITY_METADATA_KEY]
    assert verify_identity_token(token, secret=IDENTITY_SECRET).customer_id == 2


# --- the API description ------------------------------------------------------------------------
def test_the_openapi_description_is_valid_and_covers_every_route() -> None:
    from openapi_spec_validator import validate
    from openapi_spec_validator.readers import read_from_filename

    spec, _ = read_from_filename(str(OPENAPI_FILE))
    validate(spec)
    # The dev profile's app: the demo login's routes are described too (off in production).
    settings = get_settings().model_copy(update={"demo_login": True})
    app = create_app(settings, name="openapi_route_check")
    served = set()
    for route in app.router.routes:
        path = "/" + route.path.strip("/")
        path = re.sub(r"<(\w+)(:[^>]*)?>", r"{\1}", path)
        served.add(path)
    served = {"/static/{path}" if p.startswith("/static") else p for p in served}
    assert served == set(spec["paths"])
