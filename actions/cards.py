"""Product cards: the one structured payload the web widget and the terminal shell both render.

    dispatcher.utter_message(json_message=product_cards(engine, [(12, "Popular in Laptops"), ...]))

    {"type": "product_cards",
     "products": [{"id": 12, "sku": "...", "title": "...", "price": "119.00", "currency": "USD",
                   "image_url": "...", "rating": 4.5, "rating_count": 210, "in_stock": true,
                   "stock": 7, "reason": "Popular in Laptops",
                   "buttons": [{"title": "More like this", "payload": "/similar_items{\"product_id\": 12}"},
                               {"title": "Add to cart", "payload": "/add_to_cart{\"product_id\": 12}"}]}]}

Prices and stock are read from the database when the cards are built, never from an index
snapshot, so a card never shows a stale price.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, selectinload

from shop.models import Product

CARDS_MESSAGE_TYPE = "product_cards"


def button_payload(intent: str, **entities: Any) -> str:
    """A Rasa button payload that sets entities, e.g. `/add_to_cart{"product_id": 12}`."""
    return f"/{intent}{json.dumps(entities)}" if entities else f"/{intent}"


def card(product: Product, reason: str | None = None) -> dict[str, Any]:
    stock = product.stock
    return {
        "id": product.id,
        "sku": product.sku,
        "title": product.title,
        "price": f"{product.price:.2f}",
        "currency": product.currency,
        "image_url": product.image_url,
        "rating": round(product.rating, 1) if product.rating is not None else None,
        "rating_count": product.rating_count,
        "in_stock": stock > 0,
        "stock": stock,
        "reason": reason,
        "buttons": [
            {"title": "More like this", "payload": button_payload("similar_items", product_id=product.id)},
            {"title": "Add to cart", "payload": button_payload("add_to_cart", product_id=product.id)},
        ],
    }


def load_products(engine: Engine, product_ids: Sequence[int]) -> dict[int, Product]:
    """Active products by id, with their variants (stock) loaded."""
    if not product_ids:
        return {}
    with Session(engine) as session:
        products = session.scalars(
            select(Product)
            .where(Product.id.in_(list(product_ids)), Product.active.is_(True))
            .options(selectinload(Product.variants))
        ).all()
        return {p.id: p for p in products}


def product_cards(engine: Engine, items: Sequence[tuple[int, str | None]]) -> dict[str, Any]:
    """The cards message for (product id, reason) pairs, in the given order.

    Products that no longer exist or were deactivated since they were found are left out.
    """
    products = load_products(engine, [product_id for product_id, _ in items])
    cards = [card(products[pid], reason) for pid, reason in items if pid in products]
    return {"type": CARDS_MESSAGE_TYPE, "products": cards}


def shown_ids(message: dict[str, Any]) -> list[int]:
    """Product ids of a cards message, in display order (what "the second one" refers to)."""
    return [int(c["id"]) for c in message.get("products", [])]
