"""The feedback loop, closed: a chat conversation through a search, a click, an add-to-cart and a
checkout, run through the real actions over a TINY shop, and the owner's figures that count it.

Each turn is what Rasa would do: the button's payload becomes the message's intent and entities,
the action runs against the shop, and the turn (user message, action, slots) goes into an SQL
tracker store shaped like Rasa's. Then `shopbot recommender ctr` and `shopbot report --json` run
on the shop database and that tracker store.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import Engine, insert, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from actions import services
from actions.cart import ActionAddToCart, ActionAskCheckoutConfirmed, ActionPlaceOrder
from actions.context import use_engine
from actions.shopping import ActionSearchProducts, ActionSimilarItems
from analytics.tracker import EVENTS, TRACKER_METADATA
from shop.config import get_settings
from shop.consent import set_choice
from shop.db import get_engine, make_engine
from shop.identity import Requester
from shop.models import EventKind, InteractionEvent, Order
from tests.actions.action_harness import IDENTITY_SECRET, make_tracker, slot_events
from tests.tiny_shop import TinyShops, copy_sqlite

ALICE = 1
SENDER = "loop-conversation-1"


@pytest.fixture(scope="module")
def template(tiny_shops: TinyShops) -> Path:
    return tiny_shops.template()


@pytest.fixture(scope="module")
def built(template: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Search and a quickly trained recommender over the TINY shop, as the action server has them."""
    from recommender.artifact import save_artifact
    from recommender.config import TrainConfig
    from recommender.data import load_shop_data
    from recommender.serving import Recommender
    from recommender.train import build_artifact
    from search.catalog import load_catalog
    from search.embedding import Embedder
    from search.engine import ProductSearch

    engine = make_engine(f"sqlite:///{template}")
    search = ProductSearch.from_items(load_catalog(engine), embedder=Embedder(threads=1))
    artifact = build_artifact(load_shop_data(engine), TrainConfig(epochs=5, tune_blend=False))
    path = save_artifact(artifact, tmp_path_factory.mktemp("recommender"))
    return {"search": search, "recommender_": Recommender.load(path, engine=engine)}


class Conversation:
    """One conversation of Alice (logged in), turn by turn, kept in a Rasa-shaped tracker store."""

    def __init__(self, tracker_engine: Engine, domain: dict[str, Any]) -> None:
        self.tracker_engine = tracker_engine
        self.domain = domain
        self.slots: dict[str, Any] = {}
        self.clock = time.time() - 600
        self._write("action", {"name": "action_session_start"}, action_name="action_session_start")
        self._write("session_started", {})

    def _write(self, type_name: str, data: dict[str, Any], **columns: Any) -> None:
        self.clock += 2
        with self.tracker_engine.begin() as connection:
            connection.execute(
                insert(EVENTS).values(
                    sender_id=SENDER,
                    type_name=type_name,
                    timestamp=self.clock,
                    intent_name=columns.get("intent_name"),
                    action_name=columns.get("action_name"),
                    data=json.dumps({"event": type_name, "timestamp": self.clock, **data}),
                )
            )

    def say(self, action: Any, text: str, intent: str, **entities: Any) -> CollectingDispatcher:
        tracker = make_tracker(
            text,
            intent=intent,
            entities=[(k, str(v)) for k, v in entities.items()],
            slots=self.slots,
            customer=ALICE,
            sender_id=SENDER,
        )
        tracker.latest_message["message_id"] = f"m{self.clock}"
        self._write("user", {"text": text, "parse_data": tracker.latest_message}, intent_name=intent)
        return self.run(action, tracker)

    def run(self, action: Any, tracker: Any = None) -> CollectingDispatcher:
        tracker = tracker or make_tracker("", slots=self.slots, customer=ALICE, sender_id=SENDER)
        dispatcher = CollectingDispatcher()
        result = action.run(dispatcher, tracker, self.domain)
        events = asyncio.run(result) if asyncio.iscoroutine(result) else result
        self._write("action", {"name": action.name()}, action_name=action.name())
        for name, value in slot_events(events).items():
            self.slots[name] = value
            self._write("slot", {"name": name, "value": value})
        for message in dispatcher.messages:
            self._write("bot", {"text": message.get("text"), "data": {"custom": message.get("custom")}})
        return dispatcher


def cards(dispatcher: CollectingDispatcher) -> list[dict[str, Any]]:
    return next(m["custom"]["products"] for m in dispatcher.messages if m.get("custom"))


def entities_of(payload: str) -> dict[str, Any]:
    """What Rasa's RegexMessageHandler makes of a button payload: `/intent{json}`."""
    return json.loads(payload[payload.index("{") :])


