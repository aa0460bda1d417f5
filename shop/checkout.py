"""Checkout: turn a cart into an order, once.

`checkout_summary` answers "what would I pay?" without writing: the lines, the shipping
address, the shipping cost (from `data/policies/shipping_rates.yml`, the figures the shipping
policy states in words) and the total, plus a `token` that names exactly this state of the cart
(cart id, revision, shipping method). `place_order(token)` then, in one transaction:

* returns the order already placed with this token, if any (`PlacedOrder.created` False): a
  second "yes", a re-sent message or a double-clicked button places nothing twice (and
  `orders.checkout_token` is unique, so not even a race can);
* refuses (`CART_CHANGED`) if the cart changed since the summary, `CART_EMPTY` if it is empty;
* locks the lines' variants (`FOR UPDATE`, in id order; SQLite's write lock via
  `write_transaction`), checks the stock again and refuses (`OUT_OF_STOCK`, nothing written)
  when someone else bought the last unit in between;
* writes the order (status "placed"), its lines at the cart's prices, the status history entry,
  decrements the stock, empties the cart, and records where the sale came from: the chat
  conversation (`orders.source_conversation`) and each line's recommendation list
  (`order_lines.recommendation_id`), for the conversion analytics.

Payment: the demo shop takes payment on delivery (`payment_method = "pay_on_delivery"`), so
no provider is faked. A real payment provider plugs in at `authorize_payment` below: it would
create a payment intent for `total` keyed by the checkout token (so a retry never charges
twice) before the order is written, and the order would move to "paid" on the provider's
confirmation webhook (see web/README.md, "Checkout").
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shop import audit
from shop.addresses import Address, validate_address
from shop.cart import find_cart, lock_cart
from shop.cart_views import CartView, cart_view
from shop.db import get_engine, session_factory
from shop.identity import Requester
from shop.models import (
    Cart,
    Customer,
    Order,
    OrderLine,
    OrderStatus,
    OrderStatusEvent,
    Variant,
    utcnow,
)
from shop.money import format_money, to_cents
from shop.refusals import Refusal, Refused
from shop.texts import say
from shop.writes import write_transaction

SHIPPING_RATES_FILE = Path(__file__).resolve().parent.parent / "data" / "policies" / "shipping_rates.yml"
PAY_ON_DELIVERY = "pay_on_delivery"
DEFAULT_METHOD = "standard"


@dataclass(frozen=True, slots=True)
class ShippingMethod:
    code: str
    name: str
    price: Decimal
    #: Subtotal from which this method is free (None: never free).
    free_from: Decimal | None = None

    def cost(self, subtotal: Decimal) -> Decimal:
        if self.free_from is not None and subtotal >= self.free_from:
            return Decimal("0.00")
        return self.price


@cache
def shipping_methods(path: Path = SHIPPING_RATES_FILE) -> dict[str, ShippingMethod]:
    """The shipping methods and prices checkout charges, by code ("standard", "express", ...)."""
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    free_from = to_cents(data["free_standard_from"])
    return {
        code: ShippingMethod(
            code=code,
            name=str(spec["name"]),
            price=to_cents(spec["price"]),
            free_from=free_from if code == DEFAULT_METHOD else None,
        )
        for code, spec in data["methods"].items()
    }


def shipping_method(code: str | None) -> ShippingMethod:
    methods = shipping_methods()
    return methods.get(code or DEFAULT_METHOD) or methods[DEFAULT_METHOD]


@dataclass(frozen=True, slots=True)
class CheckoutSummary:
    """What placing the order would do; nothing is written to produce it."""

    cart: CartView
    method: ShippingMethod
    shipping: Decimal
    total: Decimal
    #: Names this exact cart state; `place_order` needs it back.
    token: str
    #: The customer's address on file (None for a guest, who gives it on the checkout page).
    address: Address | None
    email: str | None

    def text(self) -> str:
        items = "; ".join(
            say(
                "cart.checkout_line",
                label=line.label(),
                line_total=format_money(line.line_total, line.currency),
            )
            for line in self.cart.lines
        )
        shipping = (
            format_money(self.shipping, self.cart.currency) if self.shipping else say("cart.shipping_free")
        )
        return say(
            "cart.checkout_summary",
            items=items,
            address=self.address.one_line() if self.address else "",
            method=self.method.name,
            shipping=shipping,
            total=format_money(self.total, self.cart.currency),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "cart": self.cart.to_dict(),
            "shipping_method": self.method.code,
            "shipping_methods": [
                {"code": m.code, "name": m.name, "cost": f"{m.cost(self.cart.subtotal):.2f}"}
                for m in shipping_methods().values()
            ],
            "shipping": f"{self.shipping:.2f}",
            "total": f"{self.total:.2f}",
            "currency": self.cart.currency,
            "token": self.token,
            "address": self.address.to_dict() if self.address else None,
            "email": self.email,
            "payment_method": PAY_ON_DELIVERY,
        }


@dataclass(frozen=True, slots=True)
class PlacedOrder:
    number: int
    total: Decimal
    currency: str
    #: False when this token had already placed the order (a retry): nothing new was written.
    created: bool
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "order_number": self.number,
            "total": f"{self.total:.2f}",
            "currency": self.currency,
            "created": self.created,
            "message": self.message,
        }


def checkout_token(cart: Cart, method: ShippingMethod) -> str:
    created = cart.created_at.isoformat() if cart.created_at else ""
    material = f"{cart.id}:{cart.revision}:{created}:{method.code}"
    return hashlib.sha256(material.encode()).hexdigest()[:40]


def _customer_address(customer: Customer | None) -> Address | None:
    if customer is None or not (customer.street and customer.city and customer.postcode and customer.country):
        return None
    return Address(
        street=customer.street,
        city=customer.city,
        postcode=customer.postcode,
        country=customer.country,
        name=customer.name,
    )


def _summary(session: Session, cart: Cart | None, who: Requester, method: ShippingMethod) -> CheckoutSummary:
    view = cart_view(cart)
    if cart is None or view.is_empty:
        raise Refused(Refusal.CART_EMPTY, say("cart.checkout_empty"))
    customer = session.get(Customer, who.customer_id) if who.customer_id is not None else None
    shipping = method.cost(view.subtotal)
    return CheckoutSummary(
        cart=view,
        method=method,
        shipping=shipping,
        total=to_cents(view.subtotal + shipping),
        token=checkout_token(cart, method),
        address=_customer_address(customer),
        email=customer.email if customer else None,
    )


def checkout_summary(
    who: Requester,
    session_id: str | None,
    *,
    method: str | None = None,
    engine: Engine | None = None,
) -> CheckoutSummary:
    """The summary to confirm (read only); `Refused(CART_EMPTY)` for an empty cart."""
    with session_factory(engine or get_engine())() as session:
        return _summary(session, find_cart(session, who, session_id), who, shipping_method(method))


def authorize_payment(order: Order, token: str) -> str:
    """Where a real payment provider plugs in; the demo shop is paid on delivery.

    A provider integration creates (or, for a retried token, finds) a payment for
    `order.total` with `token` as its idempotency key, raises `Refused` when it is declined
    (the transaction then writes nothing), and returns the payment method to record.
    """
    return PAY_ON_DELIVERY


def _placed(order: Order, created: bool) -> PlacedOrder:
    total = to_cents(order.total)
    key = "cart.placed" if created else "cart.already_placed"
    return PlacedOrder(
        number=order.id,
        total=total,
        currency=order.currency,
        created=created,
        message=say(key, number=order.id, total=format_money(total, order.currency)),
    )


def place_order(
    who: Requester,
    session_id: str | None,
    token: str,
    *,
    method: str | None = None,
    email: str | None = None,
    address: Address | dict[str, Any] | None = None,
    conversation_id: str | None = None,
    channel: str = "chat",
    engine: Engine | None = None,
    now: datetime | None = None,
) -> PlacedOrder:
    """Place the order the shopper confirmed with `token` (see the module docstring).

    A customer's order ships to `address` if given, else to the address on file; a guest must
    give `email` and `address` (`EMAIL_REQUIRED`, `INVALID_ADDRESS`), checked before anything
    is read. Refusals write nothing.
    """
    chosen = shipping_method(method)
    moment = now or utcnow()
    given_address = validate_address(address) if address is not None else None
    given_email = " ".join(str(email).split()) if email else None
    if who.is_guest:
        if not given_email or "@" not in given_email or len(given_email) > 254:
            raise Refused(Refusal.EMAIL_REQUIRED, say("cart.email_required"))
        if given_address is None:
            raise Refused(Refusal.ADDRESS_REQUIRED, say("cart.address_required"))
    token = str(token or "").strip()[:64]

    def work(session: Session) -> PlacedOrder:
        cart = lock_cart(session, who, session_id, create=False, now=moment)
        if token:
            done = session.scalars(select(Order).where(Order.checkout_token == token)).one_or_none()
            # A retry is the same shopper's: the same customer, or a guest giving the same email.
            mine = done is not None and done.customer_id == who.customer_id
            if done is not None and mine and (who.customer_id is not None or done.email == given_email):
                return _placed(done, created=False)
        summary = _summary(session, cart, who, chosen)
        assert cart is not None
        if token != summary.token:
            raise Refused(Refusal.CART_CHANGED, say("cart.cart_changed"))
        ship_to = given_address or summary.address
        if ship_to is None:
            raise Refused(Refusal.ADDRESS_REQUIRED, say("cart.address_required"))
        variant_ids = sorted({line.variant_id for line in cart.lines})
        variants = {
            v.id: v
            for v in session.scalars(
                select(Variant)
                .where(Variant.id.in_(variant_ids))
                .order_by(Variant.id)
                .with_for_update()
                .execution_options(populate_existing=True)  # the stock as it is now, under the lock
            )
        }
        for line in cart.lines:
            variant = variants[line.variant_id]
            if not line.product.active:
                raise Refused(Refusal.PRODUCT_NOT_FOUND, say("cart.product_gone", title=line.product.title))
            if variant.stock < line.quantity:
                sizes = ", ".join(v for v in (variant.size, variant.color) if v)
                what = line.product.title + (f" ({sizes})" if sizes else "")
                raise Refused(Refusal.OUT_OF_STOCK, say("cart.stock_gone", what=what, stock=variant.stock))
        order = Order(
            customer_id=who.customer_id,
            email=given_email or summary.email or "",
            status=OrderStatus.PLACED,
            placed_at=moment,
            currency=summary.cart.currency,
            total=summary.total,
            shipping_name=ship_to.name or "",
            shipping_street=ship_to.street,
            shipping_city=ship_to.city,
            shipping_postcode=ship_to.postcode,
            shipping_country=ship_to.country,
            checkout_token=summary.token,
            source_conversation=(conversation_id or cart.conversation_id or None),
            shipping_cost=summary.shipping,
        )
        for line in cart.lines:
            variants[line.variant_id].stock -= line.quantity
            order.lines.append(
                OrderLine(
                    product_id=line.product_id,
                    variant_id=line.variant_id,
                    quantity=line.quantity,
                    unit_price=to_cents(line.unit_price),
                    recommendation_id=line.recommendation_id,
                )
            )
        note = say("cart.placed_note_chat") if channel == "chat" else say("cart.placed_note_web")
        order.history.append(OrderStatusEvent(status=OrderStatus.PLACED, at=moment, note=note))
        session.add(order)
        session.flush()
        order.payment_method = authorize_payment(order, summary.token)
        # Issue 18 (H-web's edit): every write is audited with its actor and conversation.
        audit.record(
            session,
            "cart.checkout",
            f"order:{order.id}",
            old={"cart": cart.id, "lines": [[line.variant_id, line.quantity] for line in cart.lines]},
            new={"order": order.id, "total": order.total, "shipping": chosen.code, "channel": channel},
            requester=who,
            conversation=order.source_conversation,
            at=moment,
        )
        cart.lines.clear()
        cart.revision += 1
        cart.updated_at = moment
        # The next cart starts afresh: a later order filled on the page alone is no chat's sale.
        cart.conversation_id = None
        session.flush()
        return _placed(order, created=True)

    # A concurrent confirmation of the same token loses on the unique token and is run again:
    # it then finds the order placed by the winner.
    return write_transaction(engine or get_engine(), work, retry_on=(IntegrityError,))


__all__ = [
    "PAY_ON_DELIVERY",
    "CheckoutSummary",
    "PlacedOrder",
    "ShippingMethod",
    "checkout_summary",
    "place_order",
    "shipping_method",
    "shipping_methods",
]
