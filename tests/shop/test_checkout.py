"""Checkout, on SQLite and PostgreSQL: one order per confirmation, stock and history with it,
and exactly one winner when two shoppers race for the last unit."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shop.cart import add_item, set_quantity, view_cart
from shop.checkout import PAY_ON_DELIVERY, checkout_summary, place_order, shipping_methods
from shop.identity import Requester
from shop.models import Order, OrderStatus
from shop.orders import describe_order, find_order
from shop.refusals import Refusal, Refused
from tests.shop.cart_shop import only_variant, plain_product, set_stock, sized_product, stock_of
from tests.shop.cs_shop import ALICE, BOB, _postgres_template, _sqlite_template, row_counts, shop_engine
from tests.shop.test_orders_concurrency import run_at_once

__all__ = ["_postgres_template", "_sqlite_template", "shop_engine"]  # fixtures, imported for pytest

alice, bob, GUEST = Requester.customer(ALICE), Requester.customer(BOB), Requester.guest()
SHIPPING_POLICY = Path(__file__).resolve().parents[2] / "data" / "policies" / "shipping.md"
GUEST_ADDRESS = {
    "name": "Jamie Guest",
    "street": "5 Spring Street",
    "city": "Boston",
    "postcode": "02108",
    "country": "US",
}


def orders_count(engine) -> int:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(Order)) or 0


def test_the_shipping_rates_charged_are_the_ones_the_shipping_policy_states():
    policy = SHIPPING_POLICY.read_text(encoding="utf-8")
    methods = shipping_methods()
    stated = {Decimal(amount) for amount in re.findall(r"\{currency_symbol\}(\d+(?:\.\d\d)?)", policy)}
    assert {m.price for m in methods.values()} | {methods["standard"].free_from} == stated


def test_a_customer_checks_out_and_gets_an_order_with_lines_history_stock_and_its_source(shop_engine):
    sized = sized_product(shop_engine)
    plain = plain_product(shop_engine, max_price=40)
    plain_variant = only_variant(shop_engine, plain)
    stock_before = {
        sized.variant_id: stock_of(shop_engine, sized.variant_id),
        plain_variant: stock_of(shop_engine, plain_variant),
    }
    add_item(alice, None, sized.product_id, 1, size=sized.size, recommendation_id="rec-7", engine=shop_engine)
    add_item(alice, None, plain, 2, conversation_id="conv-alice-1", engine=shop_engine)

    summary = checkout_summary(alice, None, engine=shop_engine)
    assert summary.address is not None and summary.address.city == "Seattle"
    expected_shipping = Decimal("0.00") if summary.cart.subtotal >= Decimal("50") else Decimal("4.99")
    assert summary.shipping == expected_shipping
    assert summary.total == summary.cart.subtotal + summary.shipping
    text = summary.text()
    assert "Seattle" in text and "Shall I place it?" in text

    placed = place_order(alice, None, summary.token, conversation_id="conv-alice-2", engine=shop_engine)
    assert placed.created and str(placed.number) in placed.message
    with Session(shop_engine) as session:
        order = session.get_one(Order, placed.number)
        assert order.customer_id == ALICE and order.email == "alice@example.com"
        assert order.status == OrderStatus.PLACED and order.total == summary.total
        assert order.shipping_cost == summary.shipping and order.payment_method == PAY_ON_DELIVERY
        assert order.source_conversation == "conv-alice-2"
        assert sorted(
            (line.variant_id, line.quantity, line.recommendation_id) for line in order.lines
        ) == sorted([(sized.variant_id, 1, "rec-7"), (plain_variant, 2, None)])
        assert [(event.status, event.note) for event in order.history] == [
            (OrderStatus.PLACED, "Placed in chat")
        ]
    assert stock_of(shop_engine, sized.variant_id) == stock_before[sized.variant_id] - 1
    assert stock_of(shop_engine, plain_variant) == stock_before[plain_variant] - 2
    assert view_cart(alice, None, engine=shop_engine).is_empty
    # "Where is order N?" finds it.
    view = find_order(alice, placed.number, engine=shop_engine)
    assert str(placed.number) in describe_order(view) and len(view.items) == 2


def test_an_order_from_a_cart_a_chat_filled_carries_that_conversation(shop_engine):
    add_item(bob, None, plain_product(shop_engine), 1, conversation_id="conv-bob-9", engine=shop_engine)
    summary = checkout_summary(bob, None, engine=shop_engine)
    placed = place_order(bob, None, summary.token, channel="web", engine=shop_engine)
    with Session(shop_engine) as session:
        order = session.get_one(Order, placed.number)
        assert order.source_conversation == "conv-bob-9"
        assert order.history[0].note == "Placed on the shop page"
    # The next cart, filled on the page alone, is nobody's conversation.
    add_item(bob, None, plain_product(shop_engine), 1, engine=shop_engine)
    again = place_order(bob, None, checkout_summary(bob, None, engine=shop_engine).token, engine=shop_engine)
    with Session(shop_engine) as session:
        assert session.get_one(Order, again.number).source_conversation is None


def test_a_second_yes_or_a_retried_request_places_one_order(shop_engine):
    add_item(alice, None, plain_product(shop_engine), 1, engine=shop_engine)
    summary = checkout_summary(alice, None, engine=shop_engine)
    before = orders_count(shop_engine)
    first = place_order(alice, None, summary.token, engine=shop_engine)
    again = place_order(alice, None, summary.token, engine=shop_engine)
    assert first.created and not again.created
    assert again.number == first.number and "didn't place it twice" in again.message
    assert orders_count(shop_engine) == before + 1


def test_confirmations_arriving_at_once_place_one_order(shop_engine):
    product = plain_product(shop_engine)
    variant = only_variant(shop_engine, product)
    stock = stock_of(shop_engine, variant)
    add_item(alice, None, product, 1, engine=shop_engine)
    token = checkout_summary(alice, None, engine=shop_engine).token
    before = orders_count(shop_engine)
    results = run_at_once(4, lambda: place_order(alice, None, token, engine=shop_engine))
    assert not [r for r in results if isinstance(r, Exception)], results
    assert len({r.number for r in results}) == 1  # type: ignore[union-attr]
    assert sum(r.created for r in results) == 1  # type: ignore[union-attr]
    assert orders_count(shop_engine) == before + 1
    assert stock_of(shop_engine, variant) == stock - 1


def test_two_shoppers_racing_for_the_last_unit_make_exactly_one_order(shop_engine):
    product = plain_product(shop_engine)
    variant = only_variant(shop_engine, product)
    add_item(alice, None, product, 1, engine=shop_engine)
    add_item(bob, None, product, 1, engine=shop_engine)
    set_stock(shop_engine, variant, 1)
    tokens = {ALICE: checkout_summary(alice, None, engine=shop_engine).token}
    tokens[BOB] = checkout_summary(bob, None, engine=shop_engine).token
    before = orders_count(shop_engine)
    shoppers = iter([alice, bob])

    def buy() -> tuple[Requester, object]:
        who = next(shoppers)
        try:
            return who, place_order(who, None, tokens[who.customer_id or 0], engine=shop_engine)
        except Refused as refusal:
            return who, refusal

    results = run_at_once(2, buy)
    placed = [(who, r) for who, r in results if not isinstance(r, Exception)]  # type: ignore[misc]
    refusals = [(who, r) for who, r in results if isinstance(r, Refused)]  # type: ignore[misc]
    assert len(placed) == 1 and len(refusals) == 1, results
    loser, refusal = refusals[0]
    assert refusal.reason == Refusal.OUT_OF_STOCK and "sold out in the meantime" in refusal.explanation
    assert orders_count(shop_engine) == before + 1
    assert stock_of(shop_engine, variant) == 0
    # The winner's cart is empty; the loser's is untouched, so they can change it and try again.
    assert view_cart(placed[0][0], None, engine=shop_engine).is_empty
    assert view_cart(loser, None, engine=shop_engine).units == 1


def test_the_last_unit_bought_in_between_refuses_the_checkout_and_writes_nothing(shop_engine):
    product = plain_product(shop_engine)
    variant = only_variant(shop_engine, product)
    add_item(alice, None, product, 2, engine=shop_engine)
    summary = checkout_summary(alice, None, engine=shop_engine)
    set_stock(shop_engine, variant, 1)  # someone else bought one meanwhile
    before = row_counts(shop_engine)
    with pytest.raises(Refused) as caught:
        place_order(alice, None, summary.token, engine=shop_engine)
    assert caught.value.reason == Refusal.OUT_OF_STOCK and "only 1 left" in caught.value.explanation
    assert row_counts(shop_engine) == before and stock_of(shop_engine, variant) == 1


def test_a_cart_changed_since_the_summary_is_not_placed(shop_engine):
    product = plain_product(shop_engine)
    line = add_item(alice, None, product, 1, engine=shop_engine).line
    assert line is not None
    summary = checkout_summary(alice, None, engine=shop_engine)
    set_quantity(alice, None, line.line_id, 2, engine=shop_engine)
    before = row_counts(shop_engine)
    with pytest.raises(Refused) as caught:
        place_order(alice, None, summary.token, engine=shop_engine)
    assert caught.value.reason == Refusal.CART_CHANGED
    assert row_counts(shop_engine) == before


def test_an_empty_cart_has_nothing_to_check_out(shop_engine):
    with pytest.raises(Refused) as caught:
        checkout_summary(bob, None, engine=shop_engine)
    assert caught.value.reason == Refusal.CART_EMPTY
    before = row_counts(shop_engine)
    with pytest.raises(Refused):
        place_order(bob, None, "no-such-token", engine=shop_engine)
    assert row_counts(shop_engine) == before


def test_a_guest_checks_out_with_email_and_address(shop_engine):
    session_id = "guest-checkout-session-1"
    add_item(GUEST, session_id, plain_product(shop_engine), 1, engine=shop_engine)
    summary = checkout_summary(GUEST, session_id, engine=shop_engine)
    assert summary.address is None and summary.email is None
    before = row_counts(shop_engine)
    for email, address, reason in [
        (None, GUEST_ADDRESS, Refusal.EMAIL_REQUIRED),
        ("not-an-email", GUEST_ADDRESS, Refusal.EMAIL_REQUIRED),
        ("jamie@example.com", None, Refusal.ADDRESS_REQUIRED),
        ("jamie@example.com", {**GUEST_ADDRESS, "postcode": "ABC"}, Refusal.INVALID_ADDRESS),
    ]:
        with pytest.raises(Refused) as caught:
            place_order(GUEST, session_id, summary.token, email=email, address=address, engine=shop_engine)
        assert caught.value.reason == reason
    assert row_counts(shop_engine) == before
    # The token names the shipping method too: express needs its own summary.
    express = checkout_summary(GUEST, session_id, method="express", engine=shop_engine)
    assert express.shipping == Decimal("12.99") and express.token != summary.token
    placed = place_order(
        GUEST,
        session_id,
        express.token,
        method="express",
        email="jamie@example.com",
        address=GUEST_ADDRESS,
        channel="web",
        engine=shop_engine,
    )
    with Session(shop_engine) as session:
        order = session.get_one(Order, placed.number)
        assert order.customer_id is None and order.email == "jamie@example.com"
        assert order.shipping_city == "Boston" and order.shipping_cost == Decimal("12.99")
    # A guest proves the order with its number and email, as for any guest order.
    assert find_order(GUEST, placed.number, "jamie@example.com", engine=shop_engine).number == placed.number
