"""The shop page's cart and checkout over HTTP (web/cart_api.py), against the real web server
on the tiny demo shop, on SQLite and PostgreSQL.

The page and the chat share one cart: a guest's is keyed by the widget's conversation id (the
chat actions' key), a customer's by the signed identity. Writes the chat makes through
`shop.cart` (as actions/cart.py does) show on the page, a guest's cart moves into the customer's
at login, a guest checks out with email and address, paying on delivery, and an order from a
cart a chat filled carries that conversation and its recommendation lists. Bad input gets a
clear answer and writes nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import requests
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from shop.cart import add_item, empty_cart
from shop.checkout import PAY_ON_DELIVERY
from shop.identity import Requester
from shop.models import Cart, Order, OrderStatus
from tests.shop.cart_shop import only_variant, plain_product, set_stock, sized_product, stock_of
from tests.shop.cs_shop import BACKENDS, BOB, CARLA, _clone, _postgres_template, _sqlite_template, row_counts
from tests.web import web_server

__all__ = ["_postgres_template", "_sqlite_template"]  # fixtures, imported for pytest

ADDRESS = {
    "name": "Jamie Guest",
    "street": "5 Spring Street",
    "city": "Boston",
    "postcode": "02108",
    "country": "US",
}


@dataclass
class Shop:
    url: str
    engine: Engine

    def call(self, method: str, path: str, *, token: str | None = None, **kwargs) -> requests.Response:  # type: ignore[no-untyped-def]
        headers = {"X-Shop-Identity": token} if token else {}
        return requests.request(method, self.url + path, headers=headers, timeout=30, **kwargs)

    def login(self, customer_id: int) -> str:
        answer = self.call("POST", "/api/login", json={"customer_id": customer_id})
        assert answer.status_code == 200, answer.text
        return answer.json()["token"]


@pytest.fixture(scope="module", params=BACKENDS)
def shop(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, rasa) -> Iterator[Shop]:  # type: ignore[no-untyped-def]
    """The real web server over its own copy of the tiny shop, once per backend."""
    tmp = tmp_path_factory.mktemp("cart-web")
    with _clone(request, request.param, tmp) as engine:
        server = web_server.start_web_server(
            tmp,
            database_url=engine.url.render_as_string(hide_password=False),
            rasa_url=rasa.url,
            rasa_token=rasa.token,
        )
        try:
            yield Shop(server.url, engine)
        finally:
            web_server.stop_web_server(server)


def new_session() -> str:
    """A fresh widget conversation id (a guest's cart key)."""
    return str(uuid.uuid4())


def test_the_cart_and_checkout_pages_are_served_with_the_cart_count(shop: Shop) -> None:
    for path in ("/cart", "/checkout", "/"):
        page = shop.call("GET", path)
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert 'data-role="cart-count"' in page.text and "/static/js/cart.js" in page.text
    for script in ("cart.js", "cart-page.js", "checkout-page.js"):
        assert shop.call("GET", f"/static/js/{script}").status_code == 200
    assert shop.call("GET", "/static/css/cart.css").status_code == 200


def test_a_guest_adds_a_sized_product_choosing_its_size_and_sees_it_in_the_cart(shop: Shop) -> None:
    session = new_session()
    sized = sized_product(shop.engine)
    options = shop.call("GET", f"/api/products/{sized.product_id}/options").json()
    assert options["attribute"] == "size"
    assert {o["size"] for o in options["options"]} == set(sized.sizes)
    # Without a size: the question, and nothing written.
    before = row_counts(shop.engine)
    answer = shop.call("POST", "/api/cart/items", json={"session": session, "product_id": sized.product_id})
    assert answer.status_code == 409 and answer.json()["reason"] == "variant_required"
    assert "size" in answer.json()["error"].lower()
    assert row_counts(shop.engine) == before

    added = shop.call(
        "POST",
        "/api/cart/items",
        json={
            "session": session,
            "product_id": sized.product_id,
            "variant_id": sized.variant_id,
            "quantity": 2,
        },
    )
    assert added.status_code == 200, added.text
    body = added.json()
    assert body["kind"] == "added" and body["message"].startswith("Added 2 × ")
    assert [(line["variant_id"], line["size"], line["quantity"]) for line in body["cart"]["lines"]] == [
        (sized.variant_id, sized.size, 2)
    ]
    cart = shop.call("GET", "/api/cart", params={"session": session}).json()
    assert cart["units"] == 2 and cart == body["cart"]
    # Another guest sees an empty cart.
    assert shop.call("GET", "/api/cart", params={"session": new_session()}).json()["lines"] == []


def test_the_page_and_the_chat_share_one_cart(shop: Shop) -> None:
    session = new_session()
    product = plain_product(shop.engine)
    # The chat's add (actions/cart.py calls shop.cart with the conversation id) shows on the page ...
    add_item(Requester.guest(), session, product, 1, conversation_id=session, engine=shop.engine)
    cart = shop.call("GET", "/api/cart", params={"session": session}).json()
    assert [(line["product_id"], line["quantity"]) for line in cart["lines"]] == [(product, 1)]
    # ... and the page's change shows in the chat's view.
    line_id = cart["lines"][0]["line_id"]
    changed = shop.call("PATCH", f"/api/cart/items/{line_id}", json={"session": session, "quantity": 3})
    assert changed.status_code == 200 and changed.json()["kind"] == "updated"
    from shop.cart import view_cart

    assert view_cart(Requester.guest(), session, engine=shop.engine).units == 3
    removed = shop.call("DELETE", f"/api/cart/items/{line_id}", params={"session": session})
    assert removed.status_code == 200 and removed.json()["cart"]["lines"] == []
    assert view_cart(Requester.guest(), session, engine=shop.engine).is_empty


def test_a_guest_cart_moves_into_the_customers_cart_at_login(shop: Shop) -> None:
    token = shop.login(CARLA)
    empty_cart(Requester.customer(CARLA), None, engine=shop.engine)
    session = new_session()
    product = plain_product(shop.engine)
    shop.call("POST", "/api/cart/items", json={"session": session, "product_id": product})
    merged = shop.call("POST", "/api/cart/merge", token=token, json={"session": session})
    assert merged.status_code == 200, merged.text
    assert [(line["product_id"], line["quantity"]) for line in merged.json()["lines"]] == [(product, 1)]
    # The customer's cart has it (with or without the old session), the guest's is gone.
    assert shop.call("GET", "/api/cart", token=token).json()["units"] == 1
    assert shop.call("GET", "/api/cart", params={"session": session}).json()["lines"] == []
    # Merging without a login is refused clearly.
    refused = shop.call("POST", "/api/cart/merge", json={"session": session})
    assert refused.status_code == 400 and "logged-in" in refused.json()["error"]


def test_a_guest_checks_out_on_the_page_with_email_and_address_and_pays_on_delivery(shop: Shop) -> None:
    session = new_session()
    product = plain_product(shop.engine)
    variant = only_variant(shop.engine, product)
    stock = stock_of(shop.engine, variant)
    # Filled in the chat, after a recommendation list showed the product.
    add_item(
        Requester.guest(),
        session,
        product,
        2,
        conversation_id=session,
        recommendation_id="rec-web-1",
        engine=shop.engine,
    )
    summary = shop.call("GET", "/api/checkout", params={"session": session})
    assert summary.status_code == 200, summary.text
    data = summary.json()
    assert data["payment_method"] == PAY_ON_DELIVERY and data["address"] is None and data["email"] is None
    assert {m["code"] for m in data["shipping_methods"]} >= {"standard", "express"}
    assert float(data["total"]) == pytest.approx(float(data["cart"]["subtotal"]) + float(data["shipping"]))

    before = row_counts(shop.engine)
    for body, reason in [
        ({"address": ADDRESS}, "email_required"),
        ({"email": "jamie@example.com"}, "address_required"),
        ({"email": "jamie@example.com", "address": {**ADDRESS, "postcode": "ABC"}}, "invalid_address"),
        ({"email": "jamie@example.com", "address": ADDRESS, "token": "not-the-token"}, "cart_changed"),
    ]:
        answer = shop.call("POST", "/api/checkout", json={"session": session, "token": data["token"], **body})
        assert answer.status_code in (400, 409) and answer.json()["reason"] == reason, answer.text
        assert answer.json()["error"]
    assert row_counts(shop.engine) == before

    order_request = {
        "session": session,
        "token": data["token"],
        "email": "jamie@example.com",
        "address": ADDRESS,
    }
    placed = shop.call("POST", "/api/checkout", json=order_request)
    assert placed.status_code == 200, placed.text
    number = placed.json()["order_number"]
    assert placed.json()["created"] and str(number) in placed.json()["message"]
    # A double click places nothing twice.
    again = shop.call("POST", "/api/checkout", json=order_request)
    assert again.status_code == 200 and again.json()["order_number"] == number and not again.json()["created"]
    with Session(shop.engine) as db:
        order = db.get_one(Order, number)
        assert order.customer_id is None and order.email == "jamie@example.com"
        assert order.shipping_city == "Boston" and order.payment_method == PAY_ON_DELIVERY
        assert [(e.status, e.note) for e in order.history] == [
            (OrderStatus.PLACED, "Placed on the shop page")
        ]
        # Conversion: the conversation and the recommendation list that led to the sale.
        assert order.source_conversation == session
        assert [(line.variant_id, line.quantity, line.recommendation_id) for line in order.lines] == [
            (variant, 2, "rec-web-1")
        ]
        assert db.scalar(select(Order.id).where(Order.checkout_token == data["token"])) == number
    assert stock_of(shop.engine, variant) == stock - 2
    assert shop.call("GET", "/api/cart", params={"session": session}).json()["lines"] == []


def test_a_customer_checks_out_on_the_page_with_the_address_on_file(shop: Shop) -> None:
    token = shop.login(BOB)
    empty_cart(Requester.customer(BOB), None, engine=shop.engine)
    product = plain_product(shop.engine)
    shop.call("POST", "/api/cart/items", token=token, json={"product_id": product})
    data = shop.call("GET", "/api/checkout", token=token).json()
    assert data["email"] == "bob@example.com" and data["address"]["city"]
    placed = shop.call("POST", "/api/checkout", token=token, json={"token": data["token"]})
    assert placed.status_code == 200, placed.text
    with Session(shop.engine) as db:
        order = db.get_one(Order, placed.json()["order_number"])
        assert order.customer_id == BOB and order.shipping_city == data["address"]["city"]
        # Filled on the page alone: no conversation to credit.
        assert order.source_conversation is None


def test_the_last_unit_bought_in_between_refuses_the_page_checkout_and_writes_nothing(shop: Shop) -> None:
    session = new_session()
    product = plain_product(shop.engine)
    variant = only_variant(shop.engine, product)
    shop.call("POST", "/api/cart/items", json={"session": session, "product_id": product})
    data = shop.call("GET", "/api/checkout", params={"session": session}).json()
    stock = stock_of(shop.engine, variant)
    set_stock(shop.engine, variant, 0)  # someone else bought the last units meanwhile
    try:
        before = row_counts(shop.engine)
        answer = shop.call(
            "POST",
            "/api/checkout",
            json={
                "session": session,
                "token": data["token"],
                "email": "late@example.com",
                "address": ADDRESS,
            },
        )
        assert answer.status_code == 409 and answer.json()["reason"] == "out_of_stock"
        assert "left" in answer.json()["error"] or "stock" in answer.json()["error"]
        assert row_counts(shop.engine) == before
        # Adding it again is refused too, and says it is sold out.
        again = shop.call("POST", "/api/cart/items", json={"session": new_session(), "product_id": product})
        assert again.status_code == 409 and again.json()["reason"] == "out_of_stock"
        assert row_counts(shop.engine) == before
    finally:
        set_stock(shop.engine, variant, stock)


@pytest.mark.parametrize(
    ("body", "status", "reason"),
    [
        ({"product_id": 999_999}, 409, "product_not_found"),
        ({"product_id": "abc"}, 409, "product_not_found"),
        ({"product_id": -3}, 409, "product_not_found"),
        ({"quantity": 0}, 400, "invalid_quantity"),
        ({"quantity": -1}, 400, "invalid_quantity"),
        ({"quantity": 10_000}, 400, "invalid_quantity"),
        ({"quantity": "lots"}, 400, "invalid_quantity"),
        ({"variant_id": 999_999}, 409, "variant_not_found"),
        ({"size": "XXXXL"}, 409, "variant_not_found"),
        ({"variant_id": "M"}, 400, None),
        ({"session": "x"}, 400, None),
        ({"session": None}, 400, None),
    ],
)
def test_bad_input_to_the_cart_gets_a_clear_answer_and_writes_nothing(
    shop: Shop, body: dict[str, object], status: int, reason: str | None
) -> None:
    sized = sized_product(shop.engine)
    request = {
        "session": new_session(),
        "product_id": sized.product_id,
        "variant_id": sized.variant_id,
        **body,
    }
    if "size" in body:
        request.pop("variant_id")
    before = row_counts(shop.engine)
    answer = shop.call("POST", "/api/cart/items", json=request)
    assert answer.status_code == status, answer.text
    assert answer.json().get("reason") == reason and answer.json()["error"]
    assert "Traceback" not in answer.text
    assert row_counts(shop.engine) == before


def test_bad_changes_to_a_line_get_a_clear_answer_and_write_nothing(shop: Shop) -> None:
    session = new_session()
    product = plain_product(shop.engine)
    line = shop.call("POST", "/api/cart/items", json={"session": session, "product_id": product}).json()
    line_id = line["cart"]["lines"][0]["line_id"]
    with Session(shop.engine) as db:
        revision = db.scalar(select(Cart.revision).where(Cart.session_id == session))
    before = row_counts(shop.engine)
    for quantity in (0, -1, 10_000, "many", None):
        answer = shop.call(
            "PATCH", f"/api/cart/items/{line_id}", json={"session": session, "quantity": quantity}
        )
        assert answer.status_code == 400 and answer.json()["reason"] == "invalid_quantity", answer.text
    # Someone else's line, or no such line: not found, whoever asks.
    for who in ({"session": new_session()}, {"session": session, "line": 999_999}):
        target = who.pop("line", line_id)
        answer = shop.call("PATCH", f"/api/cart/items/{target}", json={**who, "quantity": 2})
        assert answer.status_code == 409 and answer.json()["reason"] == "cart_line_not_found"
        answer = shop.call("DELETE", f"/api/cart/items/{target}", params=who)
        assert answer.status_code == 409 and answer.json()["reason"] == "cart_line_not_found"
    for malformed in ("not json", "[1, 2]"):
        answer = requests.post(
            shop.url + "/api/cart/items",
            data=malformed,
            headers={"Content-Type": "application/json"},
            timeout=30,
        )
        assert answer.status_code == 400 and "JSON object" in answer.json()["error"]
    assert row_counts(shop.engine) == before
    with Session(shop.engine) as db:
        assert db.scalar(select(Cart.revision).where(Cart.session_id == session)) == revision
    assert shop.call("GET", "/api/cart", params={"session": session}).json()["units"] == 1


def test_an_empty_cart_has_nothing_to_check_out(shop: Shop) -> None:
    answer = shop.call("GET", "/api/checkout", params={"session": new_session()})
    assert answer.status_code == 409 and answer.json()["reason"] == "cart_empty"
    assert shop.call("GET", "/api/cart").status_code == 400  # a guest without a session has no cart
