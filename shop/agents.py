"""Support agents and what they do with tickets: the domain of the agent console (issue 18).

- Agents log in with an email and a password; the password is kept only as an argon2id hash
  (argon2-cffi, the reference implementation's bindings, with its recommended parameters).
  A wrong email and a wrong password take the same time and get the same answer.
- A login starts a session: a random token for the browser, of which only its SHA-256 is
  stored, valid for `SESSION_TTL` (sliding is not needed for a working day).
- The queue is the open tickets, oldest first. An agent joins a ticket (the shopper is told by
  the edge), writes messages, and closes it, which hands the conversation back to the bot.
  Each of these is one transaction, recorded as a ticket event (the help-desk webhook's outbox)
  and in the audit log with the agent as actor; repeating one (a double click, a retried
  request) changes nothing and says so.

No web framework and no Rasa here: the console (web/agents_api.py) does the talking to Rasa.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, delete, func, select
from sqlalchemy.orm import Session

from shop import audit
from shop.db import get_engine, session_factory
from shop.models import Customer, SupportTicket, TicketStatus, utcnow
from shop.support import record_event, ticket_reference
from shop.support_models import Agent, AgentSession, TicketEvent, TicketEventKind
from shop.writes import write_transaction

SESSION_TTL = timedelta(hours=10)
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1000
MAX_MESSAGE_LENGTH = 2000
MAX_NAME_LENGTH = 100

_hasher = PasswordHasher()
#: Verified against when the email is unknown, so that case takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


class AgentError(ValueError):
    """A request the console must refuse, with the reason in words (never a traceback)."""


class TicketNotFound(AgentError):
    pass


class TicketClosed(AgentError):
    pass


@dataclass(frozen=True, slots=True)
class AgentInfo:
    id: int
    email: str
    name: str


@dataclass(frozen=True, slots=True)
class TicketView:
    id: int
    reference: str
    conversation_id: str
    subject: str
    summary: str
    status: TicketStatus
    created_at: datetime
    closed_at: datetime | None
    #: Who the shopper is: the customer's name and email, or a guest's email as given in the chat.
    customer_id: int | None
    customer_name: str | None
    email: str | None
    agent_id: int | None
    agent_name: str | None

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "reference": self.reference,
            "conversation_id": self.conversation_id,
            "subject": self.subject,
            "summary": self.summary,
            "status": str(self.status),
            "created_at": self.created_at.isoformat() + "Z",
            "closed_at": self.closed_at.isoformat() + "Z" if self.closed_at else None,
            "customer": (
                {"id": self.customer_id, "name": self.customer_name} if self.customer_id is not None else None
            ),
            "email": self.email,
            "agent": {"id": self.agent_id, "name": self.agent_name} if self.agent_id is not None else None,
        }


@dataclass(frozen=True, slots=True)
class Change:
    """The result of an agent's action: the ticket after it, and whether anything changed."""

    ticket: TicketView
    changed: bool


# --- agents and passwords ------------------------------------------------------------------------
def normalize_email(email: str) -> str:
    email = (email or "").strip().lower()
    if "@" not in email or len(email) > 320 or any(c.isspace() for c in email):
        raise AgentError("an agent's email must look like name@example.com")
    return email


def check_password(password: str) -> None:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        raise AgentError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AgentError(f"the password must have at most {MAX_PASSWORD_LENGTH} characters")


def add_agent(
    email: str, name: str, password: str, *, engine: Engine | None = None, replace_password: bool = False
) -> AgentInfo:
    """Add an agent (or, with `replace_password`, set an existing agent's password and name)."""
    email = normalize_email(email)
    name = " ".join((name or "").split())
    if not name or len(name) > MAX_NAME_LENGTH:
        raise AgentError(f"an agent needs a name the shopper is told (1 to {MAX_NAME_LENGTH} characters)")
    check_password(password)
    password_hash = _hasher.hash(password)

    def work(session: Session) -> AgentInfo:
        agent = session.scalars(select(Agent).where(Agent.email == email)).first()
        if agent is not None and not replace_password:
            raise AgentError(f"there is already an agent {email} (use --reset-password to change it)")
        old = None if agent is None else {"name": agent.name}
        if agent is None:
            agent = Agent(
                email=email, name=name, password_hash=password_hash, active=True, created_at=utcnow()
            )
            session.add(agent)
        else:
            agent.name, agent.password_hash, agent.active = name, password_hash, True
        session.flush()
        audit.record(
            session, "agent.add" if old is None else "agent.password", f"agent:{agent.id}",
            old=old, new={"email": email, "name": name}, actor=audit.SYSTEM,
        )  # fmt: skip
        return AgentInfo(agent.id, agent.email, agent.name)

    return write_transaction(engine or get_engine(), work)


