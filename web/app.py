"""The demo shop's web server (Sanic): the shop page, its JSON API and the chat proxy.

The browser talks only to this server. Chat messages are forwarded to Rasa's REST channel with
the shopper's signed identity as message metadata, and the conversation history is read from
Rasa's HTTP API with the API token, which therefore never reaches a browser. See web/README.md
and web/openapi.yaml.
"""

from __future__ import annotations

import asyncio
import logging
import math
import re
from pathlib import Path
from typing import Any

from sanic import Request, Sanic
from sanic.response import HTTPResponse, file, json
from sqlalchemy.orm import sessionmaker

from shop.config import Settings, get_settings
from shop.db import make_engine
from shop.identity import IDENTITY_METADATA_KEY, sign_identity, verify_identity_token
from shop.ratelimit import make_limiter
from shop.texts import say
from web import catalog
from web.agents_api import record_shopper_message, register_agent_routes
from web.cart_api import register_cart_routes
from web.dashboard import register_dashboard_routes
from web.pages import page
from web.privacy_api import register_privacy_routes
from web.rasa import MAX_MESSAGE_CHARS, MessageRefused, RasaClient, RasaUnavailable
from web.replies import parse_replies
from web.transcript import reply_json, transcript_from_tracker

PACKAGE_DIR = Path(__file__).resolve().parent
STATIC_DIR = PACKAGE_DIR / "static"
OPENAPI_FILE = PACKAGE_DIR / "openapi.yaml"

#: The widget's sender ids: a random UUID; the shell's: 'shell-' and hex. Nothing else is accepted.
SENDER_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{7,79}$")
#: Header carrying the signed identity to `/api/me`.
IDENTITY_HEADER = "X-Shop-Identity"

UNAVAILABLE = "The assistant is not reachable right now. Please try again in a moment."
# The page loads nothing from elsewhere (no CDN; this shop runs offline), so the policy can be strict.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)

log = logging.getLogger(__name__)


def _error(status: int, message: str) -> HTTPResponse:
    return json({"error": message}, status=status)


def _json_body(request: Request) -> dict[str, Any] | None:
    try:
        body = request.json
    except Exception:  # Sanic raises its own BadRequest for malformed JSON
        return None
    return body if isinstance(body, dict) else None


#: Largest page number or page size a query may name (a 31-digit page is refused, not computed).
MAX_PAGE_NUMBER = 10_000


def _int_arg(request: Request, name: str, default: int) -> int | None:
    """A small positive whole number written in ASCII digits, else None ("²" is a digit to
    Python's isdigit, and int() refuses it)."""
    value = request.args.get(name)
    if value is None or value == "":
        return default
    if not (value.isascii() and value.isdigit()) or len(value) > 5:
        return None
    number = int(value)
    return number if 1 <= number <= MAX_PAGE_NUMBER else None


