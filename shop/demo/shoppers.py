"""Simulated shoppers of the demo shop: who they are, what they like, what they did.

Each shopper has hidden tastes that shape every view, search and purchase:

* category affinity: one or two favourite departments, and favourite categories inside them;
* a price level (the marketing segment: budget, mainstream, premium);
* three favourite brands;
* a latent style vector matched against each product's style vector;
* a body size, so clothes and shoes come in consistent sizes.

Orders then follow co-purchase rules from the vocabulary (a laptop brings a sleeve and a
mouse, a tent a sleeping bag), and move through a realistic life cycle: paid, shipped,
delivered, sometimes cancelled or returned (inside or outside the return window).
"""

from __future__ import annotations

import bisect
import math
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

import numpy as np

from shop.demo.catalog import STYLE_DIMENSIONS, CatalogDraft
from shop.demo.rows import Address, ShopDraft, tracking_number
from shop.demo.vocabulary import PRICE_LEVELS, CategorySpec, Vocabulary
from shop.models import EventKind, EventSource, OrderStatus, RefundStatus, ReturnStatus

#: Marketing segment -> preference (log-odds) for budget, mid and premium brands.
SEGMENT_LEVEL_PREFERENCE: dict[str, tuple[float, float, float]] = {
    "budget": (1.3, 0.0, -1.6),
    "mainstream": (-0.4, 0.9, -0.6),
    "premium": (-1.6, 0.0, 1.4),
}
SEGMENT_SHARE = {"budget": 0.35, "mainstream": 0.45, "premium": 0.20}

# Weights of the parts of a shopper's score for a product (see `TasteModel.scores`).
POPULARITY_WEIGHT = 0.8
STYLE_WEIGHT = 1.3
FAVOURITE_BRAND_BOOST = 1.3

#: Share of shoppers with at most three interactions (cold start).
COLD_SHARE = 0.10
#: Share of orders placed by guests (no account).
GUEST_SHARE = 0.03
CHAT_SHARE = 0.2
GUEST_PROFILES = 24


@dataclass
class Shopper:
    id: int
    email: str
    address: Address
    segment: str
    category_weight: np.ndarray
    level_preference: np.ndarray
    favourite_brands: tuple[str, ...]
    style: np.ndarray
    #: 0..1 position in any size scale (XS..XXL, 38..46).
    body_size: float
    cold: bool = False
    _scores: np.ndarray | None = field(default=None, repr=False)
    _category_cdf: dict[int, list[float]] = field(default_factory=dict, repr=False)
    _weight_cdf: list[float] | None = field(default=None, repr=False)


