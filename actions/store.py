"""The shop's services as the actions call them, each on this action server's database.

The domain functions (`shop.orders`, `shop.returns`, `shop.support`, `recommender.feedback`,
...) take the engine they work on; this module is the one place that hands them
`shop_engine()`, so no action passes it by hand and a test points all of them at its own
database with `actions.context.use_engine`. Order numbers arrive here already parsed
(`actions.order_slots.order_number`), as ints.

Nothing here decides anything: each function forwards to the domain, except `record`, which
makes recording interaction events best-effort (analytics never spoil a shopper's answer).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

from actions.context import shop_engine
from recommender import feedback
from shop import customers, orders, product_lookup, returns, support
from shop.addresses import Address
from shop.identity import Requester
from shop.models import EventKind, Product

log = logging.getLogger(__name__)


def find_order(who: Requester, number: int, email: str | None) -> orders.OrderView:
    return orders.find_order(who, number, email, engine=shop_engine())


def recent_orders(who: Requester, *, limit: int) -> list[orders.OrderSummary]:
    return orders.recent_orders(who, limit=limit, engine=shop_engine())


def check_cancel(who: Requester, number: int, email: str | None) -> orders.OrderView:
    return orders.check_cancel(who, number, email, engine=shop_engine())


def check_address_change(who: Requester, number: int, email: str | None) -> orders.OrderView:
    return orders.check_address_change(who, number, email, engine=shop_engine())


def cancel_order(who: Requester, number: int, email: str | None) -> orders.CancelResult:
    return orders.cancel_order(who, number, email, engine=shop_engine())


def change_shipping_address(
    who: Requester, number: int, address: Address, email: str | None
) -> orders.AddressChangeResult:
    return orders.change_shipping_address(who, number, address, email, engine=shop_engine())


def return_options(who: Requester, number: int, email: str | None) -> returns.ReturnOptions:
    return returns.return_options(who, number, email, engine=shop_engine())


def create_return(
    who: Requester, number: int, line_ids: Sequence[int], reason: str, email: str | None, *, exchange: bool
) -> returns.ReturnReceipt:
    return returns.create_return(
        who, number, line_ids, reason, email, exchange=exchange, engine=shop_engine()
    )


def find_returns(
    who: Requester, *, email: str | None, rma_number: str | None = None, order_number: int | None = None
) -> tuple[returns.ReturnView, ...]:
    return returns.find_returns(
        who, rma_number=rma_number, order_number=order_number, email=email, engine=shop_engine()
    )


def open_ticket(
    conversation_id: str, who: Requester, subject: str, summary: str, *, contact_email: str | None = None
) -> support.TicketReceipt:
    return support.open_ticket(
        conversation_id, who, subject, summary, contact_email=contact_email, engine=shop_engine()
    )


def first_name(who: Requester) -> str | None:
    """A logged-in shopper's first name (None for a guest)."""
    if who.customer_id is None:
        return None
    return customers.first_name(who.customer_id, engine=shop_engine())


def active_products(product_ids: Iterable[int]) -> dict[int, Product]:
    """Current products by id (deactivated or deleted ones left out), read fresh."""
    return product_lookup.active_products(product_ids, engine=shop_engine())


def record(
    who: Requester,
    session_id: str,
    kind: EventKind,
    product_ids: Sequence[int | None],
    *,
    query: str | None = None,
    recommendation_id: str | None = None,
) -> None:
    """Record chat interaction events for the recommender; a failure is logged, never raised."""
    try:
        feedback.record_interactions(
            shop_engine(),
            kind,
            product_ids,
            customer_id=who.customer_id,
            session_id=session_id,
            query=query,
            recommendation_id=recommendation_id,
        )
    except Exception:  # noqa: BLE001 - analytics must never break the conversation
        log.exception("could not record %s events", kind.value)
