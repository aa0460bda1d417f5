"""End to end over HTTP: the running Rasa server and action server, on a copy of the demo shop.

One shopper's conversation through Rasa's REST channel: a search, a refinement, a
recommendation and an order-status check (as Alice, logged in through a signed identity in the
message metadata). Uses the session-wide `live_stack` fixture (tests/conftest.py), which needs
what `make test` builds first: the demo database, the search index, the recommender and a
trained Rasa model.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest
import requests

from shop.identity import IDENTITY_METADATA_KEY, sign_identity

pytestmark = pytest.mark.rasa

ALICE = 1


class Shopper:
    """A chat client of Rasa's REST channel with one sender id and optional signed identity."""

    def __init__(self, rasa_url: str, *, identity: str | None = None) -> None:
        self.url = f"{rasa_url}/webhooks/rest/webhook"
        self.sender = f"e2e-{uuid.uuid4().hex[:10]}"
        self.metadata = {IDENTITY_METADATA_KEY: identity} if identity else {}

    def say(self, text: str) -> list[dict[str, Any]]:
        response = requests.post(
            self.url, json={"sender": self.sender, "message": text, "metadata": self.metadata}, timeout=60
        )
        response.raise_for_status()
        return response.json()


def cards(replies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found = [r["custom"] for r in replies if (r.get("custom") or {}).get("type") == "product_cards"]
    assert found, f"expected product cards, got {replies}"
    return found[-1]["products"]


def text(replies: list[dict[str, Any]]) -> str:
    return "\n".join(r["text"] for r in replies if r.get("text"))


def test_search_refine_recommend_and_order_status_over_http(live_stack):
    token = sign_identity(ALICE, secret=live_stack.config.identity_secret)
    shopper = Shopper(live_stack.config.rasa_url, identity=token)

    # A search whose first page is not already the cheapest of its kind (the cheapest running
    # shoes are on page one, so "cheaper" rightly finds none there).
    first_page = cards(shopper.say("I'm looking for a rain jacket"))
    assert all(
        {"id", "title", "price", "image_url", "rating", "stock", "buttons"} <= set(c) for c in first_page
    )
    cheapest = min(Decimal(c["price"]) for c in first_page)

    cheaper = cards(shopper.say("something cheaper"))
    assert all(Decimal(c["price"]) < cheapest for c in cheaper)
    assert not {c["id"] for c in cheaper} & {c["id"] for c in first_page}

    suggestions = cards(shopper.say("what would you suggest for me?"))
    assert suggestions and all(c["reason"] for c in suggestions)

    status = text(shopper.say("where is my order 100234?"))
    assert "100234" in status and "Tracking number" in status
