"""Every write is audited: who (customer, guest, agent), from which conversation, old and new values.

Issue 18: an address change overwrote the old address and kept no record of who changed it,
from which conversation, or what it was. Each write below runs on a seeded shop (SQLite and
PostgreSQL) and is followed by a look at its audit entries; a refused write leaves none.
"""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from shop import audit
from shop.identity import GUEST, Requester
from shop.orders import cancel_order, change_shipping_address
from shop.refusals import Refused
from shop.returns import create_return, return_options
from tests.shop.cs_shop import (
    ALICE,
    BOB,
    BOB_EMAIL,
    NOW,
    _postgres_template,
    _sqlite_template,
    shop_engine,
)

__all__ = ["_postgres_template", "_sqlite_template", "shop_engine"]  # fixtures, imported for pytest

alice = Requester.customer(ALICE)
NEW_ADDRESS = {
    "street": "742 Evergreen Terrace",
    "city": "Springfield",
    "postcode": "97403",
    "country": "USA",
}


def entries(engine, target: str) -> list[audit.AuditEntry]:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        found = audit.entries_for(session, target)
        session.expunge_all()
        return found


def test_an_address_change_records_who_from_which_conversation_and_both_addresses(shop_engine):
    with audit.acting(audit.Actor.from_requester(alice, "conversation-alice-1")):
        result = change_shipping_address(alice, 100235, NEW_ADDRESS, engine=shop_engine, now=NOW)

    [entry] = entries(shop_engine, "order:100235")
    assert (entry.actor_kind, entry.actor_id, entry.conversation_id) == (
        "customer",
        str(ALICE),
        "conversation-alice-1",
    )
    assert entry.action == "order.address" and entry.at == NOW
    assert entry.old_values == result.previous.to_dict()
    assert entry.new_values["street"] == "742 Evergreen Terrace" and entry.new_values["country"] == "US"
    assert entry.old_values["street"] != entry.new_values["street"]


def test_a_guests_cancellation_is_recorded_as_the_guests_with_the_status_before(shop_engine):
    with audit.acting(audit.Actor(audit.ActorKind.GUEST, conversation="guest-chat-77")):
        cancel_order(GUEST, 100238, BOB_EMAIL, engine=shop_engine, now=NOW)

    [entry] = entries(shop_engine, "order:100238")
    assert (entry.actor_kind, entry.actor_id, entry.conversation_id) == ("guest", None, "guest-chat-77")
    assert entry.old_values == {"status": "paid"}
    assert entry.new_values["status"] == "cancelled" and entry.new_values["refund"] is not None


def test_the_requester_decides_customer_or_guest_whatever_the_edge_claimed(shop_engine):
    # The edge only knows the conversation; who wrote is the verified requester.
    with audit.acting(audit.Actor.from_requester(GUEST, "conversation-x")):
        cancel_order(alice, 100235, engine=shop_engine, now=NOW)

    [entry] = entries(shop_engine, "order:100235")
    assert (entry.actor_kind, entry.actor_id, entry.conversation_id) == (
        "customer",
        str(ALICE),
        "conversation-x",
    )


def test_an_agents_action_is_recorded_as_the_agents(shop_engine):
    with audit.acting(audit.Actor.agent(7, "conversation-bob")):
        cancel_order(Requester.customer(BOB), 100238, engine=shop_engine, now=NOW)

    [entry] = entries(shop_engine, "order:100238")
    assert (entry.actor_kind, entry.actor_id, entry.conversation_id) == ("agent", "7", "conversation-bob")


def test_a_write_outside_any_conversation_is_the_systems_or_the_requesters(shop_engine):
    cancel_order(alice, 100235, engine=shop_engine, now=NOW)

    [entry] = entries(shop_engine, "order:100235")
    assert (entry.actor_kind, entry.conversation_id) == ("customer", None)


def test_a_return_records_the_lines_and_what_was_returned_before(shop_engine):
    options = return_options(alice, 100236, engine=shop_engine, now=NOW)
    line = options.eligible_lines[0].item.line_id
    with audit.acting(audit.Actor.from_requester(alice, "conversation-r")):
        receipt = create_return(alice, 100236, [line], "too small", engine=shop_engine, now=NOW)

    [entry] = entries(shop_engine, "order:100236")
    assert entry.action == "order.return" and entry.conversation_id == "conversation-r"
    assert entry.new_values["rma"] == receipt.rma_number
    assert str(line) in entry.new_values["lines"] and entry.new_values["reason"] == "too small"
    assert str(line) not in entry.old_values["returned"]


def test_a_refused_write_leaves_no_entry(shop_engine):
    with pytest.raises(Refused):
        cancel_order(alice, 100234, engine=shop_engine, now=NOW)  # already shipped
    with pytest.raises(Refused):
        change_shipping_address(alice, 100238, NEW_ADDRESS, engine=shop_engine, now=NOW)  # Bob's

    assert entries(shop_engine, "order:100234") == [] and entries(shop_engine, "order:100238") == []
