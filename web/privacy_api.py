"""The shop page's privacy endpoints (issue 16): the cookie banner's choice and "download my data".

    POST /api/consent           {"sender": "...", "allowed": true}  (+ "identity": token)
    GET  /api/consent?sender=   X-Shop-Identity: token (optional)   -> {"allowed": true|false|null}
    GET  /api/privacy/export    X-Shop-Identity: token              -> the customer's data, JSON file
    GET  /privacy               the "My data" page (web/static/privacy.html)

After a chat turn that erased the shopper's data, the chat endpoint calls
`app.ctx.forget_if_erased(sender, messages)`: Rasa writes the turn in progress back into its
tracker store when the turn ends, so the conversation is deleted once more after Rasa answered.

The banner (web/static/js/consent.js) keeps the choice for the chat's conversation id, or for
the customer when a logged-in shopper makes it (`shop.consent`). A choice must be JSON, which a
cross-site form cannot send. The export needs a valid identity token (a guest gets 401): the
same data the chat's "send me my data" announces (`shop.personal_data.export_data`).
"""

from __future__ import annotations

import asyncio
import json as jsonlib
import re

from sanic import Request, Sanic
from sanic.response import HTTPResponse, file, json, raw
from sqlalchemy import Engine

from analytics.cli import tracker_engine
from shop import consent, erasure, personal_data
from shop.config import Settings
from shop.identity import verify_identity_token

IDENTITY_HEADER = "X-Shop-Identity"
SENDER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{7,79}$")


#: The custom message of a chat turn that erased the shopper's data (actions/privacy.py).
ERASED_MESSAGE_TYPE = "data_erased"


def erased_in(messages: object) -> bool:
    """Did this chat turn erase the conversation (Rasa's REST answer holds the erased message)?"""
    return isinstance(messages, list) and any(
        isinstance(m, dict)
        and isinstance(m.get("custom"), dict)
        and m["custom"].get("type") == ERASED_MESSAGE_TYPE
        for m in messages
    )


def register_privacy_routes(app: Sanic, settings: Settings, engine: Engine, static_dir) -> None:  # type: ignore[no-untyped-def]
    tracker = tracker_engine(settings.tracker_database_url)

    async def forget_if_erased(sender: str, messages: object) -> None:
        """After a turn that erased the shopper's data, delete what Rasa wrote back of it."""
        if erased_in(messages):
            await asyncio.to_thread(erasure.forget_conversation, tracker, sender)

    app.ctx.forget_if_erased = forget_if_erased

    def who(token: object):  # type: ignore[no-untyped-def]
        return verify_identity_token(
            token if isinstance(token, str) else None,
            secret=settings.identity_secret,
            max_age_seconds=settings.identity_token_ttl_seconds,
        )

    @app.post("/api/consent", name="privacy_consent_set")
    async def set_consent(request: Request) -> HTTPResponse:
        if not (request.content_type or "").startswith("application/json"):
            return json({"error": "send JSON (Content-Type: application/json)"}, status=415)
        try:
            body = request.json
        except Exception:
            body = None
        if not isinstance(body, dict) or not isinstance(body.get("allowed"), bool):
            return json({"error": 'send {"sender": "...", "allowed": true or false}'}, status=400)
        sender = body.get("sender")
        if not isinstance(sender, str) or not SENDER.match(sender):
            return json({"error": "sender must be 8 to 80 letters, digits or _.:-"}, status=400)
        requester = who(body.get("identity"))
        await asyncio.to_thread(
            consent.set_choice, requester, sender, body["allowed"], source="banner", engine=engine
        )
        return json({"allowed": body["allowed"]})

    @app.get("/api/consent", name="privacy_consent_get")
    async def get_consent(request: Request) -> HTTPResponse:
        sender = request.args.get("sender", "")
        if not SENDER.match(sender):
            return json({"error": "sender must be 8 to 80 letters, digits or _.:-"}, status=400)
        requester = who(request.headers.get(IDENTITY_HEADER))
        allowed = await asyncio.to_thread(consent.choice, requester, sender, engine=engine)
        return json({"allowed": allowed})

    @app.get("/api/privacy/export", name="privacy_export")
    async def export(request: Request) -> HTTPResponse:
        requester = who(request.headers.get(IDENTITY_HEADER))
        if requester.customer_id is None:
            return json(
                {"error": "log in first: only a logged-in shopper can download their data"}, status=401
            )
        data = await asyncio.to_thread(
            personal_data.export_data, requester.customer_id, engine=engine, tracker=tracker
        )
        return raw(
            jsonlib.dumps(data, indent=2).encode(),
            content_type="application/json",
            headers={
                "Content-Disposition": 'attachment; filename="my-shop-data.json"',
                "Cache-Control": "no-store",
            },
        )

    @app.get("/privacy", name="privacy_page")
    async def page(_request: Request) -> HTTPResponse:
        return await file(static_dir / "privacy.html", mime_type="text/html; charset=utf-8")
