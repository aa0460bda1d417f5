"""Training data, reproducibility, incremental refresh and the data fingerprint."""

from __future__ import annotations

from datetime import timedelta

import numpy as np

from recommender.config import TrainConfig
from recommender.data import Interaction, load_shop_data
from recommender.features import feature_space_for
from recommender.train import build_artifact, refresh_artifact
from recommender.training_set import pair_weights
from shop.db import transaction
from shop.models import EventKind, EventSource, InteractionEvent
from tests.recommender.reco_fixtures import SMALL_CONFIG


def test_a_purchase_outweighs_a_cart_a_click_and_a_view_and_recent_outweighs_old(trained_shop):
    now = trained_shop.data.reference_time
    config = TrainConfig()
    rows = [
        Interaction(1, 10, EventKind.VIEW, now),
        Interaction(1, 11, EventKind.CLICK, now),
        Interaction(1, 12, EventKind.ADD_TO_CART, now),
        Interaction(1, 13, EventKind.PURCHASE, now),
        Interaction(1, 14, EventKind.PURCHASE, now - timedelta(days=config.recency_half_life_days)),
        # Seen, then bought: the pair's weight is its strongest signal, not the sum.
        Interaction(1, 15, EventKind.VIEW, now),
        Interaction(1, 15, EventKind.PURCHASE, now),
        Interaction(1, 16, EventKind.RECOMMENDATION_SHOWN, now),
    ]
    weights = pair_weights(rows, config, now)

    assert weights[(1, 13)] > weights[(1, 12)] > weights[(1, 11)] > weights[(1, 10)] > 0
    assert weights[(1, 14)] == weights[(1, 13)] / 2
    assert weights[(1, 15)] == weights[(1, 13)]
    assert (1, 16) not in weights  # an impression is not a sign of interest


def test_products_are_described_by_category_levels_brand_price_band_attributes_and_identity(trained_shop):
    laptop = next(item for item in trained_shop.data.catalog if item.leaf_category == "Laptops")
    features = feature_space_for(trained_shop.data.catalog, TrainConfig()).item_features(laptop)

    assert features[f"item:{laptop.product_id}"] == 1.0
    assert {
        "cat1:electronics",
        "cat2:electronics > computers",
        "cat3:electronics > computers > laptops",
    } <= set(features)
    assert f"brand:{laptop.brand.lower()}" in features
    assert any(name.startswith("price:") for name in features)
    known = set(trained_shop.artifact.item_feature_index)
    assert set(features) <= known


def test_training_with_a_fixed_seed_and_one_thread_is_reproducible(trained_shop):
    again = build_artifact(trained_shop.data, SMALL_CONFIG)
    np.testing.assert_array_equal(again.model.item_embeddings, trained_shop.artifact.model.item_embeddings)
    np.testing.assert_array_equal(again.model.user_embeddings, trained_shop.artifact.model.user_embeddings)
    assert again.fingerprint == trained_shop.artifact.fingerprint


def test_the_fingerprint_changes_with_new_interactions_and_config_but_not_with_stock(mutable_shop):
    engine = mutable_shop.engine
    before = load_shop_data(engine).fingerprint(SMALL_CONFIG)
    assert before == mutable_shop.artifact.fingerprint
    assert load_shop_data(engine).fingerprint(SMALL_CONFIG.replace(epochs=4)) != before

    from sqlalchemy import update

    from shop.models import Variant

    with transaction(engine) as session:
        session.execute(update(Variant).values(stock=Variant.stock + 1))
    assert load_shop_data(engine).fingerprint(SMALL_CONFIG) == before

    with transaction(engine) as session:
        session.add(
            InteractionEvent(customer_id=1, product_id=5, kind=EventKind.VIEW, source=EventSource.CHAT)
        )
    assert load_shop_data(engine).fingerprint(SMALL_CONFIG) != before


def test_fit_partial_learns_new_interactions_of_known_customers_without_a_full_retrain(mutable_shop):
    engine = mutable_shop.engine
    artifact = mutable_shop.artifact
    later = artifact.reference_time + timedelta(hours=1)
    known_customer = next(iter(artifact.user_index))
    with transaction(engine) as session:
        for product in (20, 21, 22):
            session.add(
                InteractionEvent(
                    customer_id=known_customer,
                    product_id=product,
                    kind=EventKind.PURCHASE,
                    source=EventSource.CHAT,
                    occurred_at=later,
                )
            )
        # Customer 3 (Carla) has no row in the model: reported, not learned.
        session.add(
            InteractionEvent(
                customer_id=3, product_id=20, kind=EventKind.CLICK, source=EventSource.CHAT, occurred_at=later
            )
        )
    before_embeddings = artifact.model.user_embeddings.copy()

    refreshed, summary = refresh_artifact(artifact, load_shop_data(engine), epochs=2)

    assert summary["learned_pairs"] >= 1
    assert summary["skipped_new_customers"] == 1
    assert not np.array_equal(refreshed.model.user_embeddings, before_embeddings)
    np.testing.assert_array_equal(artifact.model.user_embeddings, before_embeddings)  # original untouched
    assert refreshed.fingerprint != artifact.fingerprint
    assert refreshed.reference_time == later
    assert refreshed.metrics["refresh"] == summary
