"""Customer-service actions against the seeded TINY demo shop: answers, rules and what is written."""

from __future__ import annotations

import json
from typing import Any

from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from actions.conversation import ActionHandoff
from actions.order_forms import (
    ValidateCancelOrderForm,
    ValidateChangeAddressForm,
    ValidateOrderStatusForm,
    ValidateRefundStatusForm,
    ValidateReturnForm,
)
from actions.order_questions import ActionAskConfirmation, ActionAskOrderNumber, ActionAskReturnItem
from actions.orders import (
    ActionCancelOrder,
    ActionChangeAddress,
    ActionCreateReturn,
    ActionOrderStatus,
    ActionRefundStatus,
)
from shop.models import (
    Order,
    OrderLine,
    OrderStatus,
    OrderStatusEvent,
    Product,
    Refund,
    Return,
    Shipment,
    SupportTicket,
)
from shop.refusals import NOT_FOUND_EXPLANATION
from tests.actions.action_harness import ALICE, BOB, json_messages, make_tracker, slot_events, texts


async def run(action: Any, tracker: Any, domain: dict[str, Any]) -> tuple[CollectingDispatcher, list]:
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, domain)
    return dispatcher, events


def arun(coro: Any) -> Any:
    import asyncio

    return asyncio.run(coro)


def write_counts(engine: Engine) -> dict[str, Any]:
    """Everything a customer-service write could touch, to prove a refusal wrote nothing."""
    with Session(engine) as session:
        counts: dict[str, Any] = {
            model.__tablename__: session.scalar(select(func.count()).select_from(model))
            for model in (OrderStatusEvent, Refund, Return, SupportTicket)
        }
        counts["orders"] = [
            (o.id, o.status, o.shipping_street, o.shipping_city)
            for o in session.scalars(select(Order).where(Order.id.between(100234, 100241)).order_by(Order.id))
        ]
    return counts


def confirmed_events(form: str, answer: bool) -> list[dict[str, Any]]:
    """Events of a form run in which the shopper answered the confirmation question."""
    return [
        {"event": "active_loop", "name": form},
        {"event": "slot", "name": "confirmation", "value": answer},
        {"event": "active_loop", "name": None},
    ]


# --- order status ----------------------------------------------------------------------------------


def test_a_logged_in_customer_gets_status_carrier_tracking_and_eta_from_the_database(shop, domain):
    tracker = make_tracker(
        "where is my order 100234?", intent="order_status", customer=ALICE, slots={"order_number": "100234"}
    )
    dispatcher, _ = arun(run(ActionOrderStatus(), tracker, domain))
    with Session(shop) as session:
        shipment = session.scalars(select(Shipment).where(Shipment.order_id == 100234)).one()
    answer = texts(dispatcher)[0]
    assert "100234" in answer and "on its way" in answer
    assert shipment.carrier in answer and shipment.tracking_number in answer


def test_a_guest_with_the_wrong_email_gets_the_neutral_answer_and_must_give_both_again(shop, domain):
    tracker = make_tracker(
        "bob@example.com",
        intent="inform",
        active_loop="order_status_form",
        slots={"order_number": "100241", "order_email": "bob@example.com"},
        validate=["order_email"],
    )
    dispatcher, events = arun(run(ValidateOrderStatusForm(), tracker, domain))
    assert texts(dispatcher)[0] == NOT_FOUND_EXPLANATION
    slots = slot_events(events)
    assert slots["order_number"] is None and slots["order_email"] is None
    assert slots["lookup_failures"] == 1


def test_an_unknown_order_number_gets_exactly_the_same_answer_as_a_wrong_email(shop, domain):
    tracker = make_tracker(
        "guest@example.com",
        intent="inform",
        active_loop="order_status_form",
        slots={"order_number": "999999", "order_email": "guest@example.com"},
        validate=["order_email"],
    )
    dispatcher, _ = arun(run(ValidateOrderStatusForm(), tracker, domain))
    assert texts(dispatcher) == [NOT_FOUND_EXPLANATION]


def test_a_guest_with_the_right_email_completes_the_form(shop, domain):
    tracker = make_tracker(
        "guest@example.com",
        intent="inform",
        active_loop="order_status_form",
        slots={"order_number": "100241", "order_email": "Guest@Example.com"},
        validate=["order_email"],
    )
    dispatcher, events = arun(run(ValidateOrderStatusForm(), tracker, domain))
    assert texts(dispatcher) == []
    slots = slot_events(events)
    assert (slots["order_number"], slots["order_email"]) == ("100241", "Guest@Example.com")
    assert slots["lookup_failures"] == 0


