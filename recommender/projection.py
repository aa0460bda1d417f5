"""The catalog as serving sees it: every product projected once into the trained model's space.

`CatalogProjection(artifact, catalog)` computes, at load or `Recommender.refresh_catalog()`, what
each request would otherwise recompute: the products' LightFM representations from their features
(products added after training get theirs from the metadata map, `recommender.cold_items`), the
moments of that item matrix (so a request z-scores LightFM scores in O(d^2)), the co-occurrence and
popularity statistics re-indexed from training ids to catalog rows, and the arrays behind the
filters (stock, prices, brands, category levels). `candidate_mask(filters)` turns
`RecommendationFilters` into a boolean mask over those rows.

Serving (`recommender.serving`) reads these arrays; it never touches the artifact's own indices.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from recommender.artifact import RecommenderArtifact, item_representations
from recommender.data import CatalogItem
from recommender.stats import remap_square
from recommender.types import RecommendationFilters


def normalize_name(text: str) -> str:
    """A brand or category name as filters compare it: lower case, single spaces around ">"."""
    return " ".join(text.lower().replace(">", " > ").split())


def singular(text: str) -> str:
    """ "laptops" -> "laptop", so a category filter matches either form."""
    return text[:-1] if text.endswith("s") and not text.endswith("ss") else text


def zscore(scores: np.ndarray) -> np.ndarray:
    std = float(scores.std())
    if std < 1e-12:
        return np.zeros_like(scores, dtype=np.float32)
    return ((scores - float(scores.mean())) / std).astype(np.float32, copy=False)


class CatalogProjection:
    """One catalog's products as rows of the trained model's matrices (row i = `items[i]`)."""

    def __init__(self, artifact: RecommenderArtifact, catalog: Sequence[CatalogItem]) -> None:
        self.items = list(catalog)
        self.index = {item.product_id: i for i, item in enumerate(self.items)}
        self._project_representations(artifact)
        self._project_statistics(artifact)
        self._index_filters()

    def __len__(self) -> int:
        return len(self.items)

    # --- the model's item space ---------------------------------------------------------------

    def _project_representations(self, artifact: RecommenderArtifact) -> None:
        n = len(self.items)
        feature_index = artifact.item_feature_index
        rows, cols, vals = [], [], []
        for row, item in enumerate(self.items):
            features = artifact.feature_space.item_features(item)
            known = {feature_index[name]: w for name, w in features.items() if name in feature_index}
            total = (sum(known.values()) or 1.0) if artifact.feature_space.normalize else 1.0
            for col, weight in known.items():
                rows.append(row)
                cols.append(col)
                vals.append(weight / total)
        feature_rows = sp.csr_matrix((vals, (rows, cols)), shape=(n, len(feature_index)), dtype=np.float32)
        self.item_vectors, self.item_biases = item_representations(artifact, feature_rows)
        # Products added after training: their representation from metadata alone. (Products
        # that were in training without a single interaction keep LightFM's own, whose low bias
        # says that shoppers passed them over.)
        cold = [i for i, item in enumerate(self.items) if item.product_id not in artifact.item_index]
        if cold:
            vectors, biases = artifact.cold_item_map.predict(
                [self.items[i] for i in cold], artifact.feature_space
            )
            self.item_vectors[cold] = vectors
            self.item_biases[cold] = biases
        metadata_index: dict[str, int] = {}
        meta_rows, meta_cols = [], []
        for row, item in enumerate(self.items):
            for name in artifact.feature_space.item_metadata(item):
                meta_rows.append(row)
                meta_cols.append(metadata_index.setdefault(name, len(metadata_index)))
        metadata = sp.csr_matrix(
            (np.ones(len(meta_rows), dtype=np.float32), (meta_rows, meta_cols)),
            shape=(n, len(metadata_index)),
        )
        lengths = np.sqrt(np.maximum(np.asarray(metadata.sum(axis=1)).ravel(), 1.0))
        #: Metadata rows scaled to unit length: their dot product is the metadata overlap.
        self.metadata_rows = sp.diags(1.0 / lengths).astype(np.float32) @ metadata
        # Moments of the item representations, so a request z-scores LightFM scores in O(d^2).
        vectors64 = self.item_vectors.astype(np.float64)
        biases64 = self.item_biases.astype(np.float64)
        self.vector_mean = vectors64.mean(axis=0)
        centered = vectors64 - self.vector_mean
        self.vector_covariance = centered.T @ centered / max(n, 1)
        self.vector_bias_covariance = centered.T @ (biases64 - biases64.mean()) / max(n, 1)
        self.bias_mean = float(biases64.mean()) if n else 0.0
        self.bias_variance = float(biases64.var()) if n else 0.0
        del vectors64, centered
        norms = np.linalg.norm(self.item_vectors, axis=1, keepdims=True)
        self.unit_vectors = self.item_vectors / np.maximum(norms, 1e-9)

        user_vectors = artifact.user_features @ artifact.model.user_embeddings
        self.user_vectors = np.ascontiguousarray(user_vectors, dtype=np.float32)

    # --- co-occurrence and popularity, re-indexed to catalog rows ------------------------------

    def _project_statistics(self, artifact: RecommenderArtifact) -> None:
        n = len(self.items)
        old_to_new = np.full(len(artifact.item_index), -1, dtype=np.int64)
        for product, old in artifact.item_index.items():
            new = self.index.get(product)
            if new is not None:
                old_to_new[old] = new
        # Row j of the transposed kNN matrix: how much having j in the history adds to each item.
        self.knn = remap_square(artifact.knn, old_to_new, n)
        self.knn_by_history = self.knn.T.tocsr()
        self.co_purchases = remap_square(artifact.co_purchases, old_to_new, n)
        self.purchase_counts = np.asarray(self.co_purchases.diagonal()).astype(np.float32)
        self.co_purchases.setdiag(0.0)
        self.co_purchases.eliminate_zeros()

        def on_catalog(values: np.ndarray) -> np.ndarray:
            result = np.zeros(n, dtype=np.float32)
            known = old_to_new >= 0
            result[old_to_new[known]] = values[known]
            return result

        self.raw_popularity = on_catalog(artifact.popularity)
        self.popularity = zscore(np.log1p(self.raw_popularity))
        self.segment_popularity = {
            segment: zscore(np.log1p(on_catalog(values)))
            for segment, values in artifact.segment_popularity.items()
        }

    def popularity_in(self, segment: str | None) -> np.ndarray:
        """Z-scored popularity in `segment`, or in the whole shop for an unknown segment."""
        return self.segment_popularity.get(segment or "", self.popularity)

    # --- filters ----------------------------------------------------------------------------

    def _index_filters(self) -> None:
        self.active = np.array([item.active for item in self.items], dtype=bool)
        self.in_stock = np.array([item.stock > 0 for item in self.items], dtype=bool) & self.active
        self.unavailable = np.flatnonzero(~self.in_stock)
        self.inactive = np.flatnonzero(~self.active)
        self.prices = np.array([item.price for item in self.items], dtype=np.float64)
        self.brands = np.array([normalize_name(item.brand or "") for item in self.items], dtype=object)
        by_category: dict[str, list[int]] = defaultdict(list)
        for i, item in enumerate(self.items):
            levels = [normalize_name(level) for level in item.category_levels]
            names = set(levels) | {singular(level) for level in levels}
            names |= {" > ".join(levels[:depth]) for depth in range(1, len(levels) + 1)}
            for name in names:
                by_category[name].append(i)
        self.by_category = {name: np.asarray(ix, dtype=np.int64) for name, ix in by_category.items()}
        self.leaf_items: dict[str, np.ndarray] = defaultdict(lambda: np.empty(0, dtype=np.int64))
        leaves: dict[str, list[int]] = defaultdict(list)
        for i, item in enumerate(self.items):
            leaves[item.leaf_category].append(i)
        self.leaf_items.update({leaf: np.asarray(ix) for leaf, ix in leaves.items()})

    def mark_sold_out(self, rows: Sequence[int]) -> None:
        """Rows whose live stock ran out since the catalog was loaded."""
        self.in_stock[list(rows)] = False
        self.unavailable = np.flatnonzero(~self.in_stock)

    def candidate_mask(self, filters: RecommendationFilters) -> np.ndarray:
        """Rows that satisfy `filters` (a fresh array the caller may change)."""
        mask = self.in_stock.copy() if filters.in_stock_only else self.active.copy()
        if filters.category:
            name = normalize_name(filters.category)
            members = self.by_category.get(name)
            if members is None:
                members = self.by_category.get(singular(name), np.empty(0, dtype=np.int64))
            category_mask = np.zeros(len(mask), dtype=bool)
            category_mask[members] = True
            mask &= category_mask
        if filters.brand:
            mask &= self.brands == normalize_name(filters.brand)
        if filters.min_price is not None:
            mask &= self.prices >= float(filters.min_price)
        if filters.max_price is not None:
            mask &= self.prices <= float(filters.max_price)
        for product in filters.exclude_product_ids:
            index = self.index.get(product)
            if index is not None:
                mask[index] = False
        return mask


__all__ = ["CatalogProjection", "normalize_name", "singular", "zscore"]
