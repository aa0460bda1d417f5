"""How serving scores a shopper: their context, the three component scores and the fast blend.

A `ShopperContext` is what serving knows about one shopper for one request (history weighted by
kind and recency, products seen in this conversation, segment). `served_scores` is the ranking
actually served: LightFM (user vector x item matrix), item-kNN co-occurrence of the history and
segment popularity, z-scored and blended, computed touching the item matrix once.
`component_scores` is the plain reference the served blend is held to (and what blend tuning
and the evaluation score).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from recommender.config import BlendWeights, TrainConfig
from recommender.history import CustomerHistory
from recommender.projection import CatalogProjection, zscore
from recommender.training_set import recency_decay
from recommender.types import Strategy
from shop.models import EventKind


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


def shopper_context(
    projection: CatalogProjection,
    config: TrainConfig,
    history: CustomerHistory,
    *,
    user_row: int | None = None,
    session_product_ids: Sequence[int] = (),
    segment: str | None = None,
) -> ShopperContext:
    """A context from an explicit history; `user_row=None` scores it as a newcomer would be."""
    newest = max((i.occurred_at for i in history.interactions), default=None)
    weights: dict[int, float] = {}
    kinds: dict[int, EventKind] = {}
    for interaction in history.interactions:
        index = projection.index.get(interaction.product_id)
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
        index = projection.index.get(product)
        if index is not None and weights.get(index, 0.0) < config.event_weights.click:
            weights[index] = config.event_weights.click
            kinds.setdefault(index, EventKind.VIEW)
    purchased = np.array(
        sorted(projection.index[p] for p in history.purchased if p in projection.index),
        dtype=np.int64,
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


def served_scores(
    projection: CatalogProjection, context: ShopperContext, weights: BlendWeights
) -> tuple[Strategy, np.ndarray]:
    """The served ranking's scores over the whole catalog, and which path made them.

    Ranks exactly like `component_scores(projection, context).blend(weights)` (a test holds it
    to that) but touches the item matrix once: the LightFM scores' mean and standard deviation
    come from the precomputed mean and covariance of the item representations (O(d^2)), and
    the kNN part, non-zero only near the history, is z-scored from its non-zeros and added
    sparsely (its constant shift does not change the order and is left out).
    """
    if context.is_empty:
        return Strategy.POPULAR, projection.popularity_in(context.segment)
    strategy = Strategy.SESSION if context.session_only else Strategy.PERSONAL
    popularity = projection.popularity_in(context.segment)
    user = user_vector(projection, context)
    n = len(projection.items)
    scores = projection.item_vectors @ user
    mean = float(projection.vector_mean @ user) + projection.bias_mean
    variance = float(user @ projection.vector_covariance @ user) + 2.0 * float(
        projection.vector_bias_covariance @ user
    )
    std = float(np.sqrt(max(variance + projection.bias_variance, 0.0)))
    if std > 1e-6 and weights.lightfm:
        scale = weights.lightfm / std
        scores += projection.item_biases
        scores -= mean
        scores *= scale
    else:
        scores[:] = 0.0
    if weights.popularity:
        scores += weights.popularity * popularity
    if weights.knn and len(context.indices):
        rows = projection.knn_by_history[context.indices]
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


def user_vector(projection: CatalogProjection, context: ShopperContext) -> np.ndarray:
    if context.user_row is not None:
        return projection.user_vectors[context.user_row]
    # A user vector from the features of the products they looked at: their mean embedding.
    weights = context.weights / context.weights.sum()
    return (weights @ projection.item_vectors[context.indices]).astype(np.float32)


def component_scores(projection: CatalogProjection, context: ShopperContext) -> Components:
    """The three z-scored component scores, each over the whole catalog (the reference blend)."""
    zeros = np.zeros(len(projection.items), dtype=np.float32)
    if context.user_row is not None or len(context.indices):
        lightfm = projection.item_vectors @ user_vector(projection, context) + projection.item_biases
    else:
        lightfm = zeros
    if len(context.indices):
        knn = np.asarray(
            projection.knn_by_history[context.indices].T @ context.weights, dtype=np.float32
        ).ravel()
    else:
        knn = zeros
    popularity = projection.popularity_in(context.segment)
    return Components(zscore(lightfm), zscore(knn), popularity)


__all__ = [
    "Components",
    "ShopperContext",
    "component_scores",
    "served_scores",
    "shopper_context",
    "user_vector",
]
