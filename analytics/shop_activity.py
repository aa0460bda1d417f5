"""What the shop database recorded about chat: events, lists shown, orders, tickets, order changes.

One `ShopActivity` snapshot for a time window, read with a few plain SELECTs, is all the report
needs from the shop side. Chat events carry the conversation id as `session_id`; orders placed
through chat carry it as `source_conversation`; tickets as `conversation_id`.

Lists: every list of products shown in chat (search results and recommendations alike) is a set
of RECOMMENDATION_SHOWN events sharing one `recommendation_id`. A search writes one SEARCH event
with the id of the list it produced, so a SEARCH whose id has no impression found nothing. An
order line keeps the id of the list its product was added to the cart from
(`order_lines.recommendation_id`), so a purchase links to the list without an event.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Engine, or_, select

from shop.models import (
    EventKind,
    EventSource,
    InteractionEvent,
    Order,
    OrderLine,
    OrderStatus,
    OrderStatusEvent,
    Return,
    SupportTicket,
)

#: The note `shop.orders` writes into an order's history when the shipping address changes.
ADDRESS_CHANGED_NOTE = "Shipping address changed"


@dataclass(frozen=True, slots=True)
class ChatEvent:
    """An interaction event from chat, or from any channel when it names a shown list."""

    session_id: str | None
    customer_id: int | None
    product_id: int | None
    kind: EventKind
    query: str | None
    recommendation_id: str | None
    at: datetime


@dataclass(frozen=True, slots=True)
class ChatOrder:
    order_id: int
    conversation_id: str
    total: Decimal
    currency: str
    placed_at: datetime
    status: OrderStatus


@dataclass
class ShopActivity:
    events: list[ChatEvent] = field(default_factory=list)
    orders: list[ChatOrder] = field(default_factory=list)
    #: Conversation ids with a support ticket (a handoff to a person).
    ticket_conversations: set[str] = field(default_factory=set)
    #: order id -> [(status, at, note)] of history entries in the window.
    order_history: dict[int, list[tuple[OrderStatus, datetime, str | None]]] = field(default_factory=dict)
    #: order id -> creation times of its returns in the window.
    returns: dict[int, list[datetime]] = field(default_factory=dict)
    #: (list id, product id) of order lines bought from a shown list (orders not cancelled).
    bought_from_lists: set[tuple[str, int]] = field(default_factory=set)

    def events_of(self, session_id: str, start: datetime, end: datetime) -> list[ChatEvent]:
        return [e for e in self.events if e.session_id == session_id and start <= e.at <= end]

    def orders_of(self, conversation_id: str) -> list[ChatOrder]:
        return [o for o in self.orders if o.conversation_id == conversation_id]


def load_activity(engine: Engine, *, since: datetime | None, until: datetime | None) -> ShopActivity:
    """Chat events, chat orders, tickets, order history and returns with times in [since, until)."""

    def window(column):  # type: ignore[no-untyped-def]
        conditions = []
        if since is not None:
            conditions.append(column >= since)
        if until is not None:
            conditions.append(column < until)
        return conditions

    activity = ShopActivity()
    with engine.connect() as connection:
        for row in connection.execute(
            select(
                InteractionEvent.session_id,
                InteractionEvent.customer_id,
                InteractionEvent.product_id,
                InteractionEvent.kind,
                InteractionEvent.query,
                InteractionEvent.recommendation_id,
                InteractionEvent.occurred_at,
            )
            .where(
                or_(
                    InteractionEvent.source == EventSource.CHAT,
                    InteractionEvent.recommendation_id.is_not(None),
                ),
                *window(InteractionEvent.occurred_at),
            )
            .order_by(InteractionEvent.occurred_at, InteractionEvent.id)
        ):
            activity.events.append(ChatEvent(*row[:3], EventKind(row.kind), *row[4:]))
        for row in connection.execute(
            select(
                Order.id,
                Order.source_conversation,
                Order.total,
                Order.currency,
                Order.placed_at,
                Order.status,
            )
            .where(Order.source_conversation.is_not(None), *window(Order.placed_at))
            .order_by(Order.placed_at, Order.id)
        ):
            activity.orders.append(
                ChatOrder(row[0], row[1], Decimal(row[2]), row[3], row[4], OrderStatus(row[5]))
            )
        activity.bought_from_lists = {
            (row[0], row[1])
            for row in connection.execute(
                select(OrderLine.recommendation_id, OrderLine.product_id)
                .join(Order, Order.id == OrderLine.order_id)
                .where(
                    OrderLine.recommendation_id.is_not(None),
                    Order.status != OrderStatus.CANCELLED,
                    *window(Order.placed_at),
                )
            )
        }
        activity.ticket_conversations = set(
            connection.scalars(select(SupportTicket.conversation_id).where(*window(SupportTicket.created_at)))
        )
        history: dict[int, list[tuple[OrderStatus, datetime, str | None]]] = defaultdict(list)
        for order_id, status, at, note in connection.execute(
            select(
                OrderStatusEvent.order_id, OrderStatusEvent.status, OrderStatusEvent.at, OrderStatusEvent.note
            )
            .where(*window(OrderStatusEvent.at))
            .order_by(OrderStatusEvent.at, OrderStatusEvent.id)
        ):
            history[order_id].append((OrderStatus(status), at, note))
        activity.order_history = dict(history)
        returns: dict[int, list[datetime]] = defaultdict(list)
        for order_id, created_at in connection.execute(
            select(Return.order_id, Return.created_at).where(*window(Return.created_at))
        ):
            returns[order_id].append(created_at)
        activity.returns = dict(returns)
    return activity
