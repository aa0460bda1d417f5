"""What the recommender reads from the shop: catalog, customers' segments, interactions and orders.

`load_shop_data(engine)` takes one consistent snapshot with a few plain SELECTs; everything after
that (training, evaluation, benchmarks) works on these immutable rows, never on the ORM.

What guests do (no `customer_id`, only a chat or browser `session_id`) is kept as anonymous
sessions (`ShopData.guest_sessions`): no one to give a LightFM user vector, but their clicks and
carts say which products go together, so they feed the item-kNN co-occurrence and the overall
popularity (`recommender.train.compute_statistics`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, select

from recommender.config import TrainConfig
from shop.models import (
    Customer,
    EventKind,
    InteractionEvent,
    Order,
    OrderLine,
    OrderStatus,
    Product,
    Variant,
)
from shop.products import category_levels

#: Bump when the meaning of the snapshot changes, so old fingerprints never match new code.
DATA_FORMAT = 2

#: Event kinds that say something about a shopper's taste (impressions and searches do not).
SIGNAL_KINDS = (EventKind.VIEW, EventKind.CLICK, EventKind.ADD_TO_CART, EventKind.PURCHASE)


@dataclass(frozen=True, slots=True)
class CatalogItem:
    product_id: int
    title: str
    category_path: str
    brand: str
    price: float
    color: str | None = None
    material: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    active: bool = True
    stock: int = 1

    @property
    def category_levels(self) -> list[str]:
        return list(category_levels(self.category_path))

    @property
    def leaf_category(self) -> str:
        levels = self.category_levels
        return levels[-1] if levels else ""


@dataclass(frozen=True, slots=True)
class Interaction:
    customer_id: int
    product_id: int
    kind: EventKind
    occurred_at: datetime


@dataclass(frozen=True, slots=True)
class GuestInteraction:
    """A signal event of a shopper who was not logged in, tied to others by its session."""

    session_id: str
    product_id: int
    kind: EventKind
    occurred_at: datetime


@dataclass(frozen=True, slots=True)
class Basket:
    """The distinct products of one (not cancelled) order."""

    order_id: int
    customer_id: int | None
    placed_at: datetime
    product_ids: tuple[int, ...]


@dataclass(frozen=True)
class ShopData:
    catalog: tuple[CatalogItem, ...]
    #: Every customer id with their marketing segment (None when unknown).
    segments: dict[int, str | None]
    #: Signal events plus one PURCHASE per order line of a customer's not-cancelled order.
    interactions: tuple[Interaction, ...]
    baskets: tuple[Basket, ...]
    #: Signal events of guests (no customer), by session: co-occurrence and popularity only.
    guest_sessions: tuple[GuestInteraction, ...] = ()

    @property
    def reference_time(self) -> datetime:
        """The newest activity in the data: "now" for recency weights (deterministic, unlike a clock)."""
        times = [i.occurred_at for i in self.interactions] + [b.placed_at for b in self.baskets]
        return max(times) if times else datetime(2000, 1, 1)

    def before(self, moment: datetime) -> ShopData:
        """Only the activity strictly before `moment` (catalog and customers unchanged)."""
        return ShopData(
            catalog=self.catalog,
            segments=self.segments,
            interactions=tuple(i for i in self.interactions if i.occurred_at < moment),
            baskets=tuple(b for b in self.baskets if b.placed_at < moment),
            guest_sessions=tuple(g for g in self.guest_sessions if g.occurred_at < moment),
        )

    def since(self, moment: datetime) -> ShopData:
        """Only the activity at or after `moment`."""
        return ShopData(
            catalog=self.catalog,
            segments=self.segments,
            interactions=tuple(i for i in self.interactions if i.occurred_at >= moment),
            baskets=tuple(b for b in self.baskets if b.placed_at >= moment),
            guest_sessions=tuple(g for g in self.guest_sessions if g.occurred_at >= moment),
        )

    def fingerprint(self, config: TrainConfig) -> str:
        """A digest of everything training reads (and the config): equal digests, equal models.

        Stock is left out on purpose: it changes all day and is read live when serving.
        """
        digest = hashlib.sha256(f"data-format:{DATA_FORMAT};config:{config.digest()}".encode())
        for item in self.catalog:
            digest.update(
                repr(
                    (
                        item.product_id,
                        item.category_path,
                        item.brand,
                        round(item.price, 2),
                        item.color,
                        item.material,
                        sorted(item.attributes.items(), key=lambda kv: kv[0]),
                        item.active,
                    )
                ).encode()
            )
        digest.update(repr(sorted(self.segments.items())).encode())
        for interaction in self.interactions:
            digest.update(
                repr(
                    (
                        interaction.customer_id,
                        interaction.product_id,
                        interaction.kind.value,
                        interaction.occurred_at.isoformat(),
                    )
                ).encode()
            )
        for basket in self.baskets:
            digest.update(repr((basket.order_id, basket.customer_id, basket.product_ids)).encode())
        for guest in self.guest_sessions:
            digest.update(
                repr(
                    (guest.session_id, guest.product_id, guest.kind.value, guest.occurred_at.isoformat())
                ).encode()
            )
        return digest.hexdigest()


def load_catalog(engine: Engine) -> tuple[CatalogItem, ...]:
    with engine.connect() as connection:
        stock = dict(
            connection.execute(
                select(Variant.product_id, func.coalesce(func.sum(Variant.stock), 0)).group_by(
                    Variant.product_id
                )
            ).all()
        )
        rows = connection.execute(
            select(
                Product.id,
                Product.title,
                Product.category_path,
                Product.brand,
                Product.price,
                Product.color,
                Product.material,
                Product.attributes,
                Product.active,
            ).order_by(Product.id)
        ).all()
    return tuple(
        CatalogItem(
            product_id=row.id,
            title=row.title,
            category_path=row.category_path,
            brand=row.brand,
            price=float(row.price),
            color=row.color,
            material=row.material,
            attributes=dict(row.attributes or {}),
            active=bool(row.active),
            stock=int(stock.get(row.id, 0)),
        )
        for row in rows
    )


def load_shop_data(engine: Engine) -> ShopData:
    """One snapshot of everything the recommender trains on."""
    catalog = load_catalog(engine)
    with engine.connect() as connection:
        segments = {
            row.id: row.segment
            for row in connection.execute(select(Customer.id, Customer.segment).order_by(Customer.id))
        }
        events = connection.execute(
            select(
                InteractionEvent.customer_id,
                InteractionEvent.product_id,
                InteractionEvent.kind,
                InteractionEvent.occurred_at,
            )
            .where(
                InteractionEvent.customer_id.is_not(None),
                InteractionEvent.product_id.is_not(None),
                InteractionEvent.kind.in_(SIGNAL_KINDS),
            )
            .order_by(InteractionEvent.occurred_at, InteractionEvent.id)
        ).all()
        guest_events = connection.execute(
            select(
                InteractionEvent.session_id,
                InteractionEvent.product_id,
                InteractionEvent.kind,
                InteractionEvent.occurred_at,
            )
            .where(
                InteractionEvent.customer_id.is_(None),
                InteractionEvent.session_id.is_not(None),
                InteractionEvent.product_id.is_not(None),
                InteractionEvent.kind.in_(SIGNAL_KINDS),
            )
            .order_by(InteractionEvent.occurred_at, InteractionEvent.id)
        ).all()
        lines = connection.execute(
            select(Order.id, Order.customer_id, Order.placed_at, OrderLine.product_id)
            .join(OrderLine, OrderLine.order_id == Order.id)
            .where(Order.status != OrderStatus.CANCELLED)
            .order_by(Order.placed_at, Order.id, OrderLine.id)
        ).all()

    interactions = [
        Interaction(row.customer_id, row.product_id, EventKind(row.kind), row.occurred_at) for row in events
    ]
    baskets: dict[int, Basket] = {}
    for row in lines:
        if row.customer_id is not None:
            interactions.append(
                Interaction(row.customer_id, row.product_id, EventKind.PURCHASE, row.placed_at)
            )
        basket = baskets.get(row.id)
        if basket is None:
            baskets[row.id] = Basket(row.id, row.customer_id, row.placed_at, (row.product_id,))
        elif row.product_id not in basket.product_ids:
            baskets[row.id] = Basket(
                row.id, row.customer_id, row.placed_at, (*basket.product_ids, row.product_id)
            )
    interactions.sort(key=lambda i: (i.occurred_at, i.customer_id, i.product_id, i.kind.value))
    return ShopData(
        catalog=catalog,
        segments=segments,
        interactions=tuple(interactions),
        baskets=tuple(baskets.values()),
        guest_sessions=tuple(
            GuestInteraction(row.session_id, row.product_id, EventKind(row.kind), row.occurred_at)
            for row in guest_events
        ),
    )
