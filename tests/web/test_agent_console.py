"""The agent console's API against the real web server (`python -m web`) over the tiny shop, with a
Rasa double that also takes tracker events (as Rasa's HTTP API does), and a local help-desk
receiver for the signed webhook."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests

from shop import agents
from shop.db import make_engine
from shop.identity import Requester
from shop.support import open_ticket
from tests.tiny_shop import TinyShops
from tests.web import web_server
from tests.web.agent_double import running_agent_rasa_double
from web.agents_webhook import SIGNATURE_HEADER, verify_signature

PASSWORD = "a long console password"
WEBHOOK_SECRET = "web-test-webhook-secret"


class Receiver:
    """A help desk's webhook endpoint: records what it gets; the first answer is a 500."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.failures_left = 1
        handler = self._handler()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/shopbot"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: object) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.received.append((dict(self.headers), body))
                failing = receiver.failures_left > 0
                receiver.failures_left -= 1
                self.send_response(500 if failing else 204)
                self.end_headers()

        return Handler

    def delivered(self) -> list[dict[str, Any]]:
        """The events as a help desk keeps them: signature checked, one per delivery id."""
        events: dict[str, dict[str, Any]] = {}
        for headers, body in self.received:
            assert verify_signature(WEBHOOK_SECRET, body, headers[SIGNATURE_HEADER])
            events[headers["X-Shopbot-Delivery"]] = json.loads(body)
        return list(events.values())


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, tiny_shops: TinyShops) -> Iterator[dict[str, Any]]:
    database_url = tiny_shops.copy(tmp_path_factory.mktemp("agent-shop") / "shop.db")
    rasa = running_agent_rasa_double("agent-test-rasa-token")
    double = rasa.__enter__()
    receiver = Receiver()
    engine = make_engine(database_url)
    agents.add_agent("sam@shop.example", "Sam", PASSWORD, engine=engine)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SHOPBOT_SUPPORT_WEBHOOK_URL", receiver.url)
        patch.setenv("SHOPBOT_SUPPORT_WEBHOOK_SECRET", WEBHOOK_SECRET)
        server = web_server.start_web_server(
            tmp_path_factory.mktemp("agent-web"),
            database_url=database_url,
            rasa_url=double.url,
            rasa_token=double.token,
        )
    yield {"url": server.url, "engine": engine, "rasa": double, "receiver": receiver}
    web_server.stop_web_server(server)
    rasa.__exit__(None, None, None)
    receiver.server.shutdown()
    engine.dispose()


def logged_in(url: str) -> requests.Session:
    session = requests.Session()
    response = session.post(
        f"{url}/api/agent/login", json={"email": "sam@shop.example", "password": PASSWORD}
    )
    assert response.status_code == 200, response.text
    return session


def a_guest_asks_for_a_person(stack: dict[str, Any]) -> tuple[str, int]:
    """The shopper's side of a handoff: the double pauses, the action server would open the ticket."""
    sender = f"agent-test-{uuid.uuid4().hex[:12]}"
    url = stack["url"]
    requests.post(f"{url}/api/chat", json={"sender": sender, "message": "I am bob@example.org"}, timeout=10)
    requests.post(f"{url}/api/chat", json={"sender": sender, "message": "handoff"}, timeout=10)
    receipt = open_ticket(
        sender, Requester(None), "Shopper asked for a person", "user: I am b***@example.org",
        contact_email="bob@example.org", engine=stack["engine"],
    )  # fmt: skip
    return sender, receipt.ticket_id


def history(url: str, sender: str) -> dict[str, Any]:
    return requests.get(f"{url}/api/history", params={"sender": sender}, timeout=10).json()


AGENT_ENDPOINTS = [
    ("GET", "/api/agent/me"),
    ("GET", "/api/agent/tickets"),
    ("GET", "/api/agent/tickets/1"),
    ("POST", "/api/agent/tickets/1/join"),
    ("POST", "/api/agent/tickets/1/messages"),
    ("POST", "/api/agent/tickets/1/hand-back"),
    ("POST", "/api/agent/logout"),
]


