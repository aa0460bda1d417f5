"""Click-through of the product lists shown in chat, joined back by their `recommendation_id`.

A list is the set of RECOMMENDATION_SHOWN events (impressions) sharing one id. Feedback counts
when a click, add-to-cart or purchase names a list *and* a product that list showed; each
(list, product, kind) counts once, so a double click is one click. A purchase is a PURCHASE event
or an order line that names the list (`order_lines.recommendation_id`), counted once. A list
whose id also names a SEARCH event is a search result list; every other list is a
recommendation (personal, similar, bought together).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from analytics.shop_activity import ChatEvent
from shop.funnel import ListFunnel
from shop.models import EventKind

FEEDBACK_KINDS = (EventKind.CLICK, EventKind.ADD_TO_CART, EventKind.PURCHASE)


@dataclass(frozen=True)
class ListsReport:
    #: Every list shown (search results and recommendations).
    all: ListFunnel
    search: ListFunnel
    recommendations: ListFunnel

    def to_dict(self) -> dict[str, Any]:
        return {
            "all": self.all.to_dict(),
            "search": self.search.to_dict(),
            "recommendations": self.recommendations.to_dict(),
        }


def _click_through(impressions: set[tuple[str, int]], acted: set[tuple[str, int, EventKind]]) -> ListFunnel:
    counts = dict.fromkeys(FEEDBACK_KINDS, 0)
    clicked = set()
    for list_id, product, kind in acted:
        if (list_id, product) in impressions:
            counts[kind] += 1
            if kind == EventKind.CLICK:
                clicked.add(list_id)
    return ListFunnel(
        lists_shown=len({list_id for list_id, _ in impressions}),
        impressions=len(impressions),
        clicks=counts[EventKind.CLICK],
        add_to_carts=counts[EventKind.ADD_TO_CART],
        purchases=counts[EventKind.PURCHASE],
        lists_with_click=len(clicked),
    )


def lists_report(
    events: Iterable[ChatEvent],
    *,
    bought: Iterable[tuple[str, int]] = (),
    shown_since: datetime | None = None,
) -> ListsReport:
    """Click-through of lists shown at or after `shown_since` (all lists when None).

    `bought`: (list id, product id) of order lines, purchases as much as PURCHASE events are.
    """
    impressions: set[tuple[str, int]] = set()
    acted: set[tuple[str, int, EventKind]] = {
        (list_id, product, EventKind.PURCHASE) for list_id, product in bought
    }
    search_lists: set[str] = set()
    for event in events:
        if not event.recommendation_id:
            continue
        if event.kind == EventKind.SEARCH:
            search_lists.add(event.recommendation_id)
        elif event.product_id is None:
            continue
        elif event.kind == EventKind.RECOMMENDATION_SHOWN:
            if shown_since is None or event.at >= shown_since:
                impressions.add((event.recommendation_id, event.product_id))
        elif event.kind in FEEDBACK_KINDS:
            acted.add((event.recommendation_id, event.product_id, event.kind))
    searched = {pair for pair in impressions if pair[0] in search_lists}
    return ListsReport(
        all=_click_through(impressions, acted),
        search=_click_through(searched, acted),
        recommendations=_click_through(impressions - searched, acted),
    )