def test_a_logged_in_customer_never_sees_another_customers_order(shop, domain):
    tracker = make_tracker(
        "where is 100238",
        intent="order_status",
        active_loop="order_status_form",
        customer=ALICE,
        slots={"order_number": "100238"},
        validate=["order_number"],
    )
    dispatcher, events = arun(run(ValidateOrderStatusForm(), tracker, domain))
    assert texts(dispatcher) == [NOT_FOUND_EXPLANATION]
    assert slot_events(events)["order_number"] is None


def test_a_forged_identity_is_treated_as_a_guest_and_asked_for_the_email(shop, domain):
    forged = "v1.2.1900000000.0000000000000000000000000000000000000000000000000000000000000000"
    tracker = make_tracker(
        "where is 100238",
        intent="order_status",
        active_loop="order_status_form",
        token=forged,
        slots={"order_number": "100238"},
        validate=["order_number"],
    )
    dispatcher, events = arun(run(ValidateOrderStatusForm(), tracker, domain))
    assert texts(dispatcher) == []  # nothing about Bob's order is revealed before the email check
    assert slot_events(events)["order_number"] == "100238"
    slots = ["order_number", "order_email"]
    assert arun(ValidateOrderStatusForm().required_slots(slots, dispatcher, tracker, domain)) == slots


def test_my_last_order_is_the_logged_in_customers_latest_order(shop, domain):
    tracker = make_tracker(
        "where is my last order",
        intent="order_status",
        active_loop="order_status_form",
        customer=ALICE,
        slots={"order_number": "latest"},
        validate=["order_number"],
    )
    _, events = arun(run(ValidateOrderStatusForm(), tracker, domain))
    with Session(shop) as session:
        latest = session.scalars(
            select(Order.id)
            .where(Order.customer_id == ALICE)
            .order_by(Order.placed_at.desc(), Order.id.desc())
        ).first()
    assert slot_events(events)["order_number"] == str(latest)


def test_a_customer_with_several_orders_chooses_from_buttons_of_their_own_orders(shop, domain):
    tracker = make_tracker(
        "where is my order", intent="order_status", active_loop="order_status_form", customer=ALICE
    )
    dispatcher, _ = arun(run(ActionAskOrderNumber(), tracker, domain))
    payloads = [b["payload"] for b in dispatcher.messages[0]["buttons"]]
    numbers = {json.loads(p[p.index("{") :])["order_number"] for p in payloads}
    with Session(shop) as session:
        alices = {str(n) for n in session.scalars(select(Order.id).where(Order.customer_id == ALICE))}
    assert len(numbers) >= 2 and numbers <= alices


def test_a_malformed_order_number_is_asked_again(shop, domain):
    tracker = make_tracker(
        "12ab",
        intent="inform",
        active_loop="order_status_form",
        slots={"order_number": "12ab"},
        validate=["order_number"],
    )
    dispatcher, events = arun(run(ValidateOrderStatusForm(), tracker, domain))
    assert "doesn't look like an order number" in texts(dispatcher)[0]
    assert slot_events(events)["order_number"] is None


def test_three_failed_lookups_end_the_form_with_an_offer_of_a_person(shop, domain):
    tracker = make_tracker(
        "x@example.com",
        intent="inform",
        active_loop="order_status_form",
        slots={"order_number": "100241", "order_email": "x@example.com", "lookup_failures": 2.0},
        validate=["order_email"],
    )
    dispatcher, events = arun(run(ValidateOrderStatusForm(), tracker, domain))
    assert any(b["payload"] == "/request_human" for m in dispatcher.messages for b in m.get("buttons") or [])
    assert slot_events(events)["requested_slot"] is None


def test_order_lookups_are_rate_limited_per_sender(shop, domain):
    sender = "enumerator"
    answers = []
    for number in range(300000, 300012):
        tracker = make_tracker(
            str(number),
            intent="inform",
            active_loop="order_status_form",
            customer=BOB,
            slots={"order_number": str(number)},
            validate=["order_number"],
            sender_id=sender,
        )
        dispatcher, _ = arun(run(ValidateOrderStatusForm(), tracker, domain))
        answers.append(texts(dispatcher)[0])
    assert answers[0] == NOT_FOUND_EXPLANATION
    assert "a lot of order lookups" in answers[-1]


# --- cancel ----------------------------------------------------------------------------------------