@pytest.mark.parametrize(("method", "path"), AGENT_ENDPOINTS)
def test_an_agent_endpoint_without_a_session_is_refused(
    stack: dict[str, Any], method: str, path: str
) -> None:
    for cookies in ({}, {"shopbot_agent": "forged-" + uuid.uuid4().hex}):
        response = requests.request(
            method, stack["url"] + path, json={"text": "hi"}, cookies=cookies, timeout=10
        )
        assert response.status_code == 401, (path, response.text)
        assert response.json() == {"error": "log in to the agent console first"}


def test_a_wrong_password_is_refused_and_the_session_cookie_cannot_be_read_by_scripts(
    stack: dict[str, Any],
) -> None:
    url = stack["url"]
    wrong = requests.post(f"{url}/api/agent/login", json={"email": "sam@shop.example", "password": "nope"})
    assert wrong.status_code == 401 and "shopbot_agent" not in wrong.cookies
    unknown = requests.post(
        f"{url}/api/agent/login", json={"email": "eve@shop.example", "password": PASSWORD}
    )
    assert unknown.status_code == 401 and unknown.json() == wrong.json()
    assert requests.post(f"{url}/api/agent/login", data="email=sam").status_code == 400
    right = requests.post(f"{url}/api/agent/login", json={"email": "sam@shop.example", "password": PASSWORD})
    cookie = right.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert requests.get(f"{url}/agent").status_code == 200


def test_a_logged_in_agent_cannot_be_made_to_act_by_another_site(stack: dict[str, Any]) -> None:
    session = logged_in(stack["url"])
    _, ticket_id = a_guest_asks_for_a_person(stack)
    path = f"{stack['url']}/api/agent/tickets/{ticket_id}/hand-back"
    assert session.post(path, data="x=1", headers={"Content-Type": "text/plain"}).status_code == 415
    assert session.post(path, json={}, headers={"Origin": "http://evil.example"}).status_code == 403
    assert agents.get_ticket(ticket_id, engine=stack["engine"]).status == "open"


def test_an_agent_answers_a_guest_and_hands_the_conversation_back(stack: dict[str, Any]) -> None:
    url = stack["url"]
    sender, ticket_id = a_guest_asks_for_a_person(stack)
    assert history(url, sender)["paused"] is True
    session = logged_in(url)

    queue = session.get(f"{url}/api/agent/tickets").json()["tickets"]
    mine = next(t for t in queue if t["id"] == ticket_id)
    assert mine["email"] == "bob@example.org" and mine["customer"] is None
    assert "b***@example.org" in mine["summary"]

    opened = session.get(f"{url}/api/agent/tickets/{ticket_id}").json()
    assert [line["text"] for line in opened["conversation"] if line["role"] == "shopper"] == [
        "I am bob@example.org",
        "handoff",
    ]

    assert session.post(f"{url}/api/agent/tickets/{ticket_id}/join", json={}).status_code == 200
    assert session.post(f"{url}/api/agent/tickets/{ticket_id}/join", json={}).status_code == 200  # once only
    sent = session.post(f"{url}/api/agent/tickets/{ticket_id}/messages", json={"text": "Hi Bob, Sam here."})
    assert sent.status_code == 200, sent.text
    too_long = session.post(f"{url}/api/agent/tickets/{ticket_id}/messages", json={"text": "x" * 2001})
    assert too_long.status_code == 400

    shown = history(url, sender)
    assert shown["paused"] is True
    from_team = [m for m in shown["messages"] if m["role"] in ("agent", "system")]
    assert [(m["role"], m.get("agent"), m["text"]) for m in from_team] == [
        ("system", None, "Sam from our team has joined the conversation."),
        ("agent", "Sam", "Hi Bob, Sam here."),
    ]
    assert all(m["id"] for m in from_team)

    quiet = requests.post(f"{url}/api/chat", json={"sender": sender, "message": "thanks Sam"}, timeout=10)
    assert quiet.json()["messages"] == []

    back = session.post(f"{url}/api/agent/tickets/{ticket_id}/hand-back", json={})
    assert back.status_code == 200 and back.json()["changed"] is True
    assert session.post(f"{url}/api/agent/tickets/{ticket_id}/hand-back", json={}).json()["changed"] is False
    after = history(url, sender)
    assert after["paused"] is False and after["handoff_ticket"] is None
    assert after["messages"][-1]["text"].startswith("Sam has handed the conversation back")
    answer = requests.post(f"{url}/api/chat", json={"sender": sender, "message": "hello again"}, timeout=10)
    assert answer.json()["messages"][0]["text"] == "You said: hello again"
    assert ticket_id not in [t["id"] for t in session.get(f"{url}/api/agent/tickets").json()["tickets"]]
    closed = session.post(f"{url}/api/agent/tickets/{ticket_id}/messages", json={"text": "one more"})
    assert closed.status_code == 409

    # The help desk got the whole ticket, signed, in order, despite its first answer being a 500.
    deadline = time.monotonic() + 30
    wanted = ["ticket.opened", "ticket.joined", "ticket.message", "ticket.message", "ticket.closed"]
    while time.monotonic() < deadline:
        got = [e for e in stack["receiver"].delivered() if e["ticket"]["id"] == ticket_id]
        if [e["type"] for e in got] == wanted:
            break
        time.sleep(0.3)
    assert [e["type"] for e in got] == wanted
    assert [(e["actor"], e.get("text")) for e in got[2:4]] == [
        ("agent:1", "Hi Bob, Sam here."),
        ("guest", "thanks Sam"),
    ]
    assert got[0]["ticket"]["email"] == "bob@example.org"


