"""Identity comes from the current message only (issue 18).

After one sender-less REST message carrying Alice's token (Rasa's shared `default`
conversation), a message with no token asking "where is my latest order" was answered with
Alice's order: the actions reused the token of an earlier message. Now an earlier token proves
nothing, and the client address is whatever the channel recorded.
"""

from __future__ import annotations

from rasa_sdk import Tracker

from actions.context import client_address, requester
from shop.identity import CLIENT_METADATA_KEY, IDENTITY_METADATA_KEY, sign_identity

SECRET = "current-message-test-secret"


def _tracker(events: list[dict], latest: dict) -> Tracker:
    return Tracker("default", {}, latest, events, False, None, {}, "action_listen")


def test_an_earlier_messages_token_does_not_make_the_next_message_alices(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SHOPBOT_IDENTITY_SECRET", SECRET)
    from shop.config import get_settings

    get_settings.cache_clear()
    try:
        alice = sign_identity(1, secret=SECRET)
        earlier = {"event": "user", "text": "hi", "metadata": {IDENTITY_METADATA_KEY: alice}}
        now = {"text": "where is my latest order", "metadata": {}}
        assert requester(_tracker([earlier, {"event": "user", **now}], now)).is_guest
        with_token = {"text": "and now?", "metadata": {IDENTITY_METADATA_KEY: alice}}
        assert requester(_tracker([earlier], with_token)).customer_id == 1
        assert requester(_tracker([], {"text": "x", "metadata": ["not", "an", "object"]})).is_guest
    finally:
        get_settings.cache_clear()


def test_the_client_address_is_the_channels_record_of_the_current_message() -> None:
    assert client_address(_tracker([], {"metadata": {CLIENT_METADATA_KEY: "203.0.113.9"}})) == "203.0.113.9"
    assert client_address(_tracker([], {"metadata": None})) is None
    assert client_address(_tracker([], {"metadata": {CLIENT_METADATA_KEY: 5}})) is None
