"""What the shop keeps about one customer: found, exported as JSON, and erased (issue 16).

A customer's data lives in the shop database (their row, orders and what hangs on them, cart,
tickets, interaction events, tracking choice, the audit entries that name them) and in Rasa's
tracker store (the conversations they had). Their conversations are found through the shop rows that name one
(events, orders placed from chat, tickets, carts, audit entries) and through the tracker store's
messages that carry their signed identity (`shop.identity`, token ``v1.<customer id>....``).

`export_data` returns all of it as one JSON-ready dict (what "send me my data" delivers on the
shop page). `erase_data` (shop/erasure.py) erases or anonymises it; what orders keep is
documented in data/policies/privacy.md and in that module.

The tracker store is read with plain SQL on Rasa's `events` table (`sender_id`, `type_name`,
`timestamp`, `data`), the one place the shop touches it; absent table, absent data.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Engine, inspect, or_, select, text
from sqlalchemy.orm import Session

from shop.audit import AuditEntry
from shop.db import session_factory
from shop.identity import IDENTITY_METADATA_KEY, TOKEN_VERSION
from shop.models import Cart, Customer, InteractionEvent, Order, SupportTicket
from shop.privacy_models import TrackingConsent
from shop.support_models import TicketEvent

TRACKER_TABLE = "events"


def has_table(connection: Any, name: str) -> bool:
    return inspect(connection).has_table(name)


def customer_orders(session: Session, customer: Customer) -> list[Order]:
    """The customer's orders: those on their account and those placed as a guest with their email."""
    return list(
        session.scalars(
            select(Order)
            .where(or_(Order.customer_id == customer.id, Order.email == customer.email))
            .order_by(Order.id)
        )
    )


def shop_conversations(session: Session, customer: Customer) -> set[str]:
    """Conversation ids the shop database ties to the customer."""
    found: set[str] = set()
    queries = [
        select(InteractionEvent.session_id).where(InteractionEvent.customer_id == customer.id),
        select(Order.source_conversation).where(
            or_(Order.customer_id == customer.id, Order.email == customer.email)
        ),
        select(SupportTicket.conversation_id).where(SupportTicket.customer_id == customer.id),
        select(Cart.session_id).where(Cart.customer_id == customer.id),
        select(Cart.conversation_id).where(Cart.customer_id == customer.id),
    ]
    for query in queries:
        found |= {value for value in session.scalars(query) if value}
    connection = session.connection()
    if has_table(connection, "audit_log"):
        rows = connection.execute(
            text("SELECT conversation_id FROM audit_log WHERE actor_kind = 'customer' AND actor_id = :id"),
            {"id": str(customer.id)},
        )
        found |= {row[0] for row in rows if row[0]}
    return found


def tracker_conversations(tracker: Engine | None, customer_id: int) -> set[str]:
    """Sender ids of the tracker store whose messages carry the customer's identity token."""
    if tracker is None:
        return set()
    prefix = f"{TOKEN_VERSION}.{customer_id}."
    with tracker.connect() as connection:
        if not has_table(connection, TRACKER_TABLE):
            return set()
        rows = connection.execute(
            text(f"SELECT sender_id, data FROM {TRACKER_TABLE} WHERE data LIKE :pattern"),
            {"pattern": f"%{prefix}%"},
        )
        senders = set()
        for sender_id, data in rows:
            metadata = (json.loads(data or "{}") or {}).get("metadata") or {}
            if str(metadata.get(IDENTITY_METADATA_KEY, "")).startswith(prefix):
                senders.add(sender_id)
        return senders


