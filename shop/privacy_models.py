"""The table of tracking consent (issue 16, migration 0005): what each shopper chose.

Kept beside `shop.models` (same `Base`, so one metadata) to keep that module small; the rule
that reads it is `shop.consent`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from shop.models import Base, utcnow


class TrackingConsent(Base):
    """A shopper's choice about recording what they browse: a customer's (all their sessions)
    or a guest session's (the chat conversation id the shop page shares with its widget)."""

    __tablename__ = "tracking_consents"
    __table_args__ = (
        CheckConstraint(
            "customer_id IS NOT NULL OR session_id IS NOT NULL", name="ck_tracking_consents_owner"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), unique=True
    )
    session_id: Mapped[str | None] = mapped_column(String(200), unique=True)
    allowed: Mapped[bool] = mapped_column(Boolean)
    #: Where the choice was made: "banner" (the shop page's cookie banner) or "chat".
    source: Mapped[str] = mapped_column(String(16))
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


__all__ = ["TrackingConsent"]
