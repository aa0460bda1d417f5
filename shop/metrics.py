"""Ranking metrics that search and the recommender both report, in one implementation.

`ndcg_at_k` takes either graded judgments (product id -> grade, gain 2^grade - 1) or a plain
set of relevant ids (every one grade 1, gain 1), so the recommender's binary NDCG and search's
graded NDCG are the same function.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence


def ndcg_at_k(ranked: Sequence[int], relevant: Mapping[int, float] | Collection[int], k: int = 10) -> float:
    """Normalised discounted cumulative gain of the first `k` of `ranked` (0 when nothing is relevant)."""
    grades: Mapping[int, float] = relevant if isinstance(relevant, Mapping) else dict.fromkeys(relevant, 1)
    ideal_gains = sorted((2.0**g - 1 for g in grades.values()), reverse=True)[:k]
    ideal = sum(gain / math.log2(i + 2) for i, gain in enumerate(ideal_gains))
    if ideal <= 0:
        return 0.0
    dcg = sum((2.0 ** grades.get(p, 0) - 1) / math.log2(i + 2) for i, p in enumerate(ranked[:k]))
    return dcg / ideal
