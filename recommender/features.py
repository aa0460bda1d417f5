"""LightFM feature names for products and customers.

A product is described by its identity plus metadata it shares with other products: every level
of its category path, brand, price band within its leaf category, colour, material and its boolean
attributes (waterproof, final sale, ...). Shared metadata is what lets a product that nobody has
bought yet (or that was added after training) be scored at all. A customer is their identity plus
their marketing segment.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from recommender.config import TrainConfig
from recommender.data import CatalogItem

#: Price-band edges are learned per leaf category once it has this many products; else globally.
MIN_PRODUCTS_FOR_CATEGORY_BANDS = 8
GLOBAL_BANDS_KEY = ""
#: Metadata groups a `FeatureSpace` can use, by the prefix of their feature names.
FEATURE_GROUPS = {
    "category": "cat",
    "brand": "brand:",
    "price": "price:",
    "color": "color:",
    "material": "material:",
    "attributes": "attr:",
}


def item_identity(product_id: int) -> str:
    return f"item:{product_id}"


def user_identity(customer_id: int) -> str:
    return f"user:{customer_id}"


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


@dataclass(frozen=True)
class FeatureSpace:
    """Maps products and customers to weighted feature names. Saved inside the artifact."""

    #: Quantile edges of the price per leaf category ("" = the whole catalog).
    price_edges: dict[str, tuple[float, ...]]
    identity_weight: float = 2.0
    metadata_weight: float = 1.0
    #: Feature rows are scaled to sum to 1 (in training and serving alike).
    normalize: bool = True
    use_user_features: bool = True
    use_item_metadata: bool = True
    item_feature_groups: tuple[str, ...] = tuple(FEATURE_GROUPS)

    def price_band(self, item: CatalogItem) -> int:
        edges = self.price_edges.get(_norm(item.leaf_category)) or self.price_edges.get(GLOBAL_BANDS_KEY, ())
        return int(np.searchsorted(np.asarray(edges), item.price, side="right"))

    def item_metadata(self, item: CatalogItem) -> list[str]:
        """Feature names shared with other products (everything but the identity)."""
        names = []
        levels = [_norm(level) for level in item.category_levels]
        for depth in range(1, len(levels) + 1):
            names.append(f"cat{depth}:{' > '.join(levels[:depth])}")
        if item.brand:
            names.append(f"brand:{_norm(item.brand)}")
        names.append(f"price:{self.price_band(item)}")
        if item.color:
            names.append(f"color:{_norm(item.color)}")
        if item.material:
            names.append(f"material:{_norm(item.material)}")
        for key, value in sorted(item.attributes.items()):
            if value is True:
                names.append(f"attr:{_norm(str(key))}")
        prefixes = tuple(FEATURE_GROUPS[group] for group in self.item_feature_groups)
        return [name for name in names if name.startswith(prefixes)]

    def item_features(self, item: CatalogItem, *, with_identity: bool = True) -> dict[str, float]:
        features = (
            dict.fromkeys(self.item_metadata(item), self.metadata_weight) if self.use_item_metadata else {}
        )
        if with_identity:
            features[item_identity(item.product_id)] = self.identity_weight
        return features

    def user_features(self, customer_id: int, segment: str | None) -> dict[str, float]:
        features = {user_identity(customer_id): 1.0}
        if self.use_user_features and segment:
            features[f"segment:{_norm(segment)}"] = 1.0
        return features

    def all_segment_features(self, segments: Iterable[str | None]) -> list[str]:
        if not self.use_user_features:
            return []
        return sorted({f"segment:{_norm(s)}" for s in segments if s})


def fit_feature_space(
    catalog: Iterable[CatalogItem],
    *,
    price_bands: int,
    identity_weight: float,
    metadata_weight: float = 1.0,
    normalize: bool = True,
    use_user_features: bool = True,
    use_item_metadata: bool = True,
    item_feature_groups: tuple[str, ...] = tuple(FEATURE_GROUPS),
) -> FeatureSpace:
    """Learn the price-band edges from the catalog's prices."""
    by_leaf: dict[str, list[float]] = defaultdict(list)
    all_prices: list[float] = []
    for item in catalog:
        by_leaf[_norm(item.leaf_category)].append(item.price)
        all_prices.append(item.price)
    quantiles = np.linspace(0, 1, price_bands + 1)[1:-1]

    def edges(prices: list[float]) -> tuple[float, ...]:
        if not prices or price_bands < 2:
            return ()
        return tuple(float(x) for x in np.unique(np.quantile(prices, quantiles)))

    price_edges = {GLOBAL_BANDS_KEY: edges(all_prices)}
    for leaf, prices in by_leaf.items():
        if len(prices) >= MIN_PRODUCTS_FOR_CATEGORY_BANDS:
            price_edges[leaf] = edges(prices)
    return FeatureSpace(
        price_edges=price_edges,
        identity_weight=identity_weight,
        metadata_weight=metadata_weight,
        normalize=normalize,
        use_user_features=use_user_features,
        use_item_metadata=use_item_metadata,
        item_feature_groups=item_feature_groups,
    )


def feature_space_for(catalog: Iterable[CatalogItem], config: TrainConfig) -> FeatureSpace:
    """The feature space a training run with `config` uses."""
    return fit_feature_space(
        catalog,
        price_bands=config.price_bands,
        identity_weight=config.identity_feature_weight,
        metadata_weight=config.metadata_feature_weight,
        normalize=config.normalize_item_features,
        use_user_features=config.use_user_features,
        use_item_metadata=config.use_item_metadata,
        item_feature_groups=config.item_feature_groups,
    )
