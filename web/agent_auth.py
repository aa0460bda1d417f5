"""The agent console's login guard, reusable by any page behind the agent login (the dashboard).

    from web.agent_auth import require_agent

    @app.get("/api/agent/tickets")
    @require_agent
    async def queue(request): ...   # request.ctx.agent is the logged-in shop.agents.AgentInfo

A session is a random token in an HttpOnly, SameSite=Strict cookie; the database holds only its
SHA-256 (shop/agents.py). A request without a valid session gets 401 (JSON). A state-changing
request must also be JSON (a cross-site form cannot send that without the browser asking first)
and, when the browser names its origin, come from this server's own: so no other site can make a
logged-in agent's browser act.

The engine is the app's (`app.ctx.engine`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from sanic import Request
from sanic.response import HTTPResponse, json

from shop import agents

COOKIE = "shopbot_agent"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

Handler = Callable[..., Awaitable[HTTPResponse]]


def refused(status: int, message: str) -> HTTPResponse:
    return json({"error": message}, status=status)


def same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    if not origin:
        return True  # not sent by every browser for same-origin requests; SameSite still holds
    return urlsplit(origin).netloc == request.host


async def current_agent(request: Request) -> agents.AgentInfo | None:
    token = request.cookies.get(COOKIE)
    if not token:
        return None
    return await asyncio.to_thread(agents.session_agent, token, engine=request.app.ctx.engine)


def require_agent(handler: Handler) -> Handler:
    """Only a logged-in agent reaches `handler`; it finds them in `request.ctx.agent`."""

    @wraps(handler)
    async def guarded(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
        agent = await current_agent(request)
        if agent is None:
            return refused(401, "log in to the agent console first")
        if request.method not in SAFE_METHODS:
            if not (request.content_type or "").startswith("application/json"):
                return refused(415, "send JSON (Content-Type: application/json)")
            if not same_origin(request):
                return refused(403, "this request comes from another site")
        request.ctx.agent = agent
        return await handler(request, *args, **kwargs)

    return guarded


__all__ = ["COOKIE", "current_agent", "require_agent", "same_origin"]
