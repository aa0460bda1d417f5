"""Erasing a customer's personal data ("delete my data"), in one transaction (issue 16).

What goes, what stays (also in data/policies/privacy.md):

* **Erased**: their interaction events (browsing, searches, impressions), their cart, their
  tracking choice, their conversations in the tracker store, the text of their support tickets
  and ticket messages, the old and new values of audit entries about them or their orders.
* **Anonymised, kept**: the customer row (name, address and segment emptied, the email replaced
  by ``erased-<id>@invalid``, so the order rows keep a valid reference) and their **orders**,
  which the shop must keep for its accounts and tax: order number, dates, status history, the
  products, quantities, prices, totals, currency, shipping cost, payment method and the shipping
  *country* (VAT). The name, email, street, city and postcode on the order, the parcel tracking
  number and the conversation id go; a return keeps its RMA number, status and amount, its
  free-text reason masked (`shop.privacy.mask_pii`). Invoices already issued live in the shop's
  accounting system, not here.

The shop database changes in one transaction; the tracker store (often another database) is
cleared inside it, just before the shop commits, so a failure in either leaves the shop as it
was and a retry finds every conversation again. The erasure itself is audited (actor, counts),
naming no one. Erasing twice changes nothing more. `erase_guest(email)` does the same, for an
agent on a guest's request, to the guest checkouts with that email and their conversations
(`shopbot privacy erase --email`).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, delete, false, or_, select, text, update
from sqlalchemy.orm import Session

from shop import audit
from shop.audit import Actor
from shop.db import transaction
from shop.models import Cart, Customer, InteractionEvent, Order, Return, Shipment, SupportTicket
from shop.personal_data import (
    TRACKER_TABLE,
    customer_orders,
    has_table,
    shop_conversations,
    tracker_conversations,
)
from shop.privacy import mask_pii
from shop.privacy_models import TrackingConsent
from shop.support_models import TicketEvent

ERASED = "erased"


def erased_email(customer_id: int) -> str:
    return f"erased-{customer_id}@invalid"


@dataclass(frozen=True)
class ErasureReport:
    customer_id: int
    orders_anonymised: int
    events_deleted: int
    tickets_erased: int
    conversations_erased: int


def erase_data(
    customer_id: int, *, actor: Actor, engine: Engine | None = None, tracker: Engine | None = None
) -> ErasureReport:
    """Erase or anonymise everything personal about the customer (see the module's docstring)."""
    with transaction(engine) as session:
        customer = session.get(Customer, customer_id, with_for_update=True)
        if customer is None:
            raise LookupError(f"customer {customer_id} does not exist")
        conversations = shop_conversations(session, customer) | tracker_conversations(tracker, customer_id)
        conversations.discard(ERASED)
        orders = [] if customer.email == erased_email(customer_id) else customer_orders(session, customer)
        for order in orders:
            order.customer_id = customer_id
        events, tickets = _erase_linked(
            session, customer_id, orders, conversations, contact_email=None, email=erased_email(customer_id)
        )
        customer.email = erased_email(customer_id)
        customer.name = ""
        customer.segment = customer.street = customer.city = customer.postcode = customer.country = None
        customer.external_id = None
        report = ErasureReport(customer_id, len(orders), events, tickets, len(conversations))
        _audit(session, f"customer:{customer_id}", report, actor)
        session.flush()
        _erase_conversations(tracker, conversations)
    return report


def erase_guest(
    email: str, *, actor: Actor, engine: Engine | None = None, tracker: Engine | None = None
) -> ErasureReport:
    """For an agent, on a guest's request: erase what guest checkouts and chats with `email` left.

    The guest's orders (that email, no account) are anonymised as a customer's are; their
    conversations are the ones those orders were placed from and the tickets that give the email
    as contact. A customer with that email is erased with `erase_data` instead (ValueError).
    """
    with transaction(engine) as session:
        if session.scalar(select(Customer.id).where(Customer.email == email)) is not None:
            raise ValueError("a customer has this email: erase the customer's data instead")
        orders = list(session.scalars(select(Order).where(Order.email == email, Order.customer_id.is_(None))))
        contacts = session.scalars(
            select(SupportTicket.conversation_id).where(SupportTicket.contact_email == email)
        )
        conversations = {o.source_conversation for o in orders if o.source_conversation} | set(contacts)
        conversations.discard(ERASED)
        events, tickets = _erase_linked(
            session, None, orders, conversations, contact_email=email, email="erased-guest@invalid"
        )
        report = ErasureReport(0, len(orders), events, tickets, len(conversations))
        _audit(session, "guest", report, actor)
        session.flush()
        _erase_conversations(tracker, conversations)
    return report


def _audit(session: Session, target: str, report: ErasureReport, actor: Actor) -> None:
    audit.record(
        session,
        "privacy.erase",
        target,
        new={k: v for k, v in report.__dict__.items() if k != "customer_id"},
        actor=Actor(actor.kind, actor.id, None),
    )


def _erase_linked(
    session: Session,
    customer_id: int | None,
    orders: list[Order],
    conversations: set[str],
    *,
    contact_email: str | None,
    email: str,
) -> tuple[int, int]:
    """Anonymise `orders` and erase what belongs to the customer or the conversations; (events, tickets)."""
    order_ids = [order.id for order in orders]
    for order in orders:
        order.email = email
        order.shipping_name = order.shipping_street = order.shipping_city = order.shipping_postcode = ""
        order.source_conversation = ERASED if order.source_conversation else None
        for entry in order.history:
            entry.note = mask_pii(entry.note) if entry.note else entry.note
    if order_ids:
        session.execute(
            update(Shipment).where(Shipment.order_id.in_(order_ids)).values(tracking_number=ERASED)
        )
        for return_ in session.scalars(select(Return).where(Return.order_id.in_(order_ids))):
            return_.reason = mask_pii(return_.reason)
    mine = InteractionEvent.customer_id == customer_id if customer_id is not None else false()
    events = session.execute(
        delete(InteractionEvent).where(or_(mine, InteractionEvent.session_id.in_(conversations)))
    )
    cart_owner = Cart.customer_id == customer_id if customer_id is not None else false()
    for cart in session.scalars(select(Cart).where(or_(cart_owner, Cart.session_id.in_(conversations)))):
        session.delete(cart)
    chooser = TrackingConsent.customer_id == customer_id if customer_id is not None else false()
    session.execute(
        delete(TrackingConsent).where(or_(chooser, TrackingConsent.session_id.in_(conversations)))
    )
    asker = SupportTicket.customer_id == customer_id if customer_id is not None else false()
    contact = SupportTicket.contact_email == contact_email if contact_email else false()
    tickets = list(
        session.scalars(
            select(SupportTicket).where(or_(asker, contact, SupportTicket.conversation_id.in_(conversations)))
        )
    )
    for ticket in tickets:
        ticket.customer_id = None
        ticket.subject, ticket.summary, ticket.conversation_id = ERASED, ERASED, ERASED
        ticket.contact_email = None
    if tickets:
        session.execute(
            update(TicketEvent).where(TicketEvent.ticket_id.in_([t.id for t in tickets])).values(text=None)
        )
    connection = session.connection()
    if has_table(connection, "audit_log"):
        targets = [
            *([f"customer:{customer_id}"] if customer_id is not None else []),
            *(f"order:{n}" for n in order_ids),
        ]
        for target in targets:
            connection.execute(
                text("UPDATE audit_log SET old_values = NULL, new_values = NULL WHERE target = :t"),
                {"t": target},
            )
        if customer_id is not None:
            connection.execute(
                text(
                    "UPDATE audit_log SET old_values = NULL, new_values = NULL, conversation_id = NULL "
                    "WHERE actor_kind = 'customer' AND actor_id = :id"
                ),
                {"id": str(customer_id)},
            )
        for conversation in conversations:
            connection.execute(
                text("UPDATE audit_log SET conversation_id = NULL WHERE conversation_id = :c"),
                {"c": conversation},
            )
    return int(events.rowcount or 0), len(tickets)


def _erase_conversations(tracker: Engine | None, conversations: set[str]) -> None:
    """Delete the conversations from Rasa's tracker store (its own transaction)."""
    if tracker is None or not conversations:
        return
    with tracker.begin() as connection:
        if not has_table(connection, TRACKER_TABLE):
            return
        for sender in sorted(conversations):
            connection.execute(text(f"DELETE FROM {TRACKER_TABLE} WHERE sender_id = :s"), {"s": sender})


def forget_conversation(tracker: Engine, sender_id: str) -> int:
    """Delete one conversation from the tracker store again, after the turn that erased it.

    Rasa writes the events of the turn in progress back when the turn ends (its SQL tracker
    store appends what it does not find stored), so the channel that relayed the turn calls this
    once Rasa has answered."""
    with tracker.begin() as connection:
        if not has_table(connection, TRACKER_TABLE):
            return 0
        return int(
            connection.execute(
                text(f"DELETE FROM {TRACKER_TABLE} WHERE sender_id = :s"), {"s": sender_id}
            ).rowcount
            or 0
        )
