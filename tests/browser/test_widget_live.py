"""The widget in headless Chromium against the real assistant (scenarios in widget.live.test.mjs):
ask for a product, see cards, press "More like this", reload and see the history, log in as a
demo customer and ask for the last order. Screenshots land in test-artifacts/browser/.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from shop.db import make_engine
from shop.models import Order, Shipment
from shopbot.serve import Stack
from tests.browser.browser_support import run_scenarios

pytestmark = [pytest.mark.browser, pytest.mark.rasa]


def alices_orders(database_url: str) -> tuple[int, list[str], list[int]]:
    """Alice's latest order, her tracking numbers, and the planted orders of everyone else."""
    engine = make_engine(database_url)
    with engine.connect() as connection:
        latest = connection.scalar(
            select(Order.id).where(Order.customer_id == 1).order_by(Order.placed_at.desc())
        )
        tracking = connection.scalars(
            select(Shipment.tracking_number).join(Order).where(Order.customer_id == 1)
        ).all()
        others = connection.scalars(
            select(Order.id).where(Order.id.between(100234, 100299), Order.customer_id.is_distinct_from(1))
        ).all()
    engine.dispose()
    assert latest is not None, "the demo shop has no orders of Alice's"
    return latest, list(tracking), list(others)


def test_the_widget_with_the_real_assistant(browser_tooling: None, live_stack: Stack) -> None:
    latest, tracking, others = alices_orders(live_stack.config.database_url)
    run_scenarios(
        "widget.live.test.mjs",
        {
            "SHOP_URL": live_stack.config.web_url,
            "ALICE_LAST_ORDER": str(latest),
            "ALICE_TRACKING_NUMBERS": ",".join(tracking),
            "OTHER_CUSTOMERS_ORDERS": ",".join(map(str, others)),
        },
    )
