"""A generated log of known conversations: tracker-store rows as Rasa writes them, plus shop rows.

`ConversationLog` writes, for each scripted conversation, the events Rasa's SQL tracker store
would hold (session_started, user messages with intent and entities, actions, slots) and, where
the script says so, what the action server would have written into the shop database (chat
events with their list ids, order history, returns, orders placed from chat, tickets). Tests
then know every figure of the report exactly.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, insert

from analytics.tracker import EVENTS, TRACKER_METADATA
from shop.db import transaction
from shop.models import (
    EventKind,
    EventSource,
    InteractionEvent,
    Order,
    OrderLine,
    OrderStatus,
    OrderStatusEvent,
    Return,
    ReturnStatus,
    SupportTicket,
)


@dataclass
class Script:
    """One conversation being written; every step advances its clock by a few seconds."""

    log: ConversationLog
    sender_id: str
    at: datetime
    rows: list[dict[str, Any]] = field(default_factory=list)

    def _tick(self) -> datetime:
        self.at += timedelta(seconds=5)
        return self.at

    def _row(self, type_name: str, data: dict[str, Any], **columns: Any) -> None:
        at = self._tick()
        stamp = at.replace(tzinfo=UTC).timestamp()
        self.rows.append(
            {
                "sender_id": self.sender_id,
                "type_name": type_name,
                "timestamp": stamp,
                "intent_name": columns.get("intent_name"),
                "action_name": columns.get("action_name"),
                "data": json.dumps({"event": type_name, "timestamp": stamp, **data}),
            }
        )

    def start(self) -> Script:
        self._row("action", {"name": "action_session_start"}, action_name="action_session_start")
        self._row("session_started", {})
        self._row("action", {"name": "action_listen"}, action_name="action_listen")
        return self

    def user(self, text: str, intent: str, *actions: str, **entities: Any) -> Script:
        parse = {
            "intent": {"name": intent, "confidence": 0.9},
            "entities": [{"entity": k, "value": v} for k, v in entities.items()],
            "text": text,
        }
        self._row("user", {"text": text, "parse_data": parse, "input_channel": "rest"}, intent_name=intent)
        for action in actions:
            self.action(action)
        self._row("action", {"name": "action_listen"}, action_name="action_listen")
        return self

    def action(self, name: str) -> Script:
        self._row("action", {"name": name}, action_name=name)
        return self

    def slot(self, name: str, value: Any) -> Script:
        self._row("slot", {"name": name, "value": value})
        return self

    # --- what the action server wrote into the shop database ----------------------------------

    def event(
        self, kind: EventKind, product_id: int | None, list_id: str | None, query: str | None = None
    ) -> Script:
        self.log.shop_rows.append(
            InteractionEvent(
                session_id=self.sender_id,
                product_id=product_id,
                kind=kind,
                source=EventSource.CHAT,
                query=query,
                recommendation_id=list_id,
                occurred_at=self._tick(),
            )
        )
        return self

    def shown(self, list_id: str, *product_ids: int) -> Script:
        for product_id in product_ids:
            self.event(EventKind.RECOMMENDATION_SHOWN, product_id, list_id)
        return self

    def order_history(self, order_id: int, status: OrderStatus, note: str | None = None) -> Script:
        self.log.shop_rows.append(
            OrderStatusEvent(order_id=order_id, status=status, at=self._tick(), note=note)
        )
        return self

    def returned(self, order_id: int, rma: str) -> Script:
        self.log.shop_rows.append(
            Return(
                rma_number=rma,
                order_id=order_id,
                reason="too small",
                status=ReturnStatus.REQUESTED,
                refund_amount=Decimal("10.00"),
                created_at=self._tick(),
            )
        )
        return self

    def ticket(self) -> Script:
        self.log.shop_rows.append(
            SupportTicket(
                conversation_id=self.sender_id,
                subject="help",
                summary="wants a person",
                created_at=self._tick(),
            )
        )
        return self

    def placed_order(
        self, order_id: int, total: str, lines: list[tuple[int, str | None]], email: str = "frank@example.com"
    ) -> Script:
        """An order placed from this conversation; `lines` are (product id, list it came from)."""
        self.log.shop_rows.append(
            Order(
                id=order_id,
                email=email,
                status=OrderStatus.PLACED,
                placed_at=self._tick(),
                currency="USD",
                total=Decimal(total),
                shipping_name="Frank",
                shipping_street="1 Main St",
                shipping_city="Springfield",
                shipping_postcode="12345",
                shipping_country="US",
                source_conversation=self.sender_id,
                lines=[
                    OrderLine(product_id=p, quantity=1, unit_price=Decimal(total), recommendation_id=list_id)
                    for p, list_id in lines
                ],
            )
        )
        return self


class ConversationLog:
    def __init__(self) -> None:
        self.scripts: list[Script] = []
        self.shop_rows: list[Any] = []

    def conversation(self, sender_id: str, at: datetime) -> Script:
        script = Script(self, sender_id, at)
        self.scripts.append(script)
        return script.start()

    def write(self, tracker_engine: Engine, shop_engine: Engine) -> None:
        TRACKER_METADATA.create_all(tracker_engine)
        rows = sorted(
            (row for s in self.scripts for row in s.rows), key=lambda r: (r["sender_id"], r["timestamp"])
        )
        with tracker_engine.begin() as connection:
            connection.execute(insert(EVENTS), rows)
        with transaction(shop_engine) as session:
            session.add_all(self.shop_rows)
