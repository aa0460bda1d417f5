"""Representations for products the model never saw interacting: new ones and never-touched ones.

LightFM gives such a product only its shared metadata embeddings (category levels, brand, price
band, attributes). With the small metadata weight that keeps warm products as accurate as pure
collaborative filtering, that part is short and points roughly "somewhere in the department", so a
new laptop would neither be similar to other laptops nor comparable in score. This module fits a
ridge regression from a product's metadata features to the full LightFM representation (embedding
and bias) of the products that do have interactions, and uses it for the ones that do not.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from recommender.data import CatalogItem
from recommender.features import FeatureSpace

RIDGE = 1.0


@dataclass(frozen=True)
class ColdItemMap:
    """Linear map from metadata features to [embedding | bias]."""

    feature_names: tuple[str, ...]
    #: (n metadata features + 1 intercept) x (components + 1)
    coefficients: np.ndarray

    def rows(self, items: Sequence[CatalogItem], features: FeatureSpace) -> sp.csr_matrix:
        return metadata_rows(items, features, {n: i for i, n in enumerate(self.feature_names)})

    def predict(self, items: Sequence[CatalogItem], features: FeatureSpace) -> tuple[np.ndarray, np.ndarray]:
        """(embeddings, biases) for `items` from their metadata alone."""
        if not items:
            width = self.coefficients.shape[1] - 1
            return np.zeros((0, width), dtype=np.float32), np.zeros(0, dtype=np.float32)
        design = _with_intercept(self.rows(items, features))
        predicted = np.asarray(design @ self.coefficients, dtype=np.float32)
        return np.ascontiguousarray(predicted[:, :-1]), np.ascontiguousarray(predicted[:, -1])


def metadata_rows(
    items: Sequence[CatalogItem], features: FeatureSpace, index: dict[str, int]
) -> sp.csr_matrix:
    rows, cols = [], []
    for row, item in enumerate(items):
        for name in features.item_metadata(item) if features.use_item_metadata else ():
            column = index.get(name)
            if column is not None:
                rows.append(row)
                cols.append(column)
    data = np.ones(len(rows), dtype=np.float32)
    return sp.csr_matrix((data, (rows, cols)), shape=(len(items), len(index)))


def _with_intercept(rows: sp.csr_matrix) -> sp.csr_matrix:
    return sp.hstack([rows, np.ones((rows.shape[0], 1), dtype=np.float32)], format="csr")


def fit_cold_item_map(
    items: Sequence[CatalogItem], embeddings: np.ndarray, biases: np.ndarray, features: FeatureSpace
) -> ColdItemMap:
    """Ridge regression of [embedding | bias] on metadata, over `items` (products with interactions)."""
    names = sorted({name for item in items for name in features.item_metadata(item)})
    index = {name: i for i, name in enumerate(names)}
    design = _with_intercept(metadata_rows(items, features, index)).toarray().astype(np.float64)
    targets = np.hstack([embeddings, biases[:, None]]).astype(np.float64)
    penalty = RIDGE * np.eye(design.shape[1])
    penalty[-1, -1] = 0.0  # the intercept is not shrunk
    coefficients = np.linalg.solve(design.T @ design + penalty, design.T @ targets)
    return ColdItemMap(tuple(names), coefficients.astype(np.float32))
