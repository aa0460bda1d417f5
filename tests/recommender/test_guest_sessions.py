"""Guests feed training: their sessions' clicks and carts become co-occurrence and popularity."""

from __future__ import annotations

from datetime import timedelta

from recommender.data import load_shop_data
from recommender.train import compute_statistics
from shop.db import transaction
from shop.models import EventKind, EventSource, InteractionEvent
from tests.recommender.reco_fixtures import SMALL_CONFIG, seeded_sqlite


def _never_together(data, stats, index):  # type: ignore[no-untyped-def]
    """Two products with no co-occurrence at all in the customers' data."""
    ids = [item.product_id for item in data.catalog[:60]]
    for a in ids:
        for b in ids:
            if a < b and stats.knn[index[a], index[b]] == 0 and stats.knn[index[b], index[a]] == 0:
                return a, b
    raise AssertionError("every pair co-occurs")


def test_guest_sessions_make_products_neighbours_and_popular(tmp_path, tiny_shops):  # type: ignore[no-untyped-def]
    engine = seeded_sqlite(tiny_shops, tmp_path / "shop.db")
    before = load_shop_data(engine)
    index = {item.product_id: i for i, item in enumerate(before.catalog)}
    stats_before = compute_statistics(before, index, SMALL_CONFIG)
    a, b = _never_together(before, stats_before, index)
    at = before.reference_time - timedelta(days=1)
    with transaction(engine) as session:
        for guest in range(5):
            for product, kind in ((a, EventKind.CLICK), (b, EventKind.ADD_TO_CART)):
                session.add(
                    InteractionEvent(
                        customer_id=None,
                        session_id=f"guest-session-{guest}",
                        product_id=product,
                        kind=kind,
                        source=EventSource.CHAT,
                        occurred_at=at,
                    )
                )
        # An impression is not interest, and an event without a session ties nothing together.
        session.add(
            InteractionEvent(
                customer_id=None, session_id="guest-session-0", product_id=a,
                kind=EventKind.RECOMMENDATION_SHOWN, source=EventSource.CHAT, occurred_at=at,
            )
        )  # fmt: skip
    after = load_shop_data(engine)
    stats_after = compute_statistics(after, index, SMALL_CONFIG)

    assert len(after.guest_sessions) == 10
    assert after.interactions == before.interactions  # guests never become customers
    assert after.fingerprint(SMALL_CONFIG) != before.fingerprint(SMALL_CONFIG)
    assert stats_after.knn[index[a], index[b]] > 0 and stats_after.knn[index[b], index[a]] > 0
    assert stats_after.popularity[index[b]] > stats_before.popularity[index[b]]
    assert all(  # segments are customers' only
        (stats_after.segment_popularity[s] == stats_before.segment_popularity[s]).all()
        for s in stats_before.segment_popularity
    )
    engine.dispose()
