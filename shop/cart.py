"""Shopping carts: add, change, remove, empty, view, and the guest-to-customer merge.

Rules (why this module exists rather than SQL in the chat actions and the shop page):

* **One cart per owner.** A logged-in customer has one cart (`carts.customer_id` unique); a
  guest has one per session (`carts.session_id` unique), the conversation id that the shop page
  shares with its chat widget, so the page and the chat show the same cart. When a guest logs
  in, `merge_guest_cart` moves the guest's lines into the customer's cart (same variant:
  quantities add up, capped by stock and `MAX_LINE_QUANTITY`).
* **A line is one variant** (size and colour) with the price it had when it was added. A
  product with several sizes or colours needs the shopper's choice first
  (`Refused(VARIANT_REQUIRED)`, and `variant_question` says what to ask).
* **Stock is checked when adding** (and again at checkout, `shop.checkout`): a line never holds
  more units than are in stock at the time.
* **Bad input writes nothing**: unknown products, quantities outside 1..`MAX_LINE_QUANTITY`, a
  variant that does not exist and too little stock all raise `Refused` before any write.
* **One transaction per write, idempotent on retries**: a write with a `request_key` (the chat
  message id) is recorded in `cart_requests`; the same key again changes nothing and answers
  with the first answer (`CartChange.replayed`).
* `revision` grows with every change, so a checkout summary names exactly one state of the cart.

Every shopper-facing sentence comes from `data/texts/cart.yml`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from shop.config import get_settings
from shop.db import get_engine, session_factory
from shop.identity import Requester
from shop.models import (
    Cart,
    CartLine,
    CartRequest,
    EventKind,
    InteractionEvent,
    Product,
    Variant,
    utcnow,
)
from shop.money import format_money, to_cents
from shop.refusals import Refusal, Refused
from shop.texts import say
from shop.writes import write_transaction

#: Most units of one variant a cart line may hold (a shop, not a wholesaler).
MAX_LINE_QUANTITY = 20
_NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
    "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "a couple": 2, "a pair": 2,
}  # fmt: skip


# --- views --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CartLineView:
    line_id: int
    product_id: int
    variant_id: int
    sku: str
    title: str
    size: str | None
    color: str | None
    quantity: int
    unit_price: Decimal
    line_total: Decimal
    currency: str
    image_url: str | None
    #: Units of this variant in stock now.
    stock: int
    recommendation_id: str | None

    def variant_text(self) -> str:
        return ", ".join(v for v in (self.size, self.color) if v)

    def label(self) -> str:
        """ "2 × Trail Jacket (M, blue)" """
        variant = self.variant_text()
        return f"{self.quantity} × {self.title}" + (f" ({variant})" if variant else "")

    def to_dict(self) -> dict[str, Any]:
        return {
            "line_id": self.line_id,
            "product_id": self.product_id,
            "variant_id": self.variant_id,
            "sku": self.sku,
            "title": self.title,
            "size": self.size,
            "color": self.color,
            "quantity": self.quantity,
            "unit_price": f"{self.unit_price:.2f}",
            "line_total": f"{self.line_total:.2f}",
            "currency": self.currency,
            "image_url": self.image_url,
            "stock": self.stock,
        }


@dataclass(frozen=True, slots=True)
class CartView:
    """A cart as a shopper sees it. An owner without a cart sees an empty one (`cart_id` None)."""

    cart_id: int | None
    revision: int
    lines: tuple[CartLineView, ...]
    currency: str
    conversation_id: str | None = None

    @property
    def is_empty(self) -> bool:
        return not self.lines

    @property
    def units(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def subtotal(self) -> Decimal:
        return to_cents(sum((line.line_total for line in self.lines), Decimal(0)))

    def line(self, line_id: int) -> CartLineView | None:
        return next((line for line in self.lines if line.line_id == line_id), None)

    def line_by_position(self, position: int) -> CartLineView | None:
        """The line a shopper means by "the second one" (1-based)."""
        return self.lines[position - 1] if 1 <= position <= len(self.lines) else None

    def summary(self) -> str:
        """ "3 items, $142.00" """
        return say(
            "cart.summary", items=items_text(self.units), subtotal=format_money(self.subtotal, self.currency)
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "cart_id": self.cart_id,
            "revision": self.revision,
            "lines": [line.to_dict() for line in self.lines],
            "units": self.units,
            "subtotal": f"{self.subtotal:.2f}",
            "currency": self.currency,
        }


@dataclass(frozen=True, slots=True)
class CartChange:
    """The result of a cart write: what was done, to which line, and the cart afterwards."""

    #: "added", "updated", "removed", "emptied"; "repeated" for a retried request.
    kind: str
    cart: CartView
    line: CartLineView | None
    message: str
    replayed: bool = False


@dataclass(frozen=True, slots=True)
class VariantOption:
    variant_id: int
    size: str | None
    color: str | None
    stock: int

    def label(self) -> str:
        text = ", ".join(v for v in (self.size, self.color) if v) or "standard"
        return text if self.stock > 0 else say("cart.sold_out_option", option=text)


@dataclass(frozen=True, slots=True)
class VariantQuestion:
    """What to ask before adding: "Which size?" with the options (sold-out ones included)."""

    product_id: int
    title: str
    #: "size" or "colour".
    attribute: str
    options: tuple[VariantOption, ...]
    question: str


def items_text(units: int) -> str:
    return say("cart.one_item") if units == 1 else say("cart.many_items", count=units)


# --- input --------------------------------------------------------------------------------


def parse_quantity(raw: object) -> int:
    """A quantity the shopper gave (2, "2", "two"), within 1..MAX_LINE_QUANTITY, else `Refused`."""
    number: int | None = None
    if isinstance(raw, int) and not isinstance(raw, bool):
        number = raw
    elif isinstance(raw, str):
        text = " ".join(raw.strip().lower().split())
        is_number = text.lstrip("+-").isdigit() and len(text) <= 12
        number = int(text) if is_number else _NUMBER_WORDS.get(text)
    if number is None or number < 1:
        raise Refused(Refusal.INVALID_QUANTITY, say("cart.invalid_quantity", max=MAX_LINE_QUANTITY))
    if number > MAX_LINE_QUANTITY:
        raise Refused(Refusal.INVALID_QUANTITY, say("cart.too_many", max=MAX_LINE_QUANTITY))
    return number


def _product_id(raw: object) -> int:
    if isinstance(raw, int) and not isinstance(raw, bool) and 0 < raw < 2**31:
        return raw
    if isinstance(raw, str) and raw.strip().isdigit() and len(raw.strip()) <= 10:
        number = int(raw.strip())
        if 0 < number < 2**31:
            return number
    raise _product_not_found()


def _product_not_found() -> Refused:
    return Refused(Refusal.PRODUCT_NOT_FOUND, say("cart.product_not_found"))


def _session_key(session_id: str | None) -> str | None:
    if session_id is None:
        return None
    key = str(session_id).strip()
    return key[:200] or None


def _norm(value: str | None) -> str:
    return " ".join(str(value).lower().removeprefix("size").split()) if value else ""


# --- variants -----------------------------------------------------------------------------


def _load_product(session: Session, product_id: object) -> Product:
    product = session.scalars(
        select(Product)
        .where(Product.id == _product_id(product_id), Product.active.is_(True))
        .options(selectinload(Product.variants))
    ).one_or_none()
    if product is None or not product.variants:
        raise _product_not_found()
    return product


def _options(variants: list[Variant]) -> tuple[VariantOption, ...]:
    return tuple(VariantOption(v.id, v.size, v.color, v.stock) for v in variants)


def _choose_variant(
    product: Product, *, size: str | None, color: str | None, variant_id: int | None
) -> Variant | VariantQuestion:
    """The variant the shopper means, or the question to ask; `Refused` if none can match."""
    variants = list(product.variants)
    if variant_id is not None:
        chosen = next((v for v in variants if v.id == variant_id), None)
        if chosen is None:
            raise Refused(Refusal.VARIANT_NOT_FOUND, say("cart.variant_gone", title=product.title))
        return chosen
    for attribute, wanted, of in (("size", size, "size"), ("colour", color, "color")):
        if not wanted:
            continue
        matching = [v for v in variants if _norm(getattr(v, of)) == _norm(wanted)]
        if not matching:
            offered = sorted({getattr(v, of) for v in variants if getattr(v, of)}, key=_size_order)
            if not offered:
                raise Refused(
                    Refusal.VARIANT_NOT_FOUND,
                    say("cart.no_variants", title=product.title, attribute=attribute, wanted=wanted),
                )
            raise Refused(
                Refusal.VARIANT_NOT_FOUND,
                say("cart.variant_not_found", title=product.title, wanted=wanted, options=", ".join(offered)),
            )
        variants = matching
    if len(variants) == 1:
        return variants[0]
    sizes = {v.size for v in variants if v.size}
    attribute = "size" if len(sizes) > 1 else "colour"
    return VariantQuestion(
        product_id=product.id,
        title=product.title,
        attribute=attribute,
        options=_options(variants),
        question=say(
            f"cart.ask_{attribute}",
            title=product.title,
            options=", ".join(o.label() for o in _options(variants)),
        ),
    )


_SIZE_ORDER = ["XXS", "XS", "S", "M", "L", "XL", "XXL", "XXXL"]


def _size_order(value: str) -> tuple[int, float, str]:
    upper = value.upper()
    if upper in _SIZE_ORDER:
        return (0, _SIZE_ORDER.index(upper), upper)
    try:
        return (1, float(value), upper)
    except ValueError:
        return (2, 0, upper)


def variant_question(
    product_id: object,
    *,
    size: str | None = None,
    color: str | None = None,
    engine: Engine | None = None,
) -> VariantQuestion | None:
    """What to ask before adding `product_id` ("Which size?"), or None when the choice is clear.

    Raises `Refused(PRODUCT_NOT_FOUND)` or `Refused(VARIANT_NOT_FOUND)` like `add_item` would.
    """
    with session_factory(engine or get_engine())() as session:
        chosen = _choose_variant(_load_product(session, product_id), size=size, color=color, variant_id=None)
        return chosen if isinstance(chosen, VariantQuestion) else None


def shown_recommendation(session_id: str, product_id: int, *, engine: Engine | None = None) -> str | None:
    """The recommendation list `product_id` was last shown in during this conversation, if any."""
    with session_factory(engine or get_engine())() as session:
        return session.scalar(
            select(InteractionEvent.recommendation_id)
            .where(
                InteractionEvent.session_id == session_id[:200],
                InteractionEvent.product_id == product_id,
                InteractionEvent.kind == EventKind.RECOMMENDATION_SHOWN,
                InteractionEvent.recommendation_id.is_not(None),
            )
            .order_by(InteractionEvent.occurred_at.desc(), InteractionEvent.id.desc())
            .limit(1)
        )


# --- reading ------------------------------------------------------------------------------


def _owner_filter(who: Requester, session_id: str | None) -> Any:
    if who.customer_id is not None:
        return Cart.customer_id == who.customer_id
    key = _session_key(session_id)
    if key is None:
        raise ValueError("a guest's cart needs a session id")
    return Cart.session_id == key


_LINE_LOADS = (
    selectinload(Cart.lines).selectinload(CartLine.product),
    selectinload(Cart.lines).selectinload(CartLine.variant),
)


def cart_view(cart: Cart | None) -> CartView:
    currency = get_settings().currency
    if cart is None:
        return CartView(cart_id=None, revision=0, lines=(), currency=currency)
    lines = tuple(
        CartLineView(
            line_id=line.id,
            product_id=line.product_id,
            variant_id=line.variant_id,
            sku=line.variant.sku,
            title=line.product.title,
            size=line.variant.size,
            color=line.variant.color or line.product.color,
            quantity=line.quantity,
            unit_price=to_cents(line.unit_price),
            line_total=to_cents(line.unit_price * line.quantity),
            currency=line.currency,
            image_url=line.product.image_url,
            stock=line.variant.stock,
            recommendation_id=line.recommendation_id,
        )
        for line in cart.lines
    )
    return CartView(
        cart_id=cart.id,
        revision=cart.revision,
        lines=lines,
        currency=lines[0].currency if lines else currency,
        conversation_id=cart.conversation_id,
    )


def find_cart(session: Session, who: Requester, session_id: str | None) -> Cart | None:
    """The owner's cart with its lines, products and variants loaded (no lock)."""
    return session.scalars(
        select(Cart).where(_owner_filter(who, session_id)).options(*_LINE_LOADS)
    ).one_or_none()


