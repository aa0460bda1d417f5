"""Training: LightFM fit, count statistics, blend tuning, and incremental refresh with `fit_partial`."""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import product

import numpy as np
import scipy.sparse as sp
from lightfm import LightFM
from tqdm import tqdm

from recommender.artifact import RecommenderArtifact
from recommender.cold_items import fit_cold_item_map
from recommender.config import BlendWeights, TrainConfig
from recommender.data import Interaction, ShopData
from recommender.features import feature_space_for
from recommender.history import InMemoryHistory
from recommender.metrics import HoldoutSplit, ndcg_at_k, summarize, temporal_split
from recommender.stats import co_purchase_counts, item_knn_similarity, popularity
from recommender.training_set import TrainingSet, build_training_set, pair_weights

#: Candidate values per blend weight; the grid is small because each point is cheap to score.
BLEND_GRID_LIGHTFM = (0.0, 0.25, 0.5, 1.0)
BLEND_GRID_KNN = (0.0, 0.25, 0.5, 1.0)
BLEND_GRID_POPULARITY = (0.0, 0.1, 0.25, 0.5, 1.0)


def new_model(config: TrainConfig) -> LightFM:
    return LightFM(
        no_components=config.no_components,
        loss=config.loss,
        learning_rate=config.learning_rate,
        item_alpha=config.item_alpha,
        user_alpha=config.user_alpha,
        max_sampled=config.max_sampled,
        random_state=np.random.RandomState(config.random_seed),
    )


def fit_lightfm(
    training: TrainingSet,
    config: TrainConfig,
    *,
    with_features: bool = True,
    progress: bool = False,
    description: str = "LightFM",
) -> LightFM:
    """Fit a fresh model epoch by epoch (same result as `fit`, with a progress bar).

    `with_features=False` is plain collaborative filtering: identity features only, the
    "LightFM without features" baseline.
    """
    model = new_model(config)
    item_features = training.item_features if with_features else None
    user_features = training.user_features if with_features else None
    for _ in tqdm(range(config.epochs), desc=description, unit="epoch", disable=not progress, leave=False):
        model.fit_partial(
            training.interactions,
            user_features=user_features,
            item_features=item_features,
            sample_weight=training.weights,
            epochs=1,
            num_threads=config.num_threads,
        )
    return model


@dataclass(frozen=True)
class Statistics:
    knn: sp.csr_matrix
    co_purchases: sp.csr_matrix
    popularity: np.ndarray
    segment_popularity: dict[str, np.ndarray]


def compute_statistics(data: ShopData, item_index: dict[int, int], config: TrainConfig) -> Statistics:
    """Count-based signals over every customer in `data` (also ones the model has no row for).

    Guest sessions are further rows of the shopper x product matrix behind co-occurrence and
    overall popularity (each under a negative id, so no segment and no clash with a customer).
    """
    weights = pair_weights([*data.interactions, *guest_rows(data)], config, data.reference_time)
    customers = sorted({c for c, _ in weights})
    row_of = {c: i for i, c in enumerate(customers)}
    pairs = [(row_of[c], item_index[p], w) for (c, p), w in weights.items() if p in item_index]
    rows, cols, vals = (np.array(x) for x in zip(*pairs, strict=True)) if pairs else ([], [], [])
    user_item = sp.csr_matrix(
        (np.asarray(vals, dtype=np.float32), (rows, cols)), shape=(len(customers), len(item_index))
    )
    overall, by_segment = popularity(user_item, np.array(customers, dtype=np.int64), data.segments)
    return Statistics(
        knn=item_knn_similarity(user_item, config.knn_neighbours),
        co_purchases=co_purchase_counts(data.baskets, item_index),
        popularity=overall,
        segment_popularity=by_segment,
    )


def guest_rows(data: ShopData) -> list[Interaction]:
    """Guest sessions as interactions of pseudo-customers -1, -2, ... (in order of first event)."""
    ids: dict[str, int] = {}
    return [
        Interaction(ids.setdefault(g.session_id, -(len(ids) + 1)), g.product_id, g.kind, g.occurred_at)
        for g in data.guest_sessions
    ]


