"""Tracking consent: whether what a shopper browses may be recorded, and their choice.

`data/policies/privacy.md` promises that browsing and searches are recorded "if you allow it",
so every recorder of interaction events (`recommender.feedback`) asks `may_record` first. The
choice is made on the shop page's cookie banner (`POST /api/consent`) or in chat ("stop tracking
me"), and is kept

* for a logged-in customer on the customer (it holds for all their sessions and devices);
* for a guest on the session (the conversation id the shop page shares with its widget).

A customer's own choice wins over their session's; a shopper who has not chosen is recorded only
when the shop sets `SHOPBOT_TRACKING_WITHOUT_CHOICE=true` (default false: nothing is recorded
until the shopper allows it). Orders, carts and tickets are not tracking: the shop keeps them to
sell and deliver, whatever the choice.
"""

from __future__ import annotations

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from shop import audit
from shop.config import get_settings
from shop.db import session_factory, transaction
from shop.identity import Requester
from shop.models import utcnow
from shop.privacy_models import TrackingConsent

SOURCES = frozenset({"banner", "chat", "agent"})


def _rows(session: Session, customer_id: int | None, session_id: str | None) -> list[TrackingConsent]:
    rows = []
    if customer_id is not None:
        rows += session.scalars(select(TrackingConsent).where(TrackingConsent.customer_id == customer_id))
    if session_id:
        rows += session.scalars(select(TrackingConsent).where(TrackingConsent.session_id == session_id[:200]))
    return rows


def choice_in(session: Session, customer_id: int | None, session_id: str | None) -> bool | None:
    """The shopper's choice (True: allowed, False: declined), None when they have not chosen."""
    rows = _rows(session, customer_id, session_id)
    return rows[0].allowed if rows else None


def may_record_in(session: Session, customer_id: int | None, session_id: str | None) -> bool:
    """May this shopper's browsing be recorded now (inside the recorder's own transaction)?"""
    chosen = choice_in(session, customer_id, session_id)
    return get_settings().tracking_without_choice if chosen is None else chosen


def choice(who: Requester, session_id: str | None, *, engine: Engine | None = None) -> bool | None:
    with session_factory(engine)() as session:
        return choice_in(session, who.customer_id, session_id)


def may_record(who: Requester, session_id: str | None, *, engine: Engine | None = None) -> bool:
    with session_factory(engine)() as session:
        return may_record_in(session, who.customer_id, session_id)


def set_choice(
    who: Requester, session_id: str | None, allowed: bool, *, source: str, engine: Engine | None = None
) -> bool:
    """Keep the shopper's choice (one transaction, audited); returns True when it changed.

    A logged-in customer's choice goes on the customer; a guest's on `session_id`, which a
    guest must have. Setting the same choice again changes nothing.
    """
    if source not in SOURCES:
        raise ValueError(f"source must be one of {sorted(SOURCES)}, got {source!r}")
    if who.is_guest and not session_id:
        raise ValueError("a guest's choice needs the session it holds for")
    with transaction(engine) as session:
        if who.customer_id is not None:
            row = session.scalar(
                select(TrackingConsent).where(TrackingConsent.customer_id == who.customer_id)
            )
            owner = {"customer_id": who.customer_id}
        else:
            assert session_id is not None
            row = session.scalar(
                select(TrackingConsent).where(TrackingConsent.session_id == session_id[:200])
            )
            owner = {"session_id": session_id[:200]}
        before = row.allowed if row is not None else None
        if before == allowed:
            return False
        if row is None:
            row = TrackingConsent(**owner, allowed=allowed, source=source)
            session.add(row)
        row.allowed, row.source, row.updated_at = allowed, source, utcnow()
        target = f"customer:{who.customer_id}" if who.customer_id is not None else "session"
        audit.record(
            session,
            "consent.tracking",
            target,
            old={"allowed": before},
            new={"allowed": allowed, "source": source},
            requester=who,
            conversation=session_id,
        )
    return True