def view_cart(who: Requester, session_id: str | None, *, engine: Engine | None = None) -> CartView:
    """The shopper's cart (read only: a question about the cart never writes)."""
    with session_factory(engine or get_engine())() as session:
        return cart_view(find_cart(session, who, session_id))


# --- writing ------------------------------------------------------------------------------


def lock_cart(
    session: Session, who: Requester, session_id: str | None, *, create: bool, now: datetime
) -> Cart | None:
    """The owner's cart, locked for this transaction (created if `create`).

    A customer's write first takes in the guest cart of the same session (the shell logs in
    within one conversation), so nothing added as a guest is lost.
    """
    cart = session.scalars(select(Cart).where(_owner_filter(who, session_id)).with_for_update()).one_or_none()
    if cart is None and create:
        cart = Cart(
            customer_id=who.customer_id,
            session_id=None if who.customer_id is not None else _session_key(session_id),
            revision=0,
            created_at=now,
            updated_at=now,
        )
        session.add(cart)
        session.flush()  # a concurrent first write hits the unique owner: retried by the caller
    if cart is not None and who.customer_id is not None and _session_key(session_id):
        _absorb_guest_cart(session, cart, _session_key(session_id) or "", now)
    if cart is not None:
        session.scalars(
            select(Cart)
            .where(Cart.id == cart.id)
            .options(*_LINE_LOADS)
            .execution_options(populate_existing=True)
        ).one()
    return cart


