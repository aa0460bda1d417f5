"""The help-desk webhook (web/agents_webhook.py) against a local receiver: signed, in order per
ticket, retried with growing delays, and given up on after the last attempt."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import Engine

from shop import agents
from shop.identity import Requester
from shop.models import utcnow
from shop.support import open_ticket
from web.agents_webhook import (
    MAX_ATTEMPTS,
    SIGNATURE_HEADER,
    deliver_due,
    retry_delay,
    sign,
    verify_signature,
)

SECRET = "a-help-desk-secret"


class Receiver:
    def __init__(self, answers: list[int]) -> None:
        self.answers = answers  # status codes to give, in turn; then 200
        self.got: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: object) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.got.append((dict(self.headers), body))
                self.send_response(receiver.answers.pop(0) if receiver.answers else 200)
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def types(self) -> list[str]:
        return [json.loads(body)["type"] for _, body in self.got]


@pytest.fixture
def receiver_factory() -> Iterator[type[Receiver]]:
    made: list[Receiver] = []

    def make(answers: list[int]) -> Receiver:
        made.append(Receiver(answers))
        return made[-1]

    yield make  # type: ignore[misc]
    for receiver in made:
        receiver.server.shutdown()


def a_handled_ticket(engine: Engine) -> int:
    sam = agents.add_agent("sam@shop.example", "Sam", "a long password", engine=engine)
    ticket_id = open_ticket(
        "conv-hook", Requester(None), "Shopper asked for a person", "user: where is 100234", engine=engine
    ).ticket_id
    agents.join(ticket_id, sam, engine=engine)
    agents.record_agent_message(ticket_id, sam, "On its way!", engine=engine)
    agents.close(ticket_id, sam, engine=engine)
    return ticket_id


def test_events_are_signed_and_a_failed_one_is_retried_before_the_next(
    sqlite_engine, receiver_factory
) -> None:  # type: ignore[no-untyped-def]
    ticket_id = a_handled_ticket(sqlite_engine)
    receiver = receiver_factory([500, 503])
    now = utcnow()
    assert deliver_due(sqlite_engine, receiver.url, SECRET, now=now) == 0  # 500: the ticket waits
    assert receiver.types() == ["ticket.opened"]
    assert (
        deliver_due(sqlite_engine, receiver.url, SECRET, now=now + timedelta(seconds=1)) == 0
    )  # not due yet
    assert len(receiver.got) == 1
    assert deliver_due(sqlite_engine, receiver.url, SECRET, now=now + retry_delay(1)) == 0  # 503
    assert deliver_due(sqlite_engine, receiver.url, SECRET, now=now + retry_delay(1) + retry_delay(2)) == 4
    assert receiver.types() == [
        "ticket.opened", "ticket.opened", "ticket.opened", "ticket.joined", "ticket.message", "ticket.closed",
    ]  # fmt: skip
    deliveries = [headers["X-Shopbot-Delivery"] for headers, _ in receiver.got]
    assert deliveries[0] == deliveries[1] == deliveries[2]  # a retry is the same delivery
    for headers, body in receiver.got:
        assert verify_signature(SECRET, body, headers[SIGNATURE_HEADER])
        assert not verify_signature("another secret", body, headers[SIGNATURE_HEADER])
        assert not verify_signature(SECRET, body + b" ", headers[SIGNATURE_HEADER])
    message = json.loads(receiver.got[4][1])
    assert message["text"] == "On its way!" and message["actor"].startswith("agent:")
    assert message["ticket"]["id"] == ticket_id and message["ticket"]["reference"] == f"T-{ticket_id:06d}"
    assert (
        deliver_due(sqlite_engine, receiver.url, SECRET, now=now + timedelta(hours=1)) == 0
    )  # nothing twice


def test_an_old_signature_is_refused() -> None:
    assert not verify_signature(SECRET, b"{}", sign(SECRET, b"{}", 1_000_000_000))
    assert not verify_signature(SECRET, b"{}", "garbage")


def test_an_unreachable_help_desk_is_given_up_on_after_the_last_attempt(sqlite_engine) -> None:  # type: ignore[no-untyped-def]
    ticket_id = open_ticket("conv-dead", Requester(None), "Help", "user: hi", engine=sqlite_engine).ticket_id
    dead = "http://127.0.0.1:9/nobody-listens"
    now = utcnow()
    for attempt in range(1, MAX_ATTEMPTS + 1):
        deliver_due(sqlite_engine, dead, SECRET, now=now)
        now += retry_delay(attempt)
    [event] = agents.ticket_events(ticket_id, engine=sqlite_engine)
    assert event.attempts == MAX_ATTEMPTS and event.failed_at is not None and event.delivered_at is None
    assert "ConnectionError" in event.last_error
