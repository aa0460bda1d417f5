"""The Rasa double (tests/chat/rasa_double.py) with what the agent console needs of Rasa: the
tracker events endpoint (`POST /conversations/{id}/tracker/events`, token-checked; "pause" and
"resume" change the tracker's `paused`), and, as the action server's `action_handoff` does, a
support ticket opened in the shop database when the shopper says "handoff"."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

from shop.db import make_engine
from shop.identity import Requester
from shop.support import contact_email_in, open_ticket, summarize_conversation
from tests.chat import rasa_double


@dataclass
class AgentRasaDouble(rasa_double.RasaDouble):
    database_url: str = ""

    def handle_message(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        answer = super().handle_message(body)
        if self.database_url and str(body.get("message", "")).strip() == "handoff" and answer:
            sender = str(body.get("sender"))
            turns = [
                ("user" if e["event"] == "user" else "bot", e.get("text") or "")
                for e in self._tracker(sender)["events"]
            ]
            engine = make_engine(self.database_url)
            try:
                open_ticket(
                    sender, Requester(None), "Shopper asked for a person",
                    summarize_conversation(turns, requester=Requester(None)),
                    contact_email=contact_email_in(turns), engine=engine,
                )  # fmt: skip
            finally:
                engine.dispose()
        return answer


def handler_with_events(double: rasa_double.RasaDouble) -> type[BaseHTTPRequestHandler]:
    base = rasa_double._handler(double)

    class Handler(base):  # type: ignore[misc, valid-type]
        def do_POST(self) -> None:  # noqa: N802
            parsed = urlparse(self.path)
            parts = parsed.path.strip("/").split("/")
            if len(parts) == 4 and parts[0] == "conversations" and parts[2:] == ["tracker", "events"]:
                if parse_qs(parsed.query).get("token") != [double.token]:
                    self._send(401, {"status": "failure", "reason": "NotAuthenticated"})
                    return
                events = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
                tracker = double._tracker(unquote(parts[1]))
                for event in events if isinstance(events, list) else [events]:
                    tracker["events"].append(event)
                    if event.get("event") in ("pause", "resume"):
                        tracker["paused"] = event["event"] == "pause"
                self._send(200, tracker)
                return
            super().do_POST()

    return Handler


@contextmanager
def running_agent_rasa_double(token: str, database_url: str = "") -> Iterator[AgentRasaDouble]:
    double = AgentRasaDouble(token=token, database_url=database_url)
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_with_events(double))
    double.url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield double
    finally:
        server.shutdown()
        server.server_close()
