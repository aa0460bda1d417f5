"""Offline evaluation: the served recommender against its baselines, in one run, on one split.

Methods, all ranking the same candidates (active products the customer has not bought before the
cut) and all falling back to global popularity for a customer with no history at all:

* `served`: what `Recommender.recommend` ranks by (the tuned blend);
* `lightfm_hybrid`: the LightFM component alone (with item and user features);
* `lightfm_no_features`: LightFM trained on identities only (plain collaborative filtering);
* `item_knn`: co-occurrence neighbours of the customer's history (cosine, top-N neighbours);
* `popularity`: recency-weighted global popularity.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from recommender.config import TrainConfig
from recommender.data import ShopData
from recommender.features import feature_space_for
from recommender.history import InMemoryHistory
from recommender.metrics import HoldoutSplit, summarize, temporal_split
from recommender.serving import Recommender, ShopperContext
from recommender.train import build_artifact, fit_lightfm
from recommender.training_set import build_training_set
from shop.config import VAR_DIR

K = 10
METHODS = ("served", "lightfm_hybrid", "lightfm_no_features", "item_knn", "popularity")
#: all: every hold-out customer; cold: those with at most `cold_max_interactions` past products;
#: newcomer: every hold-out customer reduced to their last `cold_max_interactions` products.
GROUPS = ("all", "cold", "newcomer")
REPORT_DIR = VAR_DIR / "reports"


@dataclass
class EvaluationReport:
    dataset: str
    split: dict[str, Any]
    #: method -> {"all": metrics, "cold": metrics}
    methods: dict[str, dict[str, dict[str, float]]]
    blend: dict[str, Any]
    config: dict[str, Any]
    timings: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "split": self.split,
            "methods": self.methods,
            "blend": self.blend,
            "config": self.config,
            "timings": self.timings,
        }

    def beats_every_baseline(self, metric: str = f"ndcg@{K}") -> dict[str, bool]:
        """Whether `served` is strictly best on `metric` for all users and for cold users."""
        verdict = {}
        for group in GROUPS:
            served = self.methods["served"][group][metric]
            others = [scores[group][metric] for name, scores in self.methods.items() if name != "served"]
            verdict[group] = all(served > other for other in others)
        return verdict


def rank_all(
    split: HoldoutSplit,
    config: TrainConfig,
    *,
    artifact_validation: HoldoutSplit | None = None,
    progress: bool = False,
    log: Callable[[str], None] = lambda _: None,
) -> tuple[dict[str, dict[str, dict[int, list[int]]]], Recommender, dict[str, float]]:
    """Train on `split.train` and rank the hold-out customers with every method.

    Returns rankings[group][method][customer] for two groups: "actual" (customers with their
    real history) and "newcomer" (every customer as if they had touched only their last
    `cold_max_interactions` products and had no trained user vector: both LightFM variants then
    fold the user in as the mean of those products' embeddings).
    """
    timings: dict[str, float] = {}
    started = time.perf_counter()
    artifact = build_artifact(split.train, config, validation=artifact_validation, progress=progress, log=log)
    timings["train_served_seconds"] = round(time.perf_counter() - started, 2)
    history = InMemoryHistory(split.train)
    recommender = Recommender(artifact, split.train.catalog, history)

    started = time.perf_counter()
    features = feature_space_for(split.train.catalog, config)
    training = build_training_set(split.train, features, config)
    plain = fit_lightfm(training, config, with_features=False, progress=progress, description="LightFM CF")
    timings["train_no_features_seconds"] = round(time.perf_counter() - started, 2)
    plain_items = np.zeros((recommender.catalog_size, plain.item_embeddings.shape[1]), dtype=np.float32)
    plain_biases = np.full(recommender.catalog_size, -1e3, dtype=np.float32)
    for product, column in training.item_index.items():
        index = recommender.catalog_index(product)
        if index is not None:
            plain_items[index] = plain.item_embeddings[column]
            plain_biases[index] = plain.item_biases[column]
    plain_users = training.user_index

    def plain_scores(context: ShopperContext, customer: int | None) -> np.ndarray:
        row = plain_users.get(customer) if customer is not None else None
        if row is not None:
            return plain_items @ plain.user_embeddings[row] + plain_biases
        weights = context.weights / context.weights.sum()
        return plain_items @ (weights @ plain_items[context.indices]) + plain_biases

    active = np.array([item.active for item in split.train.catalog], dtype=bool)
    product_ids = recommender.catalog_product_ids()
    popularity = recommender.popularity_scores()
    rankings: dict[str, dict[str, dict[int, list[int]]]] = {
        group: {name: {} for name in METHODS} for group in ("actual", "newcomer")
    }
    started = time.perf_counter()
    for customer in split.users():
        actual = recommender.context(customer)
        newcomer = recommender.context_for_history(
            history.history(customer).last_products(config.cold_max_interactions)
        )
        for group, context, model_customer in (
            ("actual", actual, customer),
            ("newcomer", newcomer, None),
        ):
            allowed = active.copy()
            allowed[context.purchased] = False
            _, served = recommender.scores(context)
            if context.is_empty:
                lightfm = knn = cf = popularity
            else:
                components = recommender.components(context)
                lightfm = components.lightfm
                knn = components.knn + 1e-6 * popularity  # ties (no co-occurrence) broken by popularity
                cf = plain_scores(context, model_customer)
            for name, scores in (
                ("served", served),
                ("lightfm_hybrid", lightfm),
                ("lightfm_no_features", cf),
                ("item_knn", knn),
                ("popularity", popularity),
            ):
                rankings[group][name][customer] = top_ids(scores, allowed, product_ids, K)
    timings["ranking_seconds"] = round(time.perf_counter() - started, 2)
    return rankings, recommender, timings


def top_ids(scores: np.ndarray, allowed: np.ndarray, product_ids: np.ndarray, k: int) -> list[int]:
    candidates = np.flatnonzero(allowed)
    values = scores[candidates]
    part = np.argpartition(-values, k)[:k] if len(candidates) > k else np.arange(len(candidates))
    return [int(product_ids[candidates[i]]) for i in part[np.argsort(-values[part], kind="stable")]]


def evaluate_split(
    split: HoldoutSplit,
    config: TrainConfig,
    *,
    dataset: str,
    artifact_validation: HoldoutSplit | None = None,
    progress: bool = False,
    log: Callable[[str], None] = lambda _: None,
) -> EvaluationReport:
    rankings, recommender, timings = rank_all(
        split, config, artifact_validation=artifact_validation, progress=progress, log=log
    )
    catalog_size = int(sum(item.active for item in split.train.catalog))
    cold_users = set(split.users(max_history=config.cold_max_interactions))

    def only(ranked: dict[int, list[int]], users: set[int]) -> dict[int, list[int]]:
        return {u: r for u, r in ranked.items() if u in users}

    methods = {
        name: {
            "all": summarize(rankings["actual"][name], split.relevant, K, catalog_size),
            "cold": summarize(only(rankings["actual"][name], cold_users), split.relevant, K, catalog_size),
            "newcomer": summarize(rankings["newcomer"][name], split.relevant, K, catalog_size),
        }
        for name in METHODS
    }
    artifact = recommender.artifact
    return EvaluationReport(
        dataset=dataset,
        split={
            "cut": split.cut.isoformat(),
            "train_interactions": len(split.train.interactions),
            "test_users": len(split.relevant),
            "cold_test_users": len(cold_users),
            "cold_max_interactions": config.cold_max_interactions,
            "catalog_size": catalog_size,
        },
        methods=methods,
        blend={
            "warm": artifact.blend_warm.to_dict(),
            "cold": artifact.blend_cold.to_dict(),
            "validation": artifact.metrics.get("validation"),
        },
        config=config.to_dict(),
        timings=timings,
    )


def evaluate_shop(
    data: ShopData,
    config: TrainConfig,
    *,
    test_days: float = 30,
    progress: bool = False,
    log: Callable[[str], None] = lambda _: None,
) -> EvaluationReport:
    """Temporal split: train on all but the last `test_days`, test on purchases in them.

    The blend is tuned on the `validation_days` before the cut, never on the test window.
    """
    split = temporal_split(data, test_days)
    log(
        f"temporal split at {split.cut:%Y-%m-%d %H:%M}: "
        f"{len(split.train.interactions)} training interactions, "
        f"{len(split.relevant)} customers bought something new in the last {test_days:g} days"
    )
    report = evaluate_split(split, config, dataset="demo shop", progress=progress, log=log)
    report.split["test_days"] = test_days
    return report


def write_report(report: EvaluationReport, directory: Path = REPORT_DIR, stem: str = "recommender") -> Path:
    """Write `<stem>_evaluation.json` and `<stem>_evaluation.png`; return the JSON path."""
    directory.mkdir(parents=True, exist_ok=True)
    json_path = directory / f"{stem}_evaluation.json"
    json_path.write_text(json.dumps(report.to_dict(), indent=2, sort_keys=True) + "\n")
    plot_report(report, directory / f"{stem}_evaluation.png")
    return json_path


def plot_report(report: EvaluationReport, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    metrics = [f"precision@{K}", f"recall@{K}", f"ndcg@{K}", "hit_rate", "coverage"]
    names = list(report.methods)
    figure, axes = plt.subplots(1, len(GROUPS), figsize=(19, 4.8), sharey=False)
    width = 0.8 / len(names)
    for axis, group in zip(axes, GROUPS, strict=True):
        for n, name in enumerate(names):
            values = [report.methods[name][group][m] for m in metrics]
            axis.bar(np.arange(len(metrics)) + n * width, values, width, label=name)
        users = report.methods["served"][group]["users"]
        axis.set_title(f"{report.dataset}: {group} users (n={users})")
        axis.set_xticks(np.arange(len(metrics)) + width * (len(names) - 1) / 2)
        axis.set_xticklabels(metrics)
        axis.grid(axis="y", alpha=0.3)
    axes[0].legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def format_table(report: EvaluationReport) -> str:
    """A Markdown table of every method's metrics, all and cold users."""
    metrics = [f"precision@{K}", f"recall@{K}", f"ndcg@{K}", "hit_rate", "coverage"]
    lines = [
        "| method | group | users | " + " | ".join(metrics) + " |",
        "|---|---|---|" + "---|" * len(metrics),
    ]
    for name, groups in report.methods.items():
        for group in GROUPS:
            row = groups[group]
            lines.append(
                f"| {name} | {group} | {row['users']} | "
                + " | ".join(f"{row[m]:.4f}" for m in metrics)
                + " |"
            )
    return "\n".join(lines)
