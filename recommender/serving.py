"""The serving API: load a trained artifact once, then answer recommendation requests in milliseconds.

Usage (e.g. from a Rasa action, loaded once at action-server start)::

    from recommender import Recommender, RecommendationFilters

    recommender = Recommender.load()  # current artifact under settings.model_dir/recommender
    items = recommender.recommend(customer_id=1, k=5, filters=RecommendationFilters(max_price=100))
    for item in items:
        print(item.title, item.reason)  # "Because you bought Trail Runner 3"

Every call returns at most `k` `Recommendation`s (fewer when filters leave fewer products), all
sharing one fresh `recommendation_id` to record with feedback events (`recommender.feedback`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import Engine

from recommender.types import Recommendation, RecommendationFilters


class UnknownProductError(LookupError):
    """The product id is not in the catalog the recommender was loaded with."""


class Recommender:
    """A trained recommender bound to the shop's current catalog and order history."""

    @classmethod
    def load(cls, path: Path | str | None = None, *, engine: Engine | None = None) -> Recommender:
        """Load an artifact (default: the current one) and the live catalog from `engine`.

        Raises `recommender.artifact.ArtifactError` with a clear message when the artifact is
        missing, corrupt or was written by an incompatible version.
        """
        raise NotImplementedError

    def recommend(
        self,
        customer_id: int | None,
        k: int = 10,
        filters: RecommendationFilters | None = None,
        *,
        session_product_ids: Sequence[int] = (),
        segment: str | None = None,
    ) -> list[Recommendation]:
        """Top-`k` products for a shopper, never one they already bought, in stock by default.

        A known customer gets LightFM blended with co-purchase neighbours of their history.
        Otherwise (guest, or customer without history) `session_product_ids` (products viewed or
        clicked in this conversation) build a user vector from item features; without them the
        list is what is popular in `segment` (or the customer's segment, or the whole shop).
        """
        raise NotImplementedError

    def similar_items(
        self, product_id: int, k: int = 10, filters: RecommendationFilters | None = None
    ) -> list[Recommendation]:
        """Products closest to `product_id` in the model's item space (never the product itself).

        Works for products added after training, through their features. Raises
        `UnknownProductError` for an id that is not in the catalog.
        """
        raise NotImplementedError

    def bought_together(
        self, product_ids: int | Sequence[int], k: int = 5, filters: RecommendationFilters | None = None
    ) -> list[Recommendation]:
        """Products most often in the same orders as `product_ids` (a product or a cart).

        Ranked by co-purchase lift; products the cart already holds are never returned.
        Products without co-purchases fall back to similar items in the same category.
        """
        raise NotImplementedError
