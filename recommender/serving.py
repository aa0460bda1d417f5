"""The serving API: load a trained artifact once, then answer recommendation requests in milliseconds.

Usage (e.g. from a Rasa action, loaded once at action-server start)::

    from recommender import Recommender, RecommendationFilters

    recommender = Recommender.load()  # current artifact under settings.model_dir/recommender
    items = recommender.recommend(customer_id=1, k=5, filters=RecommendationFilters(max_price=100))
    for item in items:
        print(item.title, item.reason)  # "Because you bought Trail Runner 3"

Every call returns at most `k` `Recommendation`s (fewer when filters leave fewer products), all
sharing one fresh `recommendation_id` to record with feedback events (`recommender.feedback`).

How a ranking is made: at load, `recommender.projection` computes every catalog product's
LightFM representation once from its features (a sparse matrix product), so products added after
training are scored through the category, brand, price band and attributes they share with
trained ones. Per request, `recommender.scoring` z-scores and blends three component scores over
the whole catalog with weights tuned on a temporal validation split (`BlendWeights`): LightFM
(user vector x item matrix), item-kNN co-occurrence of the shopper's history, and popularity in
their segment. Filters are boolean masks (`CatalogProjection.candidate_mask`), the top k come
from `argpartition`, never from `predict` over every pair, and `recommender.reasons` says why each
product is there. This module is the API and the selection: recommend, similar, bought_together.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from sqlalchemy import Engine

from recommender.artifact import RecommenderArtifact, load_artifact
from recommender.config import BlendWeights
from recommender.data import CatalogItem, load_catalog
from recommender.history import (
    EMPTY_HISTORY,
    CustomerHistory,
    DatabaseHistory,
    DatabaseStock,
    HistorySource,
    StockSource,
)
from recommender.projection import CatalogProjection, zscore
from recommender.reasons import bought_with, bought_with_category, personal_reasons, popular, similar_to
from recommender.scoring import (
    Components,
    ShopperContext,
    component_scores,
    served_scores,
    shopper_context,
)
from recommender.types import Recommendation, RecommendationFilters, Strategy, new_recommendation_id

#: Extra candidates fetched beyond k, so that a live stock check can drop a few and still fill k.
_STOCK_CHECK_MARGIN = 3


class UnknownProductError(LookupError):
    """The product id is not in the catalog the recommender was loaded with."""


class Recommender:
    """A trained recommender bound to the shop's current catalog and order history."""

    def __init__(
        self,
        artifact: RecommenderArtifact,
        catalog: Sequence[CatalogItem],
        history: HistorySource,
        *,
        stock: StockSource | None = None,
        engine: Engine | None = None,
    ) -> None:
        self.artifact = artifact
        self._history = history
        self._stock = stock
        self._engine = engine
        self._catalog = CatalogProjection(artifact, catalog)

    # --- loading ----------------------------------------------------------------------------------

    @classmethod
    def load(cls, path: Path | str | None = None, *, engine: Engine | None = None) -> Recommender:
        """Load an artifact (default: the current one) and the live catalog from `engine`.

        Customers' histories and the stock of the products about to be shown are read live from
        the same database on each request. Raises `recommender.artifact.ArtifactError` with a
        clear message when the artifact is missing, corrupt or was written by an incompatible
        version.
        """
        from shop.db import get_engine

        artifact = load_artifact(path)
        engine = engine or get_engine()
        return cls(
            artifact,
            load_catalog(engine),
            DatabaseHistory(engine),
            stock=DatabaseStock(engine),
            engine=engine,
        )

    def refresh_catalog(self, catalog: Sequence[CatalogItem] | None = None) -> None:
        """Re-read products (new ones, prices, stock) without reloading the model."""
        if catalog is None:
            if self._engine is None:
                raise ValueError("refresh_catalog() needs a catalog when the recommender has no engine")
            catalog = load_catalog(self._engine)
        self._catalog = CatalogProjection(self.artifact, catalog)

    # --- public API -------------------------------------------------------------------------------

    @property
    def catalog_size(self) -> int:
        return len(self._catalog.items)

    def product(self, product_id: int) -> CatalogItem:
        index = self._catalog.index.get(product_id)
        if index is None:
            raise UnknownProductError(f"product {product_id} is not in the catalog")
        return self._catalog.items[index]

    def representation(self, product_id: int) -> tuple[np.ndarray, float]:
        """The product's LightFM (embedding, bias) as served; from metadata for untrained products."""
        index = self._require(product_id)
        return self._catalog.item_vectors[index].copy(), float(self._catalog.item_biases[index])

    def is_known_customer(self, customer_id: int) -> bool:
        """Whether the model was trained on this customer's interactions."""
        return customer_id in self.artifact.user_index

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
        Unknown product ids in `session_product_ids` are ignored.
        """
        _check_k(k)
        filters = filters or RecommendationFilters()
        context = self.context(customer_id, session_product_ids=session_product_ids, segment=segment)
        strategy, scores = self.scores(context)
        if strategy == Strategy.POPULAR:
            scores = scores.copy()  # the shared popularity array is masked in place below
        scores, candidates = self._exclude(scores, filters, context.purchased)
        top = self._top(scores, k, filters.in_stock_only, candidates)
        list_id = new_recommendation_id()
        results = []
        reasons = personal_reasons(self._catalog, context, top) if strategy != Strategy.POPULAR else []
        reasons += [None] * (len(top) - len(reasons))
        for rank, (index, reason) in enumerate(zip(top, reasons, strict=True), start=1):
            results.append(
                self._result(
                    index,
                    float(scores[index]),
                    reason or popular(self._catalog.items[index]),
                    list_id,
                    strategy,
                    rank,
                )
            )
        return results

    def similar(
        self, product_id: int, k: int = 10, filters: RecommendationFilters | None = None
    ) -> list[Recommendation]:
        """Alternatives to `product_id` (never the product itself).

        Ranked by two equally weighted, z-scored signals: cosine similarity in the model's item
        space (what the same shoppers like) and overlap of catalog metadata (category levels,
        brand, price band, colour, material, attributes), so that alternatives to a laptop are
        laptops, not the mouse its buyers also bought. Works for products added after training,
        through their features. Raises `UnknownProductError` for an id not in the catalog.
        """
        _check_k(k)
        source = self._require(product_id)
        filters = filters or RecommendationFilters()
        scores = zscore(self._catalog.unit_vectors @ self._catalog.unit_vectors[source]) + zscore(
            np.asarray(self._catalog.metadata_rows @ self._catalog.metadata_rows[source].T.toarray()).ravel()
        )
        mask = self._catalog.candidate_mask(filters)
        mask[source] = False
        top = self._top(scores, k, filters.in_stock_only, np.flatnonzero(mask))
        list_id = new_recommendation_id()
        reason = similar_to(self._catalog.items[source])
        return [
            self._result(index, float(scores[index]), reason, list_id, Strategy.SIMILAR, rank)
            for rank, index in enumerate(top, start=1)
        ]

    def bought_together(
        self, product_ids: int | Sequence[int], k: int = 5, filters: RecommendationFilters | None = None
    ) -> list[Recommendation]:
        """Products most often in the same orders as `product_ids` (a product or a cart).

        Ranked by co-purchase strength (co-orders / sqrt(orders of each)), counting only pairs
        bought together at least `min_co_purchases` times; products the cart already holds are
        never returned. When orders say too little, the list is filled with the best sellers of
        the categories most often bought with the cart's categories. Raises `UnknownProductError`
        when no id is in the catalog.
        """
        _check_k(k)
        ids = [product_ids] if isinstance(product_ids, int) else list(product_ids)
        sources = [self._catalog.index[p] for p in ids if p in self._catalog.index]
        if not sources:
            raise UnknownProductError(f"none of the products {ids} is in the catalog")
        filters = filters or RecommendationFilters()
        mask = self._catalog.candidate_mask(filters)
        mask[sources] = False

        rows = self._catalog.co_purchases[sources].toarray().astype(np.float32)
        rows[rows < self.artifact.config.min_co_purchases] = 0.0
        counts = np.maximum(self._catalog.purchase_counts, 1.0)
        strength = rows / np.sqrt(counts[sources][:, None] * counts[None, :])
        scores = strength.sum(axis=0)
        best_source = np.asarray(sources)[strength.argmax(axis=0)]
        paired = mask & (scores > 0)
        top = self._top(scores, k, filters.in_stock_only, np.flatnonzero(paired))
        list_id = new_recommendation_id()
        results = [
            self._result(
                index,
                float(scores[index]),
                bought_with(self._catalog.items[best_source[index]]),
                list_id,
                Strategy.BOUGHT_TOGETHER,
                rank,
            )
            for rank, index in enumerate(top, start=1)
        ]
        if len(results) < k:
            mask[top] = False
            results += self._complementary_categories(
                sources, mask, k - len(results), filters, list_id, len(results)
            )
        return results

    # --- scoring internals (public for evaluation and blend tuning) -------------------------------

    def context(
        self,
        customer_id: int | None,
        *,
        session_product_ids: Sequence[int] = (),
        segment: str | None = None,
    ) -> ShopperContext:
        history = self._history.history(customer_id) if customer_id is not None else EMPTY_HISTORY
        user_row = self.artifact.user_index.get(customer_id) if customer_id is not None else None
        return self.context_for_history(
            history, user_row=user_row, session_product_ids=session_product_ids, segment=segment
        )

    def context_for_history(
        self,
        history: CustomerHistory,
        *,
        user_row: int | None = None,
        session_product_ids: Sequence[int] = (),
        segment: str | None = None,
    ) -> ShopperContext:
        """A context from an explicit history; `user_row=None` scores it as a newcomer would be."""
        return shopper_context(
            self._catalog,
            self.artifact.config,
            history,
            user_row=user_row,
            session_product_ids=session_product_ids,
            segment=segment,
        )

    def scores(self, context: ShopperContext) -> tuple[Strategy, np.ndarray]:
        """The served ranking's scores over the whole catalog, and which path made them.

        Ranks exactly like `components(context).blend(blend_for(context))` (a test holds it to
        that); see `recommender.scoring.served_scores`.
        """
        return served_scores(self._catalog, context, self.blend_for(context))

    def blend_for(self, context: ShopperContext) -> BlendWeights:
        cold = len(context.indices) <= self.artifact.config.cold_max_interactions
        return self.artifact.blend_cold if cold else self.artifact.blend_warm

    def components(self, context: ShopperContext) -> Components:
        """The three z-scored component scores, each over the whole catalog (the reference blend)."""
        return component_scores(self._catalog, context)

    def popularity_scores(self) -> np.ndarray:
        """Global popularity over the catalog (z-scored log of recency-weighted signal)."""
        return self._catalog.popularity

    def catalog_index(self, product_id: int) -> int | None:
        return self._catalog.index.get(product_id)

    def catalog_product_ids(self) -> np.ndarray:
        return np.array([item.product_id for item in self._catalog.items], dtype=np.int64)

    # --- helpers ----------------------------------------------------------------------------------

    def _require(self, product_id: int) -> int:
        index = self._catalog.index.get(product_id)
        if index is None:
            raise UnknownProductError(f"product {product_id} is not in the catalog")
        return index

    def _exclude(
        self, scores: np.ndarray, filters: RecommendationFilters, excluded: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Rule out what the filters (and `excluded`) forbid: (scores, candidate indices or None).

        Without category, brand, price or explicit exclusions this sets only the precomputed
        unavailable products to -inf, in place. With them it returns the allowed indices, so
        the selection runs over those alone.
        """
        plain = not (
            filters.category
            or filters.brand
            or filters.min_price is not None
            or filters.max_price is not None
            or filters.exclude_product_ids
        )
        if plain:
            scores[self._catalog.unavailable if filters.in_stock_only else self._catalog.inactive] = -np.inf
            scores[excluded] = -np.inf
            return scores, None
        mask = self._catalog.candidate_mask(filters)
        mask[excluded] = False
        return scores, np.flatnonzero(mask)

    def _top(
        self, scores: np.ndarray, k: int, check_stock: bool, candidates: np.ndarray | None = None
    ) -> list[int]:
        """Indices of the best `k` finite scores (among `candidates` if given), best first.

        Re-checks live stock of the chosen products when it can. (Selecting among candidates
        matters: argpartition slows down badly on an array that is mostly -inf ties.)
        """
        values = scores if candidates is None else scores[candidates]
        n = len(values)
        wanted = min(n, k + _STOCK_CHECK_MARGIN if (check_stock and self._stock is not None) else k)
        if wanted == 0:
            return []
        part = np.argpartition(values, n - wanted)[n - wanted :]
        part = part[np.isfinite(values[part])]
        part = part[np.argsort(-values[part], kind="stable")]
        order = [int(i) for i in (part if candidates is None else candidates[part])]
        if not (check_stock and self._stock is not None) or not order:
            return order[:k]
        live = self._stock.stock([self._catalog.items[i].product_id for i in order])
        in_stock = [i for i in order if live.get(self._catalog.items[i].product_id, 0) > 0]
        if len(in_stock) < k and len(order) == wanted:
            # Rare: stock ran out for several top products since the catalog was loaded.
            sold_out = [i for i in order if live.get(self._catalog.items[i].product_id, 0) <= 0]
            self._catalog.mark_sold_out(sold_out)
            scores = scores.copy()
            scores[order] = -np.inf
            return in_stock + self._top(scores, k - len(in_stock), check_stock, candidates)
        return in_stock[:k]

    def _complementary_categories(
        self,
        sources: list[int],
        mask: np.ndarray,
        k: int,
        filters: RecommendationFilters,
        list_id: str,
        already: int,
    ) -> list[Recommendation]:
        """Best sellers of the leaf categories most often ordered with the sources' categories."""
        source_leaves = {self._catalog.items[s].leaf_category for s in sources}
        members = np.concatenate([self._catalog.leaf_items[leaf] for leaf in source_leaves])
        partner_counts = np.asarray(self._catalog.co_purchases[members].sum(axis=0)).ravel()
        by_leaf: dict[str, float] = defaultdict(float)
        for index in np.flatnonzero(partner_counts):
            leaf = self._catalog.items[index].leaf_category
            if leaf not in source_leaves:
                by_leaf[leaf] += float(partner_counts[index])
        results: list[Recommendation] = []
        for leaf, _ in sorted(by_leaf.items(), key=lambda kv: -kv[1]):
            leaf_mask = np.zeros_like(mask)
            leaf_mask[self._catalog.leaf_items[leaf]] = True
            leaf_mask &= mask
            if not leaf_mask.any():
                continue
            top = self._top(self._catalog.raw_popularity, 1, filters.in_stock_only, np.flatnonzero(leaf_mask))
            for index in top:
                mask[index] = False
                results.append(
                    self._result(
                        index,
                        float(by_leaf[leaf]),
                        bought_with_category(self._catalog.items[sources[0]]),
                        list_id,
                        Strategy.BOUGHT_TOGETHER,
                        already + len(results) + 1,
                    )
                )
            if len(results) >= k:
                break
        return results

    def _result(
        self, index: int, score: float, reason: str, list_id: str, strategy: Strategy, rank: int
    ) -> Recommendation:
        item = self._catalog.items[index]
        return Recommendation(
            product_id=item.product_id,
            title=item.title,
            score=round(score, 6),
            reason=reason,
            recommendation_id=list_id,
            strategy=strategy,
            rank=rank,
        )


def _check_k(k: int) -> None:
    if not isinstance(k, int) or k < 1:
        raise ValueError(f"k must be a positive integer, got {k!r}")


__all__ = ["Components", "Recommender", "ShopperContext", "UnknownProductError"]
