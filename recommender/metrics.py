"""Top-k ranking metrics with binary relevance, and the temporal hold-out they are measured on."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from recommender.data import ShopData
from shop.metrics import ndcg_at_k  # the one NDCG (binary here: every relevant id gains 1)
from shop.models import EventKind


def precision_at_k(ranked: Sequence[int], relevant: set[int], k: int) -> float:
    return sum(1 for p in ranked[:k] if p in relevant) / k


def recall_at_k(ranked: Sequence[int], relevant: set[int], k: int) -> float:
    return sum(1 for p in ranked[:k] if p in relevant) / len(relevant) if relevant else 0.0


def hit_at_k(ranked: Sequence[int], relevant: set[int], k: int) -> float:
    return 1.0 if any(p in relevant for p in ranked[:k]) else 0.0


def summarize(
    rankings: Mapping[int, Sequence[int]], relevant: Mapping[int, set[int]], k: int, catalog_size: int
) -> dict[str, float]:
    """Mean P@k, R@k, NDCG@k, hit rate over the users in `rankings`, and catalog coverage."""
    users = [u for u in rankings if relevant.get(u)]
    if not users:
        return {
            "users": 0,
            f"precision@{k}": 0.0,
            f"recall@{k}": 0.0,
            f"ndcg@{k}": 0.0,
            "hit_rate": 0.0,
            "coverage": 0.0,
        }
    shown = {p for u in users for p in rankings[u][:k]}
    n = len(users)
    return {
        "users": n,
        f"precision@{k}": sum(precision_at_k(rankings[u], relevant[u], k) for u in users) / n,
        f"recall@{k}": sum(recall_at_k(rankings[u], relevant[u], k) for u in users) / n,
        f"ndcg@{k}": sum(ndcg_at_k(rankings[u], relevant[u], k) for u in users) / n,
        "hit_rate": sum(hit_at_k(rankings[u], relevant[u], k) for u in users) / n,
        "coverage": len(shown) / catalog_size if catalog_size else 0.0,
    }


@dataclass(frozen=True)
class HoldoutSplit:
    """Train on everything before `cut`; score on what each customer bought from `cut` on."""

    train: ShopData
    cut: datetime
    #: Customer -> products bought in the hold-out window that they had not bought before.
    relevant: dict[int, set[int]]
    #: Customer -> distinct products they interacted with before the cut.
    history_sizes: dict[int, int]

    def users(self, *, max_history: int | None = None) -> list[int]:
        return sorted(
            u for u in self.relevant if max_history is None or self.history_sizes.get(u, 0) <= max_history
        )


def temporal_split(data: ShopData, days: float) -> HoldoutSplit:
    cut = data.reference_time - timedelta(days=days)
    train = data.before(cut)
    bought_before: dict[int, set[int]] = {}
    touched_before: dict[int, set[int]] = {}
    for interaction in train.interactions:
        touched_before.setdefault(interaction.customer_id, set()).add(interaction.product_id)
        if interaction.kind == EventKind.PURCHASE:
            bought_before.setdefault(interaction.customer_id, set()).add(interaction.product_id)
    relevant: dict[int, set[int]] = {}
    for interaction in data.interactions:
        if (
            interaction.occurred_at >= cut
            and interaction.kind == EventKind.PURCHASE
            and interaction.product_id not in bought_before.get(interaction.customer_id, set())
        ):
            relevant.setdefault(interaction.customer_id, set()).add(interaction.product_id)
    history_sizes = {u: len(touched_before.get(u, ())) for u in relevant}
    return HoldoutSplit(train=train, cut=cut, relevant=relevant, history_sizes=history_sizes)
