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
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from shop.cart_input import (
    MAX_LINE_QUANTITY,
    choose_variant,
    load_product,
    parse_quantity,
    session_key,
    shown_recommendation,
    variant_question,
)
from shop.cart_views import (
    CartChange,
    CartLineView,
    CartView,
    VariantOption,
    VariantQuestion,
    cart_view,
    items_text,
)
from shop.db import get_engine, session_factory
from shop.identity import Requester
from shop.models import Cart, CartLine, CartRequest, Product, Variant, utcnow
from shop.money import to_cents
from shop.refusals import Refusal, Refused
from shop.texts import say
from shop.writes import write_transaction

#: Most units of one variant a cart line may hold (a shop, not a wholesaler).

# --- reading ------------------------------------------------------------------------------


def _owner_filter(who: Requester, session_id: str | None) -> Any:
    if who.customer_id is not None:
        return Cart.customer_id == who.customer_id
    key = session_key(session_id)
    if key is None:
        raise ValueError("a guest's cart needs a session id")
    return Cart.session_id == key


_LINE_LOADS = (
    selectinload(Cart.lines).selectinload(CartLine.product),
    selectinload(Cart.lines).selectinload(CartLine.variant),
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
            session_id=None if who.customer_id is not None else session_key(session_id),
            revision=0,
            created_at=now,
            updated_at=now,
        )
        session.add(cart)
        session.flush()  # a concurrent first write hits the unique owner: retried by the caller
    if cart is not None and who.customer_id is not None and session_key(session_id):
        _absorb_guest_cart(session, cart, session_key(session_id) or "", now)
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
        if key is not None and change.wrote and change.cart.cart_id is not None:
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
        product = load_product(session, product_id)
        chosen = choose_variant(product, size=size, color=color, variant_id=variant_id)
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
            return CartChange("emptied", cart_view(cart), None, say("cart.already_empty"), wrote=False)
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
        key = session_key(session_id)
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
