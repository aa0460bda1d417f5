"""Cart and checkout in headless Chromium against the real assistant (issue 14; scenario in
cart.live.test.mjs): search in the widget, add a product with a size, see it in the page's cart,
log in as a demo customer, check out in chat and ask for that order's status. Then the database
must hold exactly that order: her order, the chosen size, placed in chat, with its conversation.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from shop.db import make_engine
from shop.models import Order, OrderLine, OrderStatus, Product, Variant
from shopbot.serve import Stack
from tests.browser.browser_support import ARTIFACTS_DIR, run_scenarios

pytestmark = [pytest.mark.browser, pytest.mark.rasa]

ALICE = 1


def sized_products(database_url: str) -> list[int]:
    """Active products that come in more than one size (the scenario adds one of them)."""
    engine = make_engine(database_url)
    with engine.connect() as connection:
        ids = connection.scalars(
            select(Variant.product_id)
            .join(Product)
            .where(Product.active.is_(True), Variant.size.is_not(None))
            .group_by(Variant.product_id)
            .having(func.count(func.distinct(Variant.size)) > 1)
        ).all()
    engine.dispose()
    return list(ids)


def test_a_shopper_adds_with_a_size_sees_the_page_cart_checks_out_in_chat_and_asks_for_the_order(
    browser_tooling: None, live_stack: Stack
) -> None:
    url = live_stack.config.database_url
    result = ARTIFACTS_DIR / "cart-live-order.json"
    result.unlink(missing_ok=True)
    run_scenarios(
        "cart.live.test.mjs",
        {
            "SHOP_URL": live_stack.config.web_url,
            "SIZED_PRODUCTS": ",".join(map(str, sized_products(url))),
            "CART_CUSTOMER": str(ALICE),
        },
    )
    seen = json.loads(result.read_text())
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            order = session.scalars(
                select(Order)
                .where(Order.id == int(seen["number"]))
                .options(selectinload(Order.lines).selectinload(OrderLine.variant))
            ).one()
            assert order.customer_id == ALICE and order.status == OrderStatus.PLACED
            assert [(line.variant.size, line.quantity) for line in order.lines] == [(seen["size"], 1)]
            assert [event.note for event in order.history] == ["Placed in chat"]
            # Conversion: the order names the conversation that sold it.
            assert order.source_conversation
    finally:
        engine.dispose()
