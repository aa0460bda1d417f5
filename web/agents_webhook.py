"""The help-desk integration point: a signed outgoing webhook of ticket events, with retries.

Set `SHOPBOT_SUPPORT_WEBHOOK_URL` and `SHOPBOT_SUPPORT_WEBHOOK_SECRET`, and the shop page's server
POSTs every ticket event - `ticket.opened`, `ticket.joined`, `ticket.message` (the shopper's or
the agent's), `ticket.closed` - to that URL as JSON, in order per ticket:

    {"id": 17, "type": "ticket.message", "created_at": "2026-12-07T16:20:03Z",
     "actor": "guest",                      # "customer:12", "agent:3"
     "text": "my parcel never came",        # messages only
     "ticket": {"id": 5, "reference": "T-000005", "conversation_id": "...", "subject": "...",
                "summary": "...", "status": "open", "email": "bob@example.org", ...}}

Headers: `X-Shopbot-Event` (the type), `X-Shopbot-Delivery` (the event id: the same on a retry,
so a receiver can drop duplicates) and `X-Shopbot-Signature: t=<unix time>,v1=<hex>`, where
`v1 = HMAC-SHA256(secret, "<t>." + raw body)`. A receiver checks it (`verify_signature`) and
refuses old timestamps. Any 2xx answer is a delivery; anything else (or no answer within 10 s) is
retried after 2, 4, 8, ... seconds (at most 10 minutes apart), `MAX_ATTEMPTS` times in all; then
the event is marked failed and the ticket's later events go on. Events are rows of the database
(shop/support_models.TicketEvent, written in the same transaction as the change), so none is
lost when a server restarts. This is the way to connect an existing help desk: a small adapter
receives these and creates or updates the help desk's ticket.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json as jsonlib
import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import requests
from sanic import Sanic
from sqlalchemy import Engine, select

from shop.agents import get_ticket
from shop.config import Settings
from shop.db import session_factory
from shop.models import utcnow
from shop.support_models import TicketEvent
from shop.writes import write_transaction

SIGNATURE_HEADER = "X-Shopbot-Signature"
MAX_ATTEMPTS = 8
FIRST_RETRY_SECONDS = 2.0
MAX_RETRY_SECONDS = 600.0
TIMEOUT_SECONDS = 10.0
BATCH = 50
POLL_SECONDS = 1.0

log = logging.getLogger(__name__)


def sign(secret: str, body: bytes, timestamp: int) -> str:
    digest = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify_signature(secret: str, body: bytes, header: str, *, tolerance_seconds: int = 300) -> bool:
    """What a receiver does: the signature matches and is recent."""
    try:
        fields = dict(part.split("=", 1) for part in header.split(","))
        timestamp = int(fields["t"])
    except (ValueError, KeyError):
        return False
    if abs(time.time() - timestamp) > tolerance_seconds:
        return False
    return hmac.compare_digest(sign(secret, body, timestamp), f"t={timestamp},v1={fields.get('v1', '')}")


def retry_delay(attempts: int) -> timedelta:
    return timedelta(seconds=min(FIRST_RETRY_SECONDS * 2 ** (attempts - 1), MAX_RETRY_SECONDS))


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds") + "Z"


def payload(event: TicketEvent, engine: Engine) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": event.id,
        "type": f"ticket.{event.kind}",
        "created_at": _iso(event.created_at),
        "actor": event.actor,
        "ticket": get_ticket(event.ticket_id, engine=engine).as_json(),
    }
    if event.text is not None:
        body["text"] = event.text
    return body


Post = Callable[..., requests.Response]


def deliver_due(
    engine: Engine, url: str, secret: str, *, now: datetime | None = None, post: Post = requests.post
) -> int:
    """Send the events that are due, oldest first; returns how many were delivered.

    A ticket whose event failed now waits: its later events are not sent before it."""
    now = now or utcnow()
    with session_factory(engine)() as session:
        due = list(
            session.scalars(
                select(TicketEvent)
                .where(
                    TicketEvent.delivered_at.is_(None),
                    TicketEvent.failed_at.is_(None),
                )
                .order_by(TicketEvent.id)
                .limit(BATCH)
            )
        )
    delivered, waiting = 0, set()
    for event in due:
        if event.ticket_id in waiting:
            continue
        if event.next_attempt_at is not None and event.next_attempt_at > now:
            waiting.add(event.ticket_id)
            continue
        body = jsonlib.dumps(payload(event, engine), separators=(",", ":")).encode()
        headers = {
            "Content-Type": "application/json",
            "X-Shopbot-Event": f"ticket.{event.kind}",
            "X-Shopbot-Delivery": str(event.id),
            SIGNATURE_HEADER: sign(secret, body, int(time.time())),
        }
        error = None
        try:
            response = post(url, data=body, headers=headers, timeout=TIMEOUT_SECONDS)
            if not 200 <= response.status_code < 300:
                error = f"HTTP {response.status_code}"
        except requests.RequestException as exception:
            error = f"{type(exception).__name__}: {exception}"[:500]
        _record(engine, event.id, error, now)
        if error is None:
            delivered += 1
        else:
            waiting.add(event.ticket_id)
            log.warning("help-desk webhook: event %s not delivered (%s)", event.id, error)
    return delivered


def _record(engine: Engine, event_id: int, error: str | None, now: datetime) -> None:
    def work(session: Any) -> None:
        event = session.get(TicketEvent, event_id)
        event.attempts += 1
        if error is None:
            event.delivered_at = now
            return
        event.last_error = error
        if event.attempts >= MAX_ATTEMPTS:
            event.failed_at = now
        else:
            event.next_attempt_at = now + retry_delay(event.attempts)

    write_transaction(engine, work)


def start_webhook_relay(app: Sanic, settings: Settings, engine: Engine) -> None:
    """Deliver ticket events in the background of the web server, when a webhook is set."""
    url, secret = settings.support_webhook_url, settings.support_webhook_secret
    if not url:
        return
    if not secret:
        raise RuntimeError("SHOPBOT_SUPPORT_WEBHOOK_URL is set without SHOPBOT_SUPPORT_WEBHOOK_SECRET")

    async def relay() -> None:
        while True:
            try:
                await asyncio.to_thread(deliver_due, engine, url, secret)
            except Exception:  # a broken round must not stop later ones
                log.exception("help-desk webhook: delivery round failed")
            await asyncio.sleep(POLL_SECONDS)

    @app.after_server_start
    async def start(app_: Sanic) -> None:
        app_.add_task(relay(), name="support_webhook_relay")


__all__ = ["deliver_due", "retry_delay", "sign", "start_webhook_relay", "verify_signature"]
