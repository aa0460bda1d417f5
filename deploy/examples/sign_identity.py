"""How a shop's own backend signs the shopper's identity for the assistant (runnable example).

The password-less demo login exists only in the dev profile. In a real shop the customer logs
in to the shop itself, and the shop's backend - which knows who is logged in - signs the
customer's id with the secret it shares with the assistant (SHOPBOT_IDENTITY_SECRET) and hands
the token to its page, which sends it with every chat message (`identity` in POST /api/chat, or
`metadata.shop_identity` on Rasa's REST channel). Standard library only, so the same few lines
port to any backend language:

    token = "v1.<customer_id>.<issued_at_unix_seconds>." + hex(HMAC-SHA256(secret, that prefix))

Run it:  SHOPBOT_IDENTITY_SECRET=... python deploy/examples/sign_identity.py 1
"""

from __future__ import annotations

import hashlib
import hmac
import os
import sys
import time


def sign_identity(customer_id: int, secret: str, issued_at: int | None = None) -> str:
    if not secret:
        raise ValueError("the identity secret is empty")
    if isinstance(customer_id, bool) or not isinstance(customer_id, int) or customer_id <= 0:
        raise ValueError("customer id must be a positive integer")
    payload = f"v1.{customer_id}.{int(time.time()) if issued_at is None else int(issued_at)}"
    return payload + "." + hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()


if __name__ == "__main__":
    print(sign_identity(int(sys.argv[1]), os.environ.get("SHOPBOT_IDENTITY_SECRET", "")))
