"""Orders for customer service: look up, cancel, change the shipping address.

Rules (the reason this module exists rather than SQL in the actions):

* A requester sees an order only if it is theirs: a logged-in customer's own order, or any
  order whose email the requester gives (how a guest proves identity). Every other case -
  unknown number, wrong email, another customer's order - raises the *same* `Refused`
  (`Refusal.NOT_FOUND`, same words), so answers never reveal which order numbers exist.
* Cancel only while the order is placed or paid (not shipped); a paid order gets a pending
  refund of its total. The shipping address may change only before shipment.
* Every write happens in one transaction with the order row locked (`SELECT ... FOR UPDATE`
  on PostgreSQL), and a refused action raises before anything is flushed, so it writes
  nothing. Re-running a finished cancel is refused as `ALREADY_CANCELLED`, which makes
  retried actions (Slack re-sends after 3 s) harmless.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, selectinload

from shop import audit
from shop.addresses import Address, InvalidAddress, same_place, validate_address
from shop.db import get_engine, session_factory
from shop.identity import Requester, emails_match
from shop.models import (
    Order,
    OrderLine,
    OrderStatus,
    OrderStatusEvent,
    Refund,
    RefundStatus,
    Return,
    ReturnStatus,
    utcnow,
)
from shop.money import format_money, to_cents
from shop.refusals import Refusal, Refused, not_found
from shop.writes import write_transaction

#: Statuses in which an order has not left the warehouse.
NOT_YET_SHIPPED = frozenset({OrderStatus.PLACED, OrderStatus.PAID})
#: Order numbers are positive and fit PostgreSQL's 32-bit integer column.
_MAX_ORDER_NUMBER = 2**31 - 1

_REFUSAL_BY_STATUS = {
    OrderStatus.SHIPPED: Refusal.ALREADY_SHIPPED,
    OrderStatus.DELIVERED: Refusal.ALREADY_DELIVERED,
    OrderStatus.CANCELLED: Refusal.ALREADY_CANCELLED,
    OrderStatus.RETURNED: Refusal.ALREADY_RETURNED,
}


# --- views --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OrderItemView:
    """One order line as a shopper sees it."""

    line_id: int
    product_id: int
    sku: str
    title: str
    size: str | None
    color: str | None
    quantity: int
    unit_price: Decimal
    line_total: Decimal
    #: Final-sale items cannot be returned (`Product.attributes["final_sale"]`).
    final_sale: bool
    #: Units already on a (not rejected) return.
    returned_quantity: int

    def label(self) -> str:
        variant = ", ".join(v for v in (self.size, self.color) if v)
        return f"{self.quantity} × {self.title}" + (f" ({variant})" if variant else "")


@dataclass(frozen=True, slots=True)
class StatusChange:
    status: OrderStatus
    at: datetime
    note: str | None


@dataclass(frozen=True, slots=True)
class OrderView:
    """Everything a shopper may see about one of their orders, ready for rendering."""

    number: int
    status: OrderStatus
    placed_at: datetime
    items: tuple[OrderItemView, ...]
    total: Decimal
    currency: str
    shipping_address: Address
    carrier: str | None = None
    tracking_number: str | None = None
    shipped_at: datetime | None = None
    estimated_delivery: date | None = None
    delivered_at: datetime | None = None
    history: tuple[StatusChange, ...] = ()
    #: RMA numbers of the returns opened for this order.
    rma_numbers: tuple[str, ...] = ()

    @property
    def can_cancel(self) -> bool:
        return self.status in NOT_YET_SHIPPED

    @property
    def can_change_address(self) -> bool:
        return self.status in NOT_YET_SHIPPED

    def item_by_position(self, position: int) -> OrderItemView | None:
        """The item a shopper means by "the second one" (1-based), if there is one."""
        return self.items[position - 1] if 1 <= position <= len(self.items) else None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe form (for slots and channel payloads): dates ISO, money as strings."""
        return _jsonable(self)