def authenticate(email: str, password: str, *, engine: Engine | None = None) -> AgentInfo | None:
    """The agent these credentials prove, or None (the same for a wrong email and password)."""
    try:
        email = normalize_email(email)
    except AgentError:
        email = ""
    if not isinstance(password, str) or not password or len(password) > MAX_PASSWORD_LENGTH:
        password = "\0"  # still verified, so every refusal costs the same
    engine = engine or get_engine()
    with session_factory(engine)() as session:
        agent = session.scalars(select(Agent).where(Agent.email == email, Agent.active.is_(True))).first()
        stored = agent.password_hash if agent is not None else _DUMMY_HASH
    try:
        _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    if agent is None:
        return None
    if _hasher.check_needs_rehash(stored):
        new_hash = _hasher.hash(password)

        def rehash(session: Session) -> None:
            row = session.get(Agent, agent.id)
            if row is not None:
                row.password_hash = new_hash

        write_transaction(engine, rehash)
    return AgentInfo(agent.id, agent.email, agent.name)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def start_session(agent: AgentInfo, *, engine: Engine | None = None, now: datetime | None = None) -> str:
    """A new session token for `agent` (give it to the browser; it is not stored)."""
    token = secrets.token_urlsafe(32)
    now = now or utcnow()

    def work(session: Session) -> None:
        # Expired sessions are removed as new ones start: the table stays small.
        session.execute(delete(AgentSession).where(AgentSession.expires_at < now))
        session.add(
            AgentSession(
                agent_id=agent.id, token_hash=_token_hash(token), created_at=now, expires_at=now + SESSION_TTL
            )
        )

    write_transaction(engine or get_engine(), work)
    return token


def session_agent(
    token: str | None, *, engine: Engine | None = None, now: datetime | None = None
) -> AgentInfo | None:
    """The agent a session token belongs to, while it is valid and the agent is active."""
    if not token or len(token) > 200:
        return None
    now = now or utcnow()
    with session_factory(engine or get_engine())() as session:
        row = session.execute(
            select(Agent)
            .join(AgentSession, AgentSession.agent_id == Agent.id)
            .where(
                AgentSession.token_hash == _token_hash(token),
                AgentSession.expires_at > now,
                Agent.active.is_(True),
            )
        ).scalar_one_or_none()
        return AgentInfo(row.id, row.email, row.name) if row is not None else None


def end_session(token: str | None, *, engine: Engine | None = None) -> None:
    if not token:
        return
    write_transaction(
        engine or get_engine(),
        lambda session: session.execute(
            delete(AgentSession).where(AgentSession.token_hash == _token_hash(token))
        ),
    )


# --- the queue and a ticket ----------------------------------------------------------------------
def _view(session: Session, ticket: SupportTicket) -> TicketView:
    customer = session.get(Customer, ticket.customer_id) if ticket.customer_id is not None else None
    agent = session.get(Agent, ticket.agent_id) if ticket.agent_id is not None else None
    return TicketView(
        id=ticket.id,
        reference=ticket_reference(ticket.id),
        conversation_id=ticket.conversation_id,
        subject=ticket.subject,
        summary=ticket.summary,
        status=ticket.status,
        created_at=ticket.created_at,
        closed_at=ticket.closed_at,
        customer_id=ticket.customer_id,
        customer_name=customer.name if customer else None,
        email=(customer.email if customer else None) or ticket.contact_email,
        agent_id=ticket.agent_id,
        agent_name=agent.name if agent else None,
    )


def open_tickets(*, engine: Engine | None = None, limit: int = 200) -> list[TicketView]:
    """The queue: open tickets, oldest first."""
    with session_factory(engine or get_engine())() as session:
        tickets = session.scalars(
            select(SupportTicket)
            .where(SupportTicket.status == TicketStatus.OPEN)
            .order_by(SupportTicket.created_at, SupportTicket.id)
            .limit(limit)
        ).all()
        return [_view(session, t) for t in tickets]


def get_ticket(ticket_id: int, *, engine: Engine | None = None) -> TicketView:
    with session_factory(engine or get_engine())() as session:
        ticket = session.get(SupportTicket, ticket_id)
        if ticket is None:
            raise TicketNotFound(f"there is no ticket {ticket_id}")
        return _view(session, ticket)


def open_ticket_of(conversation_id: str, *, engine: Engine | None = None) -> TicketView | None:
    """The open ticket of a conversation, if a person has it (or is to have it)."""
    with session_factory(engine or get_engine())() as session:
        ticket = session.scalars(
            select(SupportTicket)
            .where(
                SupportTicket.conversation_id == conversation_id, SupportTicket.status == TicketStatus.OPEN
            )
            .order_by(SupportTicket.id.desc())
            .limit(1)
        ).first()
        return _view(session, ticket) if ticket is not None else None


def ticket_events(ticket_id: int, *, engine: Engine | None = None) -> list[TicketEvent]:
    """A ticket's history, oldest first."""
    with session_factory(engine or get_engine())() as session:
        events = session.scalars(
            select(TicketEvent).where(TicketEvent.ticket_id == ticket_id).order_by(TicketEvent.id)
        )
        return list(events)


