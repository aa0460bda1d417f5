"""Who is asking: a logged-in customer (proved by a signed token) or a guest.

The shop page signs the logged-in customer's id and passes the token to the assistant as
message metadata (`IDENTITY_METADATA_KEY`). The action server never trusts a customer id
on its own: only `verify_identity_token` turns a token into a customer, and anything
forged, expired, malformed or signed with another secret - or any token at all when no
secret is configured - yields a guest.

Token format (v1): ``v1.<customer_id>.<issued_at_unix_seconds>.<hex HMAC-SHA256>``, the MAC
taken with `get_settings().identity_secret` over ``v1.<customer_id>.<issued_at>``.
We use the standard library's `hmac` rather than a JWT library: the token carries two
integers, and a JWT would add algorithm negotiation we do not want.

Guests prove they own an order per order, with its number and the order's email; see
`emails_match`.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from shop.config import get_settings

#: Metadata key of the signed identity in a Rasa message (`tracker.latest_message["metadata"]`).
IDENTITY_METADATA_KEY = "shop_identity"
#: Metadata key of the client's address, set by the REST channel (bot/resilient_rest.py) over
#: anything the client sent under it; order lookups are limited per address (shop/ratelimit.py).
CLIENT_METADATA_KEY = "shop_client"
TOKEN_VERSION = "v1"
#: Tolerated clock difference between the shop page's server and the action server.
CLOCK_SKEW_SECONDS = 60


@dataclass(frozen=True, slots=True)
class Requester:
    """The person the assistant is talking to. `customer_id` is None for a guest."""

    customer_id: int | None = None

    @classmethod
    def guest(cls) -> Requester:
        return cls(None)

    @classmethod
    def customer(cls, customer_id: int) -> Requester:
        return cls(customer_id)

    @property
    def is_guest(self) -> bool:
        return self.customer_id is None

    def __str__(self) -> str:
        return "guest" if self.customer_id is None else f"customer {self.customer_id}"


GUEST = Requester.guest()


def _mac(secret: str, payload: str) -> str:
    return hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()


def sign_identity(customer_id: int, *, issued_at: int | None = None, secret: str | None = None) -> str:
    """A token proving `customer_id` is logged in, for the shop page to put into metadata.

    Raises ValueError when no secret is configured: an unsigned identity must never be issued.
    """
    secret = get_settings().identity_secret if secret is None else secret
    if not secret:
        raise ValueError("SHOPBOT_IDENTITY_SECRET is not set; refusing to sign an identity")
    if isinstance(customer_id, bool) or not isinstance(customer_id, int) or customer_id <= 0:
        raise ValueError(f"customer id must be a positive integer, got {customer_id!r}")
    issued_at = int(time.time()) if issued_at is None else int(issued_at)
    payload = f"{TOKEN_VERSION}.{customer_id}.{issued_at}"
    return f"{payload}.{_mac(secret, payload)}"


def verify_identity_token(
    token: object,
    *,
    now: float | None = None,
    secret: str | None = None,
    max_age_seconds: int | None = None,
) -> Requester:
    """The requester a token proves, or a guest if it proves nothing. Never raises."""
    settings = get_settings()
    secret = settings.identity_secret if secret is None else secret
    max_age = settings.identity_token_ttl_seconds if max_age_seconds is None else max_age_seconds
    if not secret or not isinstance(token, str) or len(token) > 200:
        return GUEST
    parts = token.strip().split(".")
    if len(parts) != 4 or parts[0] != TOKEN_VERSION:
        return GUEST
    _, customer_part, issued_part, signature = parts
    if not (customer_part.isascii() and customer_part.isdigit()):
        return GUEST
    if not (issued_part.isascii() and issued_part.isdigit()):
        return GUEST
    expected = _mac(secret, f"{TOKEN_VERSION}.{customer_part}.{issued_part}")
    # Constant-time: the time taken must not tell an attacker how many characters matched.
    if not hmac.compare_digest(expected.encode(), signature.encode()):
        return GUEST
    now = time.time() if now is None else now
    issued_at = int(issued_part)
    if issued_at > now + CLOCK_SKEW_SECONDS or now - issued_at > max_age:
        return GUEST
    customer_id = int(customer_part)
    return Requester.customer(customer_id) if customer_id > 0 else GUEST


def requester_from_metadata(metadata: Mapping[str, Any] | None, *, now: float | None = None) -> Requester:
    """The requester of a message, from its metadata (missing or bad token -> guest)."""
    if not isinstance(metadata, Mapping):
        return GUEST
    return verify_identity_token(metadata.get(IDENTITY_METADATA_KEY), now=now)


def normalize_email(email: str) -> str:
    """The form in which two emails are compared: trimmed and case-folded."""
    return email.strip().casefold()


def emails_match(given: str | None, on_order: str) -> bool:
    """Whether a guest's email is the order's, ignoring case and surrounding whitespace.

    Compared in constant time, so the answer's timing does not reveal a partial match.
    """
    if not given or not isinstance(given, str):
        return False
    return hmac.compare_digest(normalize_email(given).encode(), normalize_email(on_order).encode())