def build_artifact(
    data: ShopData,
    config: TrainConfig,
    *,
    validation: HoldoutSplit | None = None,
    progress: bool = False,
    log: Callable[[str], None] = lambda _: None,
) -> RecommenderArtifact:
    """Train everything on `data`.

    When `config.tune_blend`, the blend weights are first tuned on `validation` (default: the
    last `config.validation_days` of `data`, a temporal split), by a model trained without them.
    """
    started = time.perf_counter()
    blend_warm = blend_cold = BlendWeights()
    metrics: dict[str, object] = {}
    if config.tune_blend:
        split = validation or temporal_split(data, config.validation_days)
        if split.relevant and split.train.interactions:
            log(f"tuning blend weights on a validation split ({len(split.relevant)} customers)")
            blend_warm, blend_cold, report = tune_blend(split, config, progress=progress)
            metrics["validation"] = report
        else:
            log("too little data for a validation split; using the default blend weights")

    features = feature_space_for(data.catalog, config)
    training = build_training_set(data, features, config)
    log(
        f"training LightFM ({config.loss}, {config.no_components} components, {config.epochs} epochs) on "
        f"{training.interactions.nnz} pairs of {len(training.user_ids)} customers x "
        f"{len(training.item_ids)} products"
    )
    fit_started = time.perf_counter()
    model = fit_lightfm(training, config, progress=progress, description="LightFM")
    fit_seconds = time.perf_counter() - fit_started
    stats = compute_statistics(data, training.item_index, config)
    has_interactions = np.asarray(training.interactions.tocsc().getnnz(axis=0) > 0)
    embeddings = np.asarray(training.item_features @ model.item_embeddings)
    biases = np.asarray(training.item_features @ model.item_biases)
    warm_items = [item for item in data.catalog if has_interactions[training.item_index[item.product_id]]]
    warm_rows = np.array([training.item_index[item.product_id] for item in warm_items], dtype=np.int64)
    cold_item_map = fit_cold_item_map(warm_items, embeddings[warm_rows], biases[warm_rows], features)
    metrics["train_seconds"] = round(time.perf_counter() - started, 2)
    metrics["fit_seconds"] = round(fit_seconds, 2)
    artifact = RecommenderArtifact(
        model=model,
        mappings=training.dataset.mapping(),
        user_features=training.user_features,
        item_features=training.item_features,
        feature_space=features,
        cold_item_map=cold_item_map,
        item_has_interactions=has_interactions,
        config=config,
        blend_warm=blend_warm,
        blend_cold=blend_cold,
        knn=stats.knn,
        co_purchases=stats.co_purchases,
        popularity=stats.popularity,
        segment_popularity=stats.segment_popularity,
        fingerprint=data.fingerprint(config),
        reference_time=data.reference_time,
        created_at=datetime.now(UTC).replace(tzinfo=None),
        metrics=metrics,
        data_summary={
            "customers": len(training.user_ids),
            "products": len(training.item_ids),
            "pairs": int(training.interactions.nnz),
            "interactions": len(data.interactions),
            "orders": len(data.baskets),
            "guest_events": len(data.guest_sessions),
            "item_features": len(training.dataset.mapping()[3]),
        },
    )
    artifact.check_consistency()
    return artifact


def tune_blend(
    split: HoldoutSplit, config: TrainConfig, *, progress: bool = False
) -> tuple[BlendWeights, BlendWeights, dict[str, object]]:
    """Pick warm and cold blend weights by NDCG@10 on a temporal validation split.

    Warm: customers with more than `cold_max_interactions` past products, as they are. Cold:
    every validation customer scored as a newcomer who has touched only their last
    `cold_max_interactions` products (no trained user vector), the session cold-start path.
    """
    from recommender.serving import Recommender

    artifact = build_artifact(split.train, config.replace(tune_blend=False), progress=progress)
    history = InMemoryHistory(split.train)
    recommender = Recommender(artifact, split.train.catalog, history)
    grid = [
        BlendWeights(lightfm=a, knn=b, popularity=c)
        for a, b, c in product(BLEND_GRID_LIGHTFM, BLEND_GRID_KNN, BLEND_GRID_POPULARITY)
        if a or b
    ]
    scores = {"warm": np.zeros(len(grid)), "cold": np.zeros(len(grid))}
    counts = {"warm": 0, "cold": 0}
    active = np.array([item.active for item in split.train.catalog], dtype=bool)
    product_ids = recommender.catalog_product_ids()
    for customer in tqdm(split.users(), desc="blend tuning", disable=not progress, leave=False):
        full = recommender.context(customer)
        newcomer = recommender.context_for_history(
            history.history(customer).last_products(config.cold_max_interactions)
        )
        contexts = [("cold", newcomer)]
        if len(full.indices) > config.cold_max_interactions:
            contexts.append(("warm", full))
        for group, context in contexts:
            if context.is_empty:
                continue  # served by segment popularity, whatever the weights
            components = recommender.components(context)
            allowed = active.copy()
            allowed[context.purchased] = False
            relevant = split.relevant[customer]
            for g, weights in enumerate(grid):
                ranked = _top_ids(components.blend(weights), allowed, product_ids, 10)
                scores[group][g] += ndcg_at_k(ranked, relevant, 10)
            counts[group] += 1
    best = {}
    report: dict[str, object] = {"cut": split.cut.isoformat()}
    for group in ("warm", "cold"):
        if counts[group]:
            index = int(np.argmax(scores[group]))
            best[group] = grid[index]
            report[group] = {
                "users": counts[group],
                "ndcg@10": round(float(scores[group][index] / counts[group]), 4),
                "weights": grid[index].to_dict(),
            }
        else:
            best[group] = BlendWeights()
    return best["warm"], best["cold"], report


