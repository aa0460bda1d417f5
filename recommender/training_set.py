"""From a `ShopData` snapshot to LightFM's inputs, through `lightfm.data.Dataset`.

Each (customer, product) pair becomes one positive whose weight is its strongest signal
(purchase > add to cart > click > view), halved every `recency_half_life_days` of age.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import scipy.sparse as sp
from lightfm.data import Dataset

from recommender.config import TrainConfig
from recommender.data import Interaction, ShopData
from recommender.features import FeatureSpace


def recency_decay(age_days: float, half_life_days: float) -> float:
    return 0.5 ** (max(age_days, 0.0) / half_life_days)


def pair_weights(
    interactions: tuple[Interaction, ...] | list[Interaction], config: TrainConfig, reference_time: datetime
) -> dict[tuple[int, int], float]:
    """(customer id, product id) -> strongest recency-weighted signal."""
    weights: dict[tuple[int, int], float] = {}
    for interaction in interactions:
        kind_weight = config.event_weights.of(interaction.kind)
        if kind_weight <= 0:
            continue
        age_days = (reference_time - interaction.occurred_at).total_seconds() / 86400.0
        weight = kind_weight * float(recency_decay(age_days, config.recency_half_life_days))
        key = (interaction.customer_id, interaction.product_id)
        if weight > weights.get(key, 0.0):
            weights[key] = weight
    return weights


@dataclass
class TrainingSet:
    dataset: Dataset
    #: Row index -> customer id / column index -> product id (the Dataset's mappings, as arrays).
    user_ids: np.ndarray
    item_ids: np.ndarray
    interactions: sp.coo_matrix
    weights: sp.coo_matrix
    user_features: sp.csr_matrix
    item_features: sp.csr_matrix

    @property
    def user_index(self) -> dict[int, int]:
        return self.dataset.mapping()[0]

    @property
    def item_index(self) -> dict[int, int]:
        return self.dataset.mapping()[2]

    def binary_user_item(self) -> sp.csr_matrix:
        matrix = self.weights.tocsr().astype(np.float32)
        matrix.data[:] = 1.0
        return matrix


def build_training_set(data: ShopData, features: FeatureSpace, config: TrainConfig) -> TrainingSet:
    weights = pair_weights(data.interactions, config, data.reference_time)
    customer_ids = sorted({customer for customer, _ in weights})
    product_ids = [item.product_id for item in data.catalog]
    known_products = set(product_ids)
    weights = {pair: w for pair, w in weights.items() if pair[1] in known_products}

    item_feature_rows = [(item.product_id, features.item_features(item)) for item in data.catalog]
    user_feature_rows = [
        (customer, features.user_features(customer, data.segments.get(customer))) for customer in customer_ids
    ]
    item_feature_names = sorted({name for _, row in item_feature_rows for name in row})
    user_feature_names = sorted({name for _, row in user_feature_rows for name in row})

    dataset = Dataset(user_identity_features=False, item_identity_features=False)
    dataset.fit(
        users=customer_ids,
        items=product_ids,
        user_features=user_feature_names,
        item_features=item_feature_names,
    )
    interactions, weight_matrix = dataset.build_interactions(
        (customer, product, weight) for (customer, product), weight in sorted(weights.items())
    )
    item_features = dataset.build_item_features(item_feature_rows, normalize=features.normalize)
    user_features = dataset.build_user_features(user_feature_rows, normalize=True)
    user_map, _, item_map, _ = dataset.mapping()
    user_ids = np.empty(len(user_map), dtype=np.int64)
    for customer, index in user_map.items():
        user_ids[index] = customer
    item_ids = np.empty(len(item_map), dtype=np.int64)
    for product, index in item_map.items():
        item_ids[index] = product
    return TrainingSet(
        dataset=dataset,
        user_ids=user_ids,
        item_ids=item_ids,
        interactions=interactions,
        weights=weight_matrix,
        user_features=user_features.tocsr(),
        item_features=item_features.tocsr(),
    )
