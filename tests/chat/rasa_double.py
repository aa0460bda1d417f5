"""A small real HTTP server that answers like Rasa's REST channel and tracker endpoint.

For unit-level tests of the channels (the terminal shell and the shop server's chat proxy), so
they run in seconds without a trained model. It keeps a tracker per sender (user and bot events,
as Rasa stores them) and records every request, metadata included. The live tests
(tests/*/test_*_live.py) run the same channels against the real Rasa.

Scripted answers, by message:
- "hello"                -> a question with two buttons, Yes (/affirm) and No (/deny)
- "/affirm", "/deny"     -> "You chose yes." / "You chose no."
- "jackets"              -> a text, then two product cards with "More like this"/"Add to cart"
- '/similar_items{...}'  -> "Similar to product N:" and one card
- "handoff"              -> a text, then the handoff payload (ticket 42), and the tracker pauses
- "who am i"             -> echoes the identity token received in metadata (or "guest")
- "markdown"             -> text with markdown, raw HTML, a javascript: link, a link to this shop
                            and one to another site
- a message over 2,000 characters -> 413, as bot/resilient_rest.py answers
- "slow"                 -> answers after 1.5 s (the widget's typing indicator shows meanwhile)
- anything else          -> "You said: ..."
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

from shop.identity import IDENTITY_METADATA_KEY
from web.rasa import MAX_MESSAGE_CHARS


def card(product_id: int, title: str, price: str, *, stock: int = 7, rating: float = 4.5) -> dict[str, Any]:
    return {
        "id": product_id,
        "sku": f"JKT-{product_id:05d}",
        "title": title,
        "price": price,
        "currency": "USD",
        "image_url": "/static/img/categories/jackets.svg",
        "rating": rating,
        "rating_count": 120,
        "in_stock": stock > 0,
        "stock": stock,
        "reason": "popular in Jackets",
        "buttons": [
            {"title": "More like this", "payload": f'/similar_items{{"product_id": {product_id}}}'},
            {"title": "Add to cart", "payload": f'/add_to_cart{{"product_id": {product_id}}}'},
        ],
    }


def scripted_answer(message: str, metadata: dict[str, Any] | None) -> list[dict[str, Any]]:
    text = message.strip()
    if text == "hello":
        return [
            {
                "text": "Hi! Shall I show you this week's deals?",
                "buttons": [{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}],
            }
        ]
    if text in ("/affirm", "/deny"):
        return [{"text": f"You chose {'yes' if text == '/affirm' else 'no'}."}]
    if text == "jackets":
        return [
            {"text": "Here are **2 jackets** for you:"},
            {
                "custom": {
                    "type": "product_cards",
                    "products": [
                        card(12, "Trailblazer Waterproof Jacket", "89.99"),
                        card(13, "Summit Down Parka", "1299.00", stock=0, rating=4.8),
                    ],
                }
            },
        ]
    if text.startswith("/similar_items"):
        product_id = json.loads(text[len("/similar_items") :])["product_id"]
        return [
            {"text": f"Similar to product {product_id}:"},
            {"custom": {"type": "product_cards", "products": [card(14, "Ridge Softshell Jacket", "64.50")]}},
        ]
    if text == "handoff":
        return [
            {"text": "I've passed this to our team."},
            {"custom": {"type": "handoff", "ticket_id": 42}},
        ]
    if text == "who am i":
        token = (metadata or {}).get(IDENTITY_METADATA_KEY)
        return [{"text": f"identity: {token or 'guest'}"}]
    if text == "slow":
        time.sleep(1.5)
        return [{"text": "Sorry for the wait."}]
    if text == "markdown":
        return [
            {
                "text": "**bold** <script>alert(1)</script> [bad](javascript:alert(1))"
                " [ok](/static/img/logo.svg) [elsewhere](https://example.com)"
            }
        ]
    return [{"text": f"You said: {text}"}]


@dataclass
class RasaDouble:
    token: str = "double-token"
    requests: list[dict[str, Any]] = field(default_factory=list)
    trackers: dict[str, dict[str, Any]] = field(default_factory=dict)
    url: str = ""

    def _tracker(self, sender: str) -> dict[str, Any]:
        return self.trackers.setdefault(sender, {"sender_id": sender, "events": [], "paused": False})

    def handle_message(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        sender, message, metadata = body.get("sender"), body.get("message", ""), body.get("metadata")
        self.requests.append({"sender": sender, "message": message, "metadata": metadata})
        tracker = self._tracker(str(sender))
        now = time.time()
        tracker["events"].append(
            {"event": "user", "text": message, "timestamp": now, "metadata": metadata or {}}
        )
        if tracker["paused"]:
            return []
        answer = scripted_answer(message, metadata)
        for item in answer:
            data = {k: v for k, v in item.items() if k != "text"}
            tracker["events"].append(
                {"event": "bot", "text": item.get("text"), "data": data, "timestamp": now}
            )
            if item.get("custom", {}).get("type") == "handoff":
                tracker["paused"] = True
        return [{"recipient_id": sender, **item} for item in answer]


def _handler(double: RasaDouble) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_args: object) -> None:  # quiet
            pass

        def _send(self, status: int, payload: object) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            if urlparse(self.path).path != "/webhooks/rest/webhook":
                self._send(404, {"error": "not found"})
                return
            length = int(self.headers.get("Content-Length") or 0)
            try:
                body = json.loads(self.rfile.read(length) or b"{}")
            except ValueError:
                self._send(400, {"error": "bad json"})
                return
            if isinstance(body, dict) and len(str(body.get("message", ""))) > MAX_MESSAGE_CHARS:
                self._send(413, {"error": f"message is too long (at most {MAX_MESSAGE_CHARS} characters)"})
                return
            self._send(200, double.handle_message(body))

        def do_GET(self) -> None:  # noqa: N802
            parsed = urlparse(self.path)
            parts = parsed.path.strip("/").split("/")
            if len(parts) == 3 and parts[0] == "conversations" and parts[2] == "tracker":
                if parse_qs(parsed.query).get("token") != [double.token]:
                    self._send(401, {"status": "failure", "reason": "NotAuthenticated"})
                    return
                self._send(200, double._tracker(unquote(parts[1])))
                return
            self._send(404, {"error": "not found"})

    return Handler


@contextmanager
def running_rasa_double(token: str = "double-token") -> Iterator[RasaDouble]:
    double = RasaDouble(token=token)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(double))
    double.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield double
    finally:
        server.shutdown()
        server.server_close()