def test_cancelling_an_unshipped_order_after_yes_records_the_cancellation(shop, domain):
    before = write_counts(shop)
    tracker = make_tracker(
        "yes",
        intent="affirm",
        customer=ALICE,
        slots={"order_number": "100235"},
        events_before=confirmed_events("cancel_order_form", True),
    )
    dispatcher, events = arun(run(ActionCancelOrder(), tracker, domain))
    assert "is cancelled" in texts(dispatcher)[0]
    with Session(shop) as session:
        order = session.get(Order, 100235)
        assert order.status == OrderStatus.CANCELLED
        assert order.history[-1].status == OrderStatus.CANCELLED
    assert write_counts(shop)["order_status_events"] == before["order_status_events"] + 1
    assert slot_events(events)["confirmation"] is None


def test_a_cancellation_from_chat_is_audited_with_the_customer_and_the_conversation(shop, domain):
    from shop.audit import AuditEntry

    tracker = make_tracker(
        "yes",
        intent="affirm",
        customer=ALICE,
        slots={"order_number": "100235"},
        events_before=confirmed_events("cancel_order_form", True),
        sender_id="conversation-of-alice-42",
    )
    arun(run(ActionCancelOrder(), tracker, domain))
    with Session(shop) as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.target == "order:100235")).one()
    assert (entry.action, entry.actor_kind, entry.conversation_id) == (
        "order.cancel", "customer", "conversation-of-alice-42",
    )  # fmt: skip


def test_cancelling_a_shipped_order_is_refused_and_writes_nothing(shop, domain):
    before = write_counts(shop)
    tracker = make_tracker(
        "cancel order 100234",
        intent="cancel_order",
        active_loop="cancel_order_form",
        customer=ALICE,
        slots={"order_number": "100234"},
        validate=["order_number"],
    )
    dispatcher, events = arun(run(ValidateCancelOrderForm(), tracker, domain))
    assert "already shipped" in texts(dispatcher)[0]
    slots = slot_events(events)
    assert slots["order_refusal"] == "cancel_order_form:already_shipped"
    assert slots["requested_slot"] is None  # the form ends without asking for confirmation

    submit = make_tracker(
        "cancel order 100234",
        intent="cancel_order",
        customer=ALICE,
        slots={"order_number": "100234", "order_refusal": slots["order_refusal"]},
    )
    dispatcher, _ = arun(run(ActionCancelOrder(), submit, domain))
    assert texts(dispatcher) == []
    assert write_counts(shop) == before


def test_saying_no_to_the_confirmation_cancels_nothing(shop, domain):
    before = write_counts(shop)
    tracker = make_tracker(
        "no",
        intent="deny",
        customer=ALICE,
        slots={"order_number": "100235"},
        events_before=confirmed_events("cancel_order_form", False),
    )
    dispatcher, _ = arun(run(ActionCancelOrder(), tracker, domain))
    assert "haven't cancelled" in texts(dispatcher)[0]
    assert write_counts(shop) == before


def test_a_yes_from_an_earlier_flow_never_confirms_a_new_cancellation(shop, domain):
    before = write_counts(shop)
    stale = [{"event": "slot", "name": "confirmation", "value": True}, {"event": "active_loop", "name": None}]
    tracker = make_tracker(
        "cancel it",
        intent="cancel_order",
        customer=ALICE,
        slots={"order_number": "100235", "confirmation": True},
        events_before=[*stale, {"event": "active_loop", "name": "cancel_order_form"}],
    )
    arun(run(ActionCancelOrder(), tracker, domain))
    assert write_counts(shop) == before


def test_the_cancel_confirmation_names_the_order_and_its_total(shop, domain):
    tracker = make_tracker(
        "cancel 100235",
        intent="cancel_order",
        active_loop="cancel_order_form",
        customer=ALICE,
        slots={"order_number": "100235"},
    )
    dispatcher, _ = arun(run(ActionAskConfirmation(), tracker, domain))
    assert "Order 100235" in texts(dispatcher)[0] and "$" in texts(dispatcher)[0]
    assert [b["payload"] for b in dispatcher.messages[0]["buttons"]] == ["/affirm", "/deny"]


# --- address change ---------------------------------------------------------------------------------


def test_a_new_address_before_shipment_is_written_after_yes(shop, domain):
    validate = make_tracker(
        "12 Oak Street, 10115 Berlin, Germany",
        intent="inform",
        active_loop="change_address_form",
        customer=ALICE,
        slots={"order_number": "100235", "new_address": "12 Oak Street, 10115 Berlin, Germany"},
        validate=["new_address"],
    )
    _, events = arun(run(ValidateChangeAddressForm(), validate, domain))
    stored = slot_events(events)["new_address"]
    assert json.loads(stored)["country"] == "DE"

    submit = make_tracker(
        "yes",
        intent="affirm",
        customer=ALICE,
        slots={"order_number": "100235", "new_address": stored},
        events_before=confirmed_events("change_address_form", True),
    )
    dispatcher, _ = arun(run(ActionChangeAddress(), submit, domain))
    assert "12 Oak Street" in texts(dispatcher)[0]
    with Session(shop) as session:
        order = session.get(Order, 100235)
        assert (order.shipping_street, order.shipping_city, order.shipping_country) == (
            "12 Oak Street",
            "Berlin",
            "DE",
        )