class TasteModel:
    """Turns a shopper's hidden tastes into choices of categories and products."""

    def __init__(self, catalog: CatalogDraft, vocabulary: Vocabulary) -> None:
        self.catalog = catalog
        self.vocabulary = vocabulary
        brands = sorted({p["brand"] for p in catalog.products})
        self.brand_index = {b: i for i, b in enumerate(brands)}
        self.product_brand = np.asarray([self.brand_index[p["brand"]] for p in catalog.products])

    def scores(self, shopper: Shopper) -> np.ndarray:
        if shopper._scores is None:
            catalog = self.catalog
            favourite = np.isin(
                self.product_brand, [self.brand_index.get(b, -1) for b in shopper.favourite_brands]
            )
            shopper._scores = (
                shopper.level_preference[catalog.level]
                + POPULARITY_WEIGHT * catalog.popularity
                + STYLE_WEIGHT * (catalog.style @ shopper.style)
                + FAVOURITE_BRAND_BOOST * favourite
            )
        return shopper._scores

    def category(self, shopper: Shopper, rnd: random.Random) -> int:
        if shopper._weight_cdf is None:
            shopper._weight_cdf = np.cumsum(shopper.category_weight).tolist()
        return _draw(shopper._weight_cdf, rnd)

    def product(self, shopper: Shopper, category: int, rnd: random.Random) -> int:
        """A product of `category` drawn with probability softmax(score)."""
        start, end = self.catalog.category_range[category]
        cdf = shopper._category_cdf.get(category)
        if cdf is None:
            scores = self.scores(shopper)[start:end]
            cdf = np.cumsum(np.exp(scores - scores.max())).tolist()
            shopper._category_cdf[category] = cdf
        return start + _draw(cdf, rnd)

    def complement(self, shopper: Shopper, anchor: int, category: int, rnd: random.Random) -> int:
        """An accessory for product `anchor`: same brand and level help, and it must fit."""
        catalog = self.catalog
        start, end = catalog.category_range[category]
        scores = self.scores(shopper)[start:end].copy()
        scores += 1.0 * (self.product_brand[start:end] == self.product_brand[anchor])
        scores += 0.6 * (catalog.level[start:end] == catalog.level[anchor])
        screen = catalog.products[anchor]["attributes"].get("screen_size_in")
        if screen is not None:
            fits = [catalog.products[i]["attributes"].get("fits_screen_size_in") for i in range(start, end)]
            if any(f is not None for f in fits):
                scores += np.asarray([3.0 if f == screen else (-3.0 if f is not None else 0.0) for f in fits])
        return start + _draw(np.cumsum(np.exp(scores - scores.max())).tolist(), rnd)


def _draw(cdf: list[float], rnd: random.Random) -> int:
    """Index drawn with probability proportional to the steps of the cumulative weights `cdf`."""
    return min(bisect.bisect_right(cdf, rnd.random() * cdf[-1]), len(cdf) - 1)


def _categorical(rng: np.random.Generator, weights: list[float]) -> int:
    p = np.asarray(weights, dtype=float)
    return int(rng.choice(len(p), p=p / p.sum()))


def make_shopper(
    customer_id: int,
    email: str,
    address: Address,
    vocabulary: Vocabulary,
    rnd: random.Random,
    rng: np.random.Generator,
    *,
    segment: str | None = None,
    departments: list[str] | None = None,
    cold: bool = False,
) -> Shopper:
    categories = vocabulary.categories
    demand = np.asarray([c.demand for c in categories])
    all_departments = list(dict.fromkeys(c.department for c in categories))
    if departments is None:
        department_demand = [sum(c.demand for c in categories if c.department == d) for d in all_departments]
        first = all_departments[_categorical(rng, department_demand)]
        departments = [first]
        if rnd.random() < 0.5:
            others = [d for d in all_departments if d != first]
            departments.append(
                others[_categorical(rng, [department_demand[all_departments.index(d)] for d in others])]
            )
    weight = 0.1 * demand / demand.sum()
    for share, department in zip((0.7, 0.2) if len(departments) > 1 else (0.9,), departments, strict=False):
        members = [i for i, c in enumerate(categories) if c.department == department]
        # A Dirichlet draw: some categories of the department matter far more than others.
        inner = rng.dirichlet(np.full(len(members), 0.7)) * demand[members]
        weight[members] += share * inner / inner.sum()
    if segment is None:
        segment = list(SEGMENT_SHARE)[_categorical(rng, list(SEGMENT_SHARE.values()))]
    level_preference = np.asarray(SEGMENT_LEVEL_PREFERENCE[segment]) + rng.normal(0.0, 0.3, size=3)
    level = int(np.argmax(level_preference))
    pools = list(dict.fromkeys(c.pool for c in categories if c.department in departments))
    brand_options: list[str] = []
    for pool in pools:
        brand_options += vocabulary.brands[pool][PRICE_LEVELS[level]]
        brand_options += vocabulary.brands[pool][PRICE_LEVELS[min(2, max(0, level + rnd.choice((-1, 1))))]]
    brand_options = list(dict.fromkeys(brand_options))
    favourites = tuple(rnd.sample(brand_options, k=min(3, len(brand_options))))
    return Shopper(
        id=customer_id,
        email=email,
        address=address,
        segment=segment,
        category_weight=weight / weight.sum(),
        level_preference=level_preference,
        favourite_brands=favourites,
        style=rng.normal(0.0, 1.0, size=STYLE_DIMENSIONS),
        body_size=min(1.0, max(0.0, rnd.gauss(0.5, 0.22))),
        cold=cold,
    )


