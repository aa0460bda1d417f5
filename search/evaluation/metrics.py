"""Search's ranking metrics over graded judgments (product id -> grade): NDCG@k (the shared
`shop.metrics.ndcg_at_k`), MRR of the first best-grade product and best-grade recall@k."""

from __future__ import annotations

from collections.abc import Sequence

from shop.metrics import ndcg_at_k

__all__ = ["best_recall_at_k", "mrr", "ndcg_at_k"]


def mrr(ranked: Sequence[int], judgments: dict[int, int]) -> float:
    best = max(judgments.values(), default=0)
    for i, p in enumerate(ranked):
        if best and judgments.get(p, 0) == best:
            return 1.0 / (i + 1)
    return 0.0


def best_recall_at_k(ranked: Sequence[int], judgments: dict[int, int], k: int = 50) -> float:
    """Share of the best-grade products found in the first `k`, out of min(k, their number)."""
    best = max(judgments.values(), default=0)
    relevant = {p for p, g in judgments.items() if g == best}
    if not relevant:
        return 0.0
    return len(relevant.intersection(ranked[:k])) / min(k, len(relevant))
