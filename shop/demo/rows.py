"""Rows of the demo shop before they are written: one list of plain dicts per table.

The generator builds everything in memory with explicit ids (so foreign keys need no
round trips) and `shop.demo.seed` writes each list with one bulk `insert()`.
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from shop.models import EventKind, EventSource, OrderStatus, RefundStatus, ReturnStatus


def tracking_number(rnd: random.Random, carrier: str) -> str:
    """A tracking number in the carrier's usual shape."""
    digits = string.digits
    if carrier == "UPS":
        return "1Z" + "".join(rnd.choices(string.ascii_uppercase + digits, k=16))
    if carrier == "FedEx":
        return "".join(rnd.choices(digits, k=12))
    if carrier == "USPS":
        return "9400" + "".join(rnd.choices(digits, k=18))
    return "".join(rnd.choices(digits, k=10))


@dataclass(frozen=True)
class Address:
    name: str
    street: str
    city: str
    postcode: str
    country: str = "US"


@dataclass
class ShopDraft:
    customers: list[dict[str, Any]] = field(default_factory=list)
    orders: list[dict[str, Any]] = field(default_factory=list)
    order_lines: list[dict[str, Any]] = field(default_factory=list)
    order_status_events: list[dict[str, Any]] = field(default_factory=list)
    shipments: list[dict[str, Any]] = field(default_factory=list)
    returns: list[dict[str, Any]] = field(default_factory=list)
    return_lines: list[dict[str, Any]] = field(default_factory=list)
    refunds: list[dict[str, Any]] = field(default_factory=list)
    interaction_events: list[dict[str, Any]] = field(default_factory=list)
    _returns_per_order: dict[int, int] = field(default_factory=dict, repr=False)

    def add_customer(
        self, customer_id: int, email: str, address: Address, segment: str | None, created_at: datetime
    ) -> None:
        self.customers.append(
            {
                "id": customer_id,
                "email": email,
                "name": address.name,
                "segment": segment,
                "street": address.street,
                "city": address.city,
                "postcode": address.postcode,
                "country": address.country,
                "created_at": created_at,
            }
        )

    def add_order(
        self,
        order_id: int,
        *,
        customer_id: int | None,
        email: str,
        status: OrderStatus,
        placed_at: datetime,
        currency: str,
        lines: list[tuple[int, int | None, int, Decimal]],
        address: Address,
    ) -> list[int]:
        """Add an order and its lines (product id, variant id, quantity, unit price); return line ids."""
        line_ids = []
        total = Decimal("0.00")
        for product_id, variant_id, quantity, unit_price in lines:
            line_id = len(self.order_lines) + 1
            line_ids.append(line_id)
            total += unit_price * quantity
            self.order_lines.append(
                {
                    "id": line_id,
                    "order_id": order_id,
                    "product_id": product_id,
                    "variant_id": variant_id,
                    "quantity": quantity,
                    "unit_price": unit_price,
                }
            )
        self.orders.append(
            {
                "id": order_id,
                "customer_id": customer_id,
                "email": email,
                "status": status,
                "placed_at": placed_at,
                "currency": currency,
                "total": total,
                "shipping_name": address.name,
                "shipping_street": address.street,
                "shipping_city": address.city,
                "shipping_postcode": address.postcode,
                "shipping_country": address.country,
            }
        )
        return line_ids

    def add_status(self, order_id: int, status: OrderStatus, at: datetime, note: str | None = None) -> None:
        self.order_status_events.append(
            {
                "id": len(self.order_status_events) + 1,
                "order_id": order_id,
                "status": status,
                "at": at,
                "note": note,
            }
        )

    def add_shipment(
        self,
        order_id: int,
        *,
        carrier: str,
        tracking: str,
        shipped_at: datetime,
        estimated_delivery: date,
        delivered_at: datetime | None,
    ) -> None:
        self.shipments.append(
            {
                "id": len(self.shipments) + 1,
                "order_id": order_id,
                "carrier": carrier,
                "tracking_number": tracking,
                "shipped_at": shipped_at,
                "estimated_delivery": estimated_delivery,
                "delivered_at": delivered_at,
            }
        )

    def add_return(
        self,
        order_id: int,
        *,
        reason: str,
        status: ReturnStatus,
        refund_amount: Decimal,
        created_at: datetime,
        lines: list[tuple[int, int]],
    ) -> int:
        """Add a return with its lines (order line id, quantity); return its id."""
        return_id = len(self.returns) + 1
        sequence = self._returns_per_order.get(order_id, 0) + 1
        self._returns_per_order[order_id] = sequence
        self.returns.append(
            {
                "id": return_id,
                "rma_number": f"RMA-{order_id}-{sequence}",
                "order_id": order_id,
                "reason": reason,
                "status": status,
                "refund_amount": refund_amount,
                "created_at": created_at,
            }
        )
        for order_line_id, quantity in lines:
            self.return_lines.append(
                {
                    "id": len(self.return_lines) + 1,
                    "return_id": return_id,
                    "order_line_id": order_line_id,
                    "quantity": quantity,
                }
            )
        return return_id

    def add_refund(
        self,
        order_id: int,
        *,
        return_id: int | None,
        amount: Decimal,
        currency: str,
        status: RefundStatus,
        created_at: datetime,
        issued_at: datetime | None,
    ) -> None:
        self.refunds.append(
            {
                "id": len(self.refunds) + 1,
                "order_id": order_id,
                "return_id": return_id,
                "amount": amount,
                "currency": currency,
                "status": status,
                "created_at": created_at,
                "issued_at": issued_at,
            }
        )

    def add_event(
        self,
        *,
        customer_id: int | None,
        session_id: str,
        product_id: int | None,
        kind: EventKind,
        source: EventSource,
        at: datetime,
        query: str | None = None,
    ) -> None:
        self.interaction_events.append(
            {
                "id": len(self.interaction_events) + 1,
                "customer_id": customer_id,
                "session_id": session_id,
                "product_id": product_id,
                "kind": kind,
                "source": source,
                "query": query,
                "recommendation_id": None,
                "occurred_at": at,
            }
        )