@pytest.fixture
def chat(template: Path, built: dict[str, Any], tmp_path: Path, domain, monkeypatch) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    shop = make_engine(copy_sqlite(template, tmp_path / "shop.db"))
    tracker_engine = make_engine(f"sqlite:///{tmp_path / 'tracker.db'}")
    TRACKER_METADATA.create_all(tracker_engine)
    monkeypatch.setenv("SHOPBOT_IDENTITY_SECRET", IDENTITY_SECRET)
    monkeypatch.setenv("DATABASE_URL", shop.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    get_engine.cache_clear()
    use_engine(shop)
    services.install(**built)
    yield shop, tracker_engine, Conversation(tracker_engine, domain), tmp_path / "tracker.db"
    use_engine(None)
    get_settings.cache_clear()
    get_engine.cache_clear()
    shop.dispose()
    tracker_engine.dispose()


@pytest.fixture(scope="module")
def domain() -> dict[str, Any]:
    import yaml

    from shop.config import REPO_ROOT

    merged: dict[str, Any] = {}
    for path in sorted((REPO_ROOT / "bot" / "domain").glob("*.yml")):
        for key, value in (yaml.safe_load(path.read_text()) or {}).items():
            if isinstance(value, dict):
                merged.setdefault(key, {}).update(value)
            elif isinstance(value, list):
                merged.setdefault(key, []).extend(value)
    return merged


def test_search_click_add_to_cart_and_checkout_are_each_counted(chat) -> None:  # type: ignore[no-untyped-def]
    shop, tracker_engine, conversation, tracker_db = chat
    set_choice(Requester.customer(ALICE), SENDER, True, source="banner", engine=shop)

    found = conversation.say(ActionSearchProducts(), "show me running shoes", "search_product")
    results = cards(found)
    assert len(results) >= 2
    # A click: "More like this" on the first result.
    more_like = entities_of(results[0]["buttons"][0]["payload"])
    search_list = more_like["recommendation_id"]
    conversation.say(ActionSimilarItems(), results[0]["buttons"][0]["payload"], "similar_items", **more_like)
    # An add-to-cart: the second result's button (a size question first, when it has sizes).
    add = entities_of(results[1]["buttons"][1]["payload"])
    assert add["recommendation_id"] == search_list
    answer = conversation.say(ActionAddToCart(), results[1]["buttons"][1]["payload"], "add_to_cart", **add)
    if answer.messages[0].get("buttons"):
        in_stock = [b for b in answer.messages[0]["buttons"] if "sold out" not in b["title"]]
        size_button = in_stock[0]["payload"]
        conversation.say(ActionAddToCart(), size_button, "add_to_cart", **entities_of(size_button))
    # The checkout: the summary, "yes", the order.
    conversation.say(ActionAskCheckoutConfirmed(), "checkout", "checkout")
    conversation.slots["checkout_confirmed"] = True
    conversation.say(ActionPlaceOrder(), "/affirm", "affirm")

    with Session(shop) as session:
        order = session.scalar(select(Order).where(Order.source_conversation == SENDER))
        assert order is not None and [line.recommendation_id for line in order.lines] == [search_list]
        clicks = session.scalars(
            select(InteractionEvent).where(
                InteractionEvent.kind == EventKind.CLICK, InteractionEvent.session_id == SENDER
            )
        )
        assert [(e.product_id, e.recommendation_id) for e in clicks] == [(results[0]["id"], search_list)]

    runner = CliRunner()
    from shopbot.cli import app

    ctr = runner.invoke(app, ["recommender", "ctr"], env={"COLUMNS": "200"})
    assert ctr.exit_code == 0, ctr.output
    rows = {
        line.split("│")[1].strip(): line.split("│")[2:5] for line in ctr.output.splitlines() if "│" in line
    }
    as_numbers = {k: [v.strip() for v in values] for k, values in rows.items()}
    # all lists / search results / recommendations: the search and the two recommendation lists
    # (similar items, bought together), one click, one add-to-cart, one purchase, all on the search.
    assert as_numbers["lists shown"][1] == "1" and int(as_numbers["lists shown"][0]) >= 2
    assert as_numbers["clicks"] == ["1", "1", "0"]
    assert as_numbers["add to carts"] == ["1", "1", "0"]
    assert as_numbers["purchases"] == ["1", "1", "0"]

    report = runner.invoke(app, ["report", "--json", "--tracker-url", f"sqlite:///{tracker_db}"])
    assert report.exit_code == 0, report.output
    data = json.loads(report.output)
    assert data["conversations"] == 1
    assert data["search"]["searches"] == 1 and data["search"]["zero_result"] == 0
    search = data["lists"]["search"]
    assert (search["lists_shown"], search["clicks"], search["add_to_carts"], search["purchases"]) == (
        1,
        1,
        1,
        1,
    )
    assert search["impressions"] == len(results)
    assert data["chat_orders"]["count"] == 1
    assert data["chat_orders"]["revenue"] == {order.currency: f"{order.total:.2f}"}
    assert data["intents"]["search_product"] == 1 and data["intents"]["similar_items"] == 1


def test_nothing_is_recorded_for_a_shopper_who_has_not_allowed_it(chat) -> None:  # type: ignore[no-untyped-def]
    shop, _, conversation, _ = chat
    found = conversation.say(ActionSearchProducts(), "show me running shoes", "search_product")
    assert cards(found)  # the shopper is served all the same
    with Session(shop) as session:
        assert (
            session.scalars(select(InteractionEvent).where(InteractionEvent.session_id == SENDER)).all() == []
        )