def random_address(rnd: random.Random, text: dict) -> Address:
    city, postcode = rnd.choice(text["cities"])
    name = f"{rnd.choice(text['first_names'])} {rnd.choice(text['last_names'])}"
    return Address(
        name=name,
        street=f"{rnd.randint(1, 9999)} {rnd.choice(text['streets'])}",
        city=city,
        postcode=postcode,
    )


def day_weights(days: int, start: datetime) -> np.ndarray:
    """Orders per day: the shop grows over time and peaks before the holidays."""
    weights = np.empty(days)
    for day in range(days):
        date = start + timedelta(days=day)
        season = 1.0
        if (date.month == 11 and date.day >= 20) or (date.month == 12 and date.day <= 22):
            season = 1.8
        elif date.month == 1:
            season = 0.8
        weekend = 1.15 if date.weekday() >= 5 else 1.0
        weights[day] = (1.0 + 0.8 * day / days) * season * weekend
    return weights / weights.sum()


@dataclass
class Simulation:
    vocabulary: Vocabulary
    catalog: CatalogDraft
    draft: ShopDraft
    taste: TasteModel
    now: datetime
    currency: str
    return_window_days: int
    rnd: random.Random
    rng: np.random.Generator
    sessions: dict[int, int] = field(default_factory=dict)
    guest_profiles: list[Shopper] = field(default_factory=list)

    # ---- events -------------------------------------------------------------------------
    def _session(self, customer_id: int) -> tuple[str, EventSource]:
        number = self.sessions.get(customer_id, 0) + 1
        self.sessions[customer_id] = number
        source = EventSource.CHAT if self.rnd.random() < CHAT_SHARE else EventSource.WEB
        return f"demo-{customer_id}-{number}", source

    def _query(self, spec: CategorySpec, source: EventSource, product: int | None) -> str:
        query = self.rnd.choice(spec.queries)
        if source is EventSource.CHAT:
            pattern = self.rnd.choice(self.vocabulary.text["chat_query_patterns"])
            budget = int(math.ceil(self.catalog.price[product] / 10.0) * 10) if product is not None else 100
            query = pattern.format(query=query, budget=budget)
        return query

    def browse(
        self,
        shopper: Shopper,
        start: datetime,
        *,
        purchase: list[int] | None = None,
        purchased_at: datetime | None = None,
    ) -> None:
        """One session of searching and viewing; ends in a purchase at `purchased_at` when given."""
        rnd, taste, draft = self.rnd, self.taste, self.draft
        session, source = self._session(shopper.id)
        anchor = purchase[0] if purchase else None
        category = (
            int(self.catalog.category_index[anchor]) if anchor is not None else taste.category(shopper, rnd)
        )
        spec = self.vocabulary.categories[category]
        at = start
        step = timedelta(seconds=rnd.uniform(20, 180))
        if rnd.random() < (0.55 if purchase else 0.4):
            draft.add_event(
                customer_id=shopper.id,
                session_id=session,
                product_id=None,
                kind=EventKind.SEARCH,
                source=source,
                at=at,
                query=self._query(spec, source, anchor),
            )
            at += step
        viewed = [taste.product(shopper, category, rnd) for _ in range(1 + int(self.rng.poisson(2.0)))]
        if purchase:
            viewed.insert(rnd.randrange(len(viewed) + 1), purchase[0])
            viewed += purchase[1:]
        for product in viewed:
            if rnd.random() < 0.45:
                draft.add_event(
                    customer_id=shopper.id,
                    session_id=session,
                    product_id=product + 1,
                    kind=EventKind.CLICK,
                    source=source,
                    at=at,
                )
                at += timedelta(seconds=rnd.uniform(2, 10))
            draft.add_event(
                customer_id=shopper.id,
                session_id=session,
                product_id=product + 1,
                kind=EventKind.VIEW,
                source=source,
                at=at,
            )
            at += step
        in_cart = purchase or ([rnd.choice(viewed)] if rnd.random() < 0.12 else [])
        for product in in_cart:
            draft.add_event(
                customer_id=shopper.id,
                session_id=session,
                product_id=product + 1,
                kind=EventKind.ADD_TO_CART,
                source=source,
                at=at,
            )
            at += timedelta(seconds=rnd.uniform(5, 60))
        for product in purchase or []:
            draft.add_event(
                customer_id=shopper.id,
                session_id=session,
                product_id=product + 1,
                kind=EventKind.PURCHASE,
                source=source,
                at=purchased_at or at,
            )

    def _guest_profile(self) -> Shopper:
        """Guests have tastes too; a small pool of anonymous profiles stands in for them."""
        if not self.guest_profiles:
            nobody = Address("", "", "", "")
            self.guest_profiles = [
                make_shopper(0, "", nobody, self.vocabulary, self.rnd, self.rng)
                for _ in range(GUEST_PROFILES)
            ]
        return self.rnd.choice(self.guest_profiles)

    # ---- orders ------------------------------------------------------------------------
    def basket(self, shopper: Shopper) -> list[int]:
        """Product indexes of one order: an anchor, its usual companions, sometimes a stray item."""
        rnd, taste = self.rnd, self.taste
        anchor_category = taste.category(shopper, rnd)
        anchor = taste.product(shopper, anchor_category, rnd)
        items = [anchor]
        spec = self.vocabulary.categories[anchor_category]
        codes = [c.code for c in self.vocabulary.categories]
        for code, probability in spec.complements.items():
            if rnd.random() < probability:
                items.append(taste.complement(shopper, anchor, codes.index(code), rnd))
        if rnd.random() < 0.12:
            items.append(taste.product(shopper, taste.category(shopper, rnd), rnd))
        return list(dict.fromkeys(items))

    def _variant(self, shopper: Shopper, product: int) -> int:
        variants = self.catalog.variant_ids[product]
        spec = self.vocabulary.categories[int(self.catalog.category_index[product])]
        if len(variants) == 1 or not spec.sizes:
            return variants[0]
        wanted = spec.sizes[round(shopper.body_size * (len(spec.sizes) - 1))]
        sizes = self.catalog.products[product]["attributes"].get("sizes", [])
        if wanted in sizes:
            return variants[sizes.index(wanted)]
        return self.rnd.choice(variants)

    def order(
        self, order_id: int, shopper: Shopper | None, placed_at: datetime, guest: Address | None
    ) -> None:
        rnd, catalog, draft = self.rnd, self.catalog, self.draft
        if shopper is not None:
            items = self.basket(shopper)
            # The session that led to the order: searches, views, cart, then purchase.
            self.browse(
                shopper,
                placed_at - timedelta(minutes=rnd.uniform(30, 90)),
                purchase=items,
                purchased_at=placed_at,
            )
        else:
            items = self.basket(self._guest_profile())
        lines = []
        for item in items:
            price = catalog.products[item]["price"]
            quantity = 2 if price < 30 and rnd.random() < 0.15 else 1
            variant = self._variant(shopper, item) if shopper else catalog.variant_ids[item][0]
            lines.append((item + 1, variant, quantity, price))
        address = shopper.address if shopper else guest
        assert address is not None
        email = shopper.email if shopper else f"guest{order_id}@example.net"
        line_ids = draft.add_order(
            order_id,
            customer_id=shopper.id if shopper else None,
            email=email,
            status=OrderStatus.PLACED,  # replaced below by the last status reached
            placed_at=placed_at,
            currency=self.currency,
            lines=lines,
            address=address,
        )
        order_row = draft.orders[-1]
        order_row["status"] = self._life_cycle(order_id, placed_at, lines, line_ids, order_row["total"])

    def _life_cycle(
        self,
        order_id: int,
        placed_at: datetime,
        lines: list[tuple[int, int | None, int, Decimal]],
        line_ids: list[int],
        total: Decimal,
    ) -> OrderStatus:
        rnd, draft, now = self.rnd, self.draft, self.now
        draft.add_status(order_id, OrderStatus.PLACED, placed_at)
        fast = rnd.random() < 0.9
        paid_at = placed_at + (
            timedelta(minutes=rnd.uniform(1, 30)) if fast else timedelta(hours=rnd.uniform(2, 30))
        )
        if rnd.random() < 0.05:
            cancelled_at = placed_at + timedelta(hours=rnd.uniform(0.5, 20))
            if cancelled_at <= now:
                was_paid = paid_at < cancelled_at
                if was_paid:
                    draft.add_status(order_id, OrderStatus.PAID, paid_at)
                draft.add_status(
                    order_id, OrderStatus.CANCELLED, cancelled_at, "Cancelled at the customer's request"
                )
                if was_paid:
                    draft.add_refund(
                        order_id,
                        return_id=None,
                        amount=total,
                        currency=self.currency,
                        status=RefundStatus.ISSUED,
                        created_at=cancelled_at,
                        issued_at=cancelled_at + timedelta(hours=rnd.uniform(1, 30)),
                    )
                return OrderStatus.CANCELLED
        if paid_at > now:
            return OrderStatus.PLACED
        draft.add_status(order_id, OrderStatus.PAID, paid_at)
        shipped_at = paid_at + timedelta(days=rnd.uniform(0.3, 2.5))
        if shipped_at > now:
            return OrderStatus.PAID
        carrier = rnd.choice(self.vocabulary.text["carriers"])
        promised = rnd.choice((2, 3, 4, 5))
        delivered_at = shipped_at + timedelta(days=max(0.5, promised + rnd.gauss(-0.3, 0.9)))
        delivered = delivered_at <= now
        draft.add_shipment(
            order_id,
            carrier=carrier,
            tracking=tracking_number(rnd, carrier),
            shipped_at=shipped_at,
            estimated_delivery=(shipped_at + timedelta(days=promised)).date(),
            delivered_at=delivered_at if delivered else None,
        )
        draft.add_status(order_id, OrderStatus.SHIPPED, shipped_at, f"Handed to {carrier}")
        if not delivered:
            return OrderStatus.SHIPPED
        draft.add_status(order_id, OrderStatus.DELIVERED, delivered_at)
        return self._maybe_return(order_id, delivered_at, lines, line_ids)

    def _maybe_return(
        self,
        order_id: int,
        delivered_at: datetime,
        lines: list[tuple[int, int | None, int, Decimal]],
        line_ids: list[int],
    ) -> OrderStatus:
        rnd, draft, catalog, now, window = (
            self.rnd,
            self.draft,
            self.catalog,
            self.now,
            self.return_window_days,
        )
        returnable = [
            (line, line_id)
            for line, line_id in zip(lines, line_ids, strict=True)
            if not catalog.products[line[0] - 1]["attributes"].get("final_sale")
        ]
        if not returnable:
            return OrderStatus.DELIVERED
        sized = any(catalog.products[line[0] - 1]["attributes"].get("sizes") for line, _ in returnable)
        if rnd.random() >= (0.15 if sized else 0.06):
            return OrderStatus.DELIVERED
        inside = rnd.random() < 0.88
        days_after = rnd.uniform(1, window - 1) if inside else rnd.uniform(window + 1, window + 45)
        requested_at = delivered_at + timedelta(days=days_after)
        if requested_at > now:
            return OrderStatus.DELIVERED
        chosen = returnable if len(returnable) == 1 or rnd.random() < 0.3 else [rnd.choice(returnable)]
        amount = sum((line[3] * line[2] for line, _ in chosen), Decimal("0.00"))
        reason = rnd.choice(self.vocabulary.text["return_reasons"])
        return_lines = [(line_id, line[2]) for line, line_id in chosen]
        age = now - requested_at
        if not inside:
            draft.add_return(
                order_id,
                reason=f"{reason} (requested {int(days_after)} days after delivery, "
                f"outside the {window}-day return window)",
                status=ReturnStatus.REJECTED,
                refund_amount=Decimal("0.00"),
                created_at=requested_at,
                lines=return_lines,
            )
            return OrderStatus.DELIVERED
        if age < timedelta(days=2):
            status = ReturnStatus.REQUESTED
        elif age < timedelta(days=6):
            status = ReturnStatus.RECEIVED
        else:
            status = ReturnStatus.REFUNDED if rnd.random() < 0.92 else ReturnStatus.REJECTED
        if status is ReturnStatus.REJECTED:
            draft.add_return(
                order_id,
                reason=f"{reason} (rejected: item showed signs of use)",
                status=status,
                refund_amount=Decimal("0.00"),
                created_at=requested_at,
                lines=return_lines,
            )
            return OrderStatus.DELIVERED
        return_id = draft.add_return(
            order_id,
            reason=reason,
            status=status,
            refund_amount=amount,
            created_at=requested_at,
            lines=return_lines,
        )
        if status is ReturnStatus.REQUESTED:
            return OrderStatus.DELIVERED
        received_at = requested_at + timedelta(days=rnd.uniform(2, 4))
        issued_at = received_at + timedelta(days=rnd.uniform(0.5, 2))
        issued = status is ReturnStatus.REFUNDED
        draft.add_refund(
            order_id,
            return_id=return_id,
            amount=amount,
            currency=self.currency,
            status=RefundStatus.ISSUED if issued else RefundStatus.PENDING,
            created_at=min(received_at, now),
            issued_at=issued_at if issued else None,
        )
        if issued and len(chosen) == len(lines):
            rma = draft.returns[-1]["rma_number"]
            draft.add_status(order_id, OrderStatus.RETURNED, issued_at, f"Refund issued for {rma}")
            return OrderStatus.RETURNED
        return OrderStatus.DELIVERED