def test_an_address_change_after_shipment_is_refused_and_writes_nothing(shop, domain):
    before = write_counts(shop)
    tracker = make_tracker(
        "change address of 100234",
        intent="change_address",
        active_loop="change_address_form",
        customer=ALICE,
        slots={"order_number": "100234"},
        validate=["order_number"],
    )
    dispatcher, events = arun(run(ValidateChangeAddressForm(), tracker, domain))
    assert "already shipped" in texts(dispatcher)[0]
    assert slot_events(events)["requested_slot"] is None
    assert write_counts(shop) == before


def test_an_unreadable_address_is_asked_again(shop, domain):
    tracker = make_tracker(
        "somewhere nice",
        intent="inform",
        active_loop="change_address_form",
        customer=ALICE,
        slots={"order_number": "100235", "new_address": "somewhere nice"},
        validate=["new_address"],
    )
    dispatcher, events = arun(run(ValidateChangeAddressForm(), tracker, domain))
    assert "couldn't read that as an address" in texts(dispatcher)[0]
    assert slot_events(events)["new_address"] is None


# --- returns and refunds -----------------------------------------------------------------------------


def _lines(engine: Engine, order: int) -> list[tuple[int, bool, Any, int]]:
    with Session(engine) as session:
        rows = session.execute(
            select(OrderLine.id, Product.attributes, OrderLine.unit_price, OrderLine.quantity)
            .join(Product, Product.id == OrderLine.product_id)
            .where(OrderLine.order_id == order)
            .order_by(OrderLine.id)
        ).all()
    return [(r[0], bool((r[1] or {}).get("final_sale")), r[2], r[3]) for r in rows]


def test_a_return_inside_the_window_creates_an_rma_with_the_refund_amount(shop, domain):
    line_id, _, unit_price, quantity = next(line for line in _lines(shop, 100236) if not line[1])
    tracker = make_tracker(
        "yes",
        intent="affirm",
        customer=ALICE,
        slots={"order_number": "100236", "return_item": f"100236:{line_id}", "return_reason": "too small"},
        events_before=confirmed_events("return_form", True),
    )
    dispatcher, events = arun(run(ActionCreateReturn(), tracker, domain))
    answer = texts(dispatcher)[0]
    with Session(shop) as session:
        created = session.scalars(select(Return).where(Return.order_id == 100236)).one()
        refund = session.scalars(select(Refund).where(Refund.return_id == created.id)).one()
    assert created.rma_number in answer and "Next steps" in answer
    assert created.refund_amount == unit_price * quantity == refund.amount
    assert created.reason == "too small"
    assert slot_events(events)["return_item"] is None


def test_a_return_outside_the_window_is_refused_and_writes_nothing(shop, domain):
    before = write_counts(shop)
    tracker = make_tracker(
        "return something from 100237",
        intent="return_item",
        active_loop="return_form",
        customer=ALICE,
        slots={"order_number": "100237"},
        validate=["order_number"],
    )
    dispatcher, events = arun(run(ValidateReturnForm(), tracker, domain))
    assert "return window ended" in texts(dispatcher)[0]
    assert slot_events(events)["order_refusal"] == "return_form:outside_return_window"
    submit = make_tracker(
        "",
        intent="return_item",
        customer=ALICE,
        slots={"order_number": "100237", "order_refusal": "return_form:outside_return_window"},
        events_before=confirmed_events("return_form", True),
    )
    arun(run(ActionCreateReturn(), submit, domain))
    assert write_counts(shop) == before


def test_a_final_sale_item_cannot_be_chosen_and_is_asked_again(shop, domain):
    final_sale = next(line for line in _lines(shop, 100236) if line[1])
    tracker = make_tracker(
        "",
        intent="inform",
        active_loop="return_form",
        customer=ALICE,
        slots={"order_number": "100236", "return_item": f"100236:{final_sale[0]}"},
        validate=["return_item"],
    )
    dispatcher, events = arun(run(ValidateReturnForm(), tracker, domain))
    assert "final-sale" in texts(dispatcher)[0]
    assert slot_events(events)["return_item"] is None


