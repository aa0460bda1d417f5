"""Who may call this action server, and what its logs may show.

rasa-sdk loads it at start-up through the `rasa_sdk_plugins` shim (the package name rasa-sdk
looks for), which only registers `ActionServerAccess`.

PII in logs: emails, phone numbers and street addresses are masked on every log handler of the
action server (`shop.privacy`), including in tracebacks, where a failed SQL statement would
otherwise show a shopper's new shipping address among its parameters.

Access control: when `SHOPBOT_ACTION_TOKEN` is set (the production profile refuses to start
without it), `/webhook` and `/actions` answer 401 unless the request carries that secret in
the `X-Shopbot-Action-Token` header, which Rasa sends from bot/endpoints.prod.yml. Only
`/health` stays open, for load balancers and Kubernetes probes. Together with binding the
action server to the loopback interface (`SANIC_HOST`, set by shopbot/prod.py), nobody but our
Rasa servers can run actions, which would otherwise let anyone write a forged tracker and act
as any shopper.
"""

from __future__ import annotations

import hmac
import logging

import pluggy
from sanic import Request, Sanic
from sanic.response import HTTPResponse, json

from shop.config import get_settings
from shop.privacy import install_pii_masking

logger = logging.getLogger(__name__)
hookimpl = pluggy.HookimplMarker("rasa_sdk")

TOKEN_HEADER = "X-Shopbot-Action-Token"
OPEN_PATHS = frozenset({"/health"})
#: The action server's loggers that get PII masking (root, and Sanic's own).
MASKED_LOGGERS = ("", "sanic.root", "sanic.error", "sanic.access")


def token_is_valid(presented: str | None, expected: str) -> bool:
    """Constant-time comparison, so the secret cannot be guessed byte by byte from timings."""
    return presented is not None and hmac.compare_digest(presented.encode(), expected.encode())


def log_like_rasa_sdk_in_this_worker() -> None:
    """Give the root logger a handler in Sanic's worker process if it has none.

    rasa-sdk configures logging in the process that starts the server, but Sanic serves from a
    worker process that it spawns, where the root logger has no handler: records would fall
    through to Python's last-resort handler (WARNING and above, unformatted), where no filter,
    PII masking included, can be attached.
    """
    root = logging.getLogger()
    if root.handlers:
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-8s %(name)s  - %(message)s"))
    root.addHandler(handler)
    if root.level == logging.WARNING:  # the default: rasa-sdk's own default level is INFO
        root.setLevel(logging.INFO)


def mask_pii_in_logs() -> None:
    """PII masking on every handler of the action server's loggers."""
    log_like_rasa_sdk_in_this_worker()
    for name in MASKED_LOGGERS:
        if logging.getLogger(name).handlers:
            install_pii_masking(logging.getLogger(name))


def require_action_token(app: Sanic, expected: str | None) -> None:
    """Refuse (401) every request but `OPEN_PATHS` that lacks the `expected` token; none: open."""
    if not expected:
        logger.warning(
            "SHOPBOT_ACTION_TOKEN is not set: the action server accepts calls from anyone "
            "who can reach its port (fine for a local run, refused by the prod profile)."
        )
        return

    async def require_token(request: Request) -> HTTPResponse | None:
        if request.path in OPEN_PATHS or token_is_valid(request.headers.get(TOKEN_HEADER), expected):
            return None
        return json({"error": "missing or wrong action server token"}, status=401)

    app.register_middleware(require_token, "request")


class ActionServerAccess:
    """The rasa-sdk plugin: masking and the token check on the action server's Sanic app."""

    @hookimpl
    def attach_sanic_app_extensions(self, app: Sanic) -> None:
        mask_pii_in_logs()
        require_action_token(app, get_settings().action_token)
