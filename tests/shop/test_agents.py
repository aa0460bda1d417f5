"""Agents and tickets in the domain (shop/agents.py, shop/support.py), on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from shop import agents
from shop.audit import AuditEntry
from shop.identity import Requester
from shop.models import SupportTicket, TicketStatus
from shop.support import contact_email_in, open_ticket, summarize_conversation
from shop.support_models import Agent, AgentSession, TicketEventKind

PASSWORD = "correct horse battery"


def guest_ticket(engine: Engine, conversation: str = "conv-guest-1") -> int:
    turns = [("user", "I'm bob.guest@example.org and my parcel never came"), ("bot", "Sorry to hear that.")]
    summary = summarize_conversation(turns, requester=Requester(None))
    receipt = open_ticket(
        conversation, Requester(None), "Shopper asked for a person", summary,
        contact_email=contact_email_in(turns), engine=engine,
    )  # fmt: skip
    return receipt.ticket_id


def test_a_password_is_stored_only_as_an_argon2_hash_and_proves_the_agent(engine: Engine) -> None:
    sam = agents.add_agent("Sam@Shop.example", "Sam", PASSWORD, engine=engine)
    assert sam.email == "sam@shop.example"
    with Session(engine) as session:
        stored = session.scalars(select(Agent.password_hash)).one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert agents.authenticate("sam@shop.example", PASSWORD, engine=engine) == sam
    assert agents.authenticate("SAM@shop.example ", PASSWORD, engine=engine) == sam
    assert agents.authenticate("sam@shop.example", PASSWORD + "!", engine=engine) is None
    assert agents.authenticate("nobody@shop.example", PASSWORD, engine=engine) is None
    assert agents.authenticate("", "", engine=engine) is None


def test_an_agent_is_added_once_and_a_short_password_is_refused(engine: Engine) -> None:
    agents.add_agent("sam@shop.example", "Sam", PASSWORD, engine=engine)
    with pytest.raises(agents.AgentError, match="already an agent"):
        agents.add_agent("sam@shop.example", "Sam", PASSWORD, engine=engine)
    with pytest.raises(agents.AgentError, match="at least 10"):
        agents.add_agent("kim@shop.example", "Kim", "short", engine=engine)
    agents.add_agent(
        "sam@shop.example", "Sam B.", "another long password", engine=engine, replace_password=True
    )
    assert agents.authenticate("sam@shop.example", PASSWORD, engine=engine) is None
    assert agents.authenticate("sam@shop.example", "another long password", engine=engine).name == "Sam B."


def test_a_session_token_is_stored_hashed_and_ends_at_logout(engine: Engine) -> None:
    sam = agents.add_agent("sam@shop.example", "Sam", PASSWORD, engine=engine)
    token = agents.start_session(sam, engine=engine)
    with Session(engine) as session:
        assert token not in session.scalars(select(AgentSession.token_hash)).one()
    assert agents.session_agent(token, engine=engine) == sam
    assert agents.session_agent(token + "x", engine=engine) is None
    assert agents.session_agent(None, engine=engine) is None
    agents.end_session(token, engine=engine)
    assert agents.session_agent(token, engine=engine) is None


def test_the_ticket_keeps_the_guests_email_while_its_summary_stays_masked(engine: Engine) -> None:
    ticket_id = guest_ticket(engine)
    view = agents.get_ticket(ticket_id, engine=engine)
    assert view.email == "bob.guest@example.org"
    assert "bob.guest@example.org" not in view.summary
    assert "parcel never came" in view.summary


def test_join_message_and_close_are_recorded_once_with_the_agent_as_actor(engine: Engine) -> None:
    sam = agents.add_agent("sam@shop.example", "Sam", PASSWORD, engine=engine)
    ticket_id = guest_ticket(engine)
    assert [t.id for t in agents.open_tickets(engine=engine)] == [ticket_id]

    assert agents.join(ticket_id, sam, engine=engine).changed
    assert not agents.join(ticket_id, sam, engine=engine).changed  # a double click changes nothing
    agents.record_agent_message(ticket_id, sam, "  Hi, I'm Sam. Let me check.  ", engine=engine)
    assert agents.record_shopper_message("conv-guest-1", "guest", "thanks!", engine=engine)
    assert agents.close(ticket_id, sam, engine=engine).changed
    assert not agents.close(ticket_id, sam, engine=engine).changed

    events = agents.ticket_events(ticket_id, engine=engine)
    assert [(e.kind, e.actor, e.text) for e in events] == [
        (TicketEventKind.OPENED, "guest", None),
        (TicketEventKind.JOINED, f"agent:{sam.id}", "Sam"),
        (TicketEventKind.MESSAGE, f"agent:{sam.id}", "Hi, I'm Sam. Let me check."),
        (TicketEventKind.MESSAGE, "guest", "thanks!"),
        (TicketEventKind.CLOSED, f"agent:{sam.id}", None),
    ]
    assert agents.open_tickets(engine=engine) == []
    with Session(engine) as session:
        ticket = session.get(SupportTicket, ticket_id)
        assert ticket.status == TicketStatus.CLOSED and ticket.closed_at is not None
        entries = session.scalars(select(AuditEntry).where(AuditEntry.target == f"ticket:{ticket_id}")).all()
    assert [(e.action, e.actor_kind, e.actor_id, e.conversation_id) for e in entries] == [
        ("ticket.join", "agent", str(sam.id), "conv-guest-1"),
        ("ticket.message", "agent", str(sam.id), "conv-guest-1"),
        ("ticket.close", "agent", str(sam.id), "conv-guest-1"),
    ]


def test_a_closed_ticket_takes_no_more_messages_and_no_shopper_message_is_recorded(engine: Engine) -> None:
    sam = agents.add_agent("sam@shop.example", "Sam", PASSWORD, engine=engine)
    ticket_id = guest_ticket(engine)
    agents.close(ticket_id, sam, engine=engine)
    with pytest.raises(agents.TicketClosed):
        agents.record_agent_message(ticket_id, sam, "hello?", engine=engine)
    with pytest.raises(agents.TicketClosed):
        agents.join(ticket_id, sam, engine=engine)
    assert not agents.record_shopper_message("conv-guest-1", "guest", "anyone?", engine=engine)
    with pytest.raises(agents.AgentError, match="at most 2000"):
        agents.record_agent_message(guest_ticket(engine, "conv-2"), sam, "x" * 2001, engine=engine)
    with pytest.raises(agents.TicketNotFound):
        agents.get_ticket(999999, engine=engine)
