"""What every action needs from its environment: the shop database and who is asking.

The engine is created once per action-server process from `DATABASE_URL` (via
`shop.config`), and the requester is re-derived from the signed token in the latest
message's metadata on every turn; a customer id is never kept in a slot, where a client
could set it.
"""

from __future__ import annotations

from functools import lru_cache

from rasa_sdk import Tracker
from sqlalchemy import Engine

from shop.db import make_engine
from shop.identity import IDENTITY_METADATA_KEY, Requester, requester_from_metadata


@lru_cache(maxsize=1)
def shop_engine() -> Engine:
    from shop.config import get_settings

    return make_engine(get_settings().database_url)


def requester(tracker: Tracker) -> Requester:
    """The shopper behind the latest message: a verified customer, else a guest."""
    metadata = (tracker.latest_message or {}).get("metadata") or {}
    if IDENTITY_METADATA_KEY not in metadata:
        # Some clients send the token only with the first message of a session; the token is
        # verified (signature and age) either way, so an earlier one is as good.
        for event in reversed(tracker.events):
            if event.get("event") in {"user", "session_started"} and IDENTITY_METADATA_KEY in (
                event.get("metadata") or {}
            ):
                metadata = event["metadata"]
                break
    return requester_from_metadata(metadata)