def _absorb_guest_cart(session: Session, cart: Cart, session_key: str, now: datetime) -> int:
    guest = session.scalars(
        select(Cart).where(Cart.session_id == session_key).options(*_LINE_LOADS).with_for_update()
    ).one_or_none()
    if guest is None or guest.id == cart.id:
        return 0
    moved = 0
    mine = {line.variant_id: line for line in cart.lines}
    for line in list(guest.lines):
        limit = min(MAX_LINE_QUANTITY, line.variant.stock)
        target = mine.get(line.variant_id)
        if target is not None:
            target.quantity = max(target.quantity, min(target.quantity + line.quantity, limit))
        elif limit > 0:
            cart.lines.append(
                CartLine(
                    product_id=line.product_id,
                    variant_id=line.variant_id,
                    quantity=min(line.quantity, limit),
                    unit_price=line.unit_price,
                    currency=line.currency,
                    recommendation_id=line.recommendation_id,
                    added_at=line.added_at,
                )
            )
        moved += line.quantity
    cart.conversation_id = cart.conversation_id or guest.conversation_id
    session.delete(guest)
    session.flush()
    if moved:
        _touch(cart, now, None)
    return moved


def _touch(cart: Cart, now: datetime, conversation_id: str | None) -> None:
    cart.revision = (cart.revision or 0) + 1
    cart.updated_at = now
    if conversation_id:
        cart.conversation_id = conversation_id[:200]


