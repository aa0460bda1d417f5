"""MovieLens 100K through the shop's recommender pipeline, beside LightFM's documented scoring.

    .venv/bin/python bench/recommender_movielens.py [--data ../shared/datasets/ml-100k] [--json out.json]

ua.base trains, ua.test tests, every rating is a positive. Two scorings:

1. LightFM's documented one (its MovieLens example: WARP, 10 epochs, learning rate 0.05):
   test precision@10 and AUC with training positives NOT excluded from the ranking.
2. The one a shop needs: training positives excluded (nobody is recommended what they already
   have), for the served recommender (tuned blend) and its baselines, pure collaborative
   filtering (identities only) and hybrid (genres as item features), in one run.

The blend is tuned on a validation split carved out of ua.base (10 random ratings of each user
with at least 20, as ua.test was made), never on ua.test.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from lightfm import LightFM
from lightfm.evaluation import auc_score, precision_at_k

from recommender.config import EventWeights, TrainConfig
from recommender.data import CatalogItem, Interaction, ShopData
from recommender.evaluate import evaluate_split, format_table
from recommender.metrics import HoldoutSplit
from shop.models import EventKind

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "ml-100k"
GENRES = [
    "unknown", "action", "adventure", "animation", "children", "comedy", "crime", "documentary",
    "drama", "fantasy", "film-noir", "horror", "musical", "mystery", "romance", "sci-fi",
    "thriller", "war", "western",
]  # fmt: skip

#: The served configuration on MovieLens: timestamps are rating dates, not shopping recency,
#: and genres go in at LightFM's usual weighting (rows normalised, identity 1 : genre 1), which
#: helps here (unlike the demo shop's metadata, see BENCHMARKS.md).
MOVIELENS_CONFIG = TrainConfig(
    no_components=64,
    epochs=30,
    learning_rate=0.05,
    recency_half_life_days=1e6,
    event_weights=EventWeights(purchase=1.0),
    use_user_features=False,
    identity_feature_weight=1.0,
    metadata_feature_weight=1.0,
    normalize_item_features=True,
    item_feature_groups=("attributes",),
    tune_blend=True,
)


def read_ratings(path: Path) -> np.ndarray:
    return np.loadtxt(path, dtype=np.int64)


def read_catalog(root: Path) -> tuple[CatalogItem, ...]:
    items = []
    for line in (root / "u.item").read_text(encoding="latin-1").splitlines():
        parts = line.split("|")
        flags = parts[5:]
        items.append(
            CatalogItem(
                product_id=int(parts[0]),
                title=parts[1],
                category_path="Movies",
                brand="",
                price=1.0,
                attributes={GENRES[g]: True for g, flag in enumerate(flags) if flag == "1"},
            )
        )
    return tuple(items)


def to_shop_data(ratings: np.ndarray, catalog: tuple[CatalogItem, ...]) -> ShopData:
    interactions = tuple(
        Interaction(
            int(u), int(i), EventKind.PURCHASE, datetime.fromtimestamp(int(t), UTC).replace(tzinfo=None)
        )
        for u, i, _, t in ratings
    )
    users = sorted({int(u) for u in ratings[:, 0]})
    return ShopData(catalog=catalog, segments=dict.fromkeys(users), interactions=interactions, baskets=())


def holdout(train: ShopData, test: np.ndarray) -> HoldoutSplit:
    relevant: dict[int, set[int]] = defaultdict(set)
    for u, i, _, _ in test:
        relevant[int(u)].add(int(i))
    sizes: dict[int, int] = defaultdict(int)
    for interaction in train.interactions:
        sizes[interaction.customer_id] += 1
    return HoldoutSplit(
        train=train, cut=train.reference_time, relevant=dict(relevant), history_sizes=dict(sizes)
    )


def validation_split(ratings: np.ndarray, catalog: tuple[CatalogItem, ...], seed: int = 7) -> HoldoutSplit:
    """10 random ratings per user (with >= 20) held out of ua.base, the way ua.test was made."""
    rng = random.Random(seed)
    by_user: dict[int, list[int]] = defaultdict(list)
    for row, user in enumerate(ratings[:, 0]):
        by_user[int(user)].append(row)
    held = set()
    for rows in by_user.values():
        if len(rows) >= 20:
            held.update(rng.sample(rows, 10))
    mask = np.array([row in held for row in range(len(ratings))])
    return holdout(to_shop_data(ratings[~mask], catalog), ratings[mask])


def documented_scoring(train: np.ndarray, test: np.ndarray, seed: int) -> dict[str, float]:
    """LightFM's MovieLens example, as documented: WARP, learning rate 0.05, 10 epochs."""
    shape = (int(max(train[:, 0].max(), test[:, 0].max())), 1682)

    def matrix(rows: np.ndarray) -> sp.coo_matrix:
        return sp.coo_matrix((rows[:, 2].astype(np.float32), (rows[:, 0] - 1, rows[:, 1] - 1)), shape=shape)

    train_m, test_m = matrix(train), matrix(test)
    started = time.perf_counter()
    model = LightFM(learning_rate=0.05, loss="warp", random_state=np.random.RandomState(seed))
    model.fit(train_m, epochs=10, num_threads=1)
    fit_seconds = time.perf_counter() - started
    return {
        "precision@10_train_positives_not_excluded": float(precision_at_k(model, test_m, k=10).mean()),
        "auc": float(auc_score(model, test_m).mean()),
        "precision@10_train_positives_excluded": float(
            precision_at_k(model, test_m, train_interactions=train_m, k=10).mean()
        ),
        "fit_seconds": round(fit_seconds, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--json", type=Path, default=None, help="also write all figures here")
    parser.add_argument("--seed", type=int, default=MOVIELENS_CONFIG.random_seed)
    args = parser.parse_args()

    train = read_ratings(args.data / "ua.base")
    test = read_ratings(args.data / "ua.test")
    catalog = read_catalog(args.data)
    results: dict[str, object] = {"documented": documented_scoring(train, test, args.seed)}
    doc = results["documented"]
    print("LightFM documented scoring (WARP, lr 0.05, 10 epochs, 10 components):")
    print(
        f"  test P@10 (train positives not excluded) {doc['precision@10_train_positives_not_excluded']:.4f}"
        f"   AUC {doc['auc']:.4f}   [docs: 0.11 / 0.90]"
    )
    print(f"  same model, train positives excluded: P@10 {doc['precision@10_train_positives_excluded']:.4f}")

    test_split = holdout(to_shop_data(train, catalog), test)
    for variant, use_genres in (("pure_cf", False), ("hybrid_genres", True)):
        config = MOVIELENS_CONFIG.replace(random_seed=args.seed, use_item_metadata=use_genres)
        validation = validation_split(train, catalog)
        started = time.perf_counter()
        report = evaluate_split(
            test_split, config, dataset=f"MovieLens 100K ({variant})", artifact_validation=validation
        )
        report.timings["total_seconds"] = round(time.perf_counter() - started, 2)
        results[variant] = report.to_dict()
        print(
            f"\nShop scoring, training positives excluded: {variant} "
            f"(blend {report.blend['warm']}, {report.timings})"
        )
        print(format_table(report))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2, default=str) + "\n")


if __name__ == "__main__":
    main()