def simulate_shoppers(
    simulation: Simulation,
    *,
    customers: int,
    orders: int,
    months: int,
    first_customer_id: int,
    first_order_id: int,
) -> list[Shopper]:
    """Generate `customers` shoppers with `orders` orders (some by guests) and their browsing."""
    rnd, rng, now, vocabulary, draft = (
        simulation.rnd,
        simulation.rng,
        simulation.now,
        simulation.vocabulary,
        simulation.draft,
    )
    text = vocabulary.text
    shoppers: list[Shopper] = []
    for number in range(customers):
        customer_id = first_customer_id + number
        address = random_address(rnd, text)
        first, last = address.name.lower().split(" ", 1)
        email = f"{first}.{last.replace(' ', '')}.{customer_id}@example.com"
        shoppers.append(
            make_shopper(customer_id, email, address, vocabulary, rnd, rng, cold=rnd.random() < COLD_SHARE)
        )
    days = max(1, int(months * 30.44))
    start = now - timedelta(days=days)
    weights = day_weights(days, start)

    guests = int(round(orders * GUEST_SHARE))
    cold = [s for s in shoppers if s.cold]
    cold_buyers = cold[::2]
    regular = [s for s in shoppers if not s.cold]
    spare = orders - guests - len(cold_buyers) - len(regular)
    if spare < 0:
        raise ValueError(f"{orders} orders are too few for {customers} customers")
    activity = rng.lognormal(0.0, 0.8, size=len(regular))
    per_shopper = 1 + rng.multinomial(spare, activity / activity.sum())

    owners: list[Shopper | None] = [None] * guests + cold_buyers
    for shopper, count in zip(regular, per_shopper, strict=True):
        owners += [shopper] * int(count)
    days_drawn = rng.choice(days, size=len(owners), p=weights)
    seconds = rng.uniform(0, 86400, size=len(owners))
    times = [
        min(start + timedelta(days=int(d), seconds=float(s)), now - timedelta(minutes=1))
        for d, s in zip(days_drawn, seconds, strict=True)
    ]
    chronological = sorted(range(len(owners)), key=lambda i: times[i])
    first_seen: dict[int, datetime] = {}
    order_count: dict[int, int] = {}
    for sequence, index in enumerate(chronological):
        shopper = owners[index]
        placed_at = times[index]
        order_id = first_order_id + sequence
        if shopper is not None and shopper.cold:
            _cold_order(simulation, shopper, order_id, placed_at)
        else:
            guest = random_address(rnd, text) if shopper is None else None
            simulation.order(order_id, shopper, placed_at, guest)
        if shopper is not None:
            first_seen.setdefault(shopper.id, placed_at)
            order_count[shopper.id] = order_count.get(shopper.id, 0) + 1

    for shopper in shoppers:
        joined = first_seen.get(shopper.id)
        if shopper.cold:
            if shopper.id not in first_seen:
                at = start + timedelta(days=float(rng.uniform(0, days)))
                joined = at
                _cold_views(simulation, shopper, at)
        else:
            # Browsing without buying, from a month before the first order on.
            begin = max(start, (joined or start) - timedelta(days=30))
            span = (now - timedelta(hours=2) - begin).total_seconds()
            for _ in range(int(rng.poisson(1.0 + 1.2 * order_count.get(shopper.id, 0)))):
                simulation.browse(shopper, begin + timedelta(seconds=rnd.uniform(0, span * 0.99)))
        created = (joined or now) - timedelta(days=rnd.uniform(31, 90))
        draft.add_customer(shopper.id, shopper.email, shopper.address, shopper.segment, created)
    return shoppers


