"""The shop page's chat channel against the real assistant: identity through the widget's channel.

The widget sends what the page's server signed; anyone can send anything else to the same
endpoint. These tests do exactly that (POST /api/chat, the widget's channel) and check that only
a genuine token shows a customer's orders.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

import pytest
import requests
from sqlalchemy import select

from shop.db import make_engine
from shop.identity import sign_identity
from shop.models import Order, Shipment
from shopbot.serve import Stack

pytestmark = pytest.mark.rasa

ALICE, BOB = 1, 2
ALICES_SHIPPED_ORDER = 100234


def tracking_number(stack: Stack, order_id: int) -> str:
    engine = make_engine(stack.config.database_url)
    with engine.connect() as connection:
        number = connection.scalar(select(Shipment.tracking_number).where(Shipment.order_id == order_id))
    engine.dispose()
    assert number, f"order {order_id} has no shipment in the demo shop"
    return number


def alices_orders(stack: Stack) -> tuple[list[int], list[str]]:
    """Alice's order numbers and the tracking numbers of her shipments."""
    engine = make_engine(stack.config.database_url)
    with engine.connect() as connection:
        orders = connection.scalars(select(Order.id).where(Order.customer_id == ALICE)).all()
        tracking = connection.scalars(
            select(Shipment.tracking_number).join(Order).where(Order.customer_id == ALICE)
        ).all()
    engine.dispose()
    return list(orders), list(tracking)


def numbers_in(text: str, numbers: list[int]) -> set[int]:
    return {n for n in numbers if re.search(rf"(?<!\d){n}(?!\d)", text)}


def ask(stack: Stack, message: str, identity: str | None = None) -> str:
    """One message through the widget's channel, in a new conversation; the replies' text."""
    body = {"sender": str(uuid.uuid4()), "message": message}
    if identity is not None:
        body["identity"] = identity
    response = requests.post(f"{stack.config.web_url}/api/chat", json=body, timeout=120)
    assert response.status_code == 200, response.text
    messages = response.json()["messages"]
    return "\n".join([m["text"] for m in messages] + [c["title"] for m in messages for c in m["cards"]])


def test_a_genuine_token_shows_the_customer_her_own_order(live_stack: Stack) -> None:
    token = sign_identity(ALICE, secret=live_stack.config.identity_secret)
    answer = ask(live_stack, f"where is my order {ALICES_SHIPPED_ORDER}?", identity=token)
    assert tracking_number(live_stack, ALICES_SHIPPED_ORDER) in answer, answer


def _swapped_customer(secret: str) -> str:
    version, _customer, issued, mac = sign_identity(BOB, secret=secret).split(".")
    return f"{version}.{ALICE}.{issued}.{mac}"  # Bob's signature on Alice's id


FORGERIES: dict[str, Callable[[str], str]] = {
    "signed with another secret": lambda _secret: sign_identity(ALICE, secret="an attacker's guess"),
    "another customer's signature": _swapped_customer,
    "a bare customer id": lambda _secret: str(ALICE),
    "Bob's genuine token": lambda secret: sign_identity(BOB, secret=secret),
}


@pytest.mark.parametrize("forgery", FORGERIES.values(), ids=FORGERIES.keys())
def test_a_forged_identity_cannot_see_another_customers_orders(live_stack: Stack, forgery) -> None:  # type: ignore[no-untyped-def]
    token = forgery(live_stack.config.identity_secret)
    orders, tracking_numbers = alices_orders(live_stack)

    by_number = ask(live_stack, f"where is my order {ALICES_SHIPPED_ORDER}?", identity=token)
    last = ask(live_stack, "where is my last order?", identity=token)
    as_guest = ask(live_stack, "where is my last order?")

    for answer in (by_number, last):
        assert not [t for t in tracking_numbers if t in answer], answer
    # Order numbers a plain guest is shown too (an example in the question) are no leak.
    assert numbers_in(last, orders) <= numbers_in(as_guest, orders), last