def _refresh(session: Session, cart: Cart) -> CartView:
    session.flush()
    session.expire(cart)
    fresh = session.scalars(
        select(Cart).where(Cart.id == cart.id).options(*_LINE_LOADS).execution_options(populate_existing=True)
    ).one()
    return cart_view(fresh)


def _write(
    engine: Engine | None,
    who: Requester,
    session_id: str | None,
    request_key: str | None,
    work: Callable[[Session, datetime], CartChange],
    now: datetime | None,
    *,
    create: bool = True,
) -> CartChange:
    """Run one cart write in one transaction; a known `request_key` replays the first answer."""
    moment = now or utcnow()
    key = request_key[:200] if request_key else None

    def transaction(session: Session) -> CartChange:
        if key is not None:
            done = session.scalars(select(CartRequest).where(CartRequest.key == key)).one_or_none()
            if done is not None:
                cart = session.scalars(
                    select(Cart).where(Cart.id == done.cart_id).options(*_LINE_LOADS)
                ).one_or_none()
                return CartChange("repeated", cart_view(cart), None, done.message, replayed=True)
        change = work(session, moment)
        if key is not None and change.cart.cart_id is not None:
            session.add(CartRequest(key=key, cart_id=change.cart.cart_id, message=change.message[:500]))
            session.flush()
        return change

    return write_transaction(engine or get_engine(), transaction, retry_on=(IntegrityError,))


