"""The serving API's value types: what callers (the Rasa actions, the CLI) pass in and get back.

Kept free of numpy and LightFM so that an adapter can import them cheaply.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Collection
from dataclasses import dataclass, field
from decimal import Decimal


class Strategy(enum.StrEnum):
    """Which path produced a list; also tells the dialogue how confident it can sound."""

    #: A known customer: LightFM blended with their co-purchase neighbours and popularity.
    PERSONAL = "personal"
    #: No usable history, but products seen in this conversation: a user vector from their features.
    SESSION = "session"
    #: Nothing known about the shopper: what sells in their segment (or the whole shop).
    POPULAR = "popular"
    #: `similar`: nearest products in the model's item space.
    SIMILAR = "similar"
    #: `bought_together`: co-purchase statistics of orders.
    BOUGHT_TOGETHER = "bought_together"


@dataclass(frozen=True, slots=True)
class RecommendationFilters:
    """Constraints every returned product satisfies.

    `category` matches any level of the category path, case-insensitively: "Laptops" matches
    "Electronics > Computers > Laptops", and so does "Electronics > Computers".
    Prices are in the shop's currency and inclusive.
    """

    category: str | None = None
    brand: str | None = None
    min_price: Decimal | float | None = None
    max_price: Decimal | float | None = None
    #: Only products with stock in at least one variant (and active). On by default: chat never
    #: recommends what cannot be bought.
    in_stock_only: bool = True
    #: Products never to return (e.g. already in the cart, or shown a moment ago).
    exclude_product_ids: Collection[int] = field(default_factory=frozenset)


@dataclass(frozen=True, slots=True)
class Recommendation:
    """One recommended product with the reason shown to the shopper."""

    product_id: int
    title: str
    #: Blended relevance; comparable only within one list.
    score: float
    #: Short, shopper-facing: "Because you bought Trail Runner 3", "Popular in Laptops",
    #: "Often bought with USB-C Hub".
    reason: str
    #: Identifies the list this item was shown in; record it with feedback events.
    recommendation_id: str
    strategy: Strategy
    #: 1-based position in the list.
    rank: int


def new_recommendation_id() -> str:
    """A fresh id for one shown list (32 hex characters, fits `InteractionEvent.recommendation_id`)."""
    return uuid.uuid4().hex
