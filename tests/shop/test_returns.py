"""Return eligibility, RMA creation with refund amounts, exchanges and return status lookup."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from shop.config import get_settings
from shop.identity import GUEST, Requester
from shop.models import Order, OrderStatus, Refund, RefundStatus, Return, ReturnStatus
from shop.refusals import Refusal, Refused
from shop.returns import (
    create_return,
    describe_return,
    find_returns,
    parse_rma_number,
    return_options,
)
from tests.shop.cs_shop import (
    ALICE,
    BOB,
    BOB_EMAIL,
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

alice, bob = Requester.customer(ALICE), Requester.customer(BOB)
WRITE_TABLES = ("orders", "order_status_events", "refunds", "returns", "return_lines")


def refusal_of(call) -> Refused:  # type: ignore[no-untyped-def]
    with pytest.raises(Refused) as caught:
        call()
    return caught.value


def lines_of(engine, number):  # type: ignore[no-untyped-def]
    """The order's lines split into (returnable, final-sale) by the product attribute."""
    options = return_options(alice, number, engine=engine, now=NOW)
    regular = [line for line in options.lines if not line.item.final_sale]
    final = [line for line in options.lines if line.item.final_sale]
    return options, regular, final


# --- eligibility --------------------------------------------------------------------------


def test_a_recently_delivered_order_is_returnable_except_its_final_sale_item(shop_readonly):
    options, regular, final = lines_of(shop_readonly, 100236)
    assert len(options.lines) == 2 and len(regular) == 1 and len(final) == 1
    assert regular[0].eligible and regular[0].returnable_quantity == regular[0].item.quantity
    assert final[0].refusal == Refusal.FINAL_SALE and "final-sale" in final[0].explanation
    delivered = options.order.delivered_at
    assert options.window_ends == (delivered + timedelta(days=get_settings().return_window_days)).date()
    assert options.refusal() is None


def test_an_order_delivered_outside_the_window_is_not_returnable(shop_readonly):
    options = return_options(alice, 100237, engine=shop_readonly, now=NOW)
    assert options.eligible_lines == ()
    assert {line.refusal for line in options.lines} == {Refusal.OUTSIDE_RETURN_WINDOW}
    refusal = options.refusal()
    assert refusal is not None and refusal.reason == Refusal.OUTSIDE_RETURN_WINDOW
    assert "30-day" in refusal.explanation


def test_the_last_day_of_the_window_still_counts(shop_readonly):
    options = return_options(alice, 100236, engine=shop_readonly, now=NOW)
    last_day = NOW.replace(hour=23, minute=59) + (options.window_ends - NOW.date())
    assert return_options(alice, 100236, engine=shop_readonly, now=last_day).eligible_lines
    day_after = last_day + timedelta(minutes=2)
    assert not return_options(alice, 100236, engine=shop_readonly, now=day_after).eligible_lines


@pytest.mark.parametrize("number", [100234, 100235])
def test_an_order_not_yet_delivered_is_not_returnable(shop_readonly, number):
    options = return_options(alice, number, engine=shop_readonly, now=NOW)
    assert {line.refusal for line in options.lines} == {Refusal.NOT_DELIVERED}
    assert options.window_ends is None


def test_units_already_on_a_return_cannot_be_returned_again(shop_readonly):
    options = return_options(bob, 100239, engine=shop_readonly, now=NOW)
    returned = [line for line in options.lines if line.item.returned_quantity]
    assert returned, "RMA-100239-1 covers a line of this order"
    for line in returned:
        assert line.returnable_quantity == line.item.quantity - line.item.returned_quantity
        if line.returnable_quantity == 0:
            assert line.refusal == Refusal.NOTHING_LEFT_TO_RETURN


def test_someone_elses_order_cannot_be_returned_or_even_inspected(shop_readonly):
    assert (
        refusal_of(lambda: return_options(bob, 100236, engine=shop_readonly, now=NOW)).reason
        == Refusal.NOT_FOUND
    )
    assert refusal_of(
        lambda: return_options(GUEST, 100236, BOB_EMAIL, engine=shop_readonly, now=NOW)
    ).reason == (Refusal.NOT_FOUND)


# --- creating a return --------------------------------------------------------------------