def test_every_agent_action_in_the_console_is_audited_with_the_agent_and_the_conversation(
    stack: dict[str, Any],
) -> None:
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from shop.audit import AuditEntry

    url = stack["url"]
    sender, ticket_id = a_guest_asks_for_a_person(stack)
    session = logged_in(url)
    agent_id = session.get(f"{url}/api/agent/me").json()["agent"]["id"]

    session.post(f"{url}/api/agent/tickets/{ticket_id}/join", json={})
    session.post(f"{url}/api/agent/tickets/{ticket_id}/join", json={})  # already joined: no entry
    session.post(f"{url}/api/agent/tickets/{ticket_id}/messages", json={"text": "Sam here, one moment."})
    session.post(f"{url}/api/agent/tickets/{ticket_id}/hand-back", json={})
    session.post(f"{url}/api/agent/tickets/{ticket_id}/hand-back", json={})  # already closed: no entry

    with Session(stack["engine"]) as db:
        entries = db.scalars(
            select(AuditEntry).where(AuditEntry.target == f"ticket:{ticket_id}").order_by(AuditEntry.id)
        ).all()
    assert [e.action for e in entries] == ["ticket.join", "ticket.message", "ticket.close"]
    actors = {(e.actor_kind, e.actor_id, e.conversation_id) for e in entries}
    assert actors == {("agent", str(agent_id), sender)}
    assert entries[0].old_values == {"agent_id": None} and entries[0].new_values == {"agent_id": agent_id}
    assert entries[2].new_values == {"status": "closed"}
    assert "one moment" not in str(entries[1].new_values)  # what was said is the ticket's, not the log's


def test_password_guessing_is_stopped_even_for_the_right_password_afterwards(stack: dict[str, Any]) -> None:
    """Runs last in this module: it uses up the login allowance of this client address."""
    url = stack["url"]
    statuses = [
        requests.post(
            f"{url}/api/agent/login", json={"email": "sam@shop.example", "password": f"guess {n}"}
        ).status_code
        for n in range(11)
    ]
    assert 429 in statuses and set(statuses) <= {401, 429}
    right = requests.post(f"{url}/api/agent/login", json={"email": "sam@shop.example", "password": PASSWORD})
    assert right.status_code == 429 and "shopbot_agent" not in right.cookies
