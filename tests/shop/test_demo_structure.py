"""The demo shoppers have structure a recommender can learn, and these tests can measure.

Each test reads only what is stored (orders, lines, products, customers); none of the
generator's hidden tastes. Thresholds sit far below what the TINY shop shows (noted
beside each), and far above what shoppers without taste would give (about 1).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass

import pytest
from sqlalchemy import Engine, select

from shop.models import Customer, Order, OrderLine, Product
from tests.shop.demo_fixtures import demo_engine

__all__ = ["demo_engine"]  # a fixture, imported for pytest


@dataclass(frozen=True)
class Purchase:
    order_id: int
    customer_id: int | None
    product_id: int
    category: str
    brand: str
    price_level: str
    segment: str | None


@pytest.fixture(scope="module")
def purchases(demo_engine: Engine) -> list[Purchase]:
    query = (
        select(
            Order.id,
            Order.customer_id,
            Product.id,
            Product.category_path,
            Product.brand,
            Product.attributes,
            Customer.segment,
        )
        .join(OrderLine, OrderLine.order_id == Order.id)
        .join(Product, Product.id == OrderLine.product_id)
        .outerjoin(Customer, Customer.id == Order.customer_id)
        .order_by(Order.placed_at, OrderLine.id)
    )
    with demo_engine.connect() as connection:
        return [
            Purchase(
                order, customer, product, path.split(" > ")[-1], brand, attributes["price_level"], segment
            )
            for order, customer, product, path, brand, attributes, segment in connection.execute(query)
        ]


def _by_customer(purchases: list[Purchase], minimum: int) -> dict[int, list[Purchase]]:
    history: dict[int, list[Purchase]] = defaultdict(list)
    for purchase in purchases:
        if purchase.customer_id is not None:
            history[purchase.customer_id].append(purchase)
    return {customer: bought for customer, bought in history.items() if len(bought) >= minimum}


def test_accessories_are_bought_with_their_main_product_far_more_often_than_alone(
    purchases: list[Purchase],
) -> None:
    baskets: dict[int, set[str]] = defaultdict(set)
    for purchase in purchases:
        baskets[purchase.order_id].add(purchase.category)

    def lift(anchor: str, accessory: str) -> float:
        with_anchor = [basket for basket in baskets.values() if anchor in basket]
        p_given_anchor = sum(accessory in basket for basket in with_anchor) / len(with_anchor)
        p_accessory = sum(accessory in basket for basket in baskets.values()) / len(baskets)
        return p_given_anchor / p_accessory

    assert lift("Laptops", "Laptop Sleeves & Bags") > 3  # about 10
    assert lift("Laptops", "Mice & Keyboards") > 3  # about 7
    assert lift("Tents", "Sleeping Bags") > 3  # about 12
    assert lift("Smartphones", "Phone Cases") > 3  # about 8
    # Co-occurrence informs but does not decide: most laptop orders come without a sleeve.
    laptop_baskets = [basket for basket in baskets.values() if "Laptops" in basket]
    assert sum("Laptop Sleeves & Bags" in b for b in laptop_baskets) / len(laptop_baskets) < 0.8


def test_shoppers_keep_buying_in_their_favourite_categories_and_brands(purchases: list[Purchase]) -> None:
    """Top categories and brand of the first half of a history predict the second half."""
    total = len(purchases)
    category_share = {c: n / total for c, n in Counter(p.category for p in purchases).items()}
    brand_share = {b: n / total for b, n in Counter(p.brand for p in purchases).items()}
    category_lift, brand_lift = [], []
    for history in _by_customer(purchases, minimum=6).values():
        half = len(history) // 2
        earlier, later = history[:half], history[half:]
        favourites = [c for c, _ in Counter(p.category for p in earlier).most_common(3)]
        chance = sum(category_share[c] for c in favourites)
        category_lift.append(sum(p.category in favourites for p in later) / len(later) / chance)
        brand = Counter(p.brand for p in earlier).most_common(1)[0][0]
        brand_lift.append(sum(p.brand == brand for p in later) / len(later) / brand_share[brand])
    assert len(category_lift) >= 30
    assert sum(category_lift) / len(category_lift) > 2.5  # about 6
    assert sum(brand_lift) / len(brand_lift) > 2.5  # about 9


def test_price_segments_buy_at_their_price_level(purchases: list[Purchase]) -> None:
    levels: dict[str, Counter[str]] = defaultdict(Counter)
    for purchase in purchases:
        if purchase.segment:
            levels[purchase.segment][purchase.price_level] += 1

    def share(segment: str, level: str) -> float:
        return levels[segment][level] / sum(levels[segment].values())

    assert share("budget", "budget") > 2 * share("premium", "budget")  # about 0.6 vs 0.06
    assert share("premium", "premium") > 2 * share("budget", "premium")  # about 0.5 vs 0.03


def test_a_taste_aware_ranking_beats_popularity_on_later_purchases(purchases: list[Purchase]) -> None:
    """Hold out each shopper's last fifth; rank by popularity vs. popularity plus taste."""
    histories = _by_customer(purchases, minimum=5)
    training = [p for h in histories.values() for p in h[: -max(1, len(h) // 5)]]
    popularity = Counter(p.product_id for p in training)
    products = {p.product_id: p for p in purchases}
    popular_hits = taste_hits = 0
    for history in histories.values():
        cut = len(history) - max(1, len(history) // 5)
        earlier, later = history[:cut], {p.product_id for p in history[cut:]}
        seen = {p.product_id for p in earlier}
        categories = Counter(p.category for p in earlier)
        brands = Counter(p.brand for p in earlier)
        candidates = [i for i in products if i not in seen]

        def taste(
            item: int,
            categories: Counter[str] = categories,
            brands: Counter[str] = brands,
            n: int = len(earlier),
        ) -> float:
            product = products[item]
            return (
                math.log1p(popularity[item])
                + 4 * categories[product.category] / n
                + 2 * brands[product.brand] / n
            )

        by_popularity = sorted(candidates, key=lambda i: (-popularity[i], i))[:10]
        by_taste = sorted(candidates, key=lambda i: (-taste(i), i))[:10]
        popular_hits += bool(later & set(by_popularity))
        taste_hits += bool(later & set(by_taste))
    assert taste_hits > 1.5 * popular_hits  # about 2x on TINY, 4x on DEFAULT
