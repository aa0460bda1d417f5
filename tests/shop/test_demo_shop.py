"""The demo shop keeps its contract: planted entities, every status, returns around the window."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, insert, select
from sqlalchemy.orm import Session, selectinload

from shop.config import get_settings
from shop.demo import CATEGORY_SLUGS, TINY, DemoShopError, build_demo_shop, seed_demo_shop
from shop.models import (
    Customer,
    EventKind,
    EventSource,
    InteractionEvent,
    Order,
    OrderStatus,
    Product,
    RefundStatus,
    Return,
    ReturnStatus,
)
from tests.shop.demo_fixtures import NOW, demo_engine

__all__ = ["demo_engine"]  # a fixture, imported for pytest


def _order(session: Session, order_id: int) -> Order:
    query = (
        select(Order)
        .where(Order.id == order_id)
        .options(selectinload(Order.lines), selectinload(Order.history), selectinload(Order.returns))
    )
    return session.scalars(query).one()


def test_planted_customers_exist_and_carla_has_no_history(demo_engine: Engine) -> None:
    with Session(demo_engine) as session:
        names = {c.id: (c.email, c.name) for c in session.scalars(select(Customer).where(Customer.id <= 3))}
        carla_orders = session.scalar(select(func.count()).where(Order.customer_id == 3))
        carla_events = session.scalar(select(func.count()).where(InteractionEvent.customer_id == 3))
    assert names == {
        1: ("alice@example.com", "Alice Moreno"),
        2: ("bob@example.com", "Bob Chen"),
        3: ("carla@example.com", "Carla Diaz"),
    }
    assert carla_orders == 0
    assert carla_events == 0


def test_planted_orders_have_the_promised_statuses_dates_and_lines(demo_engine: Engine) -> None:
    window = get_settings().return_window_days
    with Session(demo_engine) as session:
        shipped = _order(session, 100234)
        assert (shipped.customer_id, shipped.status) == (1, OrderStatus.SHIPPED)
        assert shipped.shipment is not None and shipped.shipment.carrier and shipped.shipment.tracking_number
        assert shipped.shipment.estimated_delivery == (NOW + timedelta(days=2)).date()
        assert [line.product.category for line in shipped.lines] == ["Laptops", "Laptop Sleeves & Bags"]

        assert _order(session, 100235).status is OrderStatus.PLACED

        recent = _order(session, 100236)
        assert recent.status is OrderStatus.DELIVERED and len(recent.lines) == 2
        assert recent.shipment is not None and recent.shipment.delivered_at == NOW - timedelta(days=5)
        assert [bool(line.product.attributes.get("final_sale")) for line in recent.lines].count(True) == 1

        old = _order(session, 100237)
        assert old.status is OrderStatus.DELIVERED
        assert old.shipment is not None and NOW - old.shipment.delivered_at > timedelta(days=window)

        assert (_order(session, 100238).customer_id, _order(session, 100238).status) == (2, OrderStatus.PAID)

        returned = _order(session, 100239)
        assert returned.status is OrderStatus.DELIVERED
        assert returned.shipment is not None and returned.shipment.delivered_at == NOW - timedelta(days=12)
        (rma,) = returned.returns
        assert (rma.rma_number, rma.status) == ("RMA-100239-1", ReturnStatus.RECEIVED)
        assert rma.refund is not None and rma.refund.status is RefundStatus.PENDING

        assert _order(session, 100240).status is OrderStatus.CANCELLED

        guest = _order(session, 100241)
        assert (guest.customer_id, guest.email, guest.status) == (
            None,
            "guest@example.com",
            OrderStatus.SHIPPED,
        )


def test_every_order_status_occurs_and_ends_its_history(demo_engine: Engine) -> None:
    with Session(demo_engine) as session:
        orders = session.scalars(select(Order).options(selectinload(Order.history))).all()
        generated = [o for o in orders if o.id >= 200000]
    assert {o.status for o in orders} == set(OrderStatus)
    assert len(generated) == len(orders) - 8
    for order in orders:
        assert order.history[0].status is OrderStatus.PLACED
        assert order.history[-1].status is order.status, order.id
        assert [e.at for e in order.history] == sorted(e.at for e in order.history), order.id
        assert order.placed_at <= NOW


def test_returns_fall_inside_and_outside_the_return_window(demo_engine: Engine) -> None:
    window = timedelta(days=get_settings().return_window_days)
    with Session(demo_engine) as session:
        returns = session.scalars(select(Return).options(selectinload(Return.order))).all()
        delays = [(r.created_at - r.order.shipment.delivered_at, r.status) for r in returns]
    inside = [status for delay, status in delays if delay <= window]
    outside = [status for delay, status in delays if delay > window]
    assert ReturnStatus.REFUNDED in inside
    assert outside and set(outside) == {ReturnStatus.REJECTED}


def test_catalog_has_sizes_stock_outs_final_sale_and_category_images(demo_engine: Engine) -> None:
    with Session(demo_engine) as session:
        products = session.scalars(select(Product).options(selectinload(Product.variants))).all()
    assert len(products) == TINY.products
    assert len({p.category_path for p in products}) >= 20
    assert all(p.category_path.count(" > ") == 2 for p in products)
    assert any(p.stock == 0 for p in products) and any(p.stock > 0 for p in products)
    assert any(p.attributes.get("final_sale") for p in products)
    assert any(len(p.variants) > 3 and p.attributes.get("sizes") for p in products)
    assert any(p.attributes.get("waterproof") is True for p in products)
    assert {p.image_url for p in products} == {
        f"/static/img/categories/{slug}.svg" for slug in CATEGORY_SLUGS
    }
    assert len({p.title for p in products}) > 0.95 * len(products)
    assert len({p.description for p in products}) == len(products)


def test_shoppers_search_view_click_and_buy_on_web_and_chat(demo_engine: Engine) -> None:
    with Session(demo_engine) as session:
        kinds = set(session.scalars(select(InteractionEvent.kind).distinct()))
        sources = set(session.scalars(select(InteractionEvent.source).distinct()))
        queries = session.scalars(
            select(InteractionEvent.query).where(InteractionEvent.query.is_not(None))
        ).all()
        per_customer = dict(
            session.execute(
                select(Customer.id, func.count(InteractionEvent.id))
                .outerjoin(InteractionEvent, InteractionEvent.customer_id == Customer.id)
                .group_by(Customer.id)
            ).all()
        )
    assert kinds >= {
        EventKind.VIEW,
        EventKind.CLICK,
        EventKind.ADD_TO_CART,
        EventKind.PURCHASE,
        EventKind.SEARCH,
    }
    assert sources == {EventSource.WEB, EventSource.CHAT}
    assert queries
    cold = [customer for customer, count in per_customer.items() if 0 < count <= 3]
    assert len(cold) >= 3


def test_the_same_seed_builds_the_same_shop_and_another_seed_a_different_one() -> None:
    first, first_skus = build_demo_shop(seed=11, size=TINY, now=NOW)
    again, again_skus = build_demo_shop(seed=11, size=TINY, now=NOW)
    other, _ = build_demo_shop(seed=12, size=TINY, now=NOW)
    assert first == again and first_skus == again_skus
    assert first["products"] != other["products"] and first["orders"] != other["orders"]


def test_seeding_a_shop_twice_is_refused_unless_reset(engine: Engine) -> None:
    first = seed_demo_shop(engine, size=TINY, now=NOW, seed=3)
    with pytest.raises(DemoShopError):
        seed_demo_shop(engine, size=TINY, now=NOW, seed=4)
    again = seed_demo_shop(engine, size=TINY, now=NOW, seed=3, reset=True)
    assert again.counts == first.counts
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Order)) == TINY.orders
        # Ids continue after the bulk insert with explicit ids (PostgreSQL sequences were moved on).
        session.execute(insert(Customer).values(email="new@example.com", name="New Shopper", created_at=NOW))
        session.commit()
        assert (
            session.scalar(select(Customer.id).where(Customer.email == "new@example.com"))
            == TINY.customers + 1
        )


def test_the_seed_command_refuses_a_second_shop_without_reset_and_replaces_it_with(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    import typer
    from typer.testing import CliRunner

    from shop import db
    from shop.demo.cli import demo_app

    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    db.get_engine.cache_clear()
    shopbot = typer.Typer()  # as `shopbot demo ...` composes it
    shopbot.add_typer(demo_app, name="demo")
    try:
        runner = CliRunner()
        first = runner.invoke(shopbot, ["demo", "seed", "--size", "tiny", "--seed", "5"])
        refused = runner.invoke(shopbot, ["demo", "seed", "--size", "tiny"])
        replaced = runner.invoke(shopbot, ["demo", "seed", "--size", "tiny", "--reset"])
        unknown = runner.invoke(shopbot, ["demo", "seed", "--size", "huge"])
    finally:
        db.get_engine.cache_clear()
        get_settings.cache_clear()

    assert first.exit_code == 0 and "interaction_events" in first.output
    assert refused.exit_code == 1 and "already holds a shop" in refused.output
    assert replaced.exit_code == 0
    assert unknown.exit_code == 2 and "unknown size 'huge'" in unknown.output
    assert "Traceback" not in refused.output + unknown.output
