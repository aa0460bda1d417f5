"""The cart, on SQLite and PostgreSQL: what a write does, what bad input does (nothing), the merge."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from shop.cart import (
    MAX_LINE_QUANTITY,
    add_item,
    empty_cart,
    merge_guest_cart,
    remove_line,
    set_quantity,
    variant_question,
    view_cart,
)
from shop.identity import Requester
from shop.models import Cart, CartLine, Product
from shop.refusals import Refusal, Refused
from tests.shop.cart_shop import only_variant, plain_product, set_stock, sized_product
from tests.shop.cs_shop import ALICE, BOB, _postgres_template, _sqlite_template, row_counts, shop_engine

__all__ = ["_postgres_template", "_sqlite_template", "shop_engine"]  # fixtures, imported for pytest

GUEST = Requester.guest()
alice, bob = Requester.customer(ALICE), Requester.customer(BOB)
SESSION = "4b0c1f7e-guest-session"


def refused(action, reason: Refusal) -> Refused:  # type: ignore[no-untyped-def]
    with pytest.raises(Refused) as caught:
        action()
    assert caught.value.reason == reason, caught.value
    assert caught.value.explanation
    return caught.value


def test_a_guest_adds_a_product_and_sees_it_with_its_price_and_the_subtotal(shop_engine):
    product = plain_product(shop_engine)
    change = add_item(GUEST, SESSION, product, 2, engine=shop_engine)
    assert change.kind == "added" and not change.replayed
    assert change.line is not None and change.line.quantity == 2
    assert change.message.startswith("Added 2 × ")
    cart = view_cart(GUEST, SESSION, engine=shop_engine)
    assert [(line.product_id, line.quantity) for line in cart.lines] == [(product, 2)]
    with Session(shop_engine) as session:
        price = session.get_one(Product, product).price
    assert cart.subtotal == price * 2
    assert cart.units == 2
    # Another guest session has its own (empty) cart.
    assert view_cart(GUEST, "another-session-1234", engine=shop_engine).is_empty


def test_a_sized_product_needs_a_size_and_then_gets_the_variant(shop_engine):
    sized = sized_product(shop_engine)
    question = variant_question(sized.product_id, engine=shop_engine)
    assert question is not None and question.attribute == "size"
    assert {o.size for o in question.options} == set(sized.sizes)
    before = row_counts(shop_engine)
    refused(lambda: add_item(GUEST, SESSION, sized.product_id, engine=shop_engine), Refusal.VARIANT_REQUIRED)
    assert row_counts(shop_engine) == before
    change = add_item(GUEST, SESSION, sized.product_id, size=sized.size.lower(), engine=shop_engine)
    assert change.line is not None and change.line.size == sized.size
    assert change.line.variant_id == sized.variant_id
    assert variant_question(sized.product_id, size=sized.size, engine=shop_engine) is None


@pytest.mark.parametrize("quantity", [0, -1, 10_000, "0", "-1", "10000", "lots", None, 2.5, True])
def test_a_bad_quantity_is_refused_and_writes_nothing(shop_engine, quantity):
    product = plain_product(shop_engine)
    add_item(alice, None, product, 1, engine=shop_engine)
    before = row_counts(shop_engine)
    error = refused(
        lambda: add_item(alice, None, product, quantity, engine=shop_engine), Refusal.INVALID_QUANTITY
    )
    assert str(MAX_LINE_QUANTITY) in error.explanation
    line = view_cart(alice, None, engine=shop_engine).lines[0]
    refused(
        lambda: set_quantity(alice, None, line.line_id, quantity, engine=shop_engine),
        Refusal.INVALID_QUANTITY,
    )
    assert row_counts(shop_engine) == before
    assert view_cart(alice, None, engine=shop_engine).lines[0].quantity == 1


@pytest.mark.parametrize("product_id", [999_999, 0, -3, "abc", "12; DROP TABLE carts", None, 2**40])
def test_an_unknown_product_is_refused_and_writes_nothing(shop_engine, product_id):
    before = row_counts(shop_engine)
    refused(lambda: add_item(GUEST, SESSION, product_id, engine=shop_engine), Refusal.PRODUCT_NOT_FOUND)
    assert row_counts(shop_engine) == before


def test_an_inactive_product_cannot_be_added(shop_engine):
    product = plain_product(shop_engine)
    with Session(shop_engine) as session, session.begin():
        session.execute(update(Product).where(Product.id == product).values(active=False))
    refused(lambda: add_item(GUEST, SESSION, product, engine=shop_engine), Refusal.PRODUCT_NOT_FOUND)


def test_a_size_the_product_does_not_come_in_is_refused_with_the_sizes_it_has(shop_engine):
    sized = sized_product(shop_engine)
    before = row_counts(shop_engine)
    error = refused(
        lambda: add_item(GUEST, SESSION, sized.product_id, size="XXXXL", engine=shop_engine),
        Refusal.VARIANT_NOT_FOUND,
    )
    assert all(size in error.explanation for size in sized.sizes)
    plain = plain_product(shop_engine)
    refused(lambda: add_item(GUEST, SESSION, plain, size="XL", engine=shop_engine), Refusal.VARIANT_NOT_FOUND)
    refused(
        lambda: add_item(GUEST, SESSION, plain, variant_id=sized.variant_id, engine=shop_engine),
        Refusal.VARIANT_NOT_FOUND,
    )
    assert row_counts(shop_engine) == before


def test_stock_is_checked_when_adding_including_what_is_already_in_the_cart(shop_engine):
    product = plain_product(shop_engine)
    variant = only_variant(shop_engine, product)
    set_stock(shop_engine, variant, 3)
    add_item(bob, None, product, 2, engine=shop_engine)
    before = row_counts(shop_engine)
    error = refused(lambda: add_item(bob, None, product, 2, engine=shop_engine), Refusal.OUT_OF_STOCK)
    assert "3" in error.explanation and "2 already" in error.explanation
    set_stock(shop_engine, variant, 0)
    refused(lambda: add_item(alice, None, product, 1, engine=shop_engine), Refusal.OUT_OF_STOCK)
    assert row_counts(shop_engine) == before
    assert view_cart(bob, None, engine=shop_engine).lines[0].quantity == 2


def test_the_same_variant_twice_is_one_line_and_keeps_the_price_it_was_added_at(shop_engine):
    product = plain_product(shop_engine)
    first = add_item(alice, None, product, 1, engine=shop_engine)
    assert first.line is not None
    with Session(shop_engine) as session, session.begin():
        session.execute(update(Product).where(Product.id == product).values(price=Decimal("1.00")))
    add_item(alice, None, product, 1, engine=shop_engine)
    cart = view_cart(alice, None, engine=shop_engine)
    assert len(cart.lines) == 1 and cart.lines[0].quantity == 2
    assert cart.lines[0].unit_price == first.line.unit_price != Decimal("1.00")


def test_change_remove_and_empty_each_say_what_they_did(shop_engine):
    sized, plain = sized_product(shop_engine), plain_product(shop_engine)
    add_item(alice, None, plain, 1, engine=shop_engine)
    add_item(alice, None, sized.product_id, 1, size=sized.size, engine=shop_engine)
    cart = view_cart(alice, None, engine=shop_engine)
    first, second = cart.lines
    revision = cart.revision

    changed = set_quantity(alice, None, first.line_id, 3, engine=shop_engine)
    assert changed.kind == "updated" and changed.line is not None and changed.line.quantity == 3
    assert "3 ×" in changed.message and changed.cart.revision > revision

    removed = remove_line(alice, None, second.line_id, engine=shop_engine)
    assert removed.kind == "removed" and removed.message.startswith("Removed 1 × ")
    assert [line.line_id for line in removed.cart.lines] == [first.line_id]

    emptied = empty_cart(alice, None, engine=shop_engine)
    assert emptied.kind == "emptied" and "3 items" in emptied.message
    assert view_cart(alice, None, engine=shop_engine).is_empty
    before = row_counts(shop_engine)
    assert "already empty" in empty_cart(alice, None, engine=shop_engine).message
    assert row_counts(shop_engine) == before
    # Nothing to do writes nothing, not even the chat request's replay record.
    again = empty_cart(alice, None, request_key="chat:alice-conversation:msg-7:empty", engine=shop_engine)
    assert "already empty" in again.message and not again.wrote
    assert row_counts(shop_engine) == before


def test_nobody_changes_a_line_of_someone_elses_cart(shop_engine):
    product = plain_product(shop_engine)
    line = add_item(alice, None, product, 1, engine=shop_engine).line
    assert line is not None
    before = row_counts(shop_engine)
    refused(lambda: set_quantity(bob, None, line.line_id, 2, engine=shop_engine), Refusal.CART_LINE_NOT_FOUND)
    refused(lambda: remove_line(bob, None, line.line_id, engine=shop_engine), Refusal.CART_LINE_NOT_FOUND)
    refused(
        lambda: remove_line(GUEST, SESSION, line.line_id, engine=shop_engine), Refusal.CART_LINE_NOT_FOUND
    )
    refused(lambda: remove_line(alice, None, "not a line", engine=shop_engine), Refusal.CART_LINE_NOT_FOUND)
    assert row_counts(shop_engine) == before


def test_a_retried_request_changes_nothing_and_gets_the_first_answer(shop_engine):
    product = plain_product(shop_engine)
    key = "chat:sender-1:message-abc:add"
    first = add_item(GUEST, SESSION, product, 1, request_key=key, engine=shop_engine)
    again = add_item(GUEST, SESSION, product, 1, request_key=key, engine=shop_engine)
    assert again.replayed and again.message == first.message
    assert view_cart(GUEST, SESSION, engine=shop_engine).lines[0].quantity == 1
    assert first.line is not None
    removal = "chat:sender-1:message-def:remove"
    remove_line(GUEST, SESSION, first.line.line_id, request_key=removal, engine=shop_engine)
    assert remove_line(GUEST, SESSION, first.line.line_id, request_key=removal, engine=shop_engine).replayed


def test_viewing_a_cart_writes_nothing(shop_engine):
    add_item(alice, None, plain_product(shop_engine), 1, engine=shop_engine)
    before = row_counts(shop_engine)
    view_cart(alice, None, engine=shop_engine)
    view_cart(GUEST, "nobody-has-this-session", engine=shop_engine)
    assert row_counts(shop_engine) == before


def test_a_guest_cart_is_merged_into_the_customers_cart_at_login(shop_engine):
    sized, plain = sized_product(shop_engine), plain_product(shop_engine)
    add_item(alice, None, plain, 1, engine=shop_engine)
    add_item(GUEST, SESSION, plain, 2, engine=shop_engine, conversation_id="conv-guest-1")
    add_item(
        GUEST, SESSION, sized.product_id, 1, size=sized.size, recommendation_id="rec-42", engine=shop_engine
    )

    merged = merge_guest_cart(ALICE, SESSION, engine=shop_engine)
    assert {(line.product_id, line.quantity) for line in merged.lines} == {(plain, 3), (sized.product_id, 1)}
    assert {line.recommendation_id for line in merged.lines} == {None, "rec-42"}
    assert view_cart(GUEST, SESSION, engine=shop_engine).is_empty
    with Session(shop_engine) as session:
        assert session.scalar(select(Cart).where(Cart.session_id == SESSION)) is None
        assert (
            session.scalars(select(Cart).where(Cart.customer_id == ALICE)).one().conversation_id
            == "conv-guest-1"
        )
    # Merging again (a second login) finds no guest cart and writes nothing.
    before = row_counts(shop_engine)
    merge_guest_cart(ALICE, SESSION, engine=shop_engine)
    merge_guest_cart(BOB, "no-such-session-99", engine=shop_engine)
    assert row_counts(shop_engine) == before


def test_a_customers_write_in_a_conversation_takes_in_that_conversations_guest_cart(shop_engine):
    plain = plain_product(shop_engine)
    add_item(GUEST, "shell-abcdef12", plain, 1, engine=shop_engine)
    add_item(bob, "shell-abcdef12", plain, 1, engine=shop_engine)
    assert [line.quantity for line in view_cart(bob, None, engine=shop_engine).lines] == [2]
    with Session(shop_engine) as session:
        assert session.scalar(select(CartLine).join(Cart).where(Cart.session_id == "shell-abcdef12")) is None