@dataclass(frozen=True, slots=True)
class OrderSummary:
    """One row of "your recent orders", for letting a shopper choose."""

    number: int
    status: OrderStatus
    placed_at: datetime
    total: Decimal
    currency: str
    item_count: int
    headline: str

    def label(self) -> str:
        return (
            f"#{self.number} · {self.placed_at:%d %b %Y} · {self.headline} · "
            f"{format_money(self.total, self.currency)} · {self.status.value}"
        )


@dataclass(frozen=True, slots=True)
class RefundView:
    amount: Decimal
    currency: str
    status: RefundStatus


@dataclass(frozen=True, slots=True)
class CancelResult:
    order: OrderView
    #: The refund started for a paid order; None when nothing had been charged.
    refund: RefundView | None
    message: str


@dataclass(frozen=True, slots=True)
class AddressChangeResult:
    order: OrderView
    previous: Address
    new: Address
    message: str


# --- lookups ------------------------------------------------------------------------------


def parse_order_number(raw: object) -> int:
    """An order number from what a shopper typed ("#100234", "100 234", 100234).

    Raises `Refused(INVALID_ORDER_NUMBER)` for anything that is not a plausible number.
    """
    if isinstance(raw, bool):
        raise _invalid_number()
    if isinstance(raw, int):
        number = raw
    else:
        text = re.sub(r"^\s*(?:order\s*)?(?:no\.?|nr\.?|number)?\s*#?", "", str(raw), flags=re.I)
        text = text.strip()
        # Digits, optionally grouped by single spaces or dashes ("100 234", "100-234").
        if not re.fullmatch(r"[0-9](?:[ -]?[0-9])*", text):
            raise _invalid_number()
        text = re.sub(r"[ -]", "", text)
        if len(text) > 10:
            raise _invalid_number()
        number = int(text)
    if not 0 < number <= _MAX_ORDER_NUMBER:
        raise _invalid_number()
    return number


def find_order(
    requester: Requester,
    order_number: object,
    email: str | None = None,
    *,
    engine: Engine | None = None,
) -> OrderView:
    """The order's view if `requester` may see it; otherwise `Refused(NOT_FOUND)`.

    A guest must give `email`; without it `Refused(EMAIL_REQUIRED)` is raised before the
    database is asked, so that answer says nothing about the number either.
    """
    number = parse_order_number(order_number)
    require_email_for_guest(requester, email)
    with session_factory(engine or get_engine())() as session:
        order = load_visible_order(session, requester, number, email)
        return order_view(order)


def recent_orders(
    requester: Requester, *, limit: int = 5, engine: Engine | None = None
) -> list[OrderSummary]:
    """A logged-in customer's latest orders, newest first ("my last order"); [] for a guest."""
    if requester.is_guest:
        return []
    with session_factory(engine or get_engine())() as session:
        orders = session.scalars(
            select(Order)
            .where(Order.customer_id == requester.customer_id)
            .order_by(Order.placed_at.desc(), Order.id.desc())
            .limit(max(1, min(limit, 50)))
            .options(selectinload(Order.lines).selectinload(OrderLine.product))
        ).all()
        return [_summary(order) for order in orders]


def check_cancel(
    requester: Requester, order_number: object, email: str | None = None, *, engine: Engine | None = None
) -> OrderView:
    """The order if it may be cancelled now (for the confirmation step), else `Refused`."""
    view = find_order(requester, order_number, email, engine=engine)
    _refuse_unless_unshipped(view.number, view.status, "cancel")
    return view


def check_address_change(
    requester: Requester, order_number: object, email: str | None = None, *, engine: Engine | None = None
) -> OrderView:
    """The order if its shipping address may still change, else `Refused`."""
    view = find_order(requester, order_number, email, engine=engine)
    _refuse_unless_unshipped(view.number, view.status, "address")
    return view


# --- writes -------------------------------------------------------------------------------