def tracker_events(tracker: Engine | None, senders: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
    """The messages (shopper's and bot's) of each conversation, oldest first."""
    senders = sorted(set(senders))
    if tracker is None or not senders:
        return {}
    conversations: dict[str, list[dict[str, Any]]] = {}
    with tracker.connect() as connection:
        if not has_table(connection, TRACKER_TABLE):
            return {}
        for sender in senders:
            rows = connection.execute(
                text(
                    f"SELECT type_name, timestamp, data FROM {TRACKER_TABLE} "
                    "WHERE sender_id = :sender AND type_name IN ('user', 'bot') ORDER BY id"
                ),
                {"sender": sender},
            )
            conversations[sender] = [
                {
                    "from": "you" if kind == "user" else "assistant",
                    "at": at,
                    "text": (json.loads(data) or {}).get("text"),
                }
                for kind, at, data in rows
            ]
    return {sender: messages for sender, messages in conversations.items() if messages}


def audit_entries(
    session: Session,
    *,
    customer_id: int | None,
    order_ids: Iterable[int],
    ticket_ids: Iterable[int],
    conversations: Iterable[str],
) -> list[dict[str, Any]]:
    """The audit entries that name the shopper: about them, their orders or tickets, by them, or
    from their conversations; oldest first. Who acted is said as "you" or a kind (an agent, the
    system), never another person's id."""
    if not has_table(session.connection(), AuditEntry.__tablename__):
        return []
    targets = [
        *([f"customer:{customer_id}"] if customer_id is not None else []),
        *(f"order:{n}" for n in order_ids),
        *(f"ticket:{n}" for n in ticket_ids),
    ]
    conditions = [AuditEntry.target.in_(targets), AuditEntry.conversation_id.in_(sorted(set(conversations)))]
    if customer_id is not None:
        conditions.append((AuditEntry.actor_kind == "customer") & (AuditEntry.actor_id == str(customer_id)))
    you = ("customer", str(customer_id)) if customer_id is not None else None
    return [
        {
            "at": _at(entry.at),
            "action": entry.action,
            "target": entry.target,
            "by": "you" if (entry.actor_kind, entry.actor_id) == you else entry.actor_kind,
            "conversation": entry.conversation_id,
            "before": entry.old_values,
            "after": entry.new_values,
        }
        for entry in session.scalars(select(AuditEntry).where(or_(*conditions)).order_by(AuditEntry.id))
    ]


def _money(value: Any) -> str | None:
    return None if value is None else f"{value:.2f}"


def _at(value: Any) -> str | None:
    return None if value is None else value.isoformat()


def _interaction(event: InteractionEvent) -> dict[str, Any]:
    return {
        "kind": str(event.kind),
        "product_id": event.product_id,
        "query": event.query,
        "at": _at(event.occurred_at),
    }


def _audit_log(
    session: Session,
    customer_id: int | None,
    orders: list[Order],
    tickets: list[SupportTicket],
    conversations: Iterable[str],
) -> list[dict[str, Any]]:
    """The audit entries naming this shopper, by the customer, their orders, tickets or conversations."""
    return audit_entries(
        session,
        customer_id=customer_id,
        order_ids=[o.id for o in orders],
        ticket_ids=[t.id for t in tickets],
        conversations=conversations,
    )


def _order(order: Order) -> dict[str, Any]:
    shipment = order.shipment
    return {
        "number": order.id,
        "placed_at": _at(order.placed_at),
        "status": str(order.status),
        "email": order.email,
        "currency": order.currency,
        "total": _money(order.total),
        "shipping_address": {
            "name": order.shipping_name,
            "street": order.shipping_street,
            "city": order.shipping_city,
            "postcode": order.shipping_postcode,
            "country": order.shipping_country,
        },
        "lines": [
            {
                "sku": line.product.sku,
                "title": line.product.title,
                "quantity": line.quantity,
                "unit_price": _money(line.unit_price),
            }
            for line in order.lines
        ],  # fmt: skip
        "history": [{"status": str(e.status), "at": _at(e.at), "note": e.note} for e in order.history],
        "shipment": None
        if shipment is None
        else {
            "carrier": shipment.carrier,
            "tracking_number": shipment.tracking_number,
            "shipped_at": _at(shipment.shipped_at),
            "delivered_at": _at(shipment.delivered_at),
        },  # fmt: skip
        "returns": [
            {
                "rma_number": r.rma_number,
                "reason": r.reason,
                "status": str(r.status),
                "refund_amount": _money(r.refund_amount),
                "created_at": _at(r.created_at),
            }
            for r in order.returns
        ],  # fmt: skip
    }


def export_data(
    customer_id: int, *, engine: Engine | None = None, tracker: Engine | None = None
) -> dict[str, Any]:
    """Everything the shop keeps about the customer, as JSON-ready data. Raises LookupError."""
    with session_factory(engine)() as session:
        customer = session.get(Customer, customer_id)
        if customer is None:
            raise LookupError(f"customer {customer_id} does not exist")
        consent = session.scalar(select(TrackingConsent).where(TrackingConsent.customer_id == customer_id))
        cart = session.scalar(select(Cart).where(Cart.customer_id == customer_id))
        tickets = list(session.scalars(select(SupportTicket).where(SupportTicket.customer_id == customer_id)))
        orders = customer_orders(session, customer)
        events = session.scalars(
            select(InteractionEvent)
            .where(InteractionEvent.customer_id == customer_id)
            .order_by(InteractionEvent.id)
        )
        conversations = shop_conversations(session, customer) | tracker_conversations(tracker, customer_id)
        return {
            "customer": {
                "id": customer.id,
                "email": customer.email,
                "name": customer.name,
                "segment": customer.segment,
                "street": customer.street,
                "city": customer.city,
                "postcode": customer.postcode,
                "country": customer.country,
                "created_at": _at(customer.created_at),
            },  # fmt: skip
            "tracking_consent": None
            if consent is None
            else {
                "allowed": consent.allowed,
                "source": consent.source,
                "updated_at": _at(consent.updated_at),
            },
            "orders": [_order(order) for order in orders],
            "cart": []
            if cart is None
            else [{"sku": line.product.sku, "quantity": line.quantity} for line in cart.lines],
            "support_tickets": [
                {
                    "subject": t.subject,
                    "summary": t.summary,
                    "status": str(t.status),
                    "created_at": _at(t.created_at),
                    "messages": [
                        {"from": e.actor, "text": e.text, "at": _at(e.created_at)}
                        for e in session.scalars(
                            select(TicketEvent).where(TicketEvent.ticket_id == t.id).order_by(TicketEvent.id)
                        )
                        if e.text
                    ],
                }
                for t in tickets
            ],
            "interactions": [_interaction(e) for e in events],
            "conversations": tracker_events(tracker, conversations),
            "audit_log": _audit_log(session, customer_id, orders, tickets, conversations),
        }


def export_guest(
    email: str, *, engine: Engine | None = None, tracker: Engine | None = None
) -> dict[str, Any]:
    """For an agent, on a guest's request: the guest checkouts with `email` and their conversations."""
    with session_factory(engine)() as session:
        orders = list(
            session.scalars(
                select(Order).where(Order.email == email, Order.customer_id.is_(None)).order_by(Order.id)
            )
        )
        tickets = list(session.scalars(select(SupportTicket).where(SupportTicket.contact_email == email)))
        conversations = {o.source_conversation for o in orders if o.source_conversation}
        conversations |= {t.conversation_id for t in tickets}
        events = session.scalars(
            select(InteractionEvent)
            .where(InteractionEvent.session_id.in_(conversations))
            .order_by(InteractionEvent.id)
        )
        return {
            "email": email,
            "orders": [_order(order) for order in orders],
            "support_tickets": [
                {
                    "subject": t.subject,
                    "summary": t.summary,
                    "status": str(t.status),
                    "created_at": _at(t.created_at),
                }
                for t in tickets
            ],
            "interactions": [_interaction(e) for e in events],
            "conversations": tracker_events(tracker, conversations),
            "audit_log": _audit_log(session, None, orders, tickets, conversations),
        }
