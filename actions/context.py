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
from shop.identity import CLIENT_METADATA_KEY, Requester, requester_from_metadata

_engine_override: Engine | None = None


def shop_engine() -> Engine:
    """The shop database of this action server (`DATABASE_URL`), created once per process."""
    return _engine_override or get_engine()


def use_engine(engine: Engine | None) -> None:
    """Point the actions at another database (tests use a seeded one); None restores the default."""
    global _engine_override
    _engine_override = engine


def requester(tracker: Tracker) -> Requester:
    """The shopper behind the latest message: a verified customer, else a guest.

    From the current message only (issue 18, H-web's edit): a token carried by an earlier
    message of the conversation proves nothing about who sent this one (a sender-less REST
    message shared Rasa's `default` conversation, and so borrowed the last shopper's token).
    The widget and the shell send the token with every message.
    """
    metadata = (tracker.latest_message or {}).get("metadata")
    return requester_from_metadata(metadata if isinstance(metadata, dict) else None)


def client_address(tracker: Tracker) -> str | None:
    """The client's address, as the REST channel recorded it (never as the client claimed it)."""
    metadata = (tracker.latest_message or {}).get("metadata")
    value = metadata.get(CLIENT_METADATA_KEY) if isinstance(metadata, dict) else None
    return value if isinstance(value, str) and value else None


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
