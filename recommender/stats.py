"""Count-based signals next to LightFM: item-kNN co-occurrence, co-purchases and popularity.

All matrices are indexed like the training set's items (column index of the interaction matrix).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import scipy.sparse as sp

from recommender.data import Basket


def item_knn_similarity(user_item: sp.spmatrix, neighbours: int) -> sp.csr_matrix:
    """Cosine similarity of products by the shoppers who interacted with them, top `neighbours` per row.

    Each shopper's co-occurrences count 1/sqrt(number of their products), so one very active
    shopper does not make everything they touched look related. Row i holds i's neighbours j
    with sim(i, j); the diagonal is zero. Score a history h with `similarity @ h`.
    """
    binary = sp.csr_matrix(user_item, dtype=np.float32, copy=True)
    binary.data[:] = 1.0
    binary.eliminate_zeros()
    per_user = np.asarray(binary.sum(axis=1)).ravel()
    damped = sp.diags(1.0 / np.sqrt(np.maximum(per_user, 1.0))).astype(np.float32) @ binary
    co_occurrence = (binary.T @ damped).tocsr()
    co_occurrence.setdiag(0.0)
    co_occurrence.eliminate_zeros()
    counts = np.asarray(binary.sum(axis=0)).ravel()
    norm = np.sqrt(np.maximum(counts, 1.0)).astype(np.float32)
    co_occurrence = (sp.diags(1.0 / norm) @ co_occurrence @ sp.diags(1.0 / norm)).tocsr()
    return keep_top_per_row(co_occurrence, neighbours)


def keep_top_per_row(matrix: sp.csr_matrix, top: int) -> sp.csr_matrix:
    """Zero all but the `top` largest entries of each row."""
    matrix = matrix.tocsr()
    rows, cols, vals = [], [], []
    for row in range(matrix.shape[0]):
        start, end = matrix.indptr[row], matrix.indptr[row + 1]
        if start == end:
            continue
        data = matrix.data[start:end]
        index = matrix.indices[start:end]
        if end - start > top:
            keep = np.argpartition(-data, top)[:top]
            data, index = data[keep], index[keep]
        rows.append(np.full(len(data), row, dtype=np.int32))
        cols.append(index)
        vals.append(data)
    if not rows:
        return sp.csr_matrix(matrix.shape, dtype=np.float32)
    return sp.csr_matrix(
        (np.concatenate(vals).astype(np.float32), (np.concatenate(rows), np.concatenate(cols))),
        shape=matrix.shape,
    )


def co_purchase_counts(baskets: Iterable[Basket], item_index: dict[int, int]) -> sp.csr_matrix:
    """Symmetric matrix of how many orders contain both products; the diagonal holds each product's count."""
    rows, cols = [], []
    for number, basket in enumerate(baskets):
        for product in basket.product_ids:
            column = item_index.get(product)
            if column is not None:
                rows.append(number)
                cols.append(column)
    if not rows:
        return sp.csr_matrix((len(item_index), len(item_index)), dtype=np.float32)
    orders = sp.csr_matrix(
        (np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(max(rows) + 1, len(item_index))
    )
    orders.data[:] = 1.0  # a product twice in one order counts once
    return (orders.T @ orders).tocsr()


def popularity(
    weights: sp.spmatrix, user_ids: np.ndarray, segments: dict[int, str | None]
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Summed recency-weighted signal per product: over everyone, and per customer segment."""
    weights = sp.csr_matrix(weights)
    overall = np.asarray(weights.sum(axis=0)).ravel().astype(np.float32)
    by_segment: dict[str, np.ndarray] = {}
    segment_of_row = np.array([segments.get(int(customer)) or "" for customer in user_ids], dtype=object)
    for segment in sorted(set(segment_of_row) - {""}):
        rows = np.flatnonzero(segment_of_row == segment)
        by_segment[segment] = np.asarray(weights[rows].sum(axis=0)).ravel().astype(np.float32)
    return overall, by_segment


def remap_square(matrix: sp.spmatrix, old_to_new: Sequence[int] | np.ndarray, size: int) -> sp.csr_matrix:
    """Re-index a square item x item matrix; entries whose item maps to -1 are dropped."""
    matrix = sp.coo_matrix(matrix)
    old_to_new = np.asarray(old_to_new)
    rows, cols = old_to_new[matrix.row], old_to_new[matrix.col]
    keep = (rows >= 0) & (cols >= 0)
    return sp.csr_matrix((matrix.data[keep].astype(np.float32), (rows[keep], cols[keep])), shape=(size, size))
