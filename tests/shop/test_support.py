"""Handoff to a human: support tickets with a short, masked summary of the conversation."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from shop.identity import GUEST, Requester
from shop.models import SupportTicket, TicketStatus
from shop.support import open_ticket, summarize_conversation, ticket_reference
from tests.shop.cs_shop import ALICE, NOW, _postgres_template, _sqlite_template, row_counts, shop_engine

__all__ = ["_postgres_template", "_sqlite_template", "shop_engine"]  # fixtures, imported for pytest

alice = Requester.customer(ALICE)

CONVERSATION = [
    ("user", "hi"),
    ("bot", "Hello! How can I help?"),
    ("user", "where is my order #100234?? my email is alice@example.com"),
    ("bot", "Order 100234 is on its way with UPS. Tracking number: 1Z999AA10123456784."),
    ("user", "it was supposed to arrive yesterday, ship it to 12 Main Street instead"),
    ("user", ""),
    ("user", "call me on +1 555 123 4567, and what about RMA-100239-1"),
    ("user", "I want to talk to a human"),
]


def test_the_summary_names_the_orders_and_hides_personal_data():
    summary = summarize_conversation(CONVERSATION, requester=alice)
    assert summary.splitlines()[0] == "Customer: #1"
    assert "Orders mentioned: 100234" in summary
    assert "Returns mentioned: RMA-100239-1" in summary
    assert "user: I want to talk to a human" in summary
    for secret in ("alice@example.com", "Main Street", "555 123", "1Z999AA1012345"):
        assert secret not in summary
    assert "a***@example.com" in summary


def test_the_summary_is_short():
    long_chat = [("user", "word " * 500)] * 40
    summary = summarize_conversation(long_chat, requester=GUEST, max_turns=5, max_chars_per_turn=100)
    assert summary.startswith("Customer: guest")
    assert "(35 earlier messages not shown)" in summary
    assert all(len(line) <= 110 for line in summary.splitlines())
    assert len(summarize_conversation(long_chat, max_chars=300)) <= 300


def test_an_empty_conversation_still_gives_a_summary():
    assert summarize_conversation([("user", "  "), ("bot", "")]) == "(empty conversation)"


def test_opening_a_ticket_stores_it_for_the_customer(shop_engine):
    summary = summarize_conversation(CONVERSATION, requester=alice)
    receipt = open_ticket("conv-1", alice, "Late delivery of 100234", summary, engine=shop_engine, now=NOW)
    assert receipt.created and receipt.status == TicketStatus.OPEN
    assert receipt.reference == ticket_reference(receipt.ticket_id) and receipt.reference.startswith("T-")
    assert receipt.reference in receipt.message()
    with Session(shop_engine) as session:
        ticket = session.get(SupportTicket, receipt.ticket_id)
        assert (ticket.customer_id, ticket.conversation_id, ticket.subject) == (
            ALICE,
            "conv-1",
            "Late delivery of 100234",
        )
        assert ticket.summary == summary and ticket.created_at == NOW


def test_asking_twice_in_one_conversation_reuses_the_open_ticket(shop_engine):
    first = open_ticket("conv-2", GUEST, "Complaint", "first summary", engine=shop_engine)
    before = row_counts(shop_engine)
    again = open_ticket("conv-2", GUEST, "Complaint", "longer summary", engine=shop_engine)
    assert again.ticket_id == first.ticket_id and not again.created
    assert row_counts(shop_engine) == before
    with Session(shop_engine) as session:
        assert session.get(SupportTicket, first.ticket_id).summary == "longer summary"
    other = open_ticket("conv-3", GUEST, "Complaint", "s", engine=shop_engine)
    assert other.ticket_id != first.ticket_id


def test_a_closed_ticket_is_not_reopened(shop_engine):
    first = open_ticket("conv-4", GUEST, "Help", "s", engine=shop_engine)
    with Session(shop_engine) as session, session.begin():
        session.get(SupportTicket, first.ticket_id).status = TicketStatus.CLOSED
    second = open_ticket("conv-4", GUEST, "Help", "s", engine=shop_engine)
    assert second.created and second.ticket_id != first.ticket_id


def test_a_guest_ticket_has_no_customer_and_long_subjects_are_shortened(shop_engine):
    receipt = open_ticket("conv-5", GUEST, "x" * 500, "", engine=shop_engine)
    assert len(receipt.subject) == 200
    with Session(shop_engine) as session:
        ticket = session.scalars(select(SupportTicket).where(SupportTicket.conversation_id == "conv-5")).one()
        assert ticket.customer_id is None and ticket.summary == "(no conversation summary)"


@pytest.mark.parametrize("conversation_id", ["", "   ", "x" * 201])
def test_a_ticket_needs_a_conversation_id_and_nothing_is_written_without_one(shop_engine, conversation_id):
    before = row_counts(shop_engine)
    with pytest.raises(ValueError):
        open_ticket(conversation_id, GUEST, "Help", "s", engine=shop_engine)
    assert row_counts(shop_engine) == before


def test_concurrent_handoff_requests_open_one_ticket(shop_engine):
    import threading

    barrier = threading.Barrier(4)
    receipts = []

    def ask() -> None:
        barrier.wait()
        receipts.append(open_ticket("conv-race", GUEST, "Help", "s", engine=shop_engine))

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(receipts) == 4
    assert len({r.ticket_id for r in receipts}) == 1
    assert sum(r.created for r in receipts) == 1
