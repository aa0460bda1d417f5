"""The widget in headless Chromium against the real assistant (scenarios in widget.live.test.mjs):
ask for a product, see cards, press "More like this", reload and see the history, log in as a
demo customer and ask for the last order. Screenshots land in test-artifacts/browser/.
"""

from __future__ import annotations

import pytest
from browser_support import run_scenarios
from sqlalchemy import select

from shop.db import make_engine
from shop.models import Order
from shopbot.serve import Stack

pytestmark = [pytest.mark.browser, pytest.mark.rasa]


def order_numbers(database_url: str) -> tuple[list[int], list[int]]:
    """Alice's order numbers, and the planted orders of Bob and the guest (100238-100241)."""
    engine = make_engine(database_url)
    with engine.connect() as connection:
        alice = connection.scalars(select(Order.id).where(Order.customer_id == 1)).all()
        others = connection.scalars(
            select(Order.id).where(Order.id.between(100234, 100299), Order.customer_id.is_distinct_from(1))
        ).all()
    engine.dispose()
    return list(alice), list(others)


def test_the_widget_with_the_real_assistant(browser_tooling: None, live_stack: Stack) -> None:
    alice, others = order_numbers(live_stack.config.database_url)
    run_scenarios(
        "widget.live.test.mjs",
        {
            "SHOP_URL": live_stack.config.web_url,
            "ALICE_ORDERS": ",".join(map(str, alice)),
            "OTHER_CUSTOMERS_ORDERS": ",".join(map(str, others)),
        },
    )