def test_the_item_question_offers_only_returnable_items_as_buttons(shop, domain):
    lines = _lines(shop, 100236)
    tracker = make_tracker(
        "", intent="return_item", active_loop="return_form", customer=ALICE, slots={"order_number": "100236"}
    )
    dispatcher, _ = arun(run(ActionAskReturnItem(), tracker, domain))
    payloads = [b["payload"] for b in dispatcher.messages[0]["buttons"]]
    assert payloads == [f'/inform{{"line_id": "100236:{line[0]}"}}' for line in lines if not line[1]]
    assert "final-sale" in texts(dispatcher)[0]


def test_the_first_one_picks_the_first_item_of_the_order(shop, domain):
    lines = _lines(shop, 100236)
    tracker = make_tracker(
        "the first one",
        intent="inform",
        active_loop="return_form",
        customer=ALICE,
        slots={"order_number": "100236", "return_item": "1"},
        validate=["return_item"],
    )
    _, events = arun(run(ValidateReturnForm(), tracker, domain))
    first = lines[0]
    expected = None if first[1] else f"100236:{first[0]}"
    assert slot_events(events)["return_item"] == expected


def test_refund_status_of_an_existing_rma_says_where_the_refund_is(shop, domain):
    tracker = make_tracker(
        "where is my refund RMA-100239-1",
        intent="refund_status",
        customer=BOB,
        slots={"rma_number": "RMA-100239-1"},
    )
    dispatcher, _ = arun(run(ActionRefundStatus(), tracker, domain))
    answer = texts(dispatcher)[0]
    assert "RMA-100239-1" in answer and "pending" in answer


def test_a_guest_needs_the_email_for_refund_status_even_with_the_rma_number(shop, domain):
    tracker = make_tracker(
        "RMA-100239-1",
        intent="refund_status",
        active_loop="refund_status_form",
        slots={"rma_number": "RMA-100239-1"},
    )
    required = arun(
        ValidateRefundStatusForm().required_slots(
            ["order_number", "order_email"], CollectingDispatcher(), tracker, domain
        )
    )
    assert required == ["order_email"]


# --- handoff ---------------------------------------------------------------------------------------------


def test_handoff_opens_a_ticket_with_a_summary_tells_the_channel_and_pauses(shop, domain):
    earlier = [
        {"event": "user", "text": "where is my order 100234", "parse_data": {}},
        {"event": "bot", "text": "Order 100234 is on its way."},
    ]
    tracker = make_tracker(
        "this is unacceptable, I want a human",
        intent="request_human",
        customer=ALICE,
        events_before=earlier,
        sender_id="handoff-conversation",
    )
    dispatcher, events = arun(run(ActionHandoff(), tracker, domain))
    with Session(shop) as session:
        ticket = session.scalars(
            select(SupportTicket).where(SupportTicket.conversation_id == "handoff-conversation")
        ).one()
    assert ticket.customer_id == ALICE and "100234" in ticket.summary
    handoff = json_messages(dispatcher)
    assert handoff == [{"type": "handoff", "ticket_id": ticket.id, "reference": f"T-{ticket.id:06d}"}]
    assert any(e["event"] == "pause" for e in events)


def test_a_guests_handoff_keeps_the_email_they_gave_for_the_agent_and_masks_it_in_the_summary(shop, domain):
    earlier = [{"event": "user", "text": "I'm bob@example.org, my parcel is lost", "parse_data": {}}]
    tracker = make_tracker(
        "I want a human", intent="request_human", events_before=earlier, sender_id="guest-handoff"
    )
    arun(run(ActionHandoff(), tracker, domain))
    with Session(shop) as session:
        ticket = session.scalars(
            select(SupportTicket).where(SupportTicket.conversation_id == "guest-handoff")
        ).one()
    assert ticket.customer_id is None and ticket.contact_email == "bob@example.org"
    assert "bob@example.org" not in ticket.summary and "parcel is lost" in ticket.summary


def test_a_number_inside_a_new_address_never_replaces_the_verified_order(shop, domain):
    earlier = [{"event": "slot", "name": "order_number", "value": "100235"}]
    tracker = make_tracker(
        "Flat 2, 1 Orchard Road, 238801 Singapore, Singapore",
        intent="inform",
        active_loop="change_address_form",
        customer=ALICE,
        slots={"order_number": "238801", "requested_slot": "new_address"},
        validate=["order_number"],
        events_before=earlier,
    )
    dispatcher, events = arun(run(ValidateChangeAddressForm(), tracker, domain))
    assert slot_events(events)["order_number"] == "100235"
    assert texts(dispatcher) == []
