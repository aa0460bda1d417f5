"""Product cards: the one structured payload the web widget and the terminal shell both render.

    dispatcher.utter_message(json_message=product_cards([(12, "Popular in Laptops"), ...]))

    {"type": "product_cards",
     "products": [{<the product card of shop/cards.py: "id", "sku", "title", "price", "stock", ...>,
                   "reason": "Popular in Laptops",
                   "buttons": [{"title": "More like this", "payload": "/similar_items{\"product_id\": 12}"},
                               {"title": "Add to cart", "payload": "/add_to_cart{\"product_id\": 12}"}]}]}

Prices and stock are read fresh (`shop.product_lookup`) when the cards are built, never from an
index snapshot, so a card never shows a stale price.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from actions import store
from shop.cards import product_card
from shop.models import Product

CARDS_MESSAGE_TYPE = "product_cards"


def button_payload(intent: str, **entities: Any) -> str:
    """A Rasa button payload that sets entities, e.g. `/add_to_cart{"product_id": 12}`."""
    return f"/{intent}{json.dumps(entities)}" if entities else f"/{intent}"


def card(product: Product, reason: str | None = None, list_id: str | None = None) -> dict[str, Any]:
    """One card; its buttons carry `list_id`, the id of the list it is shown in (feedback loop)."""
    shown_in = {"recommendation_id": list_id} if list_id else {}
    return {
        **product_card(product, product.stock),
        "reason": reason,
        "buttons": [
            {
                "title": "More like this",
                "payload": button_payload("similar_items", product_id=product.id, **shown_in),
            },
            {
                "title": "Add to cart",
                "payload": button_payload("add_to_cart", product_id=product.id, **shown_in),
            },
        ],
    }


def product_cards(items: Sequence[tuple[int, str | None]], list_id: str | None = None) -> dict[str, Any]:
    """The cards message for (product id, reason) pairs, in the given order, of the list `list_id`.

    Products that no longer exist or were deactivated since they were found are left out.
    """
    products = store.active_products(product_id for product_id, _ in items)
    cards = [card(products[pid], reason, list_id) for pid, reason in items if pid in products]
    return {"type": CARDS_MESSAGE_TYPE, "products": cards}


def shown_ids(message: dict[str, Any]) -> list[int]:
    """Product ids of a cards message, in display order (what "the second one" refers to)."""
    return [int(c["id"]) for c in message.get("products", [])]
