"""The shop page's cart and checkout: `/cart`, `/checkout` and their JSON API (issue 14).

The page and the chat share one cart because both ask `shop.cart` with the same owner: a
logged-in shopper by the signed identity (header `X-Shop-Identity`, verified here exactly as
`/api/me` does), a guest by the widget's conversation id (`session`, the sender id kept in the
browser's localStorage), which is the key the chat actions use for a guest's cart. When a guest
logs in, the page calls `POST /api/cart/merge` with the old session, so nothing added as a guest
is lost. A refused write answers 409 (or 400 for malformed requests) with the domain's sentence
and reason, and has written nothing.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from sanic import Request, Sanic
from sanic.response import HTTPResponse, json
from sqlalchemy import Engine

from shop import cart as carts
from shop import checkout
from shop.config import Settings
from shop.identity import Requester, verify_identity_token
from shop.refusals import Refusal, Refused
from web.pages import page

STATIC_DIR = Path(__file__).resolve().parent / "static"
IDENTITY_HEADER = "X-Shop-Identity"
#: The widget's conversation ids (as web.app.SENDER_PATTERN): a guest's cart key.
SESSION_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{7,79}$")
#: Malformed requests (as opposed to refused ones): 400 rather than 409.
_BAD_INPUT = {
    Refusal.INVALID_QUANTITY,
    Refusal.EMAIL_REQUIRED,
    Refusal.ADDRESS_REQUIRED,
    Refusal.INVALID_ADDRESS,
}
T = TypeVar("T")


class BadRequest(Exception):
    pass


def _error(status: int, message: str, reason: str | None = None, **extra: Any) -> HTTPResponse:
    body: dict[str, Any] = {"error": message}
    if reason:
        body["reason"] = reason
    return json({**body, **extra}, status=status)


def _body(request: Request) -> dict[str, Any]:
    try:
        body = request.json
    except Exception:  # Sanic raises its own BadRequest for malformed JSON
        body = None
    if not isinstance(body, dict):
        raise BadRequest('send a JSON object, e.g. {"session": "...", "product_id": 12}')
    return body


def register_cart_routes(app: Sanic, settings: Settings, engine: Engine) -> None:
    """Add the cart and checkout pages and API to the shop page's app."""

    def who(request: Request, session: object) -> tuple[Requester, str | None]:
        requester = verify_identity_token(
            request.headers.get(IDENTITY_HEADER),
            secret=settings.identity_secret,
            max_age_seconds=settings.identity_token_ttl_seconds,
        )
        if session is not None and (not isinstance(session, str) or not SESSION_PATTERN.match(session)):
            raise BadRequest("session must be the chat's conversation id (8 to 80 letters, digits or _.:-)")
        if requester.is_guest and session is None:
            raise BadRequest("a guest's cart needs its session (the chat's conversation id)")
        return requester, session

    async def answer(work: Callable[[], T], render: Callable[[T], dict[str, Any]]) -> HTTPResponse:
        try:
            result = await asyncio.to_thread(work)
        except BadRequest as error:
            return _error(400, str(error))
        except Refused as refused:
            status = 400 if refused.reason in _BAD_INPUT else 409
            fields = getattr(refused, "fields", None)
            return _error(
                status, refused.explanation, refused.reason.value, **({"fields": fields} if fields else {})
            )
        return json(render(result))

    def change_json(change: carts.CartChange) -> dict[str, Any]:
        return {"message": change.message, "kind": change.kind, "cart": change.cart.to_dict()}

    def route(handler: Callable[[Request], Any]) -> Callable[[Request], Any]:
        async def wrapped(request: Request, **kwargs: Any) -> HTTPResponse:
            try:
                return await handler(request, **kwargs)
            except BadRequest as error:
                return _error(400, str(error))

        wrapped.__name__ = handler.__name__
        return wrapped

    @app.get("/cart")
    async def cart_page(_request: Request) -> HTTPResponse:
        return page(STATIC_DIR / "cart.html")

    @app.get("/checkout")
    async def checkout_page(_request: Request) -> HTTPResponse:
        return page(STATIC_DIR / "checkout.html")

    @app.get("/api/products/<product_id:int>/options")
    @route
    async def product_options(request: Request, product_id: int) -> HTTPResponse:
        """The sizes/colours a product comes in (empty when there is nothing to choose)."""

        def work() -> carts.VariantQuestion | None:
            return carts.variant_question(product_id, engine=engine)

        def render(question: carts.VariantQuestion | None) -> dict[str, Any]:
            if question is None:
                return {"attribute": None, "options": []}
            return {
                "attribute": question.attribute,
                "question": question.question,
                "options": [
                    {
                        "variant_id": o.variant_id,
                        "size": o.size,
                        "color": o.color,
                        "stock": o.stock,
                        "label": o.label(question.attribute),
                    }
                    for o in question.options
                ],
            }

        return await answer(work, render)

    @app.get("/api/cart")
    @route
    async def get_cart(request: Request) -> HTTPResponse:
        requester, session = who(request, request.args.get("session"))
        return await answer(lambda: carts.view_cart(requester, session, engine=engine), lambda c: c.to_dict())

    @app.post("/api/cart/items")
    @route
    async def add(request: Request) -> HTTPResponse:
        body = _body(request)
        requester, session = who(request, body.get("session"))
        variant_id = body.get("variant_id")
        if variant_id is not None and (isinstance(variant_id, bool) or not isinstance(variant_id, int)):
            raise BadRequest("variant_id must be a whole number")
        return await answer(
            lambda: carts.add_item(
                requester,
                session,
                body.get("product_id"),
                body.get("quantity", 1),
                size=body.get("size") if isinstance(body.get("size"), str) else None,
                color=body.get("color") if isinstance(body.get("color"), str) else None,
                variant_id=variant_id,
                request_key=_request_key(body),
                engine=engine,
            ),
            change_json,
        )

    @app.patch("/api/cart/items/<line_id:int>")
    @route
    async def change(request: Request, line_id: int) -> HTTPResponse:
        body = _body(request)
        requester, session = who(request, body.get("session"))
        return await answer(
            lambda: carts.set_quantity(
                requester,
                session,
                line_id,
                body.get("quantity"),
                request_key=_request_key(body),
                engine=engine,
            ),
            change_json,
        )

    @app.delete("/api/cart/items/<line_id:int>")
    @route
    async def remove(request: Request, line_id: int) -> HTTPResponse:
        requester, session = who(request, request.args.get("session"))
        return await answer(
            lambda: carts.remove_line(requester, session, line_id, engine=engine), change_json
        )

    @app.delete("/api/cart")
    @route
    async def empty(request: Request) -> HTTPResponse:
        requester, session = who(request, request.args.get("session"))
        return await answer(lambda: carts.empty_cart(requester, session, engine=engine), change_json)

    @app.post("/api/cart/merge")
    @route
    async def merge(request: Request) -> HTTPResponse:
        """After a login: move the guest session's cart into the customer's."""
        body = _body(request)
        requester, session = who(request, body.get("session"))
        if requester.customer_id is None or session is None:
            raise BadRequest("merging needs a logged-in identity and the guest's session")
        customer_id = requester.customer_id
        return await answer(
            lambda: carts.merge_guest_cart(customer_id, session, engine=engine), lambda c: c.to_dict()
        )

    @app.get("/api/checkout")
    @route
    async def summary(request: Request) -> HTTPResponse:
        requester, session = who(request, request.args.get("session"))
        method = request.args.get("method")
        return await answer(
            lambda: checkout.checkout_summary(requester, session, method=method, engine=engine),
            lambda s: s.to_dict(),
        )

    @app.post("/api/checkout")
    @route
    async def place(request: Request) -> HTTPResponse:
        body = _body(request)
        requester, session = who(request, body.get("session"))
        token, address = body.get("token"), body.get("address")
        if not isinstance(token, str) or not token:
            raise BadRequest("token must be the checkout summary's token")
        if address is not None and not isinstance(address, dict):
            raise BadRequest("address must be an object: name, street, city, postcode, country")
        email = body.get("email") if isinstance(body.get("email"), str) else None
        method = body.get("method") if isinstance(body.get("method"), str) else None
        return await answer(
            lambda: checkout.place_order(
                requester,
                session,
                token,
                method=method,
                email=email,
                address=address,
                conversation_id=None,
                channel="web",
                engine=engine,
            ),
            lambda placed: placed.to_dict(),
        )


def _request_key(body: dict[str, Any]) -> str | None:
    """The page's idempotency key for a write (a random id per click), namespaced."""
    key = body.get("request_id")
    return f"web:{key}"[:200] if isinstance(key, str) and 8 <= len(key) <= 80 else None
