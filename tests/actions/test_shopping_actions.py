"""Shopping actions with real search, recommender and policy services built over the TINY shop."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from actions import services
from actions.context import use_engine
from actions.conversation import ActionAnswerPolicy, ActionDefaultAskAffirmation
from actions.safety import TROUBLE_TEXT
from actions.shopping import (
    ActionProductQuestion,
    ActionRecommend,
    ActionSearchProducts,
    ActionShowMore,
    ActionSimilarItems,
)
from shop.db import make_engine
from shop.models import EventKind, EventSource, InteractionEvent, Product
from tests.actions.action_harness import ALICE, json_messages, make_tracker, slot_events, texts


def run(action: Any, tracker: Any, domain: dict[str, Any]) -> tuple[CollectingDispatcher, list]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, domain))
    return dispatcher, events


@pytest.fixture(scope="session")
def built_services(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Search index, policy knowledge base and a quickly trained recommender over the TINY shop."""
    from recommender.artifact import save_artifact
    from recommender.config import TrainConfig
    from recommender.data import load_shop_data
    from recommender.serving import Recommender
    from recommender.train import build_artifact
    from search.catalog import load_catalog
    from search.embedding import Embedder
    from search.engine import ProductSearch
    from search.policies import PolicyKnowledgeBase

    engine = make_engine(f"sqlite:///{demo_template}")
    embedder = Embedder(threads=1)
    search = ProductSearch.from_items(load_catalog(engine), embedder=embedder)
    artifact = build_artifact(load_shop_data(engine), TrainConfig(epochs=5, tune_blend=False))
    path = save_artifact(artifact, tmp_path_factory.mktemp("recommender"))
    return {
        "search": search,
        "policies": PolicyKnowledgeBase.load(embedder=embedder),
        "recommender_": Recommender.load(path, engine=engine),
    }


@pytest.fixture
def shopping(shop: Engine, built_services: dict[str, Any]) -> Iterator[Engine]:
    services.install(**built_services)
    yield shop


def products(engine: Engine, ids: list[int]) -> dict[int, Product]:
    with Session(engine) as session:
        return {p.id: p for p in session.scalars(select(Product).where(Product.id.in_(ids)))}


def cards_of(dispatcher: CollectingDispatcher) -> list[dict[str, Any]]:
    messages = [m for m in json_messages(dispatcher) if m.get("type") == "product_cards"]
    assert messages, f"no product cards in {dispatcher.messages}"
    return messages[-1]["products"]


def events_of(engine: Engine, kind: EventKind, sender: str) -> list[InteractionEvent]:
    """The chat events this conversation recorded."""
    with Session(engine) as session:
        return list(
            session.scalars(
                select(InteractionEvent).where(
                    InteractionEvent.kind == kind,
                    InteractionEvent.source == EventSource.CHAT,
                    InteractionEvent.session_id == sender,
                )
            )
        )


def search_turn(shop: Engine, domain: dict, text: str, intent: str, slots: dict | None = None, **kw: Any):
    tracker = make_tracker(text, intent=intent, slots=slots or {}, **kw)
    action = ActionShowMore() if intent == "show_more" else ActionSearchProducts()
    dispatcher, events = run(action, tracker, domain)
    return dispatcher, {**(slots or {}), **slot_events(events)}


def test_a_search_shows_product_cards_with_price_stock_and_buttons(shopping, domain):
    dispatcher, slots = search_turn(
        shopping, domain, "show me running shoes", "search_product", sender_id="s1"
    )
    cards = cards_of(dispatcher)
    assert 1 <= len(cards) <= 5
    first = cards[0]
    assert set(first) >= {
        "id",
        "sku",
        "title",
        "price",
        "currency",
        "image_url",
        "rating",
        "in_stock",
        "stock",
    }
    assert isinstance(first["price"], str) and Decimal(first["price"]) > 0
    assert [b["title"] for b in first["buttons"]] == ["More like this", "Add to cart"]
    search = events_of(shopping, EventKind.SEARCH, "s1")[0]
    assert search.query == "show me running shoes"
    # The buttons name the list the cards are shown in, the search's (issue 16's feedback loop).
    list_id = search.recommendation_id
    assert first["buttons"][1]["payload"] == (
        f'/add_to_cart{{"product_id": {first["id"]}, "recommendation_id": "{list_id}"}}'
    )
    assert slots["shown_products"] == [c["id"] for c in cards]
    shown = events_of(shopping, EventKind.RECOMMENDATION_SHOWN, "s1")
    assert [(e.product_id, e.recommendation_id) for e in shown] == [(c["id"], list_id) for c in cards]


