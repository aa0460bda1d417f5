"""Conversations as Rasa's SQL tracker store keeps them, read without Rasa.

Rasa 3 (`SQLTrackerStore`) writes one row per event into the table `events`: `sender_id`,
`type_name` ("user", "bot", "action", "slot", "session_started", ...), `timestamp` (Unix
seconds), `intent_name`, `action_name` and `data` (the event as JSON). A conversation here is
one *session* of a sender: Rasa starts a new one with a `session_started` event after the
session expiry (60 minutes, `bot/domain/base.yml`), so a shopper who comes back tomorrow is a
second conversation. Sessions without a single user message are not conversations.

The store is the one named by `SHOPBOT_TRACKER_DATABASE_URL` (prod: PostgreSQL; `make run`:
SQLite under var/). An absent table reads as no conversations.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Column, Engine, Float, Integer, MetaData, String, Table, Text, inspect, select

#: The tracker store's table, as Rasa 3.6 creates it (`rasa.core.tracker_store.SQLTrackerStore`).
TRACKER_METADATA = MetaData()
EVENTS = Table(
    "events",
    TRACKER_METADATA,
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False, index=True),
    Column("type_name", String(255), nullable=False),
    Column("timestamp", Float),
    Column("intent_name", String(255)),
    Column("action_name", String(255)),
    Column("data", Text),
)


@dataclass(frozen=True, slots=True)
class UserTurn:
    at: datetime
    text: str
    intent: str | None
    #: Entities the NLU found (and button payloads set): {"product_id": [12], ...}.
    entities: dict[str, list[Any]]
    #: The actions the bot ran in answer (up to the next user message), in order.
    actions: tuple[str, ...]


@dataclass
class Conversation:
    """One session of one sender, from its first to its last event."""

    sender_id: str
    started_at: datetime
    ended_at: datetime
    turns: list[UserTurn] = field(default_factory=list)
    #: Every value each slot was set to during the conversation, in order.
    slots: dict[str, list[Any]] = field(default_factory=dict)
    #: Every action the bot ran.
    actions: list[str] = field(default_factory=list)

    @property
    def day(self) -> str:
        return self.turns[0].at.date().isoformat() if self.turns else self.started_at.date().isoformat()

    def slot_values(self, name: str) -> list[Any]:
        return [v for v in self.slots.get(name, []) if v is not None]


def _time(timestamp: float | None) -> datetime:
    return datetime.fromtimestamp(timestamp or 0.0, UTC).replace(tzinfo=None)


def _entities(parse_data: dict[str, Any]) -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = {}
    for entity in parse_data.get("entities") or []:
        if isinstance(entity, dict) and entity.get("entity"):
            found.setdefault(str(entity["entity"]), []).append(entity.get("value"))
    return found


#: Actions Rasa runs around every turn or session; they say nothing about the conversation.
_HOUSEKEEPING_ACTIONS = frozenset({"action_listen", "action_session_start"})


class _Builder:
    def __init__(self, sender_id: str, at: datetime) -> None:
        self.conversation = Conversation(sender_id, at, at)
        self._pending: dict[str, Any] | None = None
        self._actions: list[str] = []

    def user(self, at: datetime, data: dict[str, Any], intent: str | None) -> None:
        self._close_turn()
        parse_data = data.get("parse_data") or {}
        self._pending = {
            "at": at,
            "text": str(data.get("text") or ""),
            "intent": intent or (parse_data.get("intent") or {}).get("name"),
            "entities": _entities(parse_data),
        }

    def action(self, name: str) -> None:
        if name and name not in _HOUSEKEEPING_ACTIONS:
            self._actions.append(name)
            self.conversation.actions.append(name)

    def slot(self, name: str, value: Any) -> None:
        self.conversation.slots.setdefault(name, []).append(value)

    def _close_turn(self) -> None:
        if self._pending is not None:
            self.conversation.turns.append(UserTurn(**self._pending, actions=tuple(self._actions)))
        self._pending = None
        self._actions = []

    def finish(self) -> Conversation:
        self._close_turn()
        return self.conversation


def read_conversations(
    engine: Engine, *, since: datetime | None = None, until: datetime | None = None
) -> list[Conversation]:
    """Conversations that started in [since, until) (naive UTC), oldest first."""
    if not inspect(engine).has_table(EVENTS.name):
        return []
    columns = ("sender_id", "type_name", "timestamp", "intent_name", "action_name", "data")
    query = select(*(EVENTS.c[name] for name in columns)).order_by(EVENTS.c.sender_id, EVENTS.c.id)
    conversations: list[Conversation] = []
    with engine.connect() as connection:
        for conversation in _split(connection.execute(query)):
            if not conversation.turns:
                continue
            start = conversation.turns[0].at
            if (since is None or start >= since) and (until is None or start < until):
                conversations.append(conversation)
    conversations.sort(key=lambda c: (c.turns[0].at, c.sender_id))
    return conversations


def _split(rows: Any) -> Iterator[Conversation]:
    builder: _Builder | None = None
    sender: str | None = None
    for row in rows:
        at = _time(row.timestamp)
        if row.sender_id != sender or builder is None or row.type_name == "session_started":
            if builder is not None:
                yield builder.finish()
            builder, sender = _Builder(row.sender_id, at), row.sender_id
        builder.conversation.ended_at = max(builder.conversation.ended_at, at)
        data = _json(row.data)
        if row.type_name == "user":
            builder.user(at, data, row.intent_name)
        elif row.type_name == "action":
            builder.action(row.action_name or str(data.get("name") or ""))
        elif row.type_name == "slot":
            builder.slot(str(data.get("name") or ""), data.get("value"))
    if builder is not None:
        yield builder.finish()


def _json(text: str | None) -> dict[str, Any]:
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