def test_a_return_creates_an_rma_with_the_right_refund_and_a_pending_refund(shop_engine):
    options, regular, _ = lines_of(shop_engine, 100236)
    line = regular[0].item
    before = row_counts(shop_engine)
    receipt = create_return(alice, 100236, {line.line_id: 1}, "too small", engine=shop_engine, now=NOW)

    assert receipt.rma_number == "RMA-100236-1"
    assert receipt.refund_amount == line.unit_price  # one unit, shipping not refunded
    assert receipt.return_.status == ReturnStatus.REQUESTED
    assert receipt.return_.refund_status == RefundStatus.PENDING
    assert receipt.return_.items[0].quantity == 1
    assert any("label" in step for step in receipt.next_steps)
    assert any(str(get_settings().refund_processing_days) in step for step in receipt.next_steps)
    assert receipt.rma_number in receipt.message()

    with Session(shop_engine) as session:
        stored = session.scalars(select(Return).where(Return.rma_number == "RMA-100236-1")).one()
        assert stored.order_id == 100236 and stored.reason == "too small"
        assert stored.refund_amount == line.unit_price
        assert [(rl.order_line_id, rl.quantity) for rl in stored.lines] == [(line.line_id, 1)]
        assert stored.refund.amount == line.unit_price and stored.refund.status == RefundStatus.PENDING
        order = session.get(Order, 100236)
        assert order.status == OrderStatus.DELIVERED
        assert "RMA-100236-1" in order.history[-1].note
    after = row_counts(shop_engine)
    assert after["returns"] == before["returns"] + 1
    assert after["refunds"] == before["refunds"] + 1
    assert after["return_lines"] == before["return_lines"] + 1
    assert after["order_status_events"] == before["order_status_events"] + 1


def test_all_returnable_units_of_a_line_and_the_refund_is_price_times_quantity(shop_engine):
    _, regular, _ = lines_of(shop_engine, 100236)
    item = regular[0].item
    receipt = create_return(alice, 100236, [item.line_id], "changed my mind", engine=shop_engine, now=NOW)
    assert receipt.return_.items[0].quantity == item.quantity
    assert receipt.refund_amount == item.unit_price * item.quantity
    # Nothing of that line is left to return now; asking again is refused and writes nothing.
    before = snapshot(shop_engine, *WRITE_TABLES)
    refused = refusal_of(
        lambda: create_return(alice, 100236, [item.line_id], "again", engine=shop_engine, now=NOW)
    )
    assert refused.reason == Refusal.NOTHING_LEFT_TO_RETURN
    assert snapshot(shop_engine, *WRITE_TABLES) == before


def test_the_second_return_of_an_order_gets_the_next_rma_number(shop_engine):
    options = return_options(bob, 100239, engine=shop_engine, now=NOW)
    line = options.eligible_lines[0]
    receipt = create_return(bob, 100239, {line.item.line_id: 1}, "broken", engine=shop_engine, now=NOW)
    assert receipt.rma_number == "RMA-100239-2"


def test_returning_a_final_sale_item_is_refused_and_writes_nothing(shop_engine):
    _, _, final = lines_of(shop_engine, 100236)
    before = snapshot(shop_engine, *WRITE_TABLES)
    refused = refusal_of(
        lambda: create_return(
            alice, 100236, [final[0].item.line_id], "don't like it", engine=shop_engine, now=NOW
        )
    )
    assert refused.reason == Refusal.FINAL_SALE
    assert snapshot(shop_engine, *WRITE_TABLES) == before


def test_a_return_mixing_an_eligible_and_a_final_sale_item_writes_nothing(shop_engine):
    options, _, _ = lines_of(shop_engine, 100236)
    before = snapshot(shop_engine, *WRITE_TABLES)
    everything = [line.item.line_id for line in options.lines]
    assert refusal_of(
        lambda: create_return(alice, 100236, everything, "x", engine=shop_engine, now=NOW)
    ).reason == (Refusal.FINAL_SALE)
    assert snapshot(shop_engine, *WRITE_TABLES) == before


