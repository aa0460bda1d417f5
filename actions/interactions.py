"""Record what shoppers do in the chat as interaction events (source "chat").

The recommender learns from these rows at its next training, and the recommendation id ties a
shown list to later clicks and add-to-carts, so click-through can be reported. Recording is
best-effort: a failure is logged and never spoils the shopper's answer.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from sqlalchemy import Engine

from shop.db import transaction
from shop.identity import Requester
from shop.models import EventKind, EventSource, InteractionEvent

log = logging.getLogger(__name__)


def record_interactions(
    engine: Engine,
    who: Requester,
    session_id: str,
    kind: EventKind,
    product_ids: Sequence[int | None],
    *,
    query: str | None = None,
    recommendation_id: str | None = None,
) -> None:
    """One event per product (a search is one event with no product)."""
    try:
        with transaction(engine) as session:
            session.add_all(
                InteractionEvent(
                    customer_id=who.customer_id,
                    session_id=session_id[:200],
                    product_id=product_id,
                    kind=kind,
                    source=EventSource.CHAT,
                    query=query,
                    recommendation_id=recommendation_id,
                )
                for product_id in product_ids
            )
    except Exception:  # noqa: BLE001 - analytics must never break the conversation
        log.exception("could not record %s events", kind.value)
