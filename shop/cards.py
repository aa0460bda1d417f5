"""The product card: one JSON shape of a product for every place a shopper sees one.

The shop page's grid (`web/catalog.py`) and the chat's cards carousel (`actions/cards.py`,
rendered by the widget and by `shopbot chat`) show the same card::

    {"id": 12, "sku": "...", "title": "...", "brand": "...", "category": "Laptops",
     "category_path": "Electronics > Computers > Laptops", "price": "119.00", "currency": "USD",
     "image_url": "...", "rating": 4.5, "rating_count": 210, "in_stock": true, "stock": 7}

A channel may add its own keys (the chat adds "reason" and its "buttons"), never rename these.
Plain Python: it reads attributes, so an ORM `Product` or a `CatalogItem` both make a card.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Protocol


class CardProduct(Protocol):
    """What a card shows of a product (an ORM `Product` and a `CatalogItem` both have it)."""

    @property
    def id(self) -> int: ...
    @property
    def sku(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def brand(self) -> str: ...
    @property
    def category(self) -> str: ...
    @property
    def category_path(self) -> str: ...
    @property
    def price(self) -> Decimal: ...
    @property
    def currency(self) -> str: ...
    @property
    def image_url(self) -> str | None: ...
    @property
    def rating(self) -> float | None: ...
    @property
    def rating_count(self) -> int: ...


def product_card(product: CardProduct, stock: int | None) -> dict[str, Any]:
    """The card of `product` with `stock` units over all its variants (None counts as none)."""
    stock = int(stock or 0)
    return {
        "id": product.id,
        "sku": product.sku,
        "title": product.title,
        "brand": product.brand,
        "category": product.category,
        "category_path": product.category_path,
        "price": f"{product.price:.2f}",
        "currency": product.currency,
        "image_url": product.image_url,
        "rating": round(product.rating, 1) if product.rating is not None else None,
        "rating_count": product.rating_count,
        "in_stock": stock > 0,
        "stock": stock,
    }