def test_a_return_outside_the_window_is_refused_and_writes_nothing(shop_engine):
    options = return_options(alice, 100237, engine=shop_engine, now=NOW)
    before = snapshot(shop_engine, *WRITE_TABLES)
    refused = refusal_of(
        lambda: create_return(
            alice, 100237, [options.lines[0].item.line_id], "late", engine=shop_engine, now=NOW
        )
    )
    assert refused.reason == Refusal.OUTSIDE_RETURN_WINDOW
    assert snapshot(shop_engine, *WRITE_TABLES) == before


def test_returning_an_undelivered_order_is_refused_and_writes_nothing(shop_engine):
    options = return_options(alice, 100234, engine=shop_engine, now=NOW)
    before = snapshot(shop_engine, *WRITE_TABLES)
    refused = refusal_of(
        lambda: create_return(
            alice, 100234, [options.lines[0].item.line_id], "x", engine=shop_engine, now=NOW
        )
    )
    assert refused.reason == Refusal.NOT_DELIVERED
    assert snapshot(shop_engine, *WRITE_TABLES) == before


@pytest.mark.parametrize(
    ("choice", "reason_text", "refusal"),
    [
        ({}, "too small", Refusal.NO_ITEMS_CHOSEN),
        ({999_999: 1}, "too small", Refusal.UNKNOWN_LINE),
        ("REGULAR:0", "too small", Refusal.INVALID_QUANTITY),
        ("REGULAR:99", "too small", Refusal.INVALID_QUANTITY),
        ("REGULAR:1", "   ", Refusal.REASON_REQUIRED),
    ],
)
def test_bad_return_requests_are_refused_clearly_and_write_nothing(shop_engine, choice, reason_text, refusal):
    _, regular, _ = lines_of(shop_engine, 100236)
    if isinstance(choice, str):
        choice = {regular[0].item.line_id: int(choice.split(":")[1])}
    before = snapshot(shop_engine, *WRITE_TABLES)
    refused = refusal_of(
        lambda: create_return(alice, 100236, choice, reason_text, engine=shop_engine, now=NOW)
    )
    assert refused.reason == refusal
    assert refused.explanation
    assert snapshot(shop_engine, *WRITE_TABLES) == before


def test_a_line_of_another_order_cannot_be_slipped_into_a_return(shop_engine):
    other_line = return_options(alice, 100237, engine=shop_engine, now=NOW).lines[0].item.line_id
    before = snapshot(shop_engine, *WRITE_TABLES)
    refused = refusal_of(lambda: create_return(alice, 100236, [other_line], "x", engine=shop_engine, now=NOW))
    assert refused.reason == Refusal.UNKNOWN_LINE
    assert snapshot(shop_engine, *WRITE_TABLES) == before


def test_a_guest_with_a_wrong_email_cannot_return_and_nothing_is_written(shop_engine):
    _, regular, _ = lines_of(shop_engine, 100236)
    before = snapshot(shop_engine, *WRITE_TABLES)
    refused = refusal_of(
        lambda: create_return(
            GUEST, 100236, [regular[0].item.line_id], "x", GUEST_EMAIL, engine=shop_engine, now=NOW
        )
    )
    assert refused.reason == Refusal.NOT_FOUND
    assert snapshot(shop_engine, *WRITE_TABLES) == before


def test_a_retried_return_request_gets_the_same_rma_and_writes_nothing_more(shop_engine):
    _, regular, _ = lines_of(shop_engine, 100236)
    line_id = regular[0].item.line_id
    first = create_return(alice, 100236, {line_id: 1}, "too small", engine=shop_engine, now=NOW)
    before = snapshot(shop_engine, *WRITE_TABLES)
    retry = create_return(
        alice, 100236, {line_id: 1}, " too  small ", engine=shop_engine, now=NOW + timedelta(seconds=5)
    )
    assert not retry.created and first.created
    assert retry.rma_number == first.rma_number and retry.refund_amount == first.refund_amount
    assert snapshot(shop_engine, *WRITE_TABLES) == before
    # Much later the same request is a new one (and here nothing is left to return).
    later = NOW + timedelta(minutes=10)
    refused = refusal_of(
        lambda: create_return(alice, 100236, {line_id: 1}, "too small", engine=shop_engine, now=later)
    )
    assert refused.reason == Refusal.NOTHING_LEFT_TO_RETURN


