"""Rasa's REST channel, hardened for shoppers: a polite reply when something failed, a size limit.

Registered in credentials.yml as `resilient_rest.ResilientRestInput` under the same name and URL
as Rasa's own REST channel (`POST /webhooks/rest/webhook`), so every client (the web page's chat
proxy, `shopbot chat`, curl, the load benchmark) keeps working unchanged. What it adds:

* **"Having trouble" instead of silence.** When a custom action fails (the action server is
  down, restarting, or answers 500 because the shop database is unreachable), Rasa 3.6 logs the
  exception, drops the action's events and carries on, so the shopper would get no answer or
  half of one. This channel notices such a failure while it handles the message (a log filter
  on Rasa's processor, scoped to the request by a context variable) and, as does any exception
  that escapes Rasa's message handling (a lock or tracker-store error), appends one polite
  message. The conversation itself goes on: the next message is handled normally.
* **Message size limit.** Messages longer than `MAX_MESSAGE_CHARS` are refused with 413 before
  any model sees them (the web page's proxy has the same limit); the whole request body is also
  capped by Sanic (`SANIC_REQUEST_MAX_SIZE`, set by the production profile).
* **No message text in Rasa's logs.** Rasa's own REST channel logs the shopper's text when
  handling fails; this one does not, and it installs `shop.privacy`'s PII masking on Rasa's log
  handlers, so emails and addresses that reach a log line anyway are masked.

Runs in the Rasa environment (Python 3.10); Rasa imports it from its working directory, bot/.
`shop.privacy` (standard library only) comes from the repository root, which that environment
has on its path: `make venvs` adds it with a .pth file (after Rasa's own packages), and
deploy/Dockerfile.rasa sets PYTHONPATH=/ where the image keeps shop/.
"""

from __future__ import annotations

import hmac
import logging
import os
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any

import action_response_validation
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

# Standard-library only, so that it can be imported here, from Rasa's Python.
from shop.privacy import install_pii_masking

# Rasa loads this module with its channels, in every profile: the earliest hook we have to
# replace its per-response JSON-schema check, which costs more CPU than the models do.
action_response_validation.install()

logger = logging.getLogger(__name__)

#: Metadata key of the client address (shop.identity.CLIENT_METADATA_KEY; Rasa's Python has
#: no pydantic, so the name is repeated here).
CLIENT_METADATA_KEY = "shop_client"
FORWARDED_CLIENT_HEADER = "X-Shopbot-Client-Address"
PROXY_TOKEN_HEADER = "X-Shopbot-Proxy-Token"
#: Longest message a shopper may send (the same limit as the web page's chat proxy).
MAX_MESSAGE_CHARS = 2000
TROUBLE_TEXT = (
    "Sorry, I'm having trouble on my side right now and couldn't finish that. Please try again in a moment."
)
#: Loggers whose errors mean "this message was not handled completely".
WATCHED_LOGGERS = ("rasa.core.processor", "rasa.core.agent")

#: The failures logged while the current request is handled (None outside a request).
_failures: ContextVar[list[str] | None] = ContextVar("shopbot_message_failures", default=None)


class _NoteFailures(logging.Filter):
    """Remembers, for the request being handled, that Rasa logged an error."""

    def filter(self, record: logging.LogRecord) -> bool:
        failures = _failures.get()
        if failures is not None and record.levelno >= logging.ERROR:
            failures.append(record.name)
        return True


def _install_log_hooks() -> None:
    watcher = _NoteFailures()
    for name in WATCHED_LOGGERS:
        watched = logging.getLogger(name)
        if not any(isinstance(f, _NoteFailures) for f in watched.filters):
            watched.addFilter(watcher)
    install_pii_masking()
    for name in ("sanic.root", "sanic.error", "sanic.access"):
        if logging.getLogger(name).handlers:
            install_pii_masking(logging.getLogger(name))


def _client_address(request: Request) -> str:
    """The peer's address, or the shopper's as forwarded by the shop page's proxy, which proves
    itself with Rasa's API token (SHOPBOT_RASA_TOKEN); a client cannot name its own address."""
    forwarded = request.headers.get(FORWARDED_CLIENT_HEADER)
    proof = request.headers.get(PROXY_TOKEN_HEADER) or ""
    expected = os.environ.get("SHOPBOT_RASA_TOKEN", "")
    if forwarded and expected and hmac.compare_digest(proof.encode(), expected.encode()):
        return forwarded[:64]
    return str(request.ip)


def _error(status: int, message: str) -> HTTPResponse:
    return response.json({"error": message}, status=status)


class ResilientRestInput(RestInput):
    """`RestInput` (same name, URL and payloads) that never leaves a failed message unanswered."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        _install_log_hooks()
        webhook = Blueprint("resilient_rest_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            body = request.json
            if not isinstance(body, dict):
                return _error(400, 'send a JSON object: {"sender": "...", "message": "..."}')
            text = body.get("message")
            if not isinstance(text, str):
                return _error(400, "message must be text")
            if len(text) > MAX_MESSAGE_CHARS:
                return _error(413, f"message is too long (at most {MAX_MESSAGE_CHARS} characters)")
            # Issue 18 (H-web's edit): without a sender, Rasa files the message under its shared
            # "default" conversation, where it would meet other people's messages.
            sender = body.get("sender")
            if not isinstance(sender, str) or not sender.strip() or len(sender) > 200:
                return _error(400, "sender must be the conversation's id (text, at most 200 characters)")
            metadata = body.get("metadata")
            if metadata is not None and not isinstance(metadata, dict):
                return _error(400, "metadata must be a JSON object")
            metadata = dict(metadata or {})
            # The client's address is the channel's to say, never the client's (order lookups
            # are limited per address; shop/ratelimit.py).
            metadata[CLIENT_METADATA_KEY] = _client_address(request)
            sender_id = await self._extract_sender(request)
            collector = CollectingOutputChannel()
            message = UserMessage(
                text,
                collector,
                sender_id,
                input_channel=self._extract_input_channel(request),
                metadata=metadata,
            )
            failures: list[str] = []
            token = _failures.set(failures)
            try:
                await on_new_message(message)
            except Exception as error:  # noqa: BLE001 - the shopper gets an answer, the log the cause
                # The text is left out on purpose: it may hold an email or an address.
                logger.error("handling a message failed: %s", type(error).__name__, exc_info=True)
                failures.append(type(error).__name__)
            finally:
                _failures.reset(token)
            messages = list(collector.messages)
            if failures:
                messages.append({"recipient_id": message.sender_id, "text": TROUBLE_TEXT})
            return response.json(messages)

        return webhook