def _cold_order(simulation: Simulation, shopper: Shopper, order_id: int, placed_at: datetime) -> None:
    """A cold shopper's only order: a single item and nothing but the purchase event."""
    rnd, taste, draft = simulation.rnd, simulation.taste, simulation.draft
    product = taste.product(shopper, taste.category(shopper, rnd), rnd)
    price = simulation.catalog.products[product]["price"]
    variant = simulation._variant(shopper, product)
    line_ids = draft.add_order(
        order_id,
        customer_id=shopper.id,
        email=shopper.email,
        status=OrderStatus.PLACED,
        placed_at=placed_at,
        currency=simulation.currency,
        lines=[(product + 1, variant, 1, price)],
        address=shopper.address,
    )
    session, source = simulation._session(shopper.id)
    draft.add_event(
        customer_id=shopper.id,
        session_id=session,
        product_id=product + 1,
        kind=EventKind.PURCHASE,
        source=source,
        at=placed_at,
    )
    row = draft.orders[-1]
    row["status"] = simulation._life_cycle(
        order_id, placed_at, [(product + 1, variant, 1, price)], line_ids, row["total"]
    )


def _cold_views(simulation: Simulation, shopper: Shopper, at: datetime) -> None:
    rnd, taste, draft = simulation.rnd, simulation.taste, simulation.draft
    session, source = simulation._session(shopper.id)
    category = taste.category(shopper, rnd)
    for _ in range(rnd.randint(1, 3)):
        draft.add_event(
            customer_id=shopper.id,
            session_id=session,
            product_id=taste.product(shopper, category, rnd) + 1,
            kind=EventKind.VIEW,
            source=source,
            at=at,
        )
        at += timedelta(seconds=rnd.uniform(20, 120))
