"""Products as they are right now: what a conversation shows or sells is read fresh, by id.

Search hits and recommendations name products by id from an index or a model that may be
hours old; a price, a stock count or a deactivation since then must not reach the shopper.
`active_products` is the one read that turns those ids into current products (with their
variants, for sizes and stock), in one query however many ids there are.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, selectinload

from shop.db import get_engine
from shop.models import Product


def active_products(product_ids: Iterable[int], *, engine: Engine | None = None) -> dict[int, Product]:
    """The active products among `product_ids`, by id, variants loaded (detached, read-only use)."""
    ids = sorted(set(product_ids))
    if not ids:
        return {}
    with Session(engine or get_engine()) as session:
        products = session.scalars(
            select(Product)
            .where(Product.id.in_(ids), Product.active.is_(True))
            .options(selectinload(Product.variants))
        ).all()
        return {p.id: p for p in products}
