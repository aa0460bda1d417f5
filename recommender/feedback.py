"""The feedback loop: what chat showed, and what the shopper did with it, as interaction events.

Every list of products shown in chat has an id: a recommendation list its `recommendation_id`
from the serving API, a page of search results one from `new_list_id()`. The dialogue records
the impression (one RECOMMENDATION_SHOWN event per product, with the list's id), and later
clicks, add-to-carts and purchases of those products with the same id: the card buttons carry
it, and when a turn does not (the shopper typed "add the second one"), `record_interactions`
finds the list the product was last shown in during that conversation. Clicks, add-to-carts and
purchases are ordinary signal events, so the next training learns from them; impressions are
not (being shown is not liking). The click-through report joins them back by the id.

Nothing is recorded for a shopper who has not allowed it (`shop.consent.may_record_in`, checked
in the recording transaction); the recorders then return 0 / False.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, and_, func, select

from recommender.types import Recommendation
from shop.consent import may_record_in
from shop.db import transaction
from shop.funnel import ListFunnel
from shop.models import Customer, EventKind, EventSource, InteractionEvent, Product, utcnow

#: Shopper actions on a shown product that count as feedback.
FEEDBACK_KINDS = (EventKind.CLICK, EventKind.ADD_TO_CART, EventKind.PURCHASE)
_MAX_ID_LENGTH = 64
#: What a shopper does to a shown product; without an id of its own it links to its last list.
_LINKED_KINDS = (EventKind.VIEW, EventKind.CLICK, EventKind.ADD_TO_CART)


def new_list_id() -> str:
    """A fresh id for a list of products shown that the recommender did not make (search results)."""
    return f"s-{uuid.uuid4().hex}"


class FeedbackError(ValueError):
    """The feedback cannot be recorded (unknown product or customer, bad id or kind); nothing was written."""


def _check_common(recommendation_id: str, session_id: str | None) -> None:
    if not recommendation_id or len(recommendation_id) > _MAX_ID_LENGTH:
        raise FeedbackError(
            f"recommendation_id must be 1..{_MAX_ID_LENGTH} characters, got {recommendation_id!r}"
        )
    if session_id is not None and len(session_id) > 200:
        raise FeedbackError("session_id is longer than 200 characters")


def record_shown(
    engine: Engine,
    recommendations: Sequence[Recommendation],
    *,
    customer_id: int | None,
    session_id: str | None,
    source: EventSource = EventSource.CHAT,
    at: datetime | None = None,
) -> int:
    """Record one RECOMMENDATION_SHOWN event per product of a shown list; returns how many."""
    if not recommendations:
        return 0
    for recommendation in recommendations:
        _check_common(recommendation.recommendation_id, session_id)
    at = at or utcnow()
    with transaction(engine) as session:
        _check_customer(session, customer_id)
        if not may_record_in(session, customer_id, session_id):
            return 0
        session.add_all(
            InteractionEvent(
                customer_id=customer_id,
                session_id=session_id,
                product_id=recommendation.product_id,
                kind=EventKind.RECOMMENDATION_SHOWN,
                source=source,
                recommendation_id=recommendation.recommendation_id,
                occurred_at=at,
            )
            for recommendation in recommendations
        )
    return len(recommendations)


def record_feedback(
    engine: Engine,
    *,
    kind: EventKind,
    product_id: int,
    recommendation_id: str,
    customer_id: int | None,
    session_id: str | None,
    source: EventSource = EventSource.CHAT,
    at: datetime | None = None,
) -> bool:
    """Record a click, add-to-cart or purchase of a recommended product (one transaction).

    Returns False (nothing written) when the shopper has not allowed tracking."""
    if kind not in FEEDBACK_KINDS:
        raise FeedbackError(f"feedback kind must be one of {[k.value for k in FEEDBACK_KINDS]}, got {kind!r}")
    _check_common(recommendation_id, session_id)
    with transaction(engine) as session:
        _check_customer(session, customer_id)
        if session.get(Product, product_id) is None:
            raise FeedbackError(f"product {product_id} does not exist")
        if not may_record_in(session, customer_id, session_id):
            return False
        session.add(
            InteractionEvent(
                customer_id=customer_id,
                session_id=session_id,
                product_id=product_id,
                kind=kind,
                source=source,
                recommendation_id=recommendation_id,
                occurred_at=at or utcnow(),
            )
        )
    return True


def record_interactions(
    engine: Engine,
    kind: EventKind,
    product_ids: Sequence[int | None],
    *,
    customer_id: int | None,
    session_id: str,
    source: EventSource = EventSource.CHAT,
    query: str | None = None,
    recommendation_id: str | None = None,
) -> int:
    """Record what a shopper did (searched, viewed, clicked, added, was shown) in one transaction.

    One event per product; a search is one event with no product (`[None]`) and the id of the
    list it showed. A view, click or add-to-cart without a `recommendation_id` gets the id of
    the list the product was last shown in during this session, if any. Unlike
    `record_feedback`, nothing else is checked: these rows come from the conversation's own
    state, and the caller decides whether a failure matters (the chat never lets one spoil an
    answer). Returns how many events were written (0 when the shopper has not allowed it).
    """
    session_id = session_id[:200]
    with transaction(engine) as session:
        if not may_record_in(session, customer_id, session_id):
            return 0
        for product_id in product_ids:
            list_id = recommendation_id
            if list_id is None and kind in _LINKED_KINDS and product_id is not None:
                list_id = last_list_of(session, session_id, product_id)
            session.add(
                InteractionEvent(
                    customer_id=customer_id,
                    session_id=session_id,
                    product_id=product_id,
                    kind=kind,
                    source=source,
                    query=query,
                    recommendation_id=list_id,
                )
            )
    return len(product_ids)


def last_list_of(session, session_id: str, product_id: int) -> str | None:  # type: ignore[no-untyped-def]
    """The id of the list `product_id` was last shown in during `session_id`, if any."""
    return session.scalar(
        select(InteractionEvent.recommendation_id)
        .where(
            InteractionEvent.session_id == session_id[:200],
            InteractionEvent.product_id == product_id,
            InteractionEvent.kind == EventKind.RECOMMENDATION_SHOWN,
            InteractionEvent.recommendation_id.is_not(None),
        )
        .order_by(InteractionEvent.occurred_at.desc(), InteractionEvent.id.desc())
        .limit(1)
    )


def _check_customer(session, customer_id: int | None) -> None:  # type: ignore[no-untyped-def]
    if customer_id is not None and session.get(Customer, customer_id) is None:
        raise FeedbackError(f"customer {customer_id} does not exist")


@dataclass(frozen=True)
class ClickThroughReport(ListFunnel):
    """The funnel of every list shown since `since` (all time when None)."""

    since: datetime | None = None


def click_through_report(engine: Engine, *, since: datetime | None = None) -> ClickThroughReport:
    """Impressions and the clicks, add-to-carts and purchases that followed them, by list id."""
    shown = InteractionEvent.__table__.alias("shown")
    acted = InteractionEvent.__table__.alias("acted")
    shown_filter = [
        shown.c.kind == EventKind.RECOMMENDATION_SHOWN.value,
        shown.c.recommendation_id.is_not(None),
    ]
    if since is not None:
        shown_filter.append(shown.c.occurred_at >= since)
    # One row per (list, product) impression, so a product shown twice in a list counts once.
    impressions = (
        select(shown.c.recommendation_id, shown.c.product_id)
        .where(*shown_filter)
        .group_by(shown.c.recommendation_id, shown.c.product_id)
        .subquery("impressions")
    )
    feedback = (
        select(acted.c.recommendation_id, acted.c.product_id, acted.c.kind)
        .where(acted.c.kind.in_([k.value for k in FEEDBACK_KINDS]), acted.c.recommendation_id.is_not(None))
        .group_by(acted.c.recommendation_id, acted.c.product_id, acted.c.kind)
        .subquery("feedback")
    )
    joined = select(impressions.c.recommendation_id, feedback.c.kind).join(
        feedback,
        and_(
            feedback.c.recommendation_id == impressions.c.recommendation_id,
            feedback.c.product_id == impressions.c.product_id,
        ),
    )
    with engine.connect() as connection:
        impressions_count = connection.execute(select(func.count()).select_from(impressions)).scalar_one()
        lists = connection.execute(
            select(func.count(func.distinct(impressions.c.recommendation_id)))
        ).scalar_one()
        rows = connection.execute(joined).all()
    by_kind = {kind: 0 for kind in FEEDBACK_KINDS}
    clicked_lists = set()
    for recommendation_id, kind in rows:
        by_kind[EventKind(kind)] += 1
        if EventKind(kind) == EventKind.CLICK:
            clicked_lists.add(recommendation_id)
    return ClickThroughReport(
        since=since,
        lists_shown=int(lists),
        impressions=int(impressions_count),
        clicks=by_kind[EventKind.CLICK],
        add_to_carts=by_kind[EventKind.ADD_TO_CART],
        purchases=by_kind[EventKind.PURCHASE],
        lists_with_click=len(clicked_lists),
    )
