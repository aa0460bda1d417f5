"""Every hyperparameter of the recommender, in one frozen dataclass.

A change of any value changes `TrainConfig.digest()`, hence the data fingerprint, so
`shopbot recommender train --if-changed` retrains after a config change.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal

from shop.models import EventKind


@dataclass(frozen=True)
class EventWeights:
    """How strongly each kind of interaction says "this shopper wants this product".

    A (customer, product) pair's training weight is its strongest signal, so a purchase that is
    recorded both as an order line and as a purchase event counts once.
    """

    purchase: float = 5.0
    add_to_cart: float = 3.0
    click: float = 1.75
    view: float = 1.25

    def of(self, kind: EventKind) -> float:
        return {
            EventKind.PURCHASE: self.purchase,
            EventKind.ADD_TO_CART: self.add_to_cart,
            EventKind.CLICK: self.click,
            EventKind.VIEW: self.view,
        }.get(kind, 0.0)


@dataclass(frozen=True)
class TrainConfig:
    # --- LightFM -------------------------------------------------------------------------------
    loss: Literal["warp", "bpr", "warp-kos", "logistic"] = "warp"
    no_components: int = 64
    learning_rate: float = 0.05
    epochs: int = 20
    item_alpha: float = 1e-6
    user_alpha: float = 1e-6
    max_sampled: int = 30
    random_seed: int = 42
    #: LightFM trains Hogwild: more than one thread is faster but not reproducible.
    num_threads: int = 1

    # --- training data -------------------------------------------------------------------------
    event_weights: EventWeights = field(default_factory=EventWeights)
    #: An interaction this many days older than the newest one weighs half as much.
    recency_half_life_days: float = 120.0
    #: Weight of the per-product identity feature, and of each metadata feature.
    identity_feature_weight: float = 1.0
    metadata_feature_weight: float = 0.02
    #: Scale each product's feature weights to sum to 1 (LightFM's default). Without it the
    #: identity keeps its full weight, so warm products learn as fast as in pure CF and the
    #: metadata adds a shared part on top.
    normalize_item_features: bool = False
    #: Price bands per leaf category (quantiles), so "premium" means premium for that category.
    price_bands: int = 4
    #: Per-customer features: identity plus their marketing segment. Off by default: on the demo
    #: shop the shared segment embedding halved validation NDCG@10 (0.057 -> 0.028, BENCHMARKS.md);
    #: segments still drive cold-start popularity.
    use_user_features: bool = False
    #: False: products are their identity only (pure collaborative filtering).
    use_item_metadata: bool = True
    #: Which metadata describes a product (see `recommender.features.FEATURE_GROUPS`).
    item_feature_groups: tuple[str, ...] = ("category", "brand", "price", "color", "material", "attributes")

    # --- co-occurrence (item-kNN component and baseline) ----------------------------------------
    #: Neighbours kept per product in the item-kNN similarity.
    knn_neighbours: int = 50
    #: Orders with a product bought together this few times are ignored by `bought_together`.
    min_co_purchases: int = 2

    # --- blending, tuned on a temporal validation split -----------------------------------------
    #: Days at the end of the training data held out to tune the blend weights.
    validation_days: int = 30
    #: False: use `BlendWeights()` defaults instead of tuning (faster; tests use it).
    tune_blend: bool = True
    #: Customers with at most this many past products are "cold" and get their own weights.
    cold_max_interactions: int = 3

    def digest(self) -> str:
        payload = json.dumps(asdict(self), sort_keys=True, default=str)
        return hashlib.sha256(payload.encode()).hexdigest()[:16]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> TrainConfig:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in values.items() if k in known}
        if isinstance(values.get("item_feature_groups"), list):
            values["item_feature_groups"] = tuple(values["item_feature_groups"])
        if isinstance(values.get("event_weights"), dict):
            values["event_weights"] = EventWeights(**values["event_weights"])
        return cls(**values)

    def replace(self, **changes: Any) -> TrainConfig:
        return TrainConfig.from_dict({**self.to_dict(), **changes})


@dataclass(frozen=True)
class BlendWeights:
    """Weights of the standardised component scores that make the served ranking.

    Each component is z-scored over the catalog per request, then summed with these weights.
    """

    lightfm: float = 1.0
    knn: float = 1.0
    popularity: float = 0.3

    def to_dict(self) -> dict[str, float]:
        return asdict(self)