def add_item(
    who: Requester,
    session_id: str | None,
    product_id: object,
    quantity: object = 1,
    *,
    size: str | None = None,
    color: str | None = None,
    variant_id: int | None = None,
    recommendation_id: str | None = None,
    conversation_id: str | None = None,
    request_key: str | None = None,
    engine: Engine | None = None,
    now: datetime | None = None,
) -> CartChange:
    """Put `quantity` of a product's variant into the cart (adding to a line of the same variant).

    Refused (nothing written): unknown product, bad quantity, several variants and no choice
    (`VARIANT_REQUIRED`), no such variant, not enough stock for the line's new quantity.
    """
    count = parse_quantity(quantity)

    def work(session: Session, moment: datetime) -> CartChange:
        product = _load_product(session, product_id)
        chosen = _choose_variant(product, size=size, color=color, variant_id=variant_id)
        if isinstance(chosen, VariantQuestion):
            raise Refused(Refusal.VARIANT_REQUIRED, chosen.question)
        cart = lock_cart(session, who, session_id, create=True, now=moment)
        assert cart is not None
        line = next((line for line in cart.lines if line.variant_id == chosen.id), None)
        already = line.quantity if line else 0
        wanted = already + count
        what = _variant_label(product, chosen)
        if chosen.stock <= 0:
            raise Refused(Refusal.OUT_OF_STOCK, say("cart.sold_out", what=what))
        if wanted > chosen.stock:
            key = "cart.not_enough_stock_in_cart" if already else "cart.not_enough_stock"
            raise Refused(Refusal.OUT_OF_STOCK, say(key, what=what, stock=chosen.stock, already=already))
        if wanted > MAX_LINE_QUANTITY:
            raise Refused(
                Refusal.INVALID_QUANTITY, say("cart.line_limit", max=MAX_LINE_QUANTITY, already=already)
            )
        if line is None:
            line = CartLine(
                product_id=product.id,
                variant_id=chosen.id,
                quantity=count,
                unit_price=to_cents(product.price),
                currency=product.currency,
                recommendation_id=recommendation_id[:64] if recommendation_id else None,
                added_at=moment,
            )
            cart.lines.append(line)
        else:
            line.quantity = wanted
            line.recommendation_id = line.recommendation_id or (recommendation_id or None)
        _touch(cart, moment, conversation_id)
        view = _refresh(session, cart)
        line_view = next(v for v in view.lines if v.variant_id == chosen.id)
        label = f"{count} × {line_view.title}" + (
            f" ({line_view.variant_text()})" if line_view.variant_text() else ""
        )
        return CartChange("added", view, line_view, say("cart.added", label=label, summary=view.summary()))

    return _write(engine, who, session_id, request_key, work, now)


def _variant_label(product: Product, variant: Variant) -> str:
    parts = [p for p in (variant.size, variant.color) if p] if len(product.variants) > 1 else []
    return product.title + (f" ({', '.join(parts)})" if parts else "")


def _find_line(cart: Cart | None, line_id: object) -> CartLine:
    number = line_id if isinstance(line_id, int) and not isinstance(line_id, bool) else None
    if isinstance(line_id, str) and line_id.strip().isdigit() and len(line_id.strip()) <= 10:
        number = int(line_id.strip())
    line = next((line for line in (cart.lines if cart else []) if line.id == number), None)
    if line is None:
        raise Refused(Refusal.CART_LINE_NOT_FOUND, say("cart.line_not_found"))
    return line


