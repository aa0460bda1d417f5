"""A bounded fuzz of the shop page's HTTP endpoints (issue 18): odd input never breaks anything.

Seeded, so every run sends the same ~400 requests: malformed bodies, huge and odd numbers,
lone surrogates, control characters and markdown/HTML, to every JSON endpoint of the page.
No answer is a 500 or shows a traceback, no shop table changes, and no echoed text becomes a
link or an image. (The import's odd files: tests/shop/test_import*, H-shop; the action
server's bodies: rasa_sdk_plugins.)
"""

from __future__ import annotations

import json
import random
import uuid
from urllib.parse import quote

import requests
from sqlalchemy import text

from shop.db import make_engine
from tests.web.web_server import WebServer

ODD_VALUES: list[object] = [
    None, True, 0, -1, 2**63, 10**30, -(10**30), 1.5, 1e308, "", " ", "²", "١٢", "1" * 31,
    "\ud800", "a\udfffb", "\x00", "\x07\x1b[31m", "\u202e", "🙂" * 50, "x" * 5000,
    "![x](http://evil.example/x.png)", "[a](http://evil.example)", "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>", "{{7*7}}", "'; DROP TABLE orders; --", [], {}, [1, [2, [3]]],
    {"$gt": ""},
]  # fmt: skip
RAW_BODIES = [b"", b"{", b"[]", b"5", b"null", b'"text"', b"\xff\xfe", b'{"a":' * 200, b"{}" * 1000]
TABLES = ("customers", "orders", "order_lines", "products", "variants", "support_tickets")


def _counts(database_url: str) -> dict[str, int]:
    engine = make_engine(database_url)
    with engine.connect() as connection:
        counts = {t: connection.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in TABLES}
    engine.dispose()
    return counts


def _check(response: requests.Response, what: object) -> None:
    assert response.status_code < 500, (what, response.status_code, response.text[:300])
    assert "Traceback" not in response.text and 'File "' not in response.text, what
    if response.headers.get("content-type", "").startswith("application/json") and response.ok:
        for message in response.json().get("messages", []) if isinstance(response.json(), dict) else []:
            html = message.get("html") or ""
            assert "<img" not in html and 'href="http' not in html and "<script" not in html, (what, html)


def test_odd_input_to_every_endpoint_gets_a_clear_answer_and_writes_nothing(
    web: WebServer, tiny_shop: str
) -> None:
    before = _counts(tiny_shop)
    rng = random.Random(18)
    session = requests.Session()

    for raw in RAW_BODIES:
        for path in ("/api/chat", "/api/login"):
            _check(
                session.post(
                    web.url + path, data=raw, headers={"Content-Type": "application/json"}, timeout=30
                ),
                raw,
            )
    for value in ODD_VALUES:
        for body in ({"customer_id": value}, {"email": value}, value):
            _check(session.post(f"{web.url}/api/login", data=json.dumps(body), timeout=30), body)
        chat = {"sender": str(uuid.uuid4()), "message": value, "identity": rng.choice(ODD_VALUES)}
        _check(session.post(f"{web.url}/api/chat", data=json.dumps(chat), timeout=30), chat)
        odd_sender = {"sender": value, "message": "where is my order"}
        _check(session.post(f"{web.url}/api/chat", data=json.dumps(odd_sender), timeout=30), odd_sender)
        if isinstance(value, str | int | float):
            q = quote(str(value), safe="", errors="surrogatepass")  # a lone surrogate as its raw bytes
            for name in ("page", "per_page", "category"):
                _check(session.get(f"{web.url}/api/products?{name}={q}", timeout=30), (name, value))
            _check(session.get(f"{web.url}/api/history?sender={q}", timeout=30), value)
            try:
                header = str(value).encode("utf-8").decode("latin-1").strip() or "x"
            except UnicodeEncodeError:
                header = "x"
            header = "".join(c for c in header if c not in "\r\n\x00") or "x"
            _check(session.get(f"{web.url}/api/me", headers={"X-Shop-Identity": header}, timeout=30), value)
    for _ in range(40):  # random mixtures, same every run
        body = {rng.choice(["sender", "message", "identity", "x"]): rng.choice(ODD_VALUES) for _ in range(3)}
        _check(session.post(f"{web.url}/api/chat", data=json.dumps(body), timeout=30), body)

    assert _counts(tiny_shop) == before
