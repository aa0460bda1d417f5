"""Where serving reads a customer's past and live stock: the database, or a snapshot (evaluation).

Serving reads these per request, so purchases made after training are excluded at once and new
interactions shape the co-occurrence part of the ranking before the next training.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy import Engine, func, select

from recommender.data import SIGNAL_KINDS, Interaction, ShopData
from shop.models import Customer, EventKind, InteractionEvent, Order, OrderLine, OrderStatus, Variant


@dataclass(frozen=True, slots=True)
class CustomerHistory:
    interactions: tuple[Interaction, ...] = ()
    #: Products the customer bought (never recommended again).
    purchased: frozenset[int] = frozenset()
    segment: str | None = None

    def last_products(self, n: int) -> CustomerHistory:
        """Only the interactions with the `n` most recently touched products (a simulated newcomer).

        `purchased` is kept whole, so exclusions stay the same as for the full history.
        """
        latest: dict[int, datetime] = {}
        for interaction in self.interactions:
            if (
                latest.get(interaction.product_id) is None
                or interaction.occurred_at > latest[interaction.product_id]
            ):
                latest[interaction.product_id] = interaction.occurred_at
        keep = set(sorted(latest, key=lambda p: latest[p], reverse=True)[:n])
        return CustomerHistory(
            tuple(i for i in self.interactions if i.product_id in keep), self.purchased, self.segment
        )


EMPTY_HISTORY = CustomerHistory()


class HistorySource(Protocol):
    def history(self, customer_id: int) -> CustomerHistory: ...


class StockSource(Protocol):
    def stock(self, product_ids: Sequence[int]) -> dict[int, int]: ...


class InMemoryHistory:
    """Histories from a `ShopData` snapshot (evaluation, benchmarks, tests)."""

    def __init__(self, data: ShopData) -> None:
        interactions: dict[int, list[Interaction]] = defaultdict(list)
        purchased: dict[int, set[int]] = defaultdict(set)
        for interaction in data.interactions:
            interactions[interaction.customer_id].append(interaction)
            if interaction.kind == EventKind.PURCHASE:
                purchased[interaction.customer_id].add(interaction.product_id)
        self._segments = data.segments
        self._histories = {
            customer: CustomerHistory(
                tuple(rows), frozenset(purchased[customer]), data.segments.get(customer)
            )
            for customer, rows in interactions.items()
        }

    def history(self, customer_id: int) -> CustomerHistory:
        found = self._histories.get(customer_id)
        if found is not None:
            return found
        return CustomerHistory(segment=self._segments.get(customer_id))


class DatabaseHistory:
    """A customer's latest signal events and all their purchases, read live (two indexed queries)."""

    def __init__(self, engine: Engine, *, max_events: int = 500) -> None:
        self._engine = engine
        self._max_events = max_events

    def history(self, customer_id: int) -> CustomerHistory:
        with self._engine.connect() as connection:
            segment = connection.execute(
                select(Customer.segment).where(Customer.id == customer_id)
            ).scalar_one_or_none()
            events = connection.execute(
                select(InteractionEvent.product_id, InteractionEvent.kind, InteractionEvent.occurred_at)
                .where(
                    InteractionEvent.customer_id == customer_id,
                    InteractionEvent.product_id.is_not(None),
                    InteractionEvent.kind.in_(SIGNAL_KINDS),
                )
                .order_by(InteractionEvent.occurred_at.desc())
                .limit(self._max_events)
            ).all()
            bought = connection.execute(
                select(OrderLine.product_id, Order.placed_at)
                .join(Order, Order.id == OrderLine.order_id)
                .where(Order.customer_id == customer_id, Order.status != OrderStatus.CANCELLED)
            ).all()
        interactions = [
            Interaction(customer_id, row.product_id, EventKind(row.kind), row.occurred_at) for row in events
        ]
        interactions += [
            Interaction(customer_id, row.product_id, EventKind.PURCHASE, row.placed_at) for row in bought
        ]
        purchased = {row.product_id for row in bought} | {
            i.product_id for i in interactions if i.kind == EventKind.PURCHASE
        }
        return CustomerHistory(tuple(interactions), frozenset(purchased), segment)


class DatabaseStock:
    """Current stock (sum over variants) of a few products, to double-check a list before showing it."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def stock(self, product_ids: Sequence[int]) -> dict[int, int]:
        if not product_ids:
            return {}
        with self._engine.connect() as connection:
            rows = connection.execute(
                select(Variant.product_id, func.coalesce(func.sum(Variant.stock), 0))
                .where(Variant.product_id.in_(list(product_ids)))
                .group_by(Variant.product_id)
            ).all()
        found = {int(product): int(total) for product, total in rows}
        return {product: found.get(product, 0) for product in product_ids}
