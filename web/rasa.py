"""A small client for the two Rasa endpoints our channels use.

- `POST /webhooks/rest/webhook` (Rasa's REST input channel): one shopper message in, the bot's
  messages out. Rasa 3.6's `RestInput` passes the request's `metadata` on to the tracker (checked
  in rasa/core/channels/rest.py, `RestInput.get_metadata`), so the signed identity reaches the
  actions without a custom connector.
- `GET /conversations/{sender}/tracker` (Rasa's HTTP API, needs `--enable-api` and the token):
  the conversation so far, for the widget's history after a page reload.

Synchronous on purpose (`requests`): the terminal shell is synchronous, and the web server calls
it from a worker thread.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import requests

REST_WEBHOOK_PATH = "/webhooks/rest/webhook"
#: Longest message a shopper may send: the web page's proxy and Rasa's REST channel
#: (bot/resilient_rest.py) refuse longer ones with 413, and the widget and the shell say so.
MAX_MESSAGE_CHARS = 2000


class RasaUnavailable(RuntimeError):
    """Rasa could not be reached, timed out, or answered with an error."""


class MessageRefused(ValueError):
    """Rasa refused the message itself (too long, malformed): the shopper must hear why, and
    the assistant is not "unreachable". `status` is Rasa's HTTP status (413, 400)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class RasaClient:
    base_url: str
    #: Token of Rasa's HTTP API (`--auth-token`); only the tracker endpoint needs it.
    token: str = ""
    #: Generous: on a busy machine one message may run a search and a recommender.
    timeout: float = 60.0

    def _url(self, path: str) -> str:
        return self.base_url.rstrip("/") + path

    def send(
        self,
        sender: str,
        message: str,
        metadata: Mapping[str, Any] | None = None,
        *,
        client: str | None = None,
    ) -> list[dict[str, Any]]:
        """Send one shopper message; returns the bot's messages as Rasa's REST channel gives them.

        `client`: the shopper's address, which the REST channel believes only with the API token
        (bot/resilient_rest.py), so order lookups are limited per shopper, not per proxy.
        """
        body: dict[str, Any] = {"sender": sender, "message": message}
        if metadata:
            body["metadata"] = dict(metadata)
        headers = {}
        if client and self.token:
            headers = {"X-Shopbot-Client-Address": client, "X-Shopbot-Proxy-Token": self.token}
        try:
            response = requests.post(
                self._url(REST_WEBHOOK_PATH), json=body, headers=headers, timeout=self.timeout
            )
        except requests.RequestException as error:
            raise RasaUnavailable(f"cannot reach Rasa at {self.base_url}: {error}") from error
        if response.status_code in (400, 413):
            raise MessageRefused(response.status_code, _error_text(response))
        if not response.ok:
            raise RasaUnavailable(f"Rasa answered {response.status_code}: {response.text[:200]}")
        try:
            messages = response.json()
        except ValueError as error:
            raise RasaUnavailable("Rasa answered something that is not JSON") from error
        return [m for m in messages if isinstance(m, dict)] if isinstance(messages, list) else []

    def tracker(self, sender: str) -> dict[str, Any]:
        """The conversation's tracker (events since the last restart)."""
        params = {"token": self.token} if self.token else {}
        url = self._url(f"/conversations/{quote(sender, safe='')}/tracker")
        try:
            response = requests.get(url, params=params, timeout=self.timeout)
        except requests.RequestException as error:
            raise RasaUnavailable(f"cannot reach Rasa at {self.base_url}: {error}") from error
        if not response.ok:
            raise RasaUnavailable(f"Rasa's tracker endpoint answered {response.status_code}")
        try:
            tracker = response.json()
        except ValueError as error:
            raise RasaUnavailable("Rasa answered something that is not JSON") from error
        return tracker if isinstance(tracker, dict) else {}


def _error_text(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        body = None
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, str) and error else f"HTTP {response.status_code}"
