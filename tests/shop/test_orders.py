"""Order lookup, cancellation and address change, on a seeded shop (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from shop.addresses import Address, InvalidAddress
from shop.identity import GUEST, Requester
from shop.models import Order, OrderStatus, OrderStatusEvent, Refund, RefundStatus
from shop.orders import (
    cancel_order,
    change_shipping_address,
    check_address_change,
    check_cancel,
    describe_order,
    find_order,
    parse_order_number,
    recent_orders,
)
from shop.refusals import NOT_FOUND_EXPLANATION, Refusal, Refused
from tests.shop.cs_shop import (
    ALICE,
    ALICE_EMAIL,
    BOB,
    BOB_EMAIL,
    CARLA,
    GUEST_EMAIL,
    NOW,
    _postgres_template,
    _sqlite_template,
    row_counts,
    shop_engine,
    shop_readonly,
    snapshot,
)

__all__ = [
    "_postgres_template",
    "_sqlite_template",
    "shop_engine",
    "shop_readonly",
]  # fixtures, imported for pytest

alice, bob, carla = Requester.customer(ALICE), Requester.customer(BOB), Requester.customer(CARLA)
NEW_ADDRESS = {
    "street": "742 Evergreen Terrace",
    "city": "Springfield",
    "postcode": "97403",
    "country": "USA",
}
WRITE_TABLES = ("orders", "order_status_events", "refunds", "returns", "return_lines")


def refusal_of(call) -> Refused:  # type: ignore[no-untyped-def]
    with pytest.raises(Refused) as caught:
        call()
    return caught.value


# --- lookup -------------------------------------------------------------------------------


def test_a_customer_sees_their_shipped_order_with_tracking(shop_readonly):
    view = find_order(alice, "100234", engine=shop_readonly)
    assert view.number == 100234
    assert view.status == OrderStatus.SHIPPED
    assert view.carrier and view.tracking_number
    assert (view.estimated_delivery - NOW.date()).days == 2
    assert len(view.items) == 2
    assert view.total > 0 and all(i.line_total == i.unit_price * i.quantity for i in view.items)
    assert [c.status for c in view.history][-1] == OrderStatus.SHIPPED
    text = describe_order(view)
    assert "100234" in text and view.tracking_number in text and view.carrier in text


def test_a_guest_with_number_and_matching_email_sees_the_order(shop_readonly):
    view = find_order(GUEST, "#100241", " Guest@Example.com ", engine=shop_readonly)
    assert view.number == 100241
    assert view.status == OrderStatus.SHIPPED


def test_a_customer_may_also_prove_an_order_by_its_email(shop_readonly):
    # Carla has no orders, but knows the guest order's email: the same proof a guest gives.
    assert find_order(carla, 100241, GUEST_EMAIL, engine=shop_readonly).number == 100241


def test_a_guest_must_give_the_email_before_anything_is_looked_up(shop_readonly):
    refused = refusal_of(lambda: find_order(GUEST, 100241, engine=shop_readonly))
    assert refused.reason == Refusal.EMAIL_REQUIRED
    # Same answer for a number that does not exist: nothing is revealed before the email.
    assert (
        refusal_of(lambda: find_order(GUEST, 999999, engine=shop_readonly)).explanation == refused.explanation
    )


def test_a_wrong_email_and_an_unknown_number_get_identical_answers(shop_readonly):
    wrong_email = refusal_of(lambda: find_order(GUEST, 100241, "someone@example.com", engine=shop_readonly))
    unknown_number = refusal_of(lambda: find_order(GUEST, 999999, GUEST_EMAIL, engine=shop_readonly))
    another_customers = refusal_of(lambda: find_order(GUEST, 100238, GUEST_EMAIL, engine=shop_readonly))
    for refused in (wrong_email, unknown_number, another_customers):
        assert refused.reason == Refusal.NOT_FOUND
        assert refused.explanation == NOT_FOUND_EXPLANATION
        assert str(refused) == str(wrong_email)


def test_another_customers_order_is_invisible(shop_readonly):
    refused = refusal_of(lambda: find_order(bob, 100234, engine=shop_readonly))
    assert refused.reason == Refusal.NOT_FOUND
    unknown = refusal_of(lambda: find_order(bob, 999999, engine=shop_readonly))
    assert (refused.reason, refused.explanation) == (unknown.reason, unknown.explanation)


def test_a_customer_cannot_see_a_guest_order_without_its_email(shop_readonly):
    assert refusal_of(lambda: find_order(alice, 100241, engine=shop_readonly)).reason == Refusal.NOT_FOUND
    assert refusal_of(lambda: find_order(alice, 100241, ALICE_EMAIL, engine=shop_readonly)).reason == (
        Refusal.NOT_FOUND
    )


@pytest.mark.parametrize(
    ("raw", "number"),
    [
        ("100234", 100234),
        ("#100234", 100234),
        (" 100 234 ", 100234),
        ("order no. 100234", 100234),
        (100234, 100234),
    ],
)
def test_order_numbers_are_read_the_way_shoppers_type_them(raw, number):
    assert parse_order_number(raw) == number


@pytest.mark.parametrize(
    "raw", ["", "abc", "12ab", "0", "-5", "99999999999", "1e5", "١٠٠٢٣٤", True, None, 3.5]
)
def test_nonsense_order_numbers_are_refused_clearly(raw):
    assert refusal_of(lambda: parse_order_number(raw)).reason == Refusal.INVALID_ORDER_NUMBER


def test_recent_orders_lists_the_customers_own_orders_newest_first(shop_readonly):
    orders = recent_orders(alice, engine=shop_readonly)
    assert orders, "Alice has orders"
    numbers = [o.number for o in orders]
    assert 1 <= len(orders) <= 5
    assert len(recent_orders(alice, limit=2, engine=shop_readonly)) == min(2, len(orders))
    assert [o.placed_at for o in orders] == sorted((o.placed_at for o in orders), reverse=True)
    with Session(shop_readonly) as session:
        owners = set(session.scalars(select(Order.customer_id).where(Order.id.in_(numbers))))
    assert owners == {ALICE}
    assert all(o.headline and o.label() for o in orders)


def test_recent_orders_of_a_guest_or_a_customer_without_orders_is_empty(shop_readonly):
    assert recent_orders(GUEST, engine=shop_readonly) == []
    assert recent_orders(carla, engine=shop_readonly) == []


def test_the_order_view_is_json_safe(shop_readonly):
    import json

    payload = find_order(alice, 100234, engine=shop_readonly).to_dict()
    decoded = json.loads(json.dumps(payload))
    assert decoded["number"] == 100234 and decoded["status"] == "shipped"
    assert decoded["items"][0]["title"]


# --- cancel -------------------------------------------------------------------------------


def test_cancelling_a_placed_order_records_the_change_and_no_refund(shop_engine):
    before = row_counts(shop_engine)
    result = cancel_order(alice, 100235, reason="ordered twice", engine=shop_engine, now=NOW)
    assert result.order.status == OrderStatus.CANCELLED
    assert result.refund is None
    assert "100235" in result.message
    with Session(shop_engine) as session:
        order = session.get(Order, 100235)
        assert order.status == OrderStatus.CANCELLED
        assert order.history[-1].status == OrderStatus.CANCELLED
        assert order.history[-1].at == NOW
        assert "ordered twice" in order.history[-1].note
    after = row_counts(shop_engine)
    assert after["order_status_events"] == before["order_status_events"] + 1
    assert after["refunds"] == before["refunds"]


def test_cancelling_a_paid_order_starts_a_refund_of_its_total(shop_engine):
    result = cancel_order(bob, "100238", engine=shop_engine, now=NOW)
    assert result.refund is not None and result.refund.status == RefundStatus.PENDING
    with Session(shop_engine) as session:
        order = session.get(Order, 100238)
        refund = session.scalars(select(Refund).where(Refund.order_id == 100238)).one()
        assert refund.amount == order.total and refund.return_id is None
        assert order.status == OrderStatus.CANCELLED
    assert result.refund.amount == result.order.total


@pytest.mark.parametrize(
    ("who", "number", "reason"),
    [
        (alice, 100234, Refusal.ALREADY_SHIPPED),
        (alice, 100236, Refusal.ALREADY_DELIVERED),
        (bob, 100240, Refusal.ALREADY_CANCELLED),
    ],
)
def test_cancelling_an_order_that_left_the_warehouse_is_refused_and_writes_nothing(
    shop_engine, who, number, reason
):
    before = snapshot(shop_engine, *WRITE_TABLES)
    refused = refusal_of(lambda: cancel_order(who, number, engine=shop_engine, now=NOW))
    assert refused.reason == reason
    assert str(number) in refused.explanation
    assert refusal_of(lambda: check_cancel(who, number, engine=shop_engine)).reason == reason
    assert snapshot(shop_engine, *WRITE_TABLES) == before


def test_cancelling_someone_elses_order_is_refused_as_not_found_and_writes_nothing(shop_engine):
    before = snapshot(shop_engine, *WRITE_TABLES)
    refused = refusal_of(lambda: cancel_order(alice, 100238, engine=shop_engine, now=NOW))
    assert refused.reason == Refusal.NOT_FOUND
    refused = refusal_of(lambda: cancel_order(GUEST, 100238, ALICE_EMAIL, engine=shop_engine, now=NOW))
    assert refused.reason == Refusal.NOT_FOUND
    assert snapshot(shop_engine, *WRITE_TABLES) == before


def test_a_guest_can_cancel_with_the_orders_email(shop_engine):
    result = cancel_order(GUEST, 100238, BOB_EMAIL.upper(), engine=shop_engine, now=NOW)
    assert result.order.status == OrderStatus.CANCELLED


def test_cancelling_twice_is_refused_the_second_time_so_retries_are_harmless(shop_engine):
    check_cancel(alice, 100235, engine=shop_engine)
    cancel_order(alice, 100235, engine=shop_engine, now=NOW)
    before = row_counts(shop_engine)
    refused = refusal_of(lambda: cancel_order(alice, 100235, engine=shop_engine, now=NOW))
    assert refused.reason == Refusal.ALREADY_CANCELLED
    assert row_counts(shop_engine) == before


# --- address change -----------------------------------------------------------------------


def test_changing_the_address_before_shipment_updates_the_order_and_keeps_the_name(shop_engine):
    with Session(shop_engine) as session:
        name_before = session.get(Order, 100235).shipping_name
    check_address_change(alice, 100235, engine=shop_engine)
    result = change_shipping_address(alice, 100235, NEW_ADDRESS, engine=shop_engine, now=NOW)
    assert result.new == Address("742 Evergreen Terrace", "Springfield", "97403", "US", name_before)
    assert result.previous.street != result.new.street
    with Session(shop_engine) as session:
        order = session.get(Order, 100235)
        assert (
            order.shipping_street,
            order.shipping_city,
            order.shipping_postcode,
            order.shipping_country,
        ) == (
            "742 Evergreen Terrace",
            "Springfield",
            "97403",
            "US",
        )
        assert order.shipping_name == name_before
        last = session.scalars(
            select(OrderStatusEvent)
            .where(OrderStatusEvent.order_id == 100235)
            .order_by(OrderStatusEvent.id.desc())
        ).first()
        assert last.note == "Shipping address changed by the customer"
        assert "Evergreen" not in (last.note or "")


@pytest.mark.parametrize(
    ("who", "number", "reason"),
    [
        (alice, 100234, Refusal.ALREADY_SHIPPED),
        (alice, 100237, Refusal.ALREADY_DELIVERED),
        (bob, 100240, Refusal.ALREADY_CANCELLED),
    ],
)
def test_changing_the_address_after_shipment_is_refused_and_writes_nothing(shop_engine, who, number, reason):
    before = snapshot(shop_engine, *WRITE_TABLES)
    refused = refusal_of(
        lambda: change_shipping_address(who, number, NEW_ADDRESS, engine=shop_engine, now=NOW)
    )
    assert refused.reason == reason
    assert snapshot(shop_engine, *WRITE_TABLES) == before


@pytest.mark.parametrize(
    ("address", "bad_fields"),
    [
        ({"street": "", "city": "Berlin", "postcode": "10115", "country": "DE"}, {"street"}),
        (
            {"street": "Unter den Linden 1", "city": "Berlin", "postcode": "1011", "country": "Germany"},
            {"postcode"},
        ),
        (
            {"street": "10 Downing Street", "city": "London", "postcode": "SW1A 2AA", "country": "Narnia"},
            {"country"},
        ),
        (
            {"street": "12", "city": "42", "postcode": "", "country": ""},
            {"street", "city", "postcode", "country"},
        ),
    ],
)
def test_an_invalid_new_address_is_refused_per_field_and_writes_nothing(shop_engine, address, bad_fields):
    before = snapshot(shop_engine, *WRITE_TABLES)
    with pytest.raises(InvalidAddress) as caught:
        change_shipping_address(alice, 100235, address, engine=shop_engine, now=NOW)
    assert caught.value.reason == Refusal.INVALID_ADDRESS
    assert set(caught.value.fields) == bad_fields
    assert snapshot(shop_engine, *WRITE_TABLES) == before


def test_changing_to_the_same_address_is_refused_and_writes_nothing(shop_engine):
    current = find_order(alice, 100235, engine=shop_engine).shipping_address
    before = snapshot(shop_engine, *WRITE_TABLES)
    same = {**current.to_dict(), "street": current.street.upper(), "name": None}
    refused = refusal_of(lambda: change_shipping_address(alice, 100235, same, engine=shop_engine, now=NOW))
    assert refused.reason == Refusal.SAME_ADDRESS
    assert snapshot(shop_engine, *WRITE_TABLES) == before


def test_a_guest_cannot_change_an_address_with_a_wrong_email(shop_engine):
    before = snapshot(shop_engine, *WRITE_TABLES)
    refused = refusal_of(
        lambda: change_shipping_address(
            GUEST, 100235, NEW_ADDRESS, "bob@example.com", engine=shop_engine, now=NOW
        )
    )
    assert refused.reason == Refusal.NOT_FOUND
    assert snapshot(shop_engine, *WRITE_TABLES) == before
