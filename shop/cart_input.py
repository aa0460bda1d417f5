"""Understanding what a shopper asks to put in a cart: quantities, products and their variants.

A product with several sizes (or colours) needs the shopper's choice: `choose_variant` returns
the variant or the `VariantQuestion` to ask, and refuses sizes the product does not come in.
Nothing here writes.
"""

from __future__ import annotations

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, selectinload

from shop.cart_views import VariantOption, VariantQuestion
from shop.db import get_engine, session_factory
from shop.models import EventKind, InteractionEvent, Product, Variant
from shop.refusals import Refusal, Refused
from shop.texts import say

#: Most units of one variant a cart line may hold (a shop, not a wholesaler).
MAX_LINE_QUANTITY = 20
_NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
    "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "a couple": 2, "a pair": 2,
}  # fmt: skip


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


def product_id_of(raw: object) -> int:
    if isinstance(raw, int) and not isinstance(raw, bool) and 0 < raw < 2**31:
        return raw
    if isinstance(raw, str) and raw.strip().isdigit() and len(raw.strip()) <= 10:
        number = int(raw.strip())
        if 0 < number < 2**31:
            return number
    raise product_not_found()


def product_not_found() -> Refused:
    return Refused(Refusal.PRODUCT_NOT_FOUND, say("cart.product_not_found"))


def session_key(session_id: str | None) -> str | None:
    if session_id is None:
        return None
    key = str(session_id).strip()
    return key[:200] or None


def _norm(value: str | None) -> str:
    return " ".join(str(value).lower().removeprefix("size").split()) if value else ""


def load_product(session: Session, product_id: object) -> Product:
    product = session.scalars(
        select(Product)
        .where(Product.id == product_id_of(product_id), Product.active.is_(True))
        .options(selectinload(Product.variants))
    ).one_or_none()
    if product is None or not product.variants:
        raise product_not_found()
    return product


def _options(variants: list[Variant]) -> tuple[VariantOption, ...]:
    return tuple(VariantOption(v.id, v.size, v.color, v.stock) for v in variants)


def choose_variant(
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
            options=", ".join(o.label(attribute) for o in _options(variants)),
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
        chosen = choose_variant(load_product(session, product_id), size=size, color=color, variant_id=None)
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
