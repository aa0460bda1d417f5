"""Privacy self-service in chat: the real actions over a TINY shop and a tracker store (SQLite)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import Engine, insert, select
from sqlalchemy.orm import Session

from actions import privacy
from actions.context import use_engine
from actions.privacy import ActionDeleteMyData, ActionExportMyData, ActionTrackingConsent
from analytics.tracker import EVENTS, TRACKER_METADATA
from recommender.feedback import record_interactions
from shop.config import get_settings
from shop.db import make_engine
from shop.erasure import erased_email
from shop.identity import IDENTITY_METADATA_KEY, sign_identity
from shop.models import Customer, EventKind
from tests.actions.action_harness import IDENTITY_SECRET, make_tracker, slot_events, texts
from tests.tiny_shop import TinyShops

ALICE = 1


@pytest.fixture
def chat(
    tiny_shops: TinyShops, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Engine, Engine]]:
    shop = make_engine(tiny_shops.copy(tmp_path / "shop.db"))
    tracker = make_engine(f"sqlite:///{tmp_path / 'tracker.db'}")
    TRACKER_METADATA.create_all(tracker)
    monkeypatch.setenv("SHOPBOT_IDENTITY_SECRET", IDENTITY_SECRET)
    monkeypatch.setenv("SHOPBOT_TRACKER_DATABASE_URL", f"sqlite:///{tmp_path / 'tracker.db'}")
    get_settings.cache_clear()
    privacy._tracker_store.cache_clear()
    use_engine(shop)
    yield shop, tracker
    use_engine(None)
    privacy._tracker_store.cache_clear()
    get_settings.cache_clear()
    shop.dispose()
    tracker.dispose()


def run(action: Any, text: str, intent: str, **kw: Any) -> tuple[CollectingDispatcher, dict[str, Any]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, make_tracker(text, intent=intent, **kw), {}))
    return dispatcher, slot_events(events)


def browse(shop: Engine, customer: int | None, sender: str) -> int:
    return record_interactions(shop, EventKind.VIEW, [1], customer_id=customer, session_id=sender)


def test_a_guest_stops_tracking_in_chat_and_turns_it_back_on_with_a_button(chat) -> None:  # type: ignore[no-untyped-def]
    shop, _ = chat
    said, _ = run(ActionTrackingConsent(), "stop tracking me", "tracking_consent", sender_id="guest-conv-1")
    assert "won't record" in texts(said)[0]
    assert browse(shop, None, "guest-conv-1") == 0
    asked, _ = run(ActionTrackingConsent(), "privacy settings", "tracking_consent", sender_id="guest-conv-1")
    assert "Right now: not allowed." in texts(asked)[0]
    allow = asked.messages[0]["buttons"][0]["payload"]
    run(
        ActionTrackingConsent(),
        allow,
        "tracking_consent",
        entities=[("privacy_choice", "allow")],
        sender_id="guest-conv-1",
    )
    assert browse(shop, None, "guest-conv-1") == 1


def test_export_and_deletion_need_a_logged_in_shopper(chat) -> None:  # type: ignore[no-untyped-def]
    for action, intent in (
        (ActionExportMyData(), "export_my_data"),
        (ActionDeleteMyData(), "delete_my_data"),
    ):
        said, _ = run(action, "my data", intent)
        assert "log in" in texts(said)[0]


def test_alice_gets_a_copy_of_her_data(chat) -> None:  # type: ignore[no-untyped-def]
    said, _ = run(ActionExportMyData(), "send me my data", "export_my_data", customer=ALICE)
    assert "Your copy is ready" in texts(said)[0] and "/privacy" in texts(said)[0]


def test_deletion_asks_first_and_erases_only_after_yes_to_that_question(chat) -> None:  # type: ignore[no-untyped-def]
    shop, tracker = chat
    token = sign_identity(ALICE, secret=IDENTITY_SECRET)
    with tracker.begin() as connection:
        connection.execute(
            insert(EVENTS).values(
                sender_id="alice-old-chat",
                type_name="user",
                timestamp=1.0,
                data=json.dumps({"event": "user", "text": "hi", "metadata": {IDENTITY_METADATA_KEY: token}}),
            )
        )
    with Session(shop) as session:
        email = session.get(Customer, ALICE).email
    yes = [("privacy_choice", "yes")]
    # A "yes" that answers no question erases nothing: it asks.
    asked, slots = run(
        ActionDeleteMyData(), "/delete_my_data", "delete_my_data", entities=yes, customer=ALICE
    )
    assert "Delete your data now?" in texts(asked)[0] and slots == {"privacy_pending": "delete"}
    kept, slots = run(
        ActionDeleteMyData(),
        "/delete_my_data",
        "delete_my_data",
        entities=[("privacy_choice", "no")],
        slots={"privacy_pending": "delete"},
        customer=ALICE,
    )
    assert texts(kept) == ["Okay, nothing was deleted."] and slots == {"privacy_pending": None}
    with Session(shop) as session:
        assert session.get(Customer, ALICE).email == email
    done, _ = run(
        ActionDeleteMyData(),
        "/delete_my_data",
        "delete_my_data",
        entities=yes,
        slots={"privacy_pending": "delete"},
        customer=ALICE,
    )
    assert "your personal data is erased" in texts(done)[0]
    with Session(shop) as session:
        assert session.get(Customer, ALICE).email == erased_email(ALICE)
    with tracker.connect() as connection:
        assert connection.scalars(select(EVENTS.c.sender_id)).all() == []