def set_quantity(
    who: Requester,
    session_id: str | None,
    line_id: object,
    quantity: object,
    *,
    conversation_id: str | None = None,
    request_key: str | None = None,
    engine: Engine | None = None,
    now: datetime | None = None,
) -> CartChange:
    """Change a line's quantity (1..MAX_LINE_QUANTITY, within stock). 0 is refused: removing
    a line is its own, explicit request."""
    count = parse_quantity(quantity)

    def work(session: Session, moment: datetime) -> CartChange:
        cart = lock_cart(session, who, session_id, create=False, now=moment)
        line = _find_line(cart, line_id)
        assert cart is not None
        if count > line.variant.stock:
            what = _variant_label(line.product, line.variant)
            if line.variant.stock <= 0:
                raise Refused(Refusal.OUT_OF_STOCK, say("cart.sold_out", what=what))
            raise Refused(
                Refusal.OUT_OF_STOCK, say("cart.not_enough_stock", what=what, stock=line.variant.stock)
            )
        variant_id = line.variant_id
        line.quantity = count
        _touch(cart, moment, conversation_id)
        view = _refresh(session, cart)
        line_view = next(v for v in view.lines if v.variant_id == variant_id)
        return CartChange(
            "updated", view, line_view, say("cart.updated", label=line_view.label(), summary=view.summary())
        )

    return _write(engine, who, session_id, request_key, work, now, create=False)


def remove_line(
    who: Requester,
    session_id: str | None,
    line_id: object,
    *,
    conversation_id: str | None = None,
    request_key: str | None = None,
    engine: Engine | None = None,
    now: datetime | None = None,
) -> CartChange:
    """Take one line out of the cart."""

    def work(session: Session, moment: datetime) -> CartChange:
        cart = lock_cart(session, who, session_id, create=False, now=moment)
        line = _find_line(cart, line_id)
        assert cart is not None
        removed = next(v for v in cart_view(cart).lines if v.line_id == line.id)
        cart.lines.remove(line)
        _touch(cart, moment, conversation_id)
        view = _refresh(session, cart)
        key = "cart.removed_now_empty" if view.is_empty else "cart.removed"
        return CartChange("removed", view, removed, say(key, label=removed.label(), summary=view.summary()))

    return _write(engine, who, session_id, request_key, work, now, create=False)


def empty_cart(
    who: Requester,
    session_id: str | None,
    *,
    conversation_id: str | None = None,
    request_key: str | None = None,
    engine: Engine | None = None,
    now: datetime | None = None,
) -> CartChange:
    """Remove every line. An already empty cart is not an error: nothing to do, and it says so."""

    def work(session: Session, moment: datetime) -> CartChange:
        cart = lock_cart(session, who, session_id, create=False, now=moment)
        if cart is None or not cart.lines:
            return CartChange("emptied", cart_view(cart), None, say("cart.already_empty"))
        units = sum(line.quantity for line in cart.lines)
        cart.lines.clear()
        _touch(cart, moment, conversation_id)
        view = _refresh(session, cart)
        return CartChange("emptied", view, None, say("cart.emptied", items=items_text(units)))

    return _write(engine, who, session_id, request_key, work, now, create=False)


def merge_guest_cart(
    customer_id: int, session_id: str, *, engine: Engine | None = None, now: datetime | None = None
) -> CartView:
    """Move a guest session's cart into the customer's cart (at login). No guest cart: no write."""
    who = Requester.customer(customer_id)
    moment = now or utcnow()

    def work(session: Session) -> CartView:
        key = _session_key(session_id)
        has_guest_cart = key is not None and session.scalar(select(Cart.id).where(Cart.session_id == key))
        cart = lock_cart(session, who, session_id, create=bool(has_guest_cart), now=moment)
        return cart_view(cart)

    return write_transaction(engine or get_engine(), work, retry_on=(IntegrityError,))


__all__ = [
    "MAX_LINE_QUANTITY",
    "CartChange",
    "CartLineView",
    "CartView",
    "VariantOption",
    "VariantQuestion",
    "add_item",
    "empty_cart",
    "merge_guest_cart",
    "parse_quantity",
    "remove_line",
    "set_quantity",
    "shown_recommendation",
    "variant_question",
    "view_cart",
]
