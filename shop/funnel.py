"""What followed a product list: the counts behind click-through, add-to-cart and conversion.

One shape for the recommender's feedback report (`recommender.feedback.click_through_report`,
SQL over the event table) and the agents' analytics (`analytics.lists`, over a window of chat
events): both count the same things, so the rates are defined once, here.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class ListFunnel:
    lists_shown: int
    #: One per (list, product) shown.
    impressions: int
    #: Feedback on a product that the list named by its recommendation_id showed, once each.
    clicks: int
    add_to_carts: int
    purchases: int
    lists_with_click: int

    @property
    def click_through_rate(self) -> float:
        return self.clicks / self.impressions if self.impressions else 0.0

    @property
    def add_to_cart_rate(self) -> float:
        return self.add_to_carts / self.impressions if self.impressions else 0.0

    @property
    def conversion_rate(self) -> float:
        return self.purchases / self.impressions if self.impressions else 0.0

    @property
    def list_click_rate(self) -> float:
        return self.lists_with_click / self.lists_shown if self.lists_shown else 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {
            "click_through_rate": round(self.click_through_rate, 4),
            "add_to_cart_rate": round(self.add_to_cart_rate, 4),
            "conversion_rate": round(self.conversion_rate, 4),
            "list_click_rate": round(self.list_click_rate, 4),
        }
