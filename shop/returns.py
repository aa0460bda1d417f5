"""Returns, exchanges and refunds.

Eligibility is decided per order line:

* the order was delivered (`NOT_DELIVERED` otherwise),
* today is within `get_settings().return_window_days` of the delivery
  (`OUTSIDE_RETURN_WINDOW`; the last day counts),
* the product is not final sale (`Product.attributes["final_sale"]`, `FINAL_SALE`),
* some units are left that are not already on a return (`NOTHING_LEFT_TO_RETURN`;
  rejected returns do not count).

Money: the refund is the sum of unit price × quantity of the returned units, capped at what
was paid for the order minus what has already been refunded. The original shipping charge
is not refunded (the order has no separate shipping field; the cap covers orders whose
total was discounted below the sum of their lines).

Exchanges are returns with `exchange=True`: the same RMA, window and eligibility, the reason
stored as "exchange: ...", no money refunded (refund amount 0, no Refund row); the
replacement ships when the item arrives.

`create_return` writes the Return, its ReturnLines, the pending Refund and an order history
entry in one transaction with the order row locked. The same request repeated within
`DUPLICATE_WINDOW` (a channel retry) answers with the first RMA and writes nothing.
The order's status is left as delivered: it becomes "returned" only when the warehouse
has received everything, which is not the assistant's business.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shop import audit
from shop.config import get_settings
from shop.db import get_engine, session_factory
from shop.identity import Requester
from shop.models import (
    Order,
    OrderStatus,
    OrderStatusEvent,
    Refund,
    RefundStatus,
    Return,
    ReturnLine,
    ReturnStatus,
    utcnow,
)
from shop.money import format_money, to_cents
from shop.orders import (
    OrderItemView,
    OrderView,
    load_visible_order,
    may_see,
    order_view,
    parse_order_number,
    require_email_for_guest,
    returned_quantities,
)
from shop.refusals import Refusal, Refused
from shop.writes import write_transaction

EXCHANGE_PREFIX = "exchange: "
#: A second identical request within this time is a retry, answered with the first RMA.
DUPLICATE_WINDOW = timedelta(minutes=2)
_RMA_PATTERN = re.compile(r"^\s*RMA[\s-]*(\d{1,10})[\s-]+(\d{1,4})\s*$", re.I)
_RETURN_NOT_FOUND_TEXT = (
    "I couldn't find a return with that number and email address. Please check both and try again."
)


# --- views --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LineEligibility:
    """Whether (and how much of) one order line can be returned, and if not, why."""

    item: OrderItemView
    returnable_quantity: int
    refusal: Refusal | None
    explanation: str | None

    @property
    def eligible(self) -> bool:
        return self.refusal is None


@dataclass(frozen=True, slots=True)
class ReturnOptions:
    order: OrderView
    #: Last day a return may be requested; None if the order was not delivered.
    window_ends: date | None
    lines: tuple[LineEligibility, ...]

    @property
    def eligible_lines(self) -> tuple[LineEligibility, ...]:
        return tuple(line for line in self.lines if line.eligible)

    def line(self, line_id: int) -> LineEligibility | None:
        return next((line for line in self.lines if line.item.line_id == line_id), None)

    def refusal(self) -> Refused | None:
        """Why nothing at all can be returned (the first line's reason), or None."""
        if self.eligible_lines or not self.lines:
            return None if self.lines else Refused(Refusal.NOTHING_LEFT_TO_RETURN, "This order has no items.")
        if all(line.refusal == self.lines[0].refusal for line in self.lines):
            first = self.lines[0]
            assert first.refusal is not None and first.explanation is not None
            return Refused(first.refusal, first.explanation)
        reasons = " ".join(line.explanation or "" for line in self.lines)
        return Refused(self.lines[0].refusal or Refusal.NOTHING_LEFT_TO_RETURN, reasons)


@dataclass(frozen=True, slots=True)
class ReturnItemView:
    order_line_id: int
    title: str
    quantity: int
    unit_price: Decimal


@dataclass(frozen=True, slots=True)
class ReturnView:
    """A return and its refund, as the shopper may see it."""

    rma_number: str
    order_number: int
    status: ReturnStatus
    reason: str
    is_exchange: bool
    created_at: datetime
    refund_amount: Decimal
    currency: str
    refund_status: RefundStatus | None
    refund_issued_at: datetime | None
    items: tuple[ReturnItemView, ...]


@dataclass(frozen=True, slots=True)
class ReturnReceipt:
    """What `create_return` did: the RMA, the money, and what the shopper must do next."""

    return_: ReturnView
    next_steps: tuple[str, ...]
    #: False when this was a repeat of a return made moments ago (a retried request).
    created: bool = True

    @property
    def rma_number(self) -> str:
        return self.return_.rma_number

    @property
    def refund_amount(self) -> Decimal:
        return self.return_.refund_amount

    def message(self) -> str:
        head = (
            f"Your {'exchange' if self.return_.is_exchange else 'return'} is registered as {self.rma_number}."
        )
        if not self.return_.is_exchange:
            head += f" Refund: {format_money(self.refund_amount, self.return_.currency)}."
        steps = "\n".join(f"{i}. {step}" for i, step in enumerate(self.next_steps, 1))
        return f"{head}\nNext steps:\n{steps}"


# --- eligibility --------------------------------------------------------------------------


def return_options(
    requester: Requester,
    order_number: object,
    email: str | None = None,
    *,
    now: datetime | None = None,
    engine: Engine | None = None,
) -> ReturnOptions:
    """Which lines of an order can be returned now (never raises for ineligibility).

    Raises `Refused(NOT_FOUND)` / `EMAIL_REQUIRED` / `INVALID_ORDER_NUMBER` like `find_order`.
    """
    number = parse_order_number(order_number)
    require_email_for_guest(requester, email)
    with session_factory(engine or get_engine())() as session:
        order = load_visible_order(session, requester, number, email)
        return _options(order, now or utcnow())


def create_return(
    requester: Requester,
    order_number: object,
    items: Mapping[int, int | None] | Iterable[int],
    reason: str,
    email: str | None = None,
    *,
    exchange: bool = False,
    now: datetime | None = None,
    engine: Engine | None = None,
) -> ReturnReceipt:
    """Open a return (or exchange) for some units of an order's lines.

    `items` maps order line ids to quantities (None = every returnable unit of the line), or
    is a plain list of line ids (all returnable units). All chosen lines must be eligible;
    otherwise `Refused` explains the first problem and nothing is written.
    """
    number = parse_order_number(order_number)
    reason_text = " ".join((reason or "").split())
    if not reason_text:
        raise Refused(Refusal.REASON_REQUIRED, "Please tell me briefly why you're returning the item.")
    chosen = _normalise_choice(items)
    require_email_for_guest(requester, email)
    now = now or utcnow()
    settings = get_settings()

    stored_reason = (EXCHANGE_PREFIX + reason_text if exchange else reason_text)[:300]

    def work(session: Session) -> ReturnReceipt:
        order = load_visible_order(session, requester, number, email, for_update=True)
        duplicate = _recent_duplicate(order, chosen, stored_reason, now)
        if duplicate is not None:
            view = _return_view(duplicate, order)
            steps = _next_steps(view, settings.refund_processing_days)
            return ReturnReceipt(return_=view, next_steps=steps, created=False)
        options = _options(order, now)
        quantities = _validate_choice(options, chosen)
        before = {str(k): v for k, v in returned_quantities(order).items()}
        return_ = _write_return(session, order, options, quantities, stored_reason, exchange, now)
        audit.record(
            session,
            "order.return",
            f"order:{order.id}",
            old={"returned": before},
            new={
                "rma": return_.rma_number,
                "lines": {str(k): v for k, v in quantities.items()},
                "exchange": exchange,
                "refund": return_.refund_amount,
                "reason": stored_reason,
            },
            requester=requester,
            at=now,
        )
        view = _return_view(return_, order)
        return ReturnReceipt(return_=view, next_steps=_next_steps(view, settings.refund_processing_days))

    # IntegrityError: another server took this RMA number meanwhile (SQLite has no row lock);
    # everything rolled back, so the retry numbers the return afresh.
    return write_transaction(engine or get_engine(), work, retry_on=(IntegrityError,))


# --- lookups ------------------------------------------------------------------------------


def parse_rma_number(raw: object) -> str | None:
    """The canonical RMA number ("RMA-100239-1") from what a shopper typed, or None."""
    match = _RMA_PATTERN.match(str(raw or ""))
    return f"RMA-{int(match.group(1))}-{int(match.group(2))}" if match else None


def find_returns(
    requester: Requester,
    *,
    rma_number: str | None = None,
    order_number: object = None,
    email: str | None = None,
    engine: Engine | None = None,
) -> tuple[ReturnView, ...]:
    """The requester's returns by RMA number or by order, newest first.

    Same rules as order lookup: someone else's return, a wrong email and an unknown number
    all raise the same `Refused(RETURN_NOT_FOUND)` (or `NOT_FOUND` for an order number).
    An order of theirs without returns gives an empty tuple.
    """
    if rma_number is None and order_number is None:
        raise ValueError("give rma_number or order_number")
    require_email_for_guest(requester, email)
    with session_factory(engine or get_engine())() as session:
        if rma_number is not None:
            canonical = parse_rma_number(rma_number)
            return_ = (
                session.scalars(select(Return).where(Return.rma_number == canonical)).one_or_none()
                if canonical
                else None
            )
            if return_ is None or not may_see(requester, return_.order, email):
                raise Refused(Refusal.RETURN_NOT_FOUND, _RETURN_NOT_FOUND_TEXT)
            return (_return_view(return_, return_.order),)
        order = load_visible_order(session, requester, parse_order_number(order_number), email)
        return tuple(_return_view(r, order) for r in sorted(order.returns, key=lambda r: r.id, reverse=True))


def describe_return(view: ReturnView) -> str:
    """Where a return and its refund stand, in plain words."""
    what = "exchange" if view.is_exchange else "return"
    money = format_money(view.refund_amount, view.currency)
    status_text = {
        ReturnStatus.REQUESTED: "is registered; we're waiting for the parcel to arrive",
        ReturnStatus.RECEIVED: "has arrived at our warehouse",
        ReturnStatus.REFUNDED: "is complete",
        ReturnStatus.REJECTED: "was not accepted",
    }[view.status]
    text = f"Your {what} {view.rma_number} for order {view.order_number} {status_text}."
    if view.is_exchange:
        if view.status == ReturnStatus.RECEIVED:
            text += " Your replacement is being prepared."
    elif view.refund_status == RefundStatus.ISSUED:
        when = f" on {view.refund_issued_at:%a %d %b %Y}" if view.refund_issued_at else ""
        text += f" The refund of {money} was issued{when}."
    elif view.refund_status == RefundStatus.PENDING:
        days = get_settings().refund_processing_days
        text += (
            f" The refund of {money} is pending and will reach your original payment method "
            f"within {days} business days after we receive the items."
            if view.status == ReturnStatus.REQUESTED
            else f" The refund of {money} is pending and will be issued within {days} business days."
        )
    return text


# --- internals ----------------------------------------------------------------------------


def _recent_duplicate(
    order: Order, chosen: Mapping[int, int | None], stored_reason: str, now: datetime
) -> Return | None:
    """A return of the same items for the same reason made within `DUPLICATE_WINDOW`.

    Channels re-send a message when the bot is slow (Slack after 3 s), which runs the action
    again; the repeat must answer with the first RMA rather than open a second return.
    """
    for return_ in order.returns:
        if return_.reason != stored_reason or return_.status == ReturnStatus.REJECTED:
            continue
        if not now - DUPLICATE_WINDOW <= return_.created_at <= now + DUPLICATE_WINDOW:
            continue
        quantities = {line.order_line_id: line.quantity for line in return_.lines}
        if set(quantities) == set(chosen) and all(q is None or quantities[i] == q for i, q in chosen.items()):
            return return_
    return None


def _delivered_at(order: Order) -> datetime | None:
    if order.shipment is not None and order.shipment.delivered_at is not None:
        return order.shipment.delivered_at
    times = [event.at for event in order.history if event.status == OrderStatus.DELIVERED]
    return times[0] if times else None


def _options(order: Order, now: datetime) -> ReturnOptions:
    view = order_view(order)
    delivered = (
        _delivered_at(order) if order.status in {OrderStatus.DELIVERED, OrderStatus.RETURNED} else None
    )
    window_days = get_settings().return_window_days
    window_ends = (delivered + timedelta(days=window_days)).date() if delivered else None
    lines = []
    for item in view.items:
        left = max(item.quantity - item.returned_quantity, 0)
        refusal, text = None, None
        if delivered is None:
            refusal = Refusal.NOT_DELIVERED
            text = f"Order {view.number} hasn't been delivered yet, so it can't be returned. " + (
                "You can still cancel it." if view.can_cancel else "Once it arrives you can return it."
            )
        elif window_ends is not None and now.date() > window_ends:
            refusal = Refusal.OUTSIDE_RETURN_WINDOW
            text = (
                f"{item.title} was delivered on {delivered:%d %b %Y}; the {window_days}-day return "
                f"window ended on {window_ends:%d %b %Y}."
            )
        elif item.final_sale:
            refusal = Refusal.FINAL_SALE
            text = f"{item.title} was a final-sale item and can't be returned."
        elif left == 0:
            refusal = Refusal.NOTHING_LEFT_TO_RETURN
            text = f"{item.title} is already on a return."
        lines.append(LineEligibility(item, left if refusal is None else 0, refusal, text))
    return ReturnOptions(order=view, window_ends=window_ends, lines=tuple(lines))


def _normalise_choice(items: Mapping[int, int | None] | Iterable[int]) -> dict[int, int | None]:
    chosen = dict(items) if isinstance(items, Mapping) else dict.fromkeys(items)
    if not chosen:
        raise Refused(Refusal.NO_ITEMS_CHOSEN, "Which item would you like to return?")
    for line_id, quantity in chosen.items():
        if isinstance(line_id, bool) or not isinstance(line_id, int):
            raise Refused(Refusal.UNKNOWN_LINE, "I couldn't tell which item you mean.")
        if quantity is not None and (
            isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1
        ):
            raise Refused(
                Refusal.INVALID_QUANTITY, "The quantity to return must be a whole number of at least 1."
            )
    return chosen


def _validate_choice(options: ReturnOptions, chosen: Mapping[int, int | None]) -> dict[int, int]:
    quantities: dict[int, int] = {}
    for line_id, wanted in chosen.items():
        line = options.line(line_id)
        if line is None:
            raise Refused(Refusal.UNKNOWN_LINE, f"Order {options.order.number} has no such item.")
        if line.refusal is not None:
            raise Refused(line.refusal, line.explanation or "")
        quantity = line.returnable_quantity if wanted is None else wanted
        if quantity > line.returnable_quantity:
            raise Refused(
                Refusal.INVALID_QUANTITY,
                f"You can return at most {line.returnable_quantity} of {line.item.title}.",
            )
        quantities[line_id] = quantity
    return quantities


def _write_return(
    session: Session,
    order: Order,
    options: ReturnOptions,
    quantities: Mapping[int, int],
    reason: str,
    exchange: bool,
    now: datetime,
) -> Return:
    prices = {line.item.line_id: line.item.unit_price for line in options.lines}
    value = sum((prices[line_id] * qty for line_id, qty in quantities.items()), Decimal(0))
    already_refunded = session.scalar(
        select(func.coalesce(func.sum(Refund.amount), 0)).where(Refund.order_id == order.id)
    )
    refundable = max(to_cents(order.total) - to_cents(already_refunded or 0), Decimal(0))
    amount = Decimal(0) if exchange else min(to_cents(value), refundable)

    sequence = 1 + (
        session.scalar(select(func.count()).select_from(Return).where(Return.order_id == order.id)) or 0
    )
    return_ = Return(
        rma_number=f"RMA-{order.id}-{sequence}",
        order_id=order.id,
        reason=reason,
        status=ReturnStatus.REQUESTED,
        refund_amount=amount,
        created_at=now,
    )
    return_.lines = [ReturnLine(order_line_id=line_id, quantity=qty) for line_id, qty in quantities.items()]
    session.add(return_)
    if not exchange:
        return_.refund = Refund(
            order_id=order.id,
            amount=amount,
            currency=order.currency,
            status=RefundStatus.PENDING,
            created_at=now,
        )
    units = sum(quantities.values())
    order.history.append(
        OrderStatusEvent(
            status=order.status,
            at=now,
            note=f"{'Exchange' if exchange else 'Return'} {return_.rma_number} requested "
            f"({units} item{'s' if units != 1 else ''})",
        )
    )
    session.flush()
    return return_


def _return_view(return_: Return, order: Order) -> ReturnView:
    titles = {line.id: line.product.title for line in order.lines}
    is_exchange = return_.reason.startswith(EXCHANGE_PREFIX)
    refund = return_.refund
    return ReturnView(
        rma_number=return_.rma_number,
        order_number=order.id,
        status=return_.status,
        reason=return_.reason.removeprefix(EXCHANGE_PREFIX),
        is_exchange=is_exchange,
        created_at=return_.created_at,
        refund_amount=to_cents(return_.refund_amount),
        currency=order.currency,
        refund_status=refund.status if refund else None,
        refund_issued_at=refund.issued_at if refund else None,
        items=tuple(
            ReturnItemView(
                order_line_id=line.order_line_id,
                title=titles.get(line.order_line_id, "item"),
                quantity=line.quantity,
                unit_price=to_cents(line.order_line.unit_price),
            )
            for line in return_.lines
        ),
    )


def _next_steps(view: ReturnView, refund_days: int) -> tuple[str, ...]:
    steps = [
        "We'll email you a prepaid return label within a few minutes.",
        f"Pack the item{'s' if len(view.items) > 1 else ''} securely and write {view.rma_number} "
        "on the parcel or put a note with it inside.",
        "Drop the parcel at any drop-off point of the carrier on the label within 14 days.",
    ]
    if view.is_exchange:
        steps.append("As soon as it arrives we ship your replacement and send you its tracking number.")
    else:
        steps.append(
            f"Once it arrives, your refund of {format_money(view.refund_amount, view.currency)} goes back "
            f"to your original payment method within {refund_days} business days."
        )
    return tuple(steps)
