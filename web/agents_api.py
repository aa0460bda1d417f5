"""The agent console (issue 18): a page at /agent and its JSON API under /api/agent/.

An agent logs in (email and password, `shopbot agent add`), sees the queue of open tickets with
their summaries, opens one and reads the whole conversation from Rasa's tracker, joins it (the
shopper is told), writes to the shopper (the widget and the shell show it while they are open;
they poll the history while a person has the conversation), and hands the conversation back to
the bot, which closes the ticket (the shopper is told too). Every endpoint but the login needs a
session (web/agent_auth.py). Each action is recorded as a ticket event and in the audit log
(shop/agents.py) and goes to the help-desk webhook when one is set (web/agents_webhook.py).
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

from sanic import Request, Sanic
from sanic.response import HTTPResponse, file, json
from sqlalchemy import Engine

from shop import agents
from shop.config import Settings
from shop.identity import verify_identity_token
from shop.ratelimit import RateLimiter, make_limiter
from web.agent_auth import COOKIE, refused, require_agent, same_origin
from web.agents_conversation import agent_joined, agent_says, conversation_for_agent, hand_back
from web.agents_webhook import start_webhook_relay
from web.rasa import RasaClient, RasaUnavailable

STATIC_DIR = Path(__file__).resolve().parent / "static"
UNAVAILABLE = "The conversation could not be reached (Rasa is not answering). Try again in a moment."
#: Login attempts per client address and per email in the window: password guessing stays slow
#: (Redis in the prod profile, so every server shares the count).
LOGIN_LIMIT, LOGIN_WINDOW_SECONDS = 10, 600

log = logging.getLogger(__name__)


def _body(request: Request) -> dict[str, Any] | None:
    try:
        body = request.json
    except Exception:  # malformed JSON
        return None
    return body if isinstance(body, dict) else None


def register_agent_routes(app: Sanic, settings: Settings, engine: Engine, rasa: RasaClient) -> None:
    logins: RateLimiter = make_limiter(LOGIN_LIMIT, LOGIN_WINDOW_SECONDS, "shopbot:agent-login:", settings)

    def run(function: Any, *args: Any, **kwargs: Any) -> Any:
        return asyncio.to_thread(function, *args, engine=engine, **kwargs)

    async def ticket_or_error(ticket_id: int) -> agents.TicketView | HTTPResponse:
        try:
            return await run(agents.get_ticket, ticket_id)
        except agents.TicketNotFound as error:
            return refused(404, str(error))

    @app.get("/agent")
    async def agent_console(_request: Request) -> HTTPResponse:
        return await file(STATIC_DIR / "agent.html", mime_type="text/html; charset=utf-8")

    @app.post("/api/agent/login")
    async def agent_login(request: Request) -> HTTPResponse:
        body = _body(request)
        if (
            body is None
            or not isinstance(body.get("email"), str)
            or not isinstance(body.get("password"), str)
        ):
            return refused(400, 'send {"email": "...", "password": "..."}')
        if not same_origin(request):
            return refused(403, "this request comes from another site")
        keys = (f"ip:{request.remote_addr or request.ip}", f"email:{body['email'].strip().lower()[:320]}")
        decisions = [await asyncio.to_thread(logins.hit, key) for key in keys]
        if not all(decision.allowed for decision in decisions):
            return refused(429, "too many login attempts: wait a few minutes and try again")
        agent = await run(agents.authenticate, body["email"], body["password"])
        if agent is None:
            return refused(401, "wrong email or password")
        token = await run(agents.start_session, agent)
        response = json({"agent": {"id": agent.id, "name": agent.name, "email": agent.email}})
        response.add_cookie(
            COOKIE, token, path="/", httponly=True, samesite="Strict", secure=request.scheme == "https",
            max_age=int(agents.SESSION_TTL.total_seconds()),
        )  # fmt: skip
        return response

    @app.post("/api/agent/logout")
    @require_agent
    async def agent_logout(request: Request) -> HTTPResponse:
        await run(agents.end_session, request.cookies.get(COOKIE))
        response = json({"logged_out": True})
        response.delete_cookie(COOKIE, path="/")
        return response

    @app.get("/api/agent/me")
    @require_agent
    async def agent_me(request: Request) -> HTTPResponse:
        agent = request.ctx.agent
        return json({"agent": {"id": agent.id, "name": agent.name, "email": agent.email}})

    @app.get("/api/agent/tickets")
    @require_agent
    async def agent_queue(_request: Request) -> HTTPResponse:
        tickets = await run(agents.open_tickets)
        return json({"tickets": [t.as_json() for t in tickets]})

    @app.get("/api/agent/tickets/<ticket_id:int>")
    @require_agent
    async def agent_ticket(_request: Request, ticket_id: int) -> HTTPResponse:
        view = await ticket_or_error(ticket_id)
        if isinstance(view, HTTPResponse):
            return view
        try:
            tracker = await asyncio.to_thread(rasa.tracker, view.conversation_id)
        except RasaUnavailable as error:
            log.warning("agent console: %s", error)
            return refused(502, UNAVAILABLE)
        return json(
            {
                "ticket": view.as_json(),
                "conversation": conversation_for_agent(tracker),
                "paused": bool(tracker.get("paused")),
            }
        )

    async def join_if_needed(agent: agents.AgentInfo, ticket_id: int) -> agents.TicketView:
        change = await run(agents.join, ticket_id, agent)
        if change.changed:
            await asyncio.to_thread(agent_joined, rasa, change.ticket.conversation_id, agent)
        return change.ticket

    @app.post("/api/agent/tickets/<ticket_id:int>/join")
    @require_agent
    async def agent_join(request: Request, ticket_id: int) -> HTTPResponse:
        try:
            view = await join_if_needed(request.ctx.agent, ticket_id)
        except agents.TicketNotFound as error:
            return refused(404, str(error))
        except agents.TicketClosed as error:
            return refused(409, str(error))
        except RasaUnavailable as error:
            log.warning("agent console: %s", error)
            return refused(502, UNAVAILABLE)
        return json({"ticket": view.as_json()})

    @app.post("/api/agent/tickets/<ticket_id:int>/messages")
    @require_agent
    async def agent_message(request: Request, ticket_id: int) -> HTTPResponse:
        body = _body(request)
        if body is None or not isinstance(body.get("text"), str):
            return refused(400, 'send {"text": "..."}')
        agent = request.ctx.agent
        try:
            text = agents.check_message(body["text"])
            view = await join_if_needed(agent, ticket_id)
            await asyncio.to_thread(agent_says, rasa, view.conversation_id, agent, text)
            view = await run(agents.record_agent_message, ticket_id, agent, text)
        except agents.TicketNotFound as error:
            return refused(404, str(error))
        except agents.TicketClosed as error:
            return refused(409, str(error))
        except agents.AgentError as error:
            return refused(400, str(error))
        except RasaUnavailable as error:
            log.warning("agent console: %s", error)
            return refused(502, UNAVAILABLE)
        return json({"ticket": view.as_json(), "sent": text})

    @app.post("/api/agent/tickets/<ticket_id:int>/hand-back")
    @require_agent
    async def agent_hand_back_to_bot(request: Request, ticket_id: int) -> HTTPResponse:
        """Close the ticket and give the conversation back to the bot (repeating it is harmless)."""
        agent = request.ctx.agent
        try:
            change = await run(agents.close, ticket_id, agent)
            await asyncio.to_thread(
                hand_back, rasa, change.ticket.conversation_id, agent, tell=change.changed
            )
        except agents.TicketNotFound as error:
            return refused(404, str(error))
        except RasaUnavailable as error:
            log.warning("agent console: %s", error)
            return refused(
                502, "The ticket is closed, but the bot could not be given the conversation: try again."
            )
        return json({"ticket": change.ticket.as_json(), "changed": change.changed})

    start_webhook_relay(app, settings, engine)


def record_shopper_message(
    sender: str, text: str, identity: object, settings: Settings, engine: Engine
) -> bool:
    """A message the bot did not answer goes to the open ticket of its conversation, if any."""
    requester = verify_identity_token(
        identity if isinstance(identity, str) else None,
        secret=settings.identity_secret,
        max_age_seconds=settings.identity_token_ttl_seconds,
    )
    actor = "guest" if requester.is_guest else f"customer:{requester.customer_id}"
    try:
        return agents.record_shopper_message(sender, actor, text, engine=engine)
    except Exception:  # the shopper's message reached the conversation; the ticket copy is extra
        log.exception("agent console: could not record a shopper message on the ticket")
        return False


__all__ = ["record_shopper_message", "register_agent_routes"]