def _top_ids(scores: np.ndarray, allowed: np.ndarray, product_ids: np.ndarray, k: int) -> list[int]:
    candidates = np.flatnonzero(allowed)
    values = scores[candidates]
    part = np.argpartition(-values, k)[:k] if len(candidates) > k else np.arange(len(candidates))
    return [int(product_ids[candidates[i]]) for i in part[np.argsort(-values[part], kind="stable")]]


def refresh_artifact(
    artifact: RecommenderArtifact, data: ShopData, *, epochs: int = 3, progress: bool = False
) -> tuple[RecommenderArtifact, dict[str, int]]:
    """Learn from interactions newer than the artifact with `fit_partial`, without a full retrain.

    Only customers and products the model already has rows for can be learned this way (a fitted
    LightFM model cannot grow); their count is reported so that a full retrain can be scheduled.
    Count statistics (co-occurrence, co-purchases, popularity) are recomputed over all data.
    """
    config = artifact.config
    newer = [i for i in data.interactions if i.occurred_at > artifact.reference_time]
    weights = pair_weights(newer, config, data.reference_time)
    users, items = artifact.user_index, artifact.item_index
    learnable = {pair: w for pair, w in weights.items() if pair[0] in users and pair[1] in items}
    summary = {
        "new_pairs": len(weights),
        "learned_pairs": len(learnable),
        "skipped_new_customers": len({c for c, _ in weights if c not in users}),
        "skipped_new_products": len({p for _, p in weights if p not in items}),
    }
    model = copy.deepcopy(artifact.model)
    if learnable:
        rows = np.array([users[c] for c, _ in learnable])
        cols = np.array([items[p] for _, p in learnable])
        shape = (len(users), len(items))
        interactions = sp.coo_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=shape)
        sample_weight = sp.coo_matrix(
            (np.fromiter(learnable.values(), dtype=np.float32), (rows, cols)), shape=shape
        )
        for _ in tqdm(range(epochs), desc="fit_partial", unit="epoch", disable=not progress, leave=False):
            model.fit_partial(
                interactions,
                user_features=artifact.user_features,
                item_features=artifact.item_features,
                sample_weight=sample_weight,
                epochs=1,
                num_threads=config.num_threads,
            )
    stats = compute_statistics(data, items, config)
    refreshed = copy.copy(artifact)
    refreshed.model = model
    refreshed.knn = stats.knn
    refreshed.co_purchases = stats.co_purchases
    refreshed.popularity = stats.popularity
    refreshed.segment_popularity = stats.segment_popularity
    refreshed.fingerprint = data.fingerprint(config)
    refreshed.reference_time = data.reference_time
    refreshed.created_at = datetime.now(UTC).replace(tzinfo=None)
    refreshed.metrics = {**artifact.metrics, "refresh": summary}
    refreshed.version = None
    return refreshed, summary


def summarize_rankings(
    rankings: dict[int, list[int]], split: HoldoutSplit, users: Iterable[int], catalog_size: int
) -> dict[str, float]:
    chosen = {u: rankings[u] for u in users if u in rankings}
    return summarize(chosen, split.relevant, 10, catalog_size)