def _is_clean_text(value: str) -> bool:
    """Text that can be stored and shown: no lone surrogates, no control characters but
    newlines and tabs."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return not any(ord(c) < 32 and c not in "\n\t" or 0x7F <= ord(c) < 0xA0 for c in value)


def _client_address(request: Request) -> str:
    """The client's address: the socket peer, or what a configured proxy forwarded
    (Sanic's PROXIES_COUNT / FORWARDED_SECRET; never a header the client sets alone)."""
    return request.remote_addr or request.ip or "unknown"


def _too_many(retry_after: float) -> HTTPResponse:
    seconds = max(1, math.ceil(retry_after))
    response = _error(429, say("chat.too_many", seconds=seconds))
    response.headers["Retry-After"] = str(seconds)
    return response


def register_demo_login(app: Sanic, settings: Settings, sessions: Any, limiter: Any) -> None:
    """The password-less login of the demo customers: the dev profile only (`demo_login`).

    It stands in for a shop's real login, so it signs only the demo shop's planted customers
    (`DEMO_CUSTOMER_IDS`), never any other id or email. A real shop signs the identity in its
    own backend (web/README.md, "Signing the identity in your shop's backend").
    """

    @app.get("/api/customers")
    async def customers(_request: Request) -> HTTPResponse:
        with sessions() as session:
            return json({"customers": catalog.demo_customers(session)})

    @app.post("/api/login")
    async def login(request: Request) -> HTTPResponse:
        decision = limiter.hit(_client_address(request))
        if not decision.allowed:
            return _too_many(decision.retry_after)
        body = _json_body(request)
        if body is None:
            return _error(400, 'send a JSON object: {"customer_id": 1} or {"email": "alice@example.com"}')
        customer_id, email = body.get("customer_id"), body.get("email")
        if customer_id is not None and (isinstance(customer_id, bool) or not isinstance(customer_id, int)):
            return _error(400, "customer_id must be a whole number")
        if customer_id is None and not isinstance(email, str):
            return _error(400, "give customer_id or email")
        if customer_id is None and (len(email) > 254 or not _is_clean_text(email)):
            return _error(400, "email must be an email address")
        if not settings.identity_secret:
            return _error(503, "logins are disabled: SHOPBOT_IDENTITY_SECRET is not set")
        if customer_id is not None and customer_id not in catalog.DEMO_CUSTOMER_IDS:
            return _error(404, "no such demo customer")
        with sessions() as session:
            customer = catalog.find_customer(session, customer_id=customer_id, email=email)
            if customer is None or customer.id not in catalog.DEMO_CUSTOMER_IDS:
                return _error(404, "no such demo customer")
            token = sign_identity(customer.id, secret=settings.identity_secret)
            return json(
                {
                    "token": token,
                    "customer": catalog.customer_json(customer),
                    "expires_in": settings.identity_token_ttl_seconds,
                }
            )


def create_app(settings: Settings | None = None, *, name: str = "shopbot_web") -> Sanic:
    settings = settings or get_settings()
    app = Sanic(name)
    app.config.FALLBACK_ERROR_FORMAT = "json"
    app.config.REQUEST_MAX_SIZE = 64 * 1024
    engine = make_engine(settings.database_url)
    sessions = sessionmaker(bind=engine)
    rasa = RasaClient(settings.rasa_url, token=settings.rasa_token)
    window = settings.client_rate_window_seconds
    chat_limiter = make_limiter(settings.chat_rate_limit, window, "shopbot:chat:")
    login_limiter = make_limiter(settings.login_rate_limit, window, "shopbot:login:")
    app.ctx.engine = engine
    app.ctx.rasa = rasa

    app.static("/static", STATIC_DIR, name="static")
    # The cart and checkout pages and their API (issue 14): web/cart_api.py.
    register_cart_routes(app, settings, engine)
    # The agent console and the help-desk webhook (issue 18): web/agents_api.py.
    register_agent_routes(app, settings, engine, rasa)
    # The owner's dashboard behind the agent login (issue 16): web/dashboard.py.
    register_dashboard_routes(app, settings, engine)
    # The cookie banner's choice, "My data" and its download (issue 16): web/privacy_api.py.
    register_privacy_routes(app, settings, engine, STATIC_DIR)

    @app.on_response
    async def security_headers(_request: Request, response: HTTPResponse) -> None:
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")

    @app.get("/")
    async def index(_request: Request) -> HTTPResponse:
        return page(STATIC_DIR / "index.html")

    @app.get("/openapi.yaml")
    async def openapi(_request: Request) -> HTTPResponse:
        return await file(OPENAPI_FILE, mime_type="application/yaml")

    @app.get("/health")
    async def health(_request: Request) -> HTTPResponse:
        return json({"status": "ok"})

    @app.get("/api/categories")
    async def categories(_request: Request) -> HTTPResponse:
        with sessions() as session:
            return json({"categories": catalog.list_categories(session)})

    @app.get("/api/products")
    async def products(request: Request) -> HTTPResponse:
        page, per_page = _int_arg(request, "page", 1), _int_arg(request, "per_page", 24)
        if page is None or per_page is None or page < 1 or per_page < 1:
            return _error(400, "page and per_page must be positive whole numbers")
        category = request.args.get("category") or None
        with sessions() as session:
            result = catalog.list_products(session, category=category, page=page, per_page=per_page)
        return json(result.as_json())

    if settings.demo_login:
        register_demo_login(app, settings, sessions, login_limiter)

    @app.get("/api/me")
    async def me(request: Request) -> HTTPResponse:
        """Who a token proves: a customer, or null for a guest (missing, forged or expired)."""
        requester = verify_identity_token(
            request.headers.get(IDENTITY_HEADER),
            secret=settings.identity_secret,
            max_age_seconds=settings.identity_token_ttl_seconds,
        )
        if requester.is_guest:
            return json({"customer": None})
        with sessions() as session:
            customer = catalog.find_customer(session, customer_id=requester.customer_id)
            return json({"customer": catalog.customer_json(customer) if customer else None})

    @app.post("/api/chat")
    async def chat(request: Request) -> HTTPResponse:
        body = _json_body(request)
        if body is None:
            return _error(400, 'send a JSON object: {"sender": "...", "message": "..."}')
        # Per client address, not per sender: a client picks its sender ids (issue 18).
        decision = chat_limiter.hit(_client_address(request))
        if not decision.allowed:
            return _too_many(decision.retry_after)
        sender, message, identity = body.get("sender"), body.get("message"), body.get("identity")
        if not isinstance(sender, str) or not SENDER_PATTERN.match(sender):
            return _error(400, "sender must be 8 to 80 letters, digits or _.:- (the widget uses a UUID)")
        if not isinstance(message, str) or not message.strip():
            return _error(400, "message must be non-empty text")
        if len(message) > MAX_MESSAGE_CHARS:
            return _error(413, say("chat.too_long", length=len(message), limit=MAX_MESSAGE_CHARS))
        if not _is_clean_text(message):
            return _error(400, say("chat.not_text"))
        # Passed on as given: the action server verifies it, and a bad token means "guest".
        metadata = {IDENTITY_METADATA_KEY: identity} if isinstance(identity, str) and identity else None
        try:
            raw = await asyncio.to_thread(
                rasa.send, sender, message.strip(), metadata, client=_client_address(request)
            )
        except MessageRefused as refused:
            return _error(refused.status, say("chat.refused", reason=refused.reason))
        except RasaUnavailable as error:
            log.warning("chat: %s", error)
            return _error(502, UNAVAILABLE)
        if not raw:  # a person may have the conversation: their ticket (and help desk) gets the message
            text = message.strip()
            await asyncio.to_thread(record_shopper_message, sender, text, identity, settings, engine)
        await app.ctx.forget_if_erased(sender, raw)  # a turn that erased the shopper's data (issue 16)
        return json({"messages": [reply_json(reply) for reply in parse_replies(raw)]})

    @app.get("/api/history")
    async def history(request: Request) -> HTTPResponse:
        sender = request.args.get("sender", "")
        if not SENDER_PATTERN.match(sender):
            return _error(400, "sender must be 8 to 80 letters, digits or _.:-")
        try:
            tracker = await asyncio.to_thread(rasa.tracker, sender)
        except RasaUnavailable as error:
            log.warning("history: %s", error)
            return _error(502, UNAVAILABLE)
        transcript = transcript_from_tracker(tracker)
        return json(
            {
                "messages": transcript.messages,
                "paused": transcript.paused,
                "handoff_ticket": transcript.handoff_ticket,
            }
        )

    @app.after_server_stop
    async def dispose(_app: Sanic) -> None:
        engine.dispose()

    return app
