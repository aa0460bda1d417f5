"""The audit log in a shopper's privacy export and erasure (issue 18), on SQLite and PostgreSQL.

Audit entries name shoppers: an address change holds the old and the new address, an agent's
entry on a ticket the conversation it came from. "Send me my data" lists the entries that name
the shopper (and no one else's); "delete my data" keeps that each action happened (when, what,
on which order) but nothing that identifies them. Ada's shop is the one of test_erasure.py.
"""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from shop import audit
from shop.audit import SYSTEM, Actor, AuditEntry
from shop.erasure import erase_data, erase_guest
from shop.identity import Requester
from shop.models import Customer, Order, SupportTicket
from shop.personal_data import export_data, export_guest
from tests.privacy.test_erasure import ADA, SIGNED_IN_CONVERSATION, shop, tracker  # noqa: F401

NEW_STREET = "1 Brand-New Boulevard"
BOB_STREET = "9 Bobs Own Street"
GUEST_EMAIL = "gus.audited@example.org"
GUEST_CONVERSATION = "conv-gus-audited"


def _write_entries(engine, ada: int, bob: int) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """Ada changes an address from chat, an agent joins her ticket; Bob changes his address."""
    with Session(engine) as session, session.begin():
        ada_order = session.scalars(
            select(Order.id).where(Order.customer_id == ada).order_by(Order.id)
        ).first()
        bob_order = session.scalars(
            select(Order.id).where(Order.customer_id == bob).order_by(Order.id)
        ).first()
        ticket = session.scalars(select(SupportTicket.id).where(SupportTicket.customer_id == ada)).one()
        with audit.acting(Actor.from_requester(Requester.customer(ada), SIGNED_IN_CONVERSATION)):
            audit.record(
                session, "order.address", f"order:{ada_order}",
                old={"street": ADA["street"], "city": ADA["city"]},
                new={"street": NEW_STREET, "city": ADA["city"]},
                requester=Requester.customer(ada),
            )  # fmt: skip
        audit.record(
            session, "ticket.join", f"ticket:{ticket}", old={"agent_id": None}, new={"agent_id": 4},
            actor=Actor.agent(4, SIGNED_IN_CONVERSATION),
        )  # fmt: skip
        with audit.acting(Actor.from_requester(Requester.customer(bob), "conv-bob")):
            audit.record(
                session, "order.address", f"order:{bob_order}", old={"street": BOB_STREET},
                new={"street": "10 Bobs New Street"}, requester=Requester.customer(bob),
            )  # fmt: skip
    assert ada_order is not None and bob_order is not None
    return ada_order, ticket


def test_the_export_lists_the_audit_entries_that_name_her_and_no_one_elses(shop) -> None:  # noqa: F811
    engine, tracker, ada, bob = shop  # noqa: F811
    ada_order, ticket = _write_entries(engine, ada, bob)

    exported = export_data(ada, engine=engine, tracker=tracker)["audit_log"]

    by_action = {(e["action"], e["target"]): e for e in exported}
    address = by_action[("order.address", f"order:{ada_order}")]
    assert address["by"] == "you" and address["conversation"] == SIGNED_IN_CONVERSATION
    assert address["before"]["street"] == ADA["street"] and address["after"]["street"] == NEW_STREET
    joined = by_action[("ticket.join", f"ticket:{ticket}")]
    assert joined["by"] == "agent" and "4" not in json.dumps({k: joined[k] for k in ("by", "target")})
    assert "consent.tracking" in {e["action"] for e in exported}  # her tracking choice
    assert BOB_STREET not in json.dumps(exported) and "conv-bob" not in json.dumps(exported)


def _entries(session: Session) -> list[AuditEntry]:
    return list(session.scalars(select(AuditEntry).where(AuditEntry.action != "privacy.erase")))


def test_erasure_keeps_that_each_action_happened_but_nothing_that_identifies_her(shop) -> None:  # noqa: F811
    engine, tracker, ada, bob = shop  # noqa: F811
    ada_order, ticket = _write_entries(engine, ada, bob)
    with Session(engine) as session:
        before = {e.id: (e.action, e.target, e.at) for e in _entries(session)}

    erase_data(ada, actor=SYSTEM, engine=engine, tracker=tracker)

    with Session(engine) as session:
        entries = {
            e.id: e for e in session.scalars(select(AuditEntry).where(AuditEntry.action != "privacy.erase"))
        }
        assert {
            i: (e.action, e.target, e.at) for i, e in entries.items()
        } == before  # every action still there
        hers = [e for e in entries.values() if e.target in (f"order:{ada_order}", f"ticket:{ticket}")]
        assert {e.action for e in hers} == {"order.address", "ticket.join"}
        text = json.dumps([[e.old_values, e.new_values, e.conversation_id] for e in entries.values()])
        for personal in (ADA["street"], NEW_STREET, SIGNED_IN_CONVERSATION):
            assert personal not in text
        assert BOB_STREET in text and "conv-bob" in text  # Bob's entry is untouched
        assert session.get(Customer, bob).email  # and Bob himself
    # What is left is hers no longer: the export of the erased account shows no values.
    after = export_data(ada, engine=engine, tracker=tracker)["audit_log"]
    assert all(e["before"] is None and e["after"] is None for e in after if e["action"] == "order.address")


def test_a_guests_export_and_erasure_cover_the_audit_entries_of_her_checkouts(shop) -> None:  # noqa: F811
    engine, tracker, _, _ = shop  # noqa: F811
    with Session(engine) as session, session.begin():
        order = session.scalars(
            select(Order).where(Order.customer_id.is_not(None)).order_by(Order.id)
        ).first()
        assert order is not None
        order.customer_id, order.email, order.source_conversation = None, GUEST_EMAIL, GUEST_CONVERSATION
        with audit.acting(Actor(audit.ActorKind.GUEST, None, GUEST_CONVERSATION)):
            audit.record(
                session, "order.address", f"order:{order.id}", old={"street": "3 Gus Gardens"},
                new={"street": "4 Gus Gardens"}, requester=Requester.guest(),
            )  # fmt: skip
        number = order.id

    exported = export_guest(GUEST_EMAIL, engine=engine, tracker=tracker)["audit_log"]
    assert [
        (e["action"], e["by"], e["conversation"]) for e in exported if e["target"] == f"order:{number}"
    ] == [("order.address", "guest", GUEST_CONVERSATION)]

    erase_guest(GUEST_EMAIL, actor=Actor.agent(3), engine=engine, tracker=tracker)
    with Session(engine) as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.target == f"order:{number}")).one()
        assert entry.action == "order.address"
        assert (entry.old_values, entry.new_values, entry.conversation_id) == (None, None, None)