def test_cheaper_shows_only_products_below_the_cheapest_shown(shopping, domain):
    dispatcher, slots = search_turn(shopping, domain, "t-shirts", "search_product")
    shown = cards_of(dispatcher)
    cheapest = min(Decimal(c["price"]) for c in shown)
    with Session(shopping) as session:
        cheaper_exists = session.scalar(
            select(Product.id)
            .where(Product.category_path.like("%T-Shirts"), Product.price < cheapest)
            .limit(1)
        )
    dispatcher, slots = search_turn(shopping, domain, "cheaper", "refine_search", slots)
    if cheaper_exists:
        cheaper = cards_of(dispatcher)
        assert cheaper and all(Decimal(c["price"]) < cheapest for c in cheaper)
    else:
        assert "That's everything" in texts(dispatcher)[0]


def test_show_more_never_repeats_a_product(shopping, domain):
    dispatcher, slots = search_turn(shopping, domain, "t-shirts", "search_product")
    first_page = {c["id"] for c in cards_of(dispatcher)}
    dispatcher, slots = search_turn(shopping, domain, "show more", "show_more", slots)
    assert not first_page & {c["id"] for c in cards_of(dispatcher)}


def test_refining_without_a_search_asks_what_to_look_for(shopping, domain):
    dispatcher, _ = search_turn(shopping, domain, "cheaper", "refine_search")
    assert "What are you looking for?" in texts(dispatcher)[0]


def test_a_question_about_the_second_card_is_answered_from_that_products_data(shopping, domain):
    dispatcher, slots = search_turn(shopping, domain, "jackets", "search_product")
    second = cards_of(dispatcher)[1]
    tracker = make_tracker(
        "how much is the second one", intent="product_question", entities=[("ordinal", "2")], slots=slots
    )
    dispatcher, events = run(ActionProductQuestion(), tracker, domain)
    answer = texts(dispatcher)[0]
    assert answer.startswith(second["title"]) and second["price"] in answer
    assert slot_events(events)["focus_product"] == second["id"]


def test_recommendations_come_as_cards_with_reasons_and_are_recorded(shopping, domain):
    tracker = make_tracker(
        "what would you suggest for me?", intent="recommend", customer=ALICE, sender_id="r1"
    )
    dispatcher, events = run(ActionRecommend(), tracker, domain)
    cards = cards_of(dispatcher)
    assert cards and all(c["reason"] for c in cards)
    shown = events_of(shopping, EventKind.RECOMMENDATION_SHOWN, "r1")
    assert {e.product_id for e in shown} == {c["id"] for c in cards}
    assert len({e.recommendation_id for e in shown}) == 1 and shown[0].customer_id == ALICE


def test_more_like_this_button_shows_similar_products(shopping, domain):
    dispatcher, slots = search_turn(shopping, domain, "tents", "search_product")
    anchor = cards_of(dispatcher)[0]["id"]
    tracker = make_tracker(
        f'/similar_items{{"product_id": {anchor}}}',
        intent="similar_items",
        entities=[("product_id", str(anchor))],
        slots=slots,
    )
    dispatcher, events = run(ActionSimilarItems(), tracker, domain)
    similar = cards_of(dispatcher)
    assert similar and anchor not in {c["id"] for c in similar}
    # The recommender's alternatives (each with its reason), not the search fallback's.
    assert all(c["reason"] for c in similar)
    assert slot_events(events)["focus_product"] == anchor


def test_policy_questions_are_answered_from_the_knowledge_base(shopping, domain):
    tracker = make_tracker("how long do I have to return something?", intent="ask_policy")
    dispatcher, _ = run(ActionAnswerPolicy(), tracker, domain)
    assert "30" in texts(dispatcher)[0]


def test_the_fallback_offers_the_likeliest_intents_as_buttons(shopping, domain):
    tracker = make_tracker(
        "uhm the thing with my stuff",
        intent="nlu_fallback",
        intent_ranking=[("nlu_fallback", 0.55), ("order_status", 0.3), ("return_item", 0.2), ("greet", 0.1)],
    )
    dispatcher, _ = run(ActionDefaultAskAffirmation(), tracker, domain)
    payloads = [b["payload"] for b in dispatcher.messages[0]["buttons"]]
    assert payloads == ["/order_status", "/return_item", "/out_of_scope"]


def test_search_without_an_index_degrades_politely(shop, domain, built_services):
    services.product_search.set(None)
    try:
        dispatcher, events = search_turn(shop, domain, "rain jacket", "search_product")
        assert "search isn't available" in texts(dispatcher)[0]
    finally:
        services.install(search=built_services["search"])


def test_a_database_failure_gives_a_polite_message_not_a_stack_trace(shopping, domain):
    use_engine(make_engine("postgresql+psycopg://nobody@127.0.0.1:1/unreachable"))
    tracker = make_tracker("is it waterproof?", intent="product_question", entities=[("product_id", "1")])
    dispatcher, events = run(ActionProductQuestion(), tracker, domain)
    assert texts(dispatcher) == [TROUBLE_TEXT] and events == []
