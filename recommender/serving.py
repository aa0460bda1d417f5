"""The serving API: load a trained artifact once, then answer recommendation requests in milliseconds.

Usage (e.g. from a Rasa action, loaded once at action-server start)::

    from recommender import Recommender, RecommendationFilters

    recommender = Recommender.load()  # current artifact under settings.model_dir/recommender
    items = recommender.recommend(customer_id=1, k=5, filters=RecommendationFilters(max_price=100))
    for item in items:
        print(item.title, item.reason)  # "Because you bought Trail Runner 3"

Every call returns at most `k` `Recommendation`s (fewer when filters leave fewer products), all
sharing one fresh `recommendation_id` to record with feedback events (`recommender.feedback`).

How a ranking is made: at load, every catalog product's LightFM representation is computed once
from its features (a sparse matrix product), so products added after training are scored through
the category, brand, price band and attributes they share with trained ones. Per request, three
component scores over the whole catalog are z-scored and blended with weights tuned on a temporal
validation split (`BlendWeights`): LightFM (user vector x item matrix), item-kNN co-occurrence of
the shopper's history, and popularity in their segment. Filters are boolean masks and the top k
come from `argpartition`, never from `predict` over every pair.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sqlalchemy import Engine

from recommender.artifact import RecommenderArtifact, item_representations, load_artifact
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
from recommender.stats import remap_square
from recommender.training_set import recency_decay
from recommender.types import Recommendation, RecommendationFilters, Strategy, new_recommendation_id
from shop.models import EventKind

_REASON_VERB = {
    EventKind.PURCHASE: "Because you bought {title}",
    EventKind.ADD_TO_CART: "Because you added {title} to your cart",
    EventKind.CLICK: "Because you looked at {title}",
    EventKind.VIEW: "Because you looked at {title}",
}
_SESSION_REASON = "Because you looked at {title}"
#: Extra candidates fetched beyond k, so that a live stock check can drop a few and still fill k.
_STOCK_CHECK_MARGIN = 3


class UnknownProductError(LookupError):
    """The product id is not in the catalog the recommender was loaded with."""


def _normalize_name(text: str) -> str:
    return " ".join(text.lower().replace(">", " > ").split())


def _singular(text: str) -> str:
    return text[:-1] if text.endswith("s") and not text.endswith("ss") else text


def zscore(scores: np.ndarray) -> np.ndarray:
    std = float(scores.std())
    if std < 1e-12:
        return np.zeros_like(scores, dtype=np.float32)
    return ((scores - float(scores.mean())) / std).astype(np.float32, copy=False)


@dataclass(frozen=True, slots=True)
class ShopperContext:
    """What serving knows about one shopper for one request (exposed for evaluation and tuning)."""

    #: Catalog indices of the shopper's history and session products, and their weights.
    indices: np.ndarray
    weights: np.ndarray
    #: Strongest kind per history index (session products count as views).
    kinds: dict[int, EventKind]
    purchased: np.ndarray
    user_row: int | None
    segment: str | None
    session_only: bool

    @property
    def is_empty(self) -> bool:
        return self.user_row is None and len(self.indices) == 0


@dataclass(frozen=True, slots=True)
class Components:
    """Per-request component scores over the whole catalog, each z-scored (zeros when absent)."""

    lightfm: np.ndarray
    knn: np.ndarray
    popularity: np.ndarray

    def blend(self, weights: BlendWeights) -> np.ndarray:
        return weights.lightfm * self.lightfm + weights.knn * self.knn + weights.popularity * self.popularity


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
        self._build_catalog(catalog)

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
        self._build_catalog(catalog)

    def _build_catalog(self, catalog: Sequence[CatalogItem]) -> None:
        artifact = self.artifact
        self._items = list(catalog)
        self._index = {item.product_id: i for i, item in enumerate(self._items)}
        n = len(self._items)

        feature_index = artifact.item_feature_index
        rows, cols, vals = [], [], []
        for row, item in enumerate(self._items):
            features = artifact.feature_space.item_features(item)
            known = {feature_index[name]: w for name, w in features.items() if name in feature_index}
            total = (sum(known.values()) or 1.0) if artifact.feature_space.normalize else 1.0
            for col, weight in known.items():
                rows.append(row)
                cols.append(col)
                vals.append(weight / total)
        feature_rows = sp.csr_matrix((vals, (rows, cols)), shape=(n, len(feature_index)), dtype=np.float32)
        self._item_vectors, self._item_biases = item_representations(artifact, feature_rows)
        # Products added after training: their representation from metadata alone. (Products
        # that were in training without a single interaction keep LightFM's own, whose low bias
        # says that shoppers passed them over.)
        cold = [i for i, item in enumerate(self._items) if item.product_id not in artifact.item_index]
        if cold:
            vectors, biases = artifact.cold_item_map.predict(
                [self._items[i] for i in cold], artifact.feature_space
            )
            self._item_vectors[cold] = vectors
            self._item_biases[cold] = biases
        metadata_index: dict[str, int] = {}
        meta_rows, meta_cols = [], []
        for row, item in enumerate(self._items):
            for name in artifact.feature_space.item_metadata(item):
                meta_rows.append(row)
                meta_cols.append(metadata_index.setdefault(name, len(metadata_index)))
        metadata = sp.csr_matrix(
            (np.ones(len(meta_rows), dtype=np.float32), (meta_rows, meta_cols)),
            shape=(n, len(metadata_index)),
        )
        lengths = np.sqrt(np.maximum(np.asarray(metadata.sum(axis=1)).ravel(), 1.0))
        self._metadata_rows = sp.diags(1.0 / lengths).astype(np.float32) @ metadata
        # Moments of the item representations, so a request z-scores LightFM scores in O(d^2).
        vectors64 = self._item_vectors.astype(np.float64)
        biases64 = self._item_biases.astype(np.float64)
        self._vector_mean = vectors64.mean(axis=0)
        centered = vectors64 - self._vector_mean
        self._vector_covariance = centered.T @ centered / max(n, 1)
        self._vector_bias_covariance = centered.T @ (biases64 - biases64.mean()) / max(n, 1)
        self._bias_mean = float(biases64.mean()) if n else 0.0
        self._bias_variance = float(biases64.var()) if n else 0.0
        del vectors64, centered
        norms = np.linalg.norm(self._item_vectors, axis=1, keepdims=True)
        self._unit_vectors = self._item_vectors / np.maximum(norms, 1e-9)

        user_vectors = artifact.user_features @ artifact.model.user_embeddings
        self._user_vectors = np.ascontiguousarray(user_vectors, dtype=np.float32)

        old_to_new = np.full(len(artifact.item_index), -1, dtype=np.int64)
        for product, old in artifact.item_index.items():
            new = self._index.get(product)
            if new is not None:
                old_to_new[old] = new
        # Row j of the transposed kNN matrix: how much having j in the history adds to each item.
        self._knn = remap_square(artifact.knn, old_to_new, n)
        self._knn_by_history = self._knn.T.tocsr()
        self._co_purchases = remap_square(artifact.co_purchases, old_to_new, n)
        self._purchase_counts = np.asarray(self._co_purchases.diagonal()).astype(np.float32)
        self._co_purchases.setdiag(0.0)
        self._co_purchases.eliminate_zeros()

        def on_catalog(values: np.ndarray) -> np.ndarray:
            result = np.zeros(n, dtype=np.float32)
            known = old_to_new >= 0
            result[old_to_new[known]] = values[known]
            return result

        self._raw_popularity = on_catalog(artifact.popularity)
        self._popularity = zscore(np.log1p(self._raw_popularity))
        self._segment_popularity = {
            segment: zscore(np.log1p(on_catalog(values)))
            for segment, values in artifact.segment_popularity.items()
        }

        self._active = np.array([item.active for item in self._items], dtype=bool)
        self._in_stock = np.array([item.stock > 0 for item in self._items], dtype=bool) & self._active
        self._unavailable = np.flatnonzero(~self._in_stock)
        self._inactive = np.flatnonzero(~self._active)
        self._prices = np.array([item.price for item in self._items], dtype=np.float64)
        self._brands = np.array([_normalize_name(item.brand or "") for item in self._items], dtype=object)
        by_category: dict[str, list[int]] = defaultdict(list)
        for i, item in enumerate(self._items):
            levels = [_normalize_name(level) for level in item.category_levels]
            names = set(levels) | {_singular(level) for level in levels}
            names |= {" > ".join(levels[:depth]) for depth in range(1, len(levels) + 1)}
            for name in names:
                by_category[name].append(i)
        self._by_category = {name: np.asarray(ix, dtype=np.int64) for name, ix in by_category.items()}
        self._leaf_items: dict[str, np.ndarray] = defaultdict(lambda: np.empty(0, dtype=np.int64))
        leaves: dict[str, list[int]] = defaultdict(list)
        for i, item in enumerate(self._items):
            leaves[item.leaf_category].append(i)
        self._leaf_items.update({leaf: np.asarray(ix) for leaf, ix in leaves.items()})

    # --- public API -------------------------------------------------------------------------------

    @property
    def catalog_size(self) -> int:
        return len(self._items)

    def product(self, product_id: int) -> CatalogItem:
        index = self._index.get(product_id)
        if index is None:
            raise UnknownProductError(f"product {product_id} is not in the catalog")
        return self._items[index]

    def representation(self, product_id: int) -> tuple[np.ndarray, float]:
        """The product's LightFM (embedding, bias) as served; from metadata for untrained products."""
        index = self._require(product_id)
        return self._item_vectors[index].copy(), float(self._item_biases[index])

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
        reasons = self._personal_reasons(context, top) if strategy != Strategy.POPULAR else [None] * len(top)
        for rank, (index, reason) in enumerate(zip(top, reasons, strict=True), start=1):
            results.append(
                self._result(
                    index,
                    float(scores[index]),
                    reason or self._popular_reason(index),
                    list_id,
                    strategy,
                    rank,
                )
            )
        return results

    def similar_items(
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
        scores = zscore(self._unit_vectors @ self._unit_vectors[source]) + zscore(
            np.asarray(self._metadata_rows @ self._metadata_rows[source].T.toarray()).ravel()
        )
        mask = self._candidate_mask(filters)
        mask[source] = False
        top = self._top(scores, k, filters.in_stock_only, np.flatnonzero(mask))
        list_id = new_recommendation_id()
        reason = f"Similar to {self._items[source].title}"
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
        sources = [self._index[p] for p in ids if p in self._index]
        if not sources:
            raise UnknownProductError(f"none of the products {ids} is in the catalog")
        filters = filters or RecommendationFilters()
        mask = self._candidate_mask(filters)
        mask[sources] = False

        rows = self._co_purchases[sources].toarray().astype(np.float32)
        rows[rows < self.artifact.config.min_co_purchases] = 0.0
        counts = np.maximum(self._purchase_counts, 1.0)
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
                f"Often bought with {self._items[best_source[index]].title}",
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
        config = self.artifact.config
        newest = max((i.occurred_at for i in history.interactions), default=None)
        weights: dict[int, float] = {}
        kinds: dict[int, EventKind] = {}
        for interaction in history.interactions:
            index = self._index.get(interaction.product_id)
            kind_weight = config.event_weights.of(interaction.kind)
            if index is None or kind_weight <= 0 or newest is None:
                continue
            age_days = (newest - interaction.occurred_at).total_seconds() / 86400.0
            weight = kind_weight * float(recency_decay(age_days, config.recency_half_life_days))
            if weight > weights.get(index, 0.0):
                weights[index] = weight
                kinds[index] = interaction.kind
        had_history = bool(weights)
        for product in session_product_ids:
            index = self._index.get(product)
            if index is not None and weights.get(index, 0.0) < config.event_weights.click:
                weights[index] = config.event_weights.click
                kinds.setdefault(index, EventKind.VIEW)
        purchased = np.array(
            sorted(self._index[p] for p in history.purchased if p in self._index), dtype=np.int64
        )
        indices = np.fromiter(weights.keys(), dtype=np.int64, count=len(weights))
        return ShopperContext(
            indices=indices,
            weights=np.fromiter(weights.values(), dtype=np.float32, count=len(weights)),
            kinds=kinds,
            purchased=purchased,
            user_row=user_row,
            segment=segment or history.segment,
            session_only=user_row is None and not had_history and bool(weights),
        )

    def scores(self, context: ShopperContext) -> tuple[Strategy, np.ndarray]:
        """The served ranking's scores over the whole catalog, and which path made them.

        Ranks exactly like `components(context).blend(blend_for(context))` (a test holds it to
        that) but touches the item matrix once: the LightFM scores' mean and standard deviation
        come from the precomputed mean and covariance of the item representations (O(d^2)), and
        the kNN part, non-zero only near the history, is z-scored from its non-zeros and added
        sparsely (its constant shift does not change the order and is left out).
        """
        if context.is_empty:
            return Strategy.POPULAR, self._segment_popularity.get(context.segment or "", self._popularity)
        strategy = Strategy.SESSION if context.session_only else Strategy.PERSONAL
        weights = self.blend_for(context)
        popularity = self._segment_popularity.get(context.segment or "", self._popularity)
        user = self._user_vector(context)
        n = len(self._items)
        scores = self._item_vectors @ user
        mean = float(self._vector_mean @ user) + self._bias_mean
        variance = float(user @ self._vector_covariance @ user) + 2.0 * float(
            self._vector_bias_covariance @ user
        )
        std = float(np.sqrt(max(variance + self._bias_variance, 0.0)))
        if std > 1e-6 and weights.lightfm:
            scale = weights.lightfm / std
            scores += self._item_biases
            scores -= mean
            scores *= scale
        else:
            scores[:] = 0.0
        if weights.popularity:
            scores += weights.popularity * popularity
        if weights.knn and len(context.indices):
            rows = self._knn_by_history[context.indices]
            contributions = rows.data.astype(np.float64) * np.repeat(
                context.weights.astype(np.float64), np.diff(rows.indptr)
            )
            nonzero, inverse = np.unique(rows.indices, return_inverse=True)
            values = np.bincount(inverse, weights=contributions, minlength=len(nonzero))
            if len(nonzero):
                knn_mean = values.sum() / n
                knn_std = np.sqrt(max((values**2).sum() / n - knn_mean**2, 0.0))
                if knn_std > 1e-12:
                    scores[nonzero] += (weights.knn / knn_std) * values.astype(np.float32)
        return strategy, scores

    def _user_vector(self, context: ShopperContext) -> np.ndarray:
        if context.user_row is not None:
            return self._user_vectors[context.user_row]
        # A user vector from the features of the products they looked at: their mean embedding.
        weights = context.weights / context.weights.sum()
        return (weights @ self._item_vectors[context.indices]).astype(np.float32)

    def blend_for(self, context: ShopperContext) -> BlendWeights:
        cold = len(context.indices) <= self.artifact.config.cold_max_interactions
        return self.artifact.blend_cold if cold else self.artifact.blend_warm

    def components(self, context: ShopperContext) -> Components:
        """The three z-scored component scores, each over the whole catalog (the reference blend)."""
        zeros = np.zeros(len(self._items), dtype=np.float32)
        if context.user_row is not None or len(context.indices):
            lightfm = self._item_vectors @ self._user_vector(context) + self._item_biases
        else:
            lightfm = zeros
        if len(context.indices):
            knn = np.asarray(
                self._knn_by_history[context.indices].T @ context.weights, dtype=np.float32
            ).ravel()
        else:
            knn = zeros
        popularity = self._segment_popularity.get(context.segment or "", self._popularity)
        return Components(zscore(lightfm), zscore(knn), popularity)

    def popularity_scores(self) -> np.ndarray:
        """Global popularity over the catalog (z-scored log of recency-weighted signal)."""
        return self._popularity

    def catalog_index(self, product_id: int) -> int | None:
        return self._index.get(product_id)

    def catalog_product_ids(self) -> np.ndarray:
        return np.array([item.product_id for item in self._items], dtype=np.int64)

    # --- helpers ----------------------------------------------------------------------------------

    def _require(self, product_id: int) -> int:
        index = self._index.get(product_id)
        if index is None:
            raise UnknownProductError(f"product {product_id} is not in the catalog")
        return index

    def _candidate_mask(self, filters: RecommendationFilters) -> np.ndarray:
        mask = self._in_stock.copy() if filters.in_stock_only else self._active.copy()
        if filters.category:
            name = _normalize_name(filters.category)
            members = self._by_category.get(name)
            if members is None:
                members = self._by_category.get(_singular(name), np.empty(0, dtype=np.int64))
            category_mask = np.zeros(len(mask), dtype=bool)
            category_mask[members] = True
            mask &= category_mask
        if filters.brand:
            mask &= self._brands == _normalize_name(filters.brand)
        if filters.min_price is not None:
            mask &= self._prices >= float(filters.min_price)
        if filters.max_price is not None:
            mask &= self._prices <= float(filters.max_price)
        for product in filters.exclude_product_ids:
            index = self._index.get(product)
            if index is not None:
                mask[index] = False
        return mask

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
            scores[self._unavailable if filters.in_stock_only else self._inactive] = -np.inf
            scores[excluded] = -np.inf
            return scores, None
        mask = self._candidate_mask(filters)
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
        live = self._stock.stock([self._items[i].product_id for i in order])
        in_stock = [i for i in order if live.get(self._items[i].product_id, 0) > 0]
        if len(in_stock) < k and len(order) == wanted:
            # Rare: stock ran out for several top products since the catalog was loaded.
            sold_out = [i for i in order if live.get(self._items[i].product_id, 0) <= 0]
            self._in_stock[sold_out] = False
            self._unavailable = np.flatnonzero(~self._in_stock)
            scores = scores.copy()
            scores[order] = -np.inf
            return in_stock + self._top(scores, k - len(in_stock), check_stock, candidates)
        return in_stock[:k]

    def _personal_reasons(self, context: ShopperContext, top: list[int]) -> list[str | None]:
        """For each top product, the history product that explains it best, as a sentence.

        The history product contributing most to its co-occurrence score, else the one closest
        in the model's item space.
        """
        if not len(context.indices) or not top:
            return [None] * len(top)
        weight_of = dict(zip(context.indices.tolist(), context.weights.tolist(), strict=True))
        similarity = self._unit_vectors[context.indices] @ self._unit_vectors[top].T
        knn = self._knn
        reasons: list[str | None] = []
        for column, index in enumerate(top):
            start, end = knn.indptr[index], knn.indptr[index + 1]
            best, best_value = -1, 0.0
            for neighbour, value in zip(
                knn.indices[start:end].tolist(), knn.data[start:end].tolist(), strict=True
            ):
                contribution = value * weight_of.get(neighbour, 0.0)
                if contribution > best_value:
                    best, best_value = neighbour, contribution
            source = best if best >= 0 else int(context.indices[int(similarity[:, column].argmax())])
            title = self._items[source].title
            if context.session_only:
                reasons.append(_SESSION_REASON.format(title=title))
            else:
                verb = _REASON_VERB.get(context.kinds.get(source, EventKind.VIEW), _SESSION_REASON)
                reasons.append(verb.format(title=title))
        return reasons

    def _popular_reason(self, index: int) -> str:
        return f"Popular in {self._items[index].leaf_category or 'the shop'}"

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
        source_leaves = {self._items[s].leaf_category for s in sources}
        members = np.concatenate([self._leaf_items[leaf] for leaf in source_leaves])
        partner_counts = np.asarray(self._co_purchases[members].sum(axis=0)).ravel()
        by_leaf: dict[str, float] = defaultdict(float)
        for index in np.flatnonzero(partner_counts):
            leaf = self._items[index].leaf_category
            if leaf not in source_leaves:
                by_leaf[leaf] += float(partner_counts[index])
        results: list[Recommendation] = []
        for leaf, _ in sorted(by_leaf.items(), key=lambda kv: -kv[1]):
            leaf_mask = np.zeros_like(mask)
            leaf_mask[self._leaf_items[leaf]] = True
            leaf_mask &= mask
            if not leaf_mask.any():
                continue
            top = self._top(self._raw_popularity, 1, filters.in_stock_only, np.flatnonzero(leaf_mask))
            for index in top:
                mask[index] = False
                results.append(
                    self._result(
                        index,
                        float(by_leaf[leaf]),
                        f"Often bought with {self._items[sources[0]].leaf_category}",
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
        item = self._items[index]
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
