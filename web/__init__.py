"""The demo shop page with the chat widget (a Sanic app); `python -m web` serves it."""

from __future__ import annotations