def cancel_order(
    requester: Requester,
    order_number: object,
    email: str | None = None,
    *,
    reason: str | None = None,
    engine: Engine | None = None,
    now: datetime | None = None,
) -> CancelResult:
    """Cancel an order that has not shipped, recording the change and any refund at once."""
    number = parse_order_number(order_number)
    require_email_for_guest(requester, email)
    now = now or utcnow()

    def work(session: Session) -> tuple[OrderView, RefundView | None]:
        order = load_visible_order(session, requester, number, email, for_update=True)
        _refuse_unless_unshipped(order.id, order.status, "cancel")
        was_paid = order.status == OrderStatus.PAID
        old_status = order.status
        order.status = OrderStatus.CANCELLED
        note = "Cancelled by the customer in chat"
        if reason and reason.strip():
            note = f"{note}: {' '.join(reason.split())}"[:300]
        order.history.append(OrderStatusEvent(status=OrderStatus.CANCELLED, at=now, note=note))
        refund_view = None
        if was_paid:
            refund = Refund(
                order_id=order.id,
                amount=to_cents(order.total),
                currency=order.currency,
                status=RefundStatus.PENDING,
                created_at=now,
            )
            session.add(refund)
            refund_view = RefundView(refund.amount, refund.currency, refund.status)
        audit.record(
            session,
            "order.cancel",
            f"order:{order.id}",
            old={"status": old_status},
            new={"status": order.status, "refund": refund.amount if was_paid else None, "reason": reason},
            requester=requester,
            at=now,
        )
        session.flush()
        return order_view(order), refund_view

    view, refund_view = write_transaction(engine or get_engine(), work)
    message = f"Order {view.number} is cancelled."
    if refund_view:
        message += (
            f" A refund of {format_money(refund_view.amount, refund_view.currency)} is on its way "
            "to your original payment method."
        )
    return CancelResult(order=view, refund=refund_view, message=message)


def change_shipping_address(
    requester: Requester,
    order_number: object,
    new_address: Address | Mapping[str, Any],
    email: str | None = None,
    *,
    engine: Engine | None = None,
    now: datetime | None = None,
) -> AddressChangeResult:
    """Ship a not-yet-shipped order to `new_address` (validated; name kept if not given).

    Raises `InvalidAddress` (a `Refused` with per-field messages) for a bad address,
    `Refused(SAME_ADDRESS)` if nothing would change, and the usual lookup/status refusals.
    """
    number = parse_order_number(order_number)
    requested = validate_address(new_address)
    require_email_for_guest(requester, email)
    now = now or utcnow()

    def work(session: Session) -> tuple[OrderView, Address, Address]:
        address = requested
        order = load_visible_order(session, requester, number, email, for_update=True)
        _refuse_unless_unshipped(order.id, order.status, "address")
        previous = _address_of(order)
        if address.name is None:
            address = Address(
                street=address.street,
                city=address.city,
                postcode=address.postcode,
                country=address.country,
                name=previous.name,
            )
        if same_place(previous, address) and previous.name == address.name:
            raise Refused(Refusal.SAME_ADDRESS, f"Order {order.id} is already going to that address.")
        order.shipping_name = address.name or previous.name or ""
        order.shipping_street = address.street
        order.shipping_city = address.city
        order.shipping_postcode = address.postcode
        order.shipping_country = address.country
        audit.record(
            session,
            "order.address",
            f"order:{order.id}",
            old=previous.to_dict(),
            new=address.to_dict(),
            requester=requester,
            at=now,
        )
        # History keeps the fact of the change, not the address itself (no PII in notes).
        order.history.append(
            OrderStatusEvent(status=order.status, at=now, note="Shipping address changed by the customer")
        )
        session.flush()
        return order_view(order), previous, address

    view, previous, address = write_transaction(engine or get_engine(), work)
    message = f"Done: order {view.number} will now be shipped to {address.one_line()}."
    return AddressChangeResult(order=view, previous=previous, new=address, message=message)


# --- rendering ----------------------------------------------------------------------------


