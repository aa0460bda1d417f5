"""Two channel bugs of issue 18, each with the request that showed it.

* A 10 kB message got HTTP 413 and the widget showed nothing: the answer now says, in words,
  that the message is too long and how long it may be (the widget shows that; its browser test
  is in tests/browser/widget.test.mjs, "a message that is too long").
* Markdown injection: the assistant echoes the shopper's words ("You said: ...", "Here's what I
  found for ..."), and `![x](http://evil.example/x.png)` became an image from another site,
  `[a](http://evil.example)` a working link in the shop's own chat bubble.
"""

from __future__ import annotations

import uuid

import requests

from tests.web.web_server import WebServer
from web.transcript import markdown_to_html, transcript_from_tracker

INJECTED = "![x](http://evil.example/x.png) [a](http://evil.example) <http://evil.example/auto>"


def _chat(web: WebServer, message: str) -> requests.Response:
    return requests.post(
        f"{web.url}/api/chat", json={"sender": str(uuid.uuid4()), "message": message}, timeout=30
    )


def test_a_ten_kilobyte_message_is_answered_with_too_long_in_words(web: WebServer, rasa) -> None:  # type: ignore[no-untyped-def]
    before = len(rasa.requests)
    response = _chat(web, "x" * 10_000)

    assert response.status_code == 413
    error = response.json()["error"]
    assert "too long" in error and "10,000 characters" in error and "at most 2,000" in error
    assert len(rasa.requests) == before


def test_echoed_markdown_never_becomes_an_image_or_a_link(web: WebServer) -> None:
    reply = _chat(web, INJECTED).json()["messages"][0]

    assert reply["text"] == f"You said: {INJECTED}"
    assert "<img" not in reply["html"] and "<a " not in reply["html"]
    assert "evil.example/x.png" in reply["html"]  # shown as the text the shopper wrote
    assert reply["image_url"] is None


def test_restored_history_renders_echoed_markdown_as_text_too() -> None:
    tracker = {
        "events": [{"event": "user", "text": INJECTED}, {"event": "bot", "text": f"You said: {INJECTED}"}]
    }

    html = transcript_from_tracker(tracker).messages[1]["html"]

    assert "<img" not in html and "<a " not in html


def test_only_links_to_this_shops_own_pages_are_rendered() -> None:
    assert '<a href="/static/img/logo.svg"' in markdown_to_html("[logo](/static/img/logo.svg)")
    for text in (
        "[a](https://evil.example)",
        "[a](//evil.example)",
        "[a](javascript:alert(1))",
        "[a](data:text/html,hi)",
        "[a][r]\n\n[r]: http://evil.example",
    ):
        html = markdown_to_html(text)
        assert "<a " not in html and "<img" not in html, (text, html)
    assert "<img" not in markdown_to_html("![i](/static/img/logo.svg)")  # images never, even our own
