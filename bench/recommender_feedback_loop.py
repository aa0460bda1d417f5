"""What the closed feedback loop changes in the recommender evaluation, on the demo shop, in one run.

    .venv/bin/python bench/recommender_feedback_loop.py [--test-days 60] [--guest-share 0.3] \
        [--stale-days 14] [--json var/reports/recommender_feedback_loop.json]

Reads the shop at DATABASE_URL (the demo shop) and writes nothing there. Two experiments on the
same temporal split (train before the cut, test on what each customer bought after it that they
had not bought before), so their figures compare:

1. **Guest events.** A share of the customers (`--guest-share`, fixed seed) is taken to browse
   without logging in: their views, clicks and add-to-carts before the cut become guest-session
   events (no customer id; their orders keep it, as a checkout asks for the account). Trained
   as before issue 16, those events are simply lost (training read only events with a customer
   id); trained now, they are anonymous sessions in the item-kNN co-occurrence and popularity.
   The test customers' own histories are identical in both. For reference, a third arm has
   everyone logged in (the demo shop as seeded).
2. **Refresh.** A model trained `--stale-days` before the cut and served at the cut as it was,
   the same model after `fit_partial` on the days it missed (`shopbot worker`'s refresh), and a
   full retrain at the cut. Histories are read live at the cut in all three, as serving does.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import numpy as np

from recommender.artifact import RecommenderArtifact
from recommender.config import TrainConfig
from recommender.data import GuestInteraction, ShopData, load_shop_data
from recommender.evaluate import K, evaluate_split, top_ids
from recommender.history import InMemoryHistory
from recommender.metrics import HoldoutSplit, summarize, temporal_split
from recommender.serving import Recommender
from recommender.train import build_artifact, refresh_artifact
from shop.db import get_engine
from shop.models import EventKind

BROWSING = (EventKind.VIEW, EventKind.CLICK, EventKind.ADD_TO_CART)


def as_guests(data: ShopData, share: float, seed: int = 16) -> tuple[ShopData, ShopData]:
    """(guests lost, guests kept): a share of customers' browsing moved out of their history."""
    customers = sorted(data.segments)
    guests = set(random.Random(seed).sample(customers, int(round(share * len(customers)))))
    browsing = [i for i in data.interactions if i.customer_id in guests and i.kind in BROWSING]
    kept = tuple(i for i in data.interactions if not (i.customer_id in guests and i.kind in BROWSING))
    sessions = tuple(
        GuestInteraction(f"guest-{i.customer_id}-{i.occurred_at:%Y%m%d}", i.product_id, i.kind, i.occurred_at)
        for i in browsing
    )
    lost = replace(data, interactions=kept, guest_sessions=())
    return lost, replace(lost, guest_sessions=sessions)


def with_train(split: HoldoutSplit, train: ShopData) -> HoldoutSplit:
    return HoldoutSplit(
        train=train, cut=split.cut, relevant=split.relevant, history_sizes=split.history_sizes
    )


def served_metrics(
    artifact: RecommenderArtifact, split: HoldoutSplit, config: TrainConfig
) -> dict[str, dict]:
    """The served ranking of `artifact` at the cut (live histories), for all and newcomer customers."""
    history = InMemoryHistory(split.train)
    recommender = Recommender(artifact, split.train.catalog, history)
    active = np.array([item.active for item in split.train.catalog], dtype=bool)
    product_ids = recommender.catalog_product_ids()
    ranked: dict[str, dict[int, list[int]]] = {"all": {}, "newcomer": {}}
    for customer in split.users():
        for group, context in (
            ("all", recommender.context(customer)),
            (
                "newcomer",
                recommender.context_for_history(
                    history.history(customer).last_products(config.cold_max_interactions)
                ),
            ),
        ):
            allowed = active.copy()
            allowed[context.purchased] = False
            _, scores = recommender.scores(context)
            ranked[group][customer] = top_ids(scores, allowed, product_ids, K)
    size = int(active.sum())
    return {group: summarize(r, split.relevant, K, size) for group, r in ranked.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--test-days", type=float, default=60)
    parser.add_argument("--guest-share", type=float, default=0.3)
    parser.add_argument("--stale-days", type=float, default=14)
    parser.add_argument("--json", type=Path, default=Path("var/reports/recommender_feedback_loop.json"))
    args = parser.parse_args()
    config = TrainConfig()
    started = time.perf_counter()
    data = load_shop_data(get_engine())
    split = temporal_split(data, args.test_days)
    print(f"cut {split.cut:%Y-%m-%d %H:%M}, {len(split.relevant)} test customers", flush=True)
    result: dict[str, object] = {
        "cut": split.cut.isoformat(),
        "test_customers": len(split.relevant),
        "test_days": args.test_days,
    }

    lost, kept = as_guests(split.train, args.guest_share)
    result["guests"] = {"share": args.guest_share, "guest_events": len(kept.guest_sessions)}
    arms = (("guest_events_lost", lost), ("guest_events_kept", kept), ("everyone_logged_in", split.train))
    for name, train in arms:
        report = evaluate_split(with_train(split, train), config, dataset=name)
        result["guests"][name] = {  # type: ignore[index]
            method: {group: report.methods[method][group] for group in ("all", "newcomer")}
            for method in ("served", "item_knn", "popularity")
        }
        served = report.methods["served"]
        print(
            f"{name}: served NDCG@10 all {served['all']['ndcg@10']:.4f}, "
            f"newcomer {served['newcomer']['ndcg@10']:.4f}; "
            f"item-kNN all {report.methods['item_knn']['all']['ndcg@10']:.4f}",
            flush=True,
        )

    stale_cut = split.cut - timedelta(days=args.stale_days)
    stale = build_artifact(split.train.before(stale_cut), config)
    refreshed, summary = refresh_artifact(stale, split.train, epochs=3)
    full = build_artifact(split.train, config)
    result["refresh"] = {"stale_days": args.stale_days, "fit_partial": summary}
    for name, artifact in (("stale", stale), ("refreshed", refreshed), ("full_retrain", full)):
        metrics = served_metrics(artifact, split, config)
        result["refresh"][name] = metrics  # type: ignore[index]
        print(
            f"{name}: served NDCG@10 all {metrics['all']['ndcg@10']:.4f}, "
            f"newcomer {metrics['newcomer']['ndcg@10']:.4f}",
            flush=True,
        )
    result["seconds"] = round(time.perf_counter() - started, 1)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2, default=str) + "\n")
    print(f"{args.json} ({result['seconds']} s)")


if __name__ == "__main__":
    main()
