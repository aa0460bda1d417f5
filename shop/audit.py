"""Who changed what: one audit entry per write, inside the write's own transaction.

Every write of the shop (an order cancelled, a shipping address changed, a return opened, a cart
checked out, an agent's action on a ticket) calls `record(session, ...)` in the transaction that
makes the change, so the entry exists exactly when the change does. An entry holds

* the actor: a customer (with their id), a guest, an agent (with their id) or the system (a
  command-line tool, an import),
* the conversation the write came from (Rasa's sender id), when there is one,
* what was done (`action`, e.g. "order.address") to what (`target`, e.g. "order:100234"),
* the old and the new values, as JSON.

The actor of a write by a shopper is the verified requester the domain function was given; the
conversation comes from the edge that received the request, so the domain needs no framework to
know it: the edge wraps the call in `acting(...)` with the conversation, or passes
`conversation=` (a checkout names the conversation its order came from). An agent's action on a
ticket (shop/agents.py, called by the agent console) names the agent and the ticket's
conversation itself. The action server's writes (cancel, address, return, chat checkout) get
their conversation: each action call runs inside `acting(...)` with the tracker's sender id
(`actions.safety.polite`).

Entries are never shown to shoppers; they hold what the orders themselves hold (an address), and
are readable with `entries_for(session, target)`.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from shop.identity import Requester
from shop.models import Base, utcnow


class ActorKind(enum.StrEnum):
    CUSTOMER = "customer"
    GUEST = "guest"
    AGENT = "agent"
    SYSTEM = "system"


@dataclass(frozen=True, slots=True)
class Actor:
    kind: ActorKind
    #: The customer's or agent's id; None for a guest or the system.
    id: str | None = None
    #: The conversation (Rasa sender id) the write came from, if any.
    conversation: str | None = None

    @classmethod
    def from_requester(cls, requester: Requester, conversation: str | None = None) -> Actor:
        if requester.is_guest:
            return cls(ActorKind.GUEST, None, conversation)
        return cls(ActorKind.CUSTOMER, str(requester.customer_id), conversation)

    @classmethod
    def agent(cls, agent_id: object, conversation: str | None = None) -> Actor:
        return cls(ActorKind.AGENT, str(agent_id), conversation)


SYSTEM = Actor(ActorKind.SYSTEM)

#: The actor of the request being handled, set by the edge (action server, agent console).
_current: ContextVar[Actor | None] = ContextVar("shopbot_audit_actor", default=None)


@contextmanager
def acting(actor: Actor) -> Iterator[Actor]:
    """Every write inside this block is recorded with `actor` (its conversation, at least)."""
    token = _current.set(actor)
    try:
        yield actor
    finally:
        _current.reset(token)


def current_actor(requester: Requester | None = None) -> Actor:
    """Who is writing now: an agent set by the edge wins; else the requester, with the
    conversation the edge set; else the system."""
    context = _current.get()
    if context is not None and context.kind == ActorKind.AGENT:
        return context
    conversation = context.conversation if context else None
    if requester is not None:
        return Actor.from_requester(requester, conversation)
    return context or SYSTEM


class AuditEntry(Base):
    """One write: who, from which conversation, what, and the values before and after."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[str | None] = mapped_column(String(64))
    conversation_id: Mapped[str | None] = mapped_column(String(200), index=True)
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(128), index=True)
    old_values: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    new_values: Mapped[dict[str, Any] | None] = mapped_column(JSON)


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)  # Decimal, datetime, enums: their text


def record(
    session: Session,
    action: str,
    target: str,
    *,
    old: Mapping[str, Any] | None = None,
    new: Mapping[str, Any] | None = None,
    requester: Requester | None = None,
    actor: Actor | None = None,
    conversation: str | None = None,
    at: datetime | None = None,
) -> AuditEntry:
    """Add the entry of one write to `session` (the write's own transaction).

    The actor is `actor` if given, else `current_actor(requester)`; `conversation`, when
    given, names the conversation instead of the one the edge set.
    """
    who = actor or current_actor(requester)
    if conversation:
        who = replace(who, conversation=conversation)
    entry = AuditEntry(
        at=at or utcnow(),
        actor_kind=str(who.kind),
        actor_id=who.id,
        conversation_id=(who.conversation or None) and who.conversation[:200],
        action=action[:64],
        target=target[:128],
        old_values=_jsonable(old) if old is not None else None,
        new_values=_jsonable(new) if new is not None else None,
    )
    session.add(entry)
    return entry


def entries_for(session: Session, target: str) -> list[AuditEntry]:
    """The audit entries of one target ("order:100234"), oldest first."""
    return list(
        session.scalars(select(AuditEntry).where(AuditEntry.target == target).order_by(AuditEntry.id))
    )
