"""The catalog as search sees it: `shop.products.CatalogItem` snapshots, their indexed text and
the hash that keys the embedding cache.

Search works on `CatalogItem`s rather than ORM objects so that the index can be loaded and
queried without a database session (the action server loads it once), and so that tests can
build a catalog by hand.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from shop.products import CatalogItem

if TYPE_CHECKING:
    from sqlalchemy import Engine

__all__ = [
    "CatalogItem",
    "attribute_phrase",
    "catalog_fingerprint",
    "content_hash",
    "item_text",
    "load_catalog",
]

#: Bump when `item_text()` changes, so that cached embeddings are recomputed.
TEXT_VERSION = 1


def item_text(item: CatalogItem) -> str:
    """The text that is embedded and indexed: title, category, brand, key attributes, description."""
    parts = [item.title, " / ".join(item.categories), item.brand]
    if item.colors:
        parts.append("colour " + ", ".join(item.colors))
    if item.material:
        parts.append(f"material {item.material}")
    for key, value in sorted(item.attributes.items()):
        phrase = attribute_phrase(key, value)
        if phrase:
            parts.append(phrase)
    if item.description:
        parts.append(item.description)
    return ". ".join(p for p in parts if p)


def content_hash(item: CatalogItem) -> str:
    """Hash of the indexed text: a product whose hash is unchanged keeps its cached embedding."""
    digest = hashlib.sha256(f"v{TEXT_VERSION}\n{item_text(item)}".encode())
    return digest.hexdigest()[:32]


#: Attributes that say nothing a shopper searches for (or are shown elsewhere).
NOT_INDEXED = frozenset({"sizes", "final_sale", "price_level"})


def attribute_phrase(key: str, value: Any) -> str:
    """A readable phrase for an attribute ("waterproof", "weight kg 1.2"); empty when not worth indexing."""
    name = key.replace("_", " ")
    if key in NOT_INDEXED:
        return ""
    if value is True:
        return name
    if value is False or value is None or value == "" or value == []:
        return ""
    if isinstance(value, list | tuple):
        return f"{name} {', '.join(str(v) for v in value)}"
    if isinstance(value, dict):
        return ""
    return f"{name} {value}"


def load_catalog(engine: Engine) -> list[CatalogItem]:
    """Every active product of the shop as a `CatalogItem`, ordered by id."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session, selectinload

    from shop.models import Product

    with Session(engine) as session:
        products = session.scalars(
            select(Product)
            .where(Product.active.is_(True))
            .options(selectinload(Product.variants))
            .order_by(Product.id)
        )
        return [CatalogItem.from_product(p) for p in products]


def catalog_fingerprint(items: Iterable[CatalogItem]) -> str:
    """A hash of the whole snapshot (prices and stock included), to tell whether anything changed."""
    digest = hashlib.sha256()
    for item in items:
        digest.update(json.dumps(item.to_dict(), sort_keys=True, default=str).encode())
    return digest.hexdigest()[:32]