def describe_order(view: OrderView) -> str:
    """One or two plain sentences about where an order is, for any channel."""
    n = view.number
    if view.status == OrderStatus.PLACED:
        text = f"Order {n} was placed on {_day(view.placed_at)} and is waiting for payment confirmation."
    elif view.status == OrderStatus.PAID:
        text = f"Order {n} is paid and being prepared for shipping (placed {_day(view.placed_at)})."
    elif view.status == OrderStatus.SHIPPED:
        text = f"Order {n} is on its way"
        if view.carrier:
            text += f" with {view.carrier}"
        if view.shipped_at:
            text += f" since {_day(view.shipped_at)}"
        text += "."
        if view.tracking_number:
            text += f" Tracking number: {view.tracking_number}."
        if view.estimated_delivery:
            text += f" Expected delivery: {_day(view.estimated_delivery)}."
    elif view.status == OrderStatus.DELIVERED:
        when = view.delivered_at or _last_change(view, OrderStatus.DELIVERED)
        text = f"Order {n} was delivered" + (f" on {_day(when)}." if when else ".")
    elif view.status == OrderStatus.CANCELLED:
        when = _last_change(view, OrderStatus.CANCELLED)
        text = f"Order {n} was cancelled" + (f" on {_day(when)}." if when else ".")
    else:
        text = f"Order {n} has been returned."
    if view.rma_numbers:
        text += f" Returns for this order: {', '.join(view.rma_numbers)}."
    return text


# --- internals ----------------------------------------------------------------------------


def _invalid_number() -> Refused:
    return Refused(
        Refusal.INVALID_ORDER_NUMBER,
        "That doesn't look like an order number. It's the number in your confirmation email, e.g. 100234.",
    )


def require_email_for_guest(requester: Requester, email: str | None) -> None:
    if requester.is_guest and not (email and email.strip()):
        raise Refused(
            Refusal.EMAIL_REQUIRED,
            "To look up an order without logging in, I need the order number and the email "
            "address you used for it.",
        )


def may_see(requester: Requester, order: Order, email: str | None) -> bool:
    if requester.customer_id is not None and order.customer_id == requester.customer_id:
        return True
    return emails_match(email, order.email)


#: Everything `order_view` reads, fetched with one query per relation instead of per row.
_VIEW_LOADS = (
    selectinload(Order.lines).selectinload(OrderLine.product),
    selectinload(Order.lines).selectinload(OrderLine.variant),
    selectinload(Order.shipment),
    selectinload(Order.history),
    selectinload(Order.returns).selectinload(Return.lines),
    selectinload(Order.returns).selectinload(Return.refund),
)


def load_visible_order(
    session: Session,
    requester: Requester,
    number: int,
    email: str | None,
    *,
    for_update: bool = False,
) -> Order:
    query = select(Order).where(Order.id == number)
    if for_update:
        # Serialises concurrent cancels/returns of one order across action servers.
        query = query.with_for_update()
    # The bare row first: a wrong email then costs the same one query as an unknown number,
    # so not even the response time tells an enumerator which order numbers exist.
    order = session.scalars(query).one_or_none()
    if order is None or not may_see(requester, order, email):
        raise not_found()
    session.scalars(
        select(Order)
        .where(Order.id == number)
        .options(*_VIEW_LOADS)
        .execution_options(populate_existing=True)
    ).one()
    return order


