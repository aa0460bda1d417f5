"""What a shopper sees of a cart: typed, frozen views, built from the rows in one place.

`shop.cart` (writes and reads) and `shop.checkout` return these; channels render them (the chat
actions as cards, the shop page as JSON via `to_dict`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from shop.config import get_settings
from shop.models import Cart
from shop.money import format_money, to_cents
from shop.texts import say


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
    #: False when there was nothing to do (emptying an empty cart): no row is written for it,
    #: not even the request's replay record.
    wrote: bool = True


@dataclass(frozen=True, slots=True)
class VariantOption:
    variant_id: int
    size: str | None
    color: str | None
    stock: int

    def label(self, attribute: str | None = None) -> str:
        """ "M", or "M (sold out)"; both size and colour unless `attribute` ("size"/"colour") says."""
        parts = {"size": (self.size,), "colour": (self.color,)}.get(attribute or "", (self.size, self.color))
        text = ", ".join(v for v in parts if v) or "standard"
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