def test_an_exchange_is_a_return_without_a_money_refund(shop_engine):
    _, regular, _ = lines_of(shop_engine, 100236)
    before = row_counts(shop_engine)
    receipt = create_return(
        alice,
        100236,
        {regular[0].item.line_id: 1},
        "need size 43",
        exchange=True,
        engine=shop_engine,
        now=NOW,
    )
    assert receipt.return_.is_exchange
    assert receipt.refund_amount == Decimal("0.00")
    assert receipt.return_.reason == "need size 43"
    assert any("replacement" in step for step in receipt.next_steps)
    after = row_counts(shop_engine)
    assert after["returns"] == before["returns"] + 1 and after["refunds"] == before["refunds"]


def test_the_refund_never_exceeds_what_was_paid(shop_engine):
    _, regular, _ = lines_of(shop_engine, 100236)
    with Session(shop_engine) as session, session.begin():
        # Say the order was bought with a coupon: it cost less than its lines.
        session.get(Order, 100236).total = Decimal("10.00")
    receipt = create_return(alice, 100236, [regular[0].item.line_id], "x", engine=shop_engine, now=NOW)
    assert receipt.refund_amount == Decimal("10.00")


# --- status lookup ------------------------------------------------------------------------


def test_the_refund_status_of_an_existing_return_by_rma_number(shop_readonly):
    (view,) = find_returns(bob, rma_number="rma 100239 1", engine=shop_readonly)
    assert view.rma_number == "RMA-100239-1" and view.order_number == 100239
    assert view.status == ReturnStatus.RECEIVED and view.refund_status == RefundStatus.PENDING
    text = describe_return(view)
    assert "RMA-100239-1" in text and "pending" in text


def test_returns_by_order_newest_first(shop_engine):
    line = return_options(bob, 100239, engine=shop_engine, now=NOW).eligible_lines[0]
    create_return(bob, 100239, {line.item.line_id: 1}, "broken", engine=shop_engine, now=NOW)
    views = find_returns(bob, order_number=100239, engine=shop_engine)
    assert [v.rma_number for v in views] == ["RMA-100239-2", "RMA-100239-1"]
    assert find_returns(alice, order_number=100234, engine=shop_engine) == ()


def test_a_guest_sees_a_return_with_the_orders_email_only(shop_readonly):
    (view,) = find_returns(GUEST, rma_number="RMA-100239-1", email=BOB_EMAIL, engine=shop_readonly)
    assert view.rma_number == "RMA-100239-1"
    wrong = refusal_of(
        lambda: find_returns(GUEST, rma_number="RMA-100239-1", email=GUEST_EMAIL, engine=shop_readonly)
    )
    unknown = refusal_of(
        lambda: find_returns(GUEST, rma_number="RMA-100239-9", email=BOB_EMAIL, engine=shop_readonly)
    )
    garbage = refusal_of(
        lambda: find_returns(GUEST, rma_number="hello", email=BOB_EMAIL, engine=shop_readonly)
    )
    assert wrong.reason == unknown.reason == garbage.reason == Refusal.RETURN_NOT_FOUND
    assert wrong.explanation == unknown.explanation == garbage.explanation


def test_another_customers_return_is_invisible(shop_readonly):
    refused = refusal_of(lambda: find_returns(alice, rma_number="RMA-100239-1", engine=shop_readonly))
    assert refused.reason == Refusal.RETURN_NOT_FOUND


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("RMA-100239-1", "RMA-100239-1"),
        ("rma 100239-1", "RMA-100239-1"),
        ("RMA100239 2", "RMA-100239-2"),
        ("100239", None),
        ("", None),
        (None, None),
    ],
)
def test_rma_numbers_are_read_the_way_shoppers_type_them(raw, canonical):
    assert parse_rma_number(raw) == canonical


def test_refund_rows_match_the_returns_they_belong_to(shop_engine):
    _, regular, _ = lines_of(shop_engine, 100236)
    receipt = create_return(alice, 100236, [regular[0].item.line_id], "x", engine=shop_engine, now=NOW)
    with Session(shop_engine) as session:
        refund = session.scalars(
            select(Refund)
            .join(Return, Refund.return_id == Return.id)
            .where(Return.rma_number == receipt.rma_number)
        ).one()
        assert refund.order_id == 100236 and refund.amount == receipt.refund_amount