def _refuse_unless_unshipped(number: int, status: OrderStatus, action: str) -> None:
    if status in NOT_YET_SHIPPED:
        return
    reason = _REFUSAL_BY_STATUS[status]
    if action == "cancel":
        texts = {
            Refusal.ALREADY_SHIPPED: f"Order {number} has already shipped, so it can't be cancelled any "
            "more. Once it arrives you can return it instead.",
            Refusal.ALREADY_DELIVERED: f"Order {number} has already been delivered, so it can't be "
            "cancelled. You can return it instead.",
            Refusal.ALREADY_CANCELLED: f"Order {number} is already cancelled.",
            Refusal.ALREADY_RETURNED: f"Order {number} has already been returned.",
        }
    else:
        texts = {
            Refusal.ALREADY_SHIPPED: f"Order {number} has already shipped, so its address can't be "
            "changed any more. The carrier may let you redirect it with the tracking number.",
            Refusal.ALREADY_DELIVERED: f"Order {number} has already been delivered.",
            Refusal.ALREADY_CANCELLED: f"Order {number} is cancelled, so it won't be shipped.",
            Refusal.ALREADY_RETURNED: f"Order {number} has already been returned.",
        }
    raise Refused(reason, texts[reason])


def _address_of(order: Order) -> Address:
    return Address(
        street=order.shipping_street,
        city=order.shipping_city,
        postcode=order.shipping_postcode,
        country=order.shipping_country,
        name=order.shipping_name,
    )


def returned_quantities(order: Order) -> dict[int, int]:
    quantities: dict[int, int] = {}
    for return_ in order.returns:
        if return_.status == ReturnStatus.REJECTED:
            continue
        for line in return_.lines:
            quantities[line.order_line_id] = quantities.get(line.order_line_id, 0) + line.quantity
    return quantities


def order_view(order: Order) -> OrderView:
    returned = returned_quantities(order)
    items = tuple(
        OrderItemView(
            line_id=line.id,
            product_id=line.product_id,
            sku=line.product.sku,
            title=line.product.title,
            size=line.variant.size if line.variant else None,
            color=(line.variant.color if line.variant and line.variant.color else line.product.color),
            quantity=line.quantity,
            unit_price=to_cents(line.unit_price),
            line_total=to_cents(line.unit_price * line.quantity),
            final_sale=bool((line.product.attributes or {}).get("final_sale")),
            returned_quantity=returned.get(line.id, 0),
        )
        for line in order.lines
    )
    shipment = order.shipment
    return OrderView(
        number=order.id,
        status=order.status,
        placed_at=order.placed_at,
        items=items,
        total=to_cents(order.total),
        currency=order.currency,
        shipping_address=_address_of(order),
        carrier=shipment.carrier if shipment else None,
        tracking_number=shipment.tracking_number if shipment else None,
        shipped_at=shipment.shipped_at if shipment else None,
        estimated_delivery=shipment.estimated_delivery if shipment else None,
        delivered_at=shipment.delivered_at if shipment else None,
        history=tuple(StatusChange(e.status, e.at, e.note) for e in order.history),
        rma_numbers=tuple(r.rma_number for r in order.returns),
    )


def _summary(order: Order) -> OrderSummary:
    titles = [line.product.title for line in order.lines]
    headline = titles[0] if titles else "(no items)"
    if len(titles) > 1:
        headline += f" + {len(titles) - 1} more"
    return OrderSummary(
        number=order.id,
        status=order.status,
        placed_at=order.placed_at,
        total=to_cents(order.total),
        currency=order.currency,
        item_count=sum(line.quantity for line in order.lines),
        headline=headline,
    )


def _last_change(view: OrderView, status: OrderStatus) -> datetime | None:
    times = [change.at for change in view.history if change.status == status]
    return times[-1] if times else None


def _day(value: date | datetime) -> str:
    return f"{value:%a %d %b %Y}"


def _jsonable(value: Any) -> Any:
    if hasattr(value, "__dataclass_fields__"):
        return {name: _jsonable(getattr(value, name)) for name in value.__dataclass_fields__}
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, str):
        return [_jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


__all__ = [
    "Address",
    "AddressChangeResult",
    "CancelResult",
    "InvalidAddress",
    "OrderItemView",
    "OrderSummary",
    "OrderView",
    "RefundView",
    "Refusal",
    "Refused",
    "StatusChange",
    "cancel_order",
    "change_shipping_address",
    "check_address_change",
    "check_cancel",
    "describe_order",
    "find_order",
    "parse_order_number",
    "recent_orders",
]
