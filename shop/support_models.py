"""Tables of the agent console (issue 18, migration 0003): agents, their login sessions, and the
history of every ticket change, which is also the outbox of the help-desk webhook.

Kept beside `shop.models` (same `Base`, so one metadata) to keep that module small.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shop.models import Base, _enum, utcnow


class TicketEventKind(enum.StrEnum):
    OPENED = "opened"
    #: A person took the conversation over (the shopper is told).
    JOINED = "joined"
    #: A message of the shopper or of the agent while the ticket is open.
    MESSAGE = "message"
    #: Handed back to the bot; the ticket is closed.
    CLOSED = "closed"


class Agent(Base):
    """A person of the shop's support team who may log in to the agent console."""

    __tablename__ = "support_agents"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stored lower-case; the login name.
    email: Mapped[str] = mapped_column(String(320), unique=True)
    #: What the shopper is told ("Sam from our team has joined").
    name: Mapped[str] = mapped_column(String(100))
    #: argon2id hash in PHC format (argon2-cffi); never the password.
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class AgentSession(Base):
    """A logged-in console: the browser holds a random token, the database only its SHA-256."""

    __tablename__ = "support_agent_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("support_agents.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)


class TicketEvent(Base):
    """One change of a ticket, with its actor; delivered to the help-desk webhook when one is set."""

    __tablename__ = "support_ticket_events"
    __table_args__ = (Index("ix_support_ticket_events_pending", "delivered_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("support_tickets.id", ondelete="CASCADE"), index=True)
    kind: Mapped[TicketEventKind] = mapped_column(_enum(TicketEventKind))
    #: "customer:12", "guest", "agent:3" or "bot".
    actor: Mapped[str] = mapped_column(String(40))
    text: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # --- webhook delivery (web/agents_webhook.py) ---
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime)
    #: Set when the webhook gave up on this event (after the last retry).
    failed_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))


__all__ = ["Agent", "AgentSession", "TicketEvent", "TicketEventKind"]