def _locked_ticket(session: Session, ticket_id: int) -> SupportTicket:
    ticket = session.scalars(
        select(SupportTicket).where(SupportTicket.id == ticket_id).with_for_update()
    ).first()
    if ticket is None:
        raise TicketNotFound(f"there is no ticket {ticket_id}")
    return ticket


def join(ticket_id: int, agent: AgentInfo, *, engine: Engine | None = None) -> Change:
    """`agent` takes the ticket's conversation over. `changed` is False when they already had it."""

    def work(session: Session) -> Change:
        ticket = _locked_ticket(session, ticket_id)
        if ticket.status != TicketStatus.OPEN:
            raise TicketClosed(f"{ticket_reference(ticket.id)} is closed")
        if ticket.agent_id == agent.id:
            return Change(_view(session, ticket), changed=False)
        old = {"agent_id": ticket.agent_id}
        ticket.agent_id = agent.id
        record_event(session, ticket.id, TicketEventKind.JOINED, f"agent:{agent.id}", agent.name)
        audit.record(
            session, "ticket.join", f"ticket:{ticket.id}", old=old, new={"agent_id": agent.id},
            actor=audit.Actor.agent(agent.id, ticket.conversation_id),
        )  # fmt: skip
        session.flush()
        return Change(_view(session, ticket), changed=True)

    return write_transaction(engine or get_engine(), work)


def check_message(text: str) -> str:
    text = (text or "").strip() if isinstance(text, str) else ""
    if not text:
        raise AgentError("write a message first")
    if len(text) > MAX_MESSAGE_LENGTH:
        raise AgentError(
            f"a message can have at most {MAX_MESSAGE_LENGTH} characters (this one has {len(text)})"
        )
    return text


def record_agent_message(
    ticket_id: int, agent: AgentInfo, text: str, *, engine: Engine | None = None
) -> TicketView:
    """Record what the agent wrote to the shopper (the console delivers it to the conversation)."""
    text = check_message(text)

    def work(session: Session) -> TicketView:
        ticket = _locked_ticket(session, ticket_id)
        if ticket.status != TicketStatus.OPEN:
            raise TicketClosed(f"{ticket_reference(ticket.id)} is closed: the bot has the conversation again")
        record_event(session, ticket.id, TicketEventKind.MESSAGE, f"agent:{agent.id}", text)
        audit.record(
            session, "ticket.message", f"ticket:{ticket.id}", new={"length": len(text)},
            actor=audit.Actor.agent(agent.id, ticket.conversation_id),
        )  # fmt: skip
        return _view(session, ticket)

    return write_transaction(engine or get_engine(), work)


def record_shopper_message(
    conversation_id: str, actor: str, text: str, *, engine: Engine | None = None
) -> bool:
    """Record a shopper's message to the open ticket of their conversation; False when there is none."""
    text = (text or "").strip()[:MAX_MESSAGE_LENGTH]
    if not text:
        return False

    def work(session: Session) -> bool:
        ticket_id = session.scalar(
            select(func.max(SupportTicket.id)).where(
                SupportTicket.conversation_id == conversation_id, SupportTicket.status == TicketStatus.OPEN
            )
        )
        if ticket_id is None:
            return False
        record_event(session, ticket_id, TicketEventKind.MESSAGE, actor, text)
        return True

    return write_transaction(engine or get_engine(), work)


def close(
    ticket_id: int, agent: AgentInfo, *, engine: Engine | None = None, now: datetime | None = None
) -> Change:
    """Close the ticket: the bot has the conversation again. `changed` is False if it was closed."""
    now = now or utcnow()

    def work(session: Session) -> Change:
        ticket = _locked_ticket(session, ticket_id)
        if ticket.status != TicketStatus.OPEN:
            return Change(_view(session, ticket), changed=False)
        ticket.status, ticket.closed_at = TicketStatus.CLOSED, now
        if ticket.agent_id is None:
            ticket.agent_id = agent.id
        record_event(session, ticket.id, TicketEventKind.CLOSED, f"agent:{agent.id}", None)
        audit.record(
            session, "ticket.close", f"ticket:{ticket.id}", old={"status": "open"}, new={"status": "closed"},
            actor=audit.Actor.agent(agent.id, ticket.conversation_id),
        )  # fmt: skip
        session.flush()
        return Change(_view(session, ticket), changed=True)

    return write_transaction(engine or get_engine(), work)


__all__: Sequence[str] = [
    "AgentError",
    "AgentInfo",
    "Change",
    "TicketClosed",
    "TicketNotFound",
    "TicketView",
    "add_agent",
    "authenticate",
    "close",
    "end_session",
    "get_ticket",
    "join",
    "open_ticket_of",
    "open_tickets",
    "record_agent_message",
    "record_shopper_message",
    "session_agent",
    "start_session",
    "ticket_events",
]
