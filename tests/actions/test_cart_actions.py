"""The cart and checkout actions against a real seeded shop: what the shopper is told and what is written."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from actions.cart import (
    ActionAddToCart,
    ActionAskCheckoutConfirmed,
    ActionEmptyCart,
    ActionPlaceOrder,
    ActionRemoveFromCart,
    ActionUpdateCartQuantity,
    ActionViewCart,
    ValidateCheckoutForm,
)
from shop.cart import add_item, view_cart
from shop.identity import Requester
from shop.models import Order
from shop.orders import find_order
from tests.actions.action_harness import ALICE, json_messages, make_tracker, slot_events, texts
from tests.shop.cart_shop import plain_product, sized_product
from tests.shop.cs_shop import row_counts

alice = Requester.customer(ALICE)


def run(action: Any, tracker: Tracker, domain: dict[str, Any]) -> tuple[CollectingDispatcher, list]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, domain))
    return dispatcher, events


def with_message_id(tracker: Tracker, message_id: str) -> Tracker:
    tracker.latest_message["message_id"] = message_id
    return tracker


def orders(engine: Engine) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(Order)) or 0


def test_adding_a_sized_product_asks_for_the_size_then_adds_that_variant(shop, domain):
    sized = sized_product(shop)
    asked, events = run(
        ActionAddToCart(),
        make_tracker(
            "add it to my cart", intent="add_to_cart", slots={"focus_product": float(sized.product_id)}
        ),
        domain,
    )
    assert "Which size" in texts(asked)[0]
    sizes = [b["title"].split(" ")[0] for b in asked.messages[0]["buttons"]]
    assert set(sizes) == set(sized.sizes)
    assert view_cart(Requester.guest(), "nobody", engine=shop).is_empty
    payload = next(b["payload"] for b in asked.messages[0]["buttons"] if b["title"].startswith(sized.size))
    tracker = make_tracker(
        payload, intent="add_to_cart", entities=[("product_id", str(sized.product_id)), ("size", sized.size)]
    )
    added, _ = run(ActionAddToCart(), tracker, domain)
    assert texts(added)[0].startswith("Added 1 × ")
    cart = view_cart(Requester.guest(), tracker.sender_id, engine=shop)
    assert [(line.variant_id, line.quantity) for line in cart.lines] == [(sized.variant_id, 1)]


def test_a_retried_add_for_the_same_message_adds_once(shop, domain):
    product = plain_product(shop)
    tracker = with_message_id(
        make_tracker(
            "add two to my cart",
            intent="add_to_cart",
            entities=[("product_id", str(product)), ("quantity", "2")],
            customer=ALICE,
        ),
        "msg-1",
    )
    run(ActionAddToCart(), tracker, domain)
    again, _ = run(ActionAddToCart(), tracker, domain)
    assert texts(again)[0].startswith("Added 2 × ")
    assert view_cart(alice, None, engine=shop).units == 2


@pytest.mark.parametrize("quantity", ["0", "-1", "10000"])
def test_a_bad_quantity_gets_a_clear_answer_and_nothing_is_written(shop, domain, quantity):
    product = plain_product(shop)
    before = row_counts(shop)
    tracker = make_tracker(
        f"add {quantity}",
        intent="add_to_cart",
        entities=[("product_id", str(product)), ("quantity", quantity)],
    )
    said, _ = run(ActionAddToCart(), tracker, domain)
    assert "1 to 20" in texts(said)[0] or "at most 20" in texts(said)[0]
    assert row_counts(shop) == before


def test_an_unknown_product_gets_a_clear_answer(shop, domain):
    before = row_counts(shop)
    said, _ = run(
        ActionAddToCart(),
        make_tracker("/add_to_cart", intent="add_to_cart", entities=[("product_id", "99999999")]),
        domain,
    )
    assert "can't find that product" in texts(said)[0]
    assert row_counts(shop) == before


def test_viewing_the_cart_shows_a_card_per_line_and_the_total_and_writes_nothing(shop, domain):
    sized, plain = sized_product(shop), plain_product(shop)
    add_item(alice, None, plain, 2, engine=shop)
    add_item(alice, None, sized.product_id, 1, size=sized.size, engine=shop)
    before = row_counts(shop)
    said, events = run(
        ActionViewCart(), make_tracker("what's in my cart", intent="view_cart", customer=ALICE), domain
    )
    assert row_counts(shop) == before
    cards = [m for m in json_messages(said) if m["type"] == "product_cards"][0]["products"]
    assert [c["id"] for c in cards] == [plain, sized.product_id]
    assert "3 items" in texts(said)[0] and "Subtotal" in texts(said)[1]
    assert any(b["title"] == "Remove" for b in cards[0]["buttons"])
    assert len(slot_events(events)["cart_lines"]) == 2


def test_change_remove_and_empty_in_chat(shop, domain):
    sized, plain = sized_product(shop), plain_product(shop)
    add_item(alice, None, plain, 1, engine=shop)
    add_item(alice, None, sized.product_id, 1, size=sized.size, engine=shop)
    lines = [line.line_id for line in view_cart(alice, None, engine=shop).lines]

    said, _ = run(
        ActionUpdateCartQuantity(),
        make_tracker(
            "make the first one 3",
            intent="update_cart_quantity",
            entities=[("ordinal", "first"), ("quantity", "3")],
            customer=ALICE,
            slots={"cart_lines": lines},
        ),
        domain,
    )
    assert "3 ×" in texts(said)[0]
    said, _ = run(
        ActionUpdateCartQuantity(),
        make_tracker(
            "one more of the second one",
            intent="update_cart_quantity",
            entities=[("ordinal", "second")],
            customer=ALICE,
            slots={"cart_lines": lines},
        ),
        domain,
    )
    assert "2 ×" in texts(said)[0]
    before = row_counts(shop)
    said, _ = run(
        ActionUpdateCartQuantity(),
        make_tracker(
            "make it 0",
            intent="update_cart_quantity",
            entities=[("ordinal", "first"), ("quantity", "0")],
            customer=ALICE,
            slots={"cart_lines": lines},
        ),
        domain,
    )
    assert "remove it" in texts(said)[0] and row_counts(shop) == before

    said, _ = run(
        ActionRemoveFromCart(),
        make_tracker(
            "remove the second one",
            intent="remove_from_cart",
            entities=[("ordinal", "second")],
            customer=ALICE,
            slots={"cart_lines": lines},
        ),
        domain,
    )
    assert texts(said)[0].startswith("Removed 2 × ")
    assert [line.line_id for line in view_cart(alice, None, engine=shop).lines] == lines[:1]

    said, _ = run(
        ActionEmptyCart(), make_tracker("empty my cart", intent="empty_cart", customer=ALICE), domain
    )
    assert "emptied your cart (3 items removed)" in texts(said)[0]
    assert view_cart(alice, None, engine=shop).is_empty


def test_a_customer_checks_out_in_chat_once_and_order_status_finds_it(shop, domain):
    add_item(alice, None, plain_product(shop), 1, engine=shop)
    start = make_tracker("checkout please", intent="checkout", customer=ALICE)
    _, events = run(ValidateCheckoutForm(), start, domain)
    assert {"event": "slot", "name": "requested_slot", "value": None, "timestamp": None} not in events
    asked, events = run(ActionAskCheckoutConfirmed(), start, domain)
    summary = texts(asked)[0]
    assert "12 Harbor View" in summary and "Shall I place it?" in summary
    token = slot_events(events)["checkout_token"]
    before = orders(shop)
    yes = make_tracker(
        "yes", intent="affirm", customer=ALICE, slots={"checkout_confirmed": True, "checkout_token": token}
    )
    placed, _ = run(ActionPlaceOrder(), yes, domain)
    assert "is placed" in texts(placed)[0]
    again, _ = run(ActionPlaceOrder(), yes, domain)  # Rasa re-running the action, or a double click
    assert "didn't place it twice" in texts(again)[0]
    assert orders(shop) == before + 1
    with Session(shop) as session:
        order = session.scalars(select(Order).order_by(Order.id.desc())).first()
        assert order is not None and order.source_conversation == yes.sender_id
    assert str(order.id) in texts(placed)[0]
    assert find_order(alice, order.id, engine=shop).number == order.id


def test_a_guest_is_sent_to_the_checkout_page_and_nothing_is_asked(shop, domain):
    tracker = make_tracker("checkout", intent="checkout")
    add_item(Requester.guest(), tracker.sender_id, plain_product(shop), 1, engine=shop)
    _, events = run(ValidateCheckoutForm(), tracker, domain)
    assert slot_events(events).get("requested_slot", "unset") is None
    said, _ = run(ActionPlaceOrder(), tracker, domain)
    assert "/checkout" in texts(said)[0]


def test_no_means_no_order(shop, domain):
    add_item(alice, None, plain_product(shop), 1, engine=shop)
    before = row_counts(shop)
    said, _ = run(
        ActionPlaceOrder(),
        make_tracker(
            "no", intent="deny", customer=ALICE, slots={"checkout_confirmed": False, "checkout_token": "x"}
        ),
        domain,
    )
    assert "didn't place the order" in texts(said)[0]
    assert row_counts(shop) == before
