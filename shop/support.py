"""Support tickets: handing a conversation over to a human, with the context they need.

`open_ticket` is idempotent per conversation: while a conversation has an open ticket,
asking again (or a channel re-sending the request, even concurrently) returns that ticket
with its summary brought up to date, instead of opening a second one.

`summarize_conversation` turns the last turns of a conversation into a short, PII-masked
text (emails, phones, street addresses masked; order and RMA numbers kept, since the agent
needs them). The summary can end up in logs and in a help desk's notifications; how to reach a
guest does not belong there, so it is kept apart, unmasked, in the ticket's `contact_email`
(`contact_email_in` finds it in what the shopper wrote), for the agent console only.

Every change of a ticket is a `TicketEvent` (`record_event`): its history, and the outbox of the
help-desk webhook (web/agents_webhook.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from shop.db import get_engine
from shop.identity import Requester
from shop.models import SupportTicket, TicketStatus, utcnow
from shop.privacy import EMAIL_RE, mask_pii
from shop.support_models import TicketEvent, TicketEventKind
from shop.writes import write_transaction

MAX_SUBJECT_LENGTH = 200
MAX_CONVERSATION_ID_LENGTH = 200
_ORDER_NUMBER_RE = re.compile(r"(?<![\w-])#?(\d{6,9})(?![\w-])")
_RMA_RE = re.compile(r"\bRMA-\d+-\d+\b", re.I)
_SHOPPER = frozenset({"user", "customer", "shopper"})
MAX_EMAIL_LENGTH = 320


@dataclass(frozen=True, slots=True)
class TicketReceipt:
    ticket_id: int
    #: What the shopper is told ("T-000042").
    reference: str
    conversation_id: str
    subject: str
    status: TicketStatus
    created_at: datetime
    #: False when an open ticket of this conversation was reused.
    created: bool

    def message(self) -> str:
        return (
            f"I've passed this conversation to our support team (ticket {self.reference}). "
            "A person will reply here as soon as possible."
        )


def ticket_reference(ticket_id: int) -> str:
    return f"T-{ticket_id:06d}"


def open_ticket(
    conversation_id: str,
    requester: Requester,
    subject: str,
    summary: str,
    *,
    contact_email: str | None = None,
    engine: Engine | None = None,
    now: datetime | None = None,
) -> TicketReceipt:
    """Open (or refresh) the support ticket of a conversation.

    `contact_email`: how to reach a guest (an email they gave in the chat); kept unmasked for
    the agent, while the summary stays masked."""
    conversation_id = (conversation_id or "").strip()
    if not conversation_id or len(conversation_id) > MAX_CONVERSATION_ID_LENGTH:
        raise ValueError("a ticket needs the conversation id (at most 200 characters)")
    subject = " ".join((subject or "").split()) or "Customer asked for help"
    if len(subject) > MAX_SUBJECT_LENGTH:
        subject = subject[: MAX_SUBJECT_LENGTH - 1] + "…"
    summary = (summary or "").strip() or "(no conversation summary)"
    now = now or utcnow()
    contact_email = _clean_email(contact_email)

    def work(session: Session) -> TicketReceipt:
        if session.get_bind().dialect.name == "postgresql":
            # No row to lock before the first ticket exists: serialise on the conversation id.
            session.execute(select(func.pg_advisory_xact_lock(func.hashtext(conversation_id))))
        ticket = session.scalars(
            select(SupportTicket)
            .where(
                SupportTicket.conversation_id == conversation_id,
                SupportTicket.status == TicketStatus.OPEN,
            )
            .order_by(SupportTicket.id.desc())
            .limit(1)
        ).first()
        created = ticket is None
        if ticket is None:
            ticket = SupportTicket(
                customer_id=requester.customer_id,
                conversation_id=conversation_id,
                subject=subject,
                summary=summary,
                status=TicketStatus.OPEN,
                created_at=now,
                contact_email=contact_email,
            )
            session.add(ticket)
        else:
            ticket.summary = summary
            if ticket.customer_id is None and requester.customer_id is not None:
                ticket.customer_id = requester.customer_id
            if contact_email and not ticket.contact_email:
                ticket.contact_email = contact_email
        session.flush()
        if created:
            actor = "guest" if requester.customer_id is None else f"customer:{requester.customer_id}"
            record_event(session, ticket.id, TicketEventKind.OPENED, actor, None, now=now)
        return TicketReceipt(
            ticket_id=ticket.id,
            reference=ticket_reference(ticket.id),
            conversation_id=conversation_id,
            subject=ticket.subject,
            status=ticket.status,
            created_at=ticket.created_at,
            created=created,
        )

    return write_transaction(engine or get_engine(), work)


def record_event(
    session: Session,
    ticket_id: int,
    kind: TicketEventKind,
    actor: str,
    text: str | None = None,
    *,
    now: datetime | None = None,
) -> TicketEvent:
    """Add one ticket change inside the caller's transaction (`actor`: "guest", "customer:7",
    "agent:3"); the webhook delivers it from there."""
    now = now or utcnow()
    event = TicketEvent(
        ticket_id=ticket_id,
        kind=kind,
        actor=actor,
        text=text,
        created_at=now,
        attempts=0,
        next_attempt_at=now,
    )
    session.add(event)
    return event


def contact_email_in(turns: Iterable[tuple[str, str]]) -> str | None:
    """The last email address the shopper wrote in the conversation (None if none)."""
    found = None
    for speaker, text in turns:
        if (speaker or "").strip().lower() in _SHOPPER and text:
            for match in EMAIL_RE.finditer(text):
                found = match.group(0)
    return _clean_email(found)


def _clean_email(email: str | None) -> str | None:
    email = (email or "").strip()
    if not email or "@" not in email or len(email) > MAX_EMAIL_LENGTH or any(c.isspace() for c in email):
        return None
    return email


def summarize_conversation(
    turns: Iterable[tuple[str, str]],
    *,
    requester: Requester | None = None,
    max_turns: int = 12,
    max_chars_per_turn: int = 200,
    max_chars: int = 3000,
    mask: bool = True,
) -> str:
    """A short text for a human agent: who, what was mentioned, and the last turns.

    `turns` are (speaker, text) pairs in order, e.g. ("user", "where is my order"),
    ("bot", "..."). Empty texts are skipped; long ones are shortened.
    """
    cleaned: list[tuple[str, str]] = []
    for speaker, text in turns:
        text = " ".join((text or "").split())
        if not text:
            continue
        cleaned.append(((speaker or "?").strip().lower() or "?", mask_pii(text) if mask else text))
    user_text = " ".join(text for speaker, text in cleaned if speaker in _SHOPPER)

    header: list[str] = []
    if requester is not None:
        header.append(
            f"Customer: {'guest (not logged in)' if requester.is_guest else f'#{requester.customer_id}'}"
        )
    orders = _unique(_ORDER_NUMBER_RE.findall(user_text))
    if orders:
        header.append("Orders mentioned: " + ", ".join(orders))
    rmas = _unique(m.upper() for m in _RMA_RE.findall(user_text))
    if rmas:
        header.append("Returns mentioned: " + ", ".join(rmas))

    shown = cleaned[-max_turns:] if max_turns > 0 else []
    body = [f"{speaker}: {_shorten(text, max_chars_per_turn)}" for speaker, text in shown]
    if len(cleaned) > len(shown):
        body.insert(0, f"({len(cleaned) - len(shown)} earlier messages not shown)")
    summary = "\n".join([*header, *(["---"] if header and body else []), *body])
    return _shorten(summary, max_chars) if summary else "(empty conversation)"


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(limit - 1, 0)].rstrip() + "…"


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))


__all__: Sequence[str] = [
    "TicketReceipt",
    "contact_email_in",
    "open_ticket",
    "record_event",
    "summarize_conversation",
    "ticket_reference",
]
