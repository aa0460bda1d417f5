"""Build the `rasa_sdk.Tracker` Rasa would send to an action, and read what the action did."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from shop.identity import IDENTITY_METADATA_KEY, sign_identity

IDENTITY_SECRET = "action-tests-identity-secret"
ALICE, BOB, CARLA = 1, 2, 3


def make_tracker(
    text: str = "",
    *,
    intent: str | None = None,
    entities: Sequence[tuple[str, str]] = (),
    slots: dict[str, Any] | None = None,
    validate: Sequence[str] = (),
    customer: int | None = None,
    token: str | None = None,
    active_loop: str | None = None,
    events_before: Sequence[dict[str, Any]] = (),
    intent_ranking: Sequence[tuple[str, float]] = (),
    sender_id: str | None = None,
) -> Tracker:
    """The tracker of one turn. `validate` names slots set in this turn (what a form validates)."""
    metadata: dict[str, Any] = {}
    if customer is not None:
        metadata[IDENTITY_METADATA_KEY] = sign_identity(customer, secret=IDENTITY_SECRET)
    if token is not None:
        metadata[IDENTITY_METADATA_KEY] = token
    parse = {
        "text": text,
        "intent": {"name": intent, "confidence": 1.0} if intent else {},
        "entities": [{"entity": e, "value": v, "start": 0, "end": 0} for e, v in entities],
        "intent_ranking": [{"name": n, "confidence": c} for n, c in intent_ranking],
        "metadata": metadata,
    }
    slots = {"cart": [], "lookup_failures": 0.0, **(slots or {})}
    events: list[dict[str, Any]] = list(events_before)
    if active_loop:
        events.append({"event": "active_loop", "name": active_loop})
    events.append({"event": "user", "text": text, "parse_data": parse, "metadata": metadata})
    events += [{"event": "slot", "name": name, "value": slots.get(name)} for name in validate]
    return Tracker(
        sender_id or f"test-{uuid.uuid4().hex[:8]}",
        slots,
        parse,
        events,
        False,
        None,
        {"name": active_loop} if active_loop else {},
        "action_listen",
    )


def slot_events(events: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The last value each slot was set to by an action's events."""
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def texts(dispatcher: CollectingDispatcher) -> list[str]:
    return [m["text"] for m in dispatcher.messages if m.get("text")]


def json_messages(dispatcher: CollectingDispatcher) -> list[dict[str, Any]]:
    return [m["custom"] for m in dispatcher.messages if m.get("custom")]
