"""What every action needs from its environment: the shop database, who is asking, what they said.

The engine is created once per action-server process from `DATABASE_URL` (via
`shop.config`), and the requester is re-derived from the signed token in the message metadata
on every turn; a customer id is never kept in a slot, where a client could set it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from rasa_sdk import Tracker

# The engine is opaque here: actions hand it to the domain (`actions.store`), never query it.
from shop.db import Engine, get_engine
from shop.identity import IDENTITY_METADATA_KEY, Requester, requester_from_metadata

_engine_override: Engine | None = None


def shop_engine() -> Engine:
    """The shop database of this action server (`DATABASE_URL`), created once per process."""
    return _engine_override or get_engine()


def use_engine(engine: Engine | None) -> None:
    """Point the actions at another database (tests use a seeded one); None restores the default."""
    global _engine_override
    _engine_override = engine


def requester(tracker: Tracker) -> Requester:
    """The shopper behind the latest message: a verified customer, else a guest."""
    metadata = (tracker.latest_message or {}).get("metadata") or {}
    if IDENTITY_METADATA_KEY not in metadata:
        # Some clients send the token only with the first message of a session; the token is
        # verified (signature and age) either way, so an earlier one is as good.
        for event in reversed(tracker.events):
            if event.get("event") in {"user", "session_started"} and IDENTITY_METADATA_KEY in (
                event.get("metadata") or {}
            ):
                metadata = event["metadata"]
                break
    return requester_from_metadata(metadata)


def user_messages(tracker: Tracker) -> Iterator[dict[str, Any]]:
    """The shopper's messages, newest first."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            yield event


def user_text(tracker: Tracker) -> str:
    """What the shopper last typed in words.

    A button press arrives as "/intent{...}"; after a clarifying button (two-stage fallback)
    the words that matter are those of the message before it.
    """
    for event in user_messages(tracker):
        text = (event.get("text") or "").strip()
        if text and not text.startswith("/"):
            return text
    return ""


def latest_text_is_button(tracker: Tracker) -> bool:
    text = ((tracker.latest_message or {}).get("text") or "").strip()
    return text.startswith("/")


def entity_values(tracker: Tracker, entity: str) -> list[str]:
    """Values of `entity` in the latest message (synonyms already applied by Rasa)."""
    return [str(v) for v in tracker.get_latest_entity_values(entity) if v is not None]


def conversation_turns(tracker: Tracker, limit: int = 40) -> list[tuple[str, str]]:
    """(speaker, text) of the last turns, oldest first, for a ticket summary."""
    turns: list[tuple[str, str]] = []
    for event in tracker.events:
        if event.get("event") == "user" and event.get("text"):
            turns.append(("user", event["text"]))
        elif event.get("event") == "bot" and event.get("text"):
            turns.append(("bot", event["text"]))
    return turns[-limit:]
