"""The feedback loop on SQLite and PostgreSQL: shown/clicked/added/bought events and click-through."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from recommender.data import SIGNAL_KINDS, load_shop_data
from recommender.feedback import FeedbackError, click_through_report, record_feedback, record_shown
from recommender.types import Recommendation, Strategy
from shop.demo import TINY, seed_demo_shop
from shop.models import EventKind, InteractionEvent
from tests.recommender.reco_fixtures import NOW


def shown_list(recommendation_id: str, product_ids: list[int]) -> list[Recommendation]:
    return [
        Recommendation(
            p, f"product {p}", 1.0 / rank, "Popular in Laptops", recommendation_id, Strategy.POPULAR, rank
        )
        for rank, p in enumerate(product_ids, start=1)
    ]


def count_events(engine) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(InteractionEvent)).scalar_one()


@pytest.fixture
def shop(engine):  # type: ignore[no-untyped-def]
    seed_demo_shop(engine, size=TINY, now=NOW)
    return engine


def test_shown_clicked_added_and_bought_are_recorded_and_reported_by_recommendation_id(shop):
    before = click_through_report(shop)
    record_shown(shop, shown_list("list-a", [1, 2, 3, 4]), customer_id=1, session_id="conv-1")
    record_shown(shop, shown_list("list-b", [5, 6]), customer_id=None, session_id="conv-2")
    for kind, product in ((EventKind.CLICK, 2), (EventKind.ADD_TO_CART, 2), (EventKind.PURCHASE, 2)):
        record_feedback(
            shop,
            kind=kind,
            product_id=product,
            recommendation_id="list-a",
            customer_id=1,
            session_id="conv-1",
        )
    record_feedback(
        shop,
        kind=EventKind.CLICK,
        product_id=5,
        recommendation_id="list-b",
        customer_id=None,
        session_id="conv-2",
    )
    # A click on a product that was not in that list is not a click-through of the list.
    record_feedback(
        shop,
        kind=EventKind.CLICK,
        product_id=9,
        recommendation_id="list-b",
        customer_id=None,
        session_id="conv-2",
    )

    report = click_through_report(shop)

    assert report.impressions - before.impressions == 6
    assert report.lists_shown - before.lists_shown == 2
    assert report.clicks - before.clicks == 2
    assert report.add_to_carts - before.add_to_carts == 1
    assert report.purchases - before.purchases == 1
    assert report.lists_with_click - before.lists_with_click == 2
    if before.impressions == 0:
        assert report.click_through_rate == pytest.approx(2 / 6)
        assert report.list_click_rate == 1.0


def test_feedback_becomes_training_signal_but_impressions_do_not(shop):
    record_shown(shop, shown_list("list-c", [7]), customer_id=3, session_id="conv-3")
    record_feedback(
        shop,
        kind=EventKind.CLICK,
        product_id=7,
        recommendation_id="list-c",
        customer_id=3,
        session_id="conv-3",
    )

    carla = [i for i in load_shop_data(shop).interactions if i.customer_id == 3]
    assert [(i.product_id, i.kind) for i in carla] == [(7, EventKind.CLICK)]
    assert EventKind.RECOMMENDATION_SHOWN not in SIGNAL_KINDS


BAD_FEEDBACK = [
    ({"product_id": 999_999}, "product 999999 does not exist"),
    ({"customer_id": 999_999}, "customer 999999 does not exist"),
    ({"recommendation_id": ""}, "recommendation_id must be"),
    ({"recommendation_id": "x" * 65}, "recommendation_id must be"),
    ({"kind": EventKind.VIEW}, "feedback kind must be one of"),
]


def test_bad_feedback_is_refused_clearly_and_writes_nothing(shop):
    before = count_events(shop)
    for changes, message in BAD_FEEDBACK:
        arguments = {
            "kind": EventKind.CLICK,
            "product_id": 1,
            "recommendation_id": "list-d",
            "customer_id": 1,
            "session_id": "conv-4",
        } | changes
        with pytest.raises(FeedbackError, match=message):
            record_feedback(shop, **arguments)
    with pytest.raises(FeedbackError, match="customer 424242"):
        record_shown(shop, shown_list("list-e", [1, 2]), customer_id=424242, session_id="conv-5")
    assert count_events(shop) == before
    assert record_shown(shop, [], customer_id=1, session_id="conv-5") == 0
