"""The serving API on a TINY demo shop: cold start, new products, exclusions, filters, reasons."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import numpy as np
import pytest
from sqlalchemy import select, update

from recommender.data import load_catalog
from recommender.history import DatabaseHistory, DatabaseStock
from recommender.serving import Recommender, UnknownProductError
from recommender.types import Recommendation, RecommendationFilters, Strategy
from shop.db import transaction
from shop.models import Order, OrderLine, OrderStatus, Product, Variant

ALICE, BOB, CARLA = 1, 2, 3
ALICE_LAPTOP_ORDER = 100234


def bought_by(engine, customer_id: int) -> set[int]:  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        rows = connection.execute(
            select(OrderLine.product_id)
            .join(Order, Order.id == OrderLine.order_id)
            .where(Order.customer_id == customer_id, Order.status != OrderStatus.CANCELLED)
        )
        return {row.product_id for row in rows}


def products_of_order(engine, order_id: int) -> list[int]:  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        return list(
            connection.execute(select(OrderLine.product_id).where(OrderLine.order_id == order_id)).scalars()
        )


def assert_one_list(results: list[Recommendation], k: int) -> None:
    assert 0 < len(results) <= k
    assert len({r.recommendation_id for r in results}) == 1
    assert [r.rank for r in results] == list(range(1, len(results) + 1))
    assert len({r.product_id for r in results}) == len(results)
    assert all(r.reason.strip() for r in results)
    scores = [r.score for r in results]
    assert scores == sorted(scores, reverse=True)


def test_a_known_customer_gets_a_personal_list_explained_by_their_own_history(recommender, trained_shop):
    results = recommender.recommend(ALICE, k=10)

    assert_one_list(results, 10)
    assert {r.strategy for r in results} == {Strategy.PERSONAL}
    catalog = {item.product_id: item for item in load_catalog(trained_shop.engine)}
    history_titles = {
        catalog[i.product_id].title for i in trained_shop.data.interactions if i.customer_id == ALICE
    }
    for result in results:
        assert result.reason.startswith("Because you")
        assert any(title in result.reason for title in history_titles)


def test_already_bought_products_are_never_recommended(recommender, trained_shop):
    for customer in (ALICE, BOB):
        bought = bought_by(trained_shop.engine, customer)
        assert bought
        results = recommender.recommend(customer, k=100, filters=RecommendationFilters(in_stock_only=False))
        assert len(results) == 100
        assert not bought & {r.product_id for r in results}


def test_a_purchase_made_after_training_is_excluded_at_once(mutable_shop):
    recommender = Recommender(
        mutable_shop.artifact,
        load_catalog(mutable_shop.engine),
        DatabaseHistory(mutable_shop.engine),
        engine=mutable_shop.engine,
    )
    first = recommender.recommend(BOB, k=1, filters=RecommendationFilters(in_stock_only=False))[0]
    with transaction(mutable_shop.engine) as session:
        order = session.get(Order, 100238)
        assert order is not None and order.customer_id == BOB
        session.add(
            OrderLine(order_id=order.id, product_id=first.product_id, quantity=1, unit_price=Decimal("1"))
        )

    again = recommender.recommend(BOB, k=20, filters=RecommendationFilters(in_stock_only=False))
    assert first.product_id not in {r.product_id for r in again}


def test_a_cold_start_customer_gets_what_is_popular_in_their_segment(recommender, trained_shop):
    assert not recommender.is_known_customer(CARLA)
    results = recommender.recommend(CARLA, k=8)

    assert_one_list(results, 8)
    assert {r.strategy for r in results} == {Strategy.POPULAR}
    assert all(r.reason.startswith("Popular in ") for r in results)
    # Her segment's list, not the whole shop's (the TINY shop has enough customers per segment).
    premium = recommender.recommend(None, k=8, segment="premium")
    mainstream = recommender.recommend(None, k=8, segment="mainstream")
    assert [r.product_id for r in results] == [r.product_id for r in mainstream]
    assert [r.product_id for r in premium] != [r.product_id for r in mainstream]


def test_a_guest_is_recommended_from_what_they_looked_at_in_this_conversation(recommender, trained_shop):
    catalog = load_catalog(trained_shop.engine)
    laptops = [item.product_id for item in catalog if item.leaf_category == "Laptops"][:3]
    titles = {item.product_id: item.title for item in catalog}
    session = recommender.recommend(None, k=10, session_product_ids=laptops)
    popular = recommender.recommend(None, k=10)

    assert_one_list(session, 10)
    assert {r.strategy for r in session} == {Strategy.SESSION}
    assert all(any(titles[p] in r.reason for p in laptops) for r in session)
    assert all(r.reason.startswith("Because you looked at") for r in session)
    electronics = sum(
        recommender.product(r.product_id).category_path.startswith("Electronics") for r in session
    )
    popular_electronics = sum(
        recommender.product(r.product_id).category_path.startswith("Electronics") for r in popular
    )
    assert electronics >= 6 and electronics > popular_electronics


def test_a_new_product_with_features_only_is_scored_and_placed_among_its_kind(mutable_shop):
    engine = mutable_shop.engine
    with transaction(engine) as session:
        template = session.scalars(
            select(Product).where(Product.category_path == "Electronics > Computers > Laptops")
        ).first()
        assert template is not None
        new = Product(
            sku="NEW-LAPTOP-1",
            title="Brand-new 14 inch laptop",
            description="Added after training",
            category_path=template.category_path,
            brand=template.brand,
            price=template.price,
            currency=template.currency,
            color=template.color,
            material=template.material,
            attributes=dict(template.attributes),
        )
        session.add(new)
        session.flush()
        session.add(Variant(product_id=new.id, sku="NEW-LAPTOP-1-V", stock=5))
        new_id = new.id
    assert new_id not in mutable_shop.artifact.item_index
    recommender = Recommender(
        mutable_shop.artifact, load_catalog(engine), DatabaseHistory(engine), stock=DatabaseStock(engine)
    )

    # Its representation comes from its features and lies among the laptops'.
    vector, bias = recommender.representation(new_id)
    assert np.isfinite(bias) and np.linalg.norm(vector) > 0
    unit = vector / np.linalg.norm(vector)

    def mean_cosine(items) -> float:  # type: ignore[no-untyped-def]
        vectors = np.array([recommender.representation(i.product_id)[0] for i in items])
        return float((vectors / np.linalg.norm(vectors, axis=1, keepdims=True) @ unit).mean())

    catalog = load_catalog(engine)
    laptops = [i for i in catalog if i.leaf_category == "Laptops" and i.product_id != new_id]
    others = [i for i in catalog if not i.category_path.startswith("Electronics > Computers")]
    assert mean_cosine(laptops) > mean_cosine(others) + 0.1

    similar = recommender.similar(new_id, k=10)
    leaves = Counter(recommender.product(r.product_id).leaf_category for r in similar)
    assert leaves["Laptops"] >= 8, leaves
    assert all(r.reason == "Similar to Brand-new 14 inch laptop" for r in similar)

    in_category = recommender.recommend(
        ALICE, k=200, filters=RecommendationFilters(category="Laptops", in_stock_only=False)
    )
    assert new_id in {r.product_id for r in in_category}
    assert all(np.isfinite(r.score) for r in in_category)


def test_filters_restrict_category_brand_and_price(recommender):
    by_category = recommender.recommend(ALICE, k=10, filters=RecommendationFilters(category="Outdoor"))
    assert by_category
    assert all(recommender.product(r.product_id).category_path.startswith("Outdoor") for r in by_category)

    leaf = recommender.recommend(
        ALICE, k=5, filters=RecommendationFilters(category="electronics > computers")
    )
    assert leaf and all("Computers" in recommender.product(r.product_id).category_path for r in leaf)

    singular = recommender.recommend(BOB, k=5, filters=RecommendationFilters(category="laptop"))
    assert singular and all(recommender.product(r.product_id).leaf_category == "Laptops" for r in singular)

    cheap = recommender.recommend(BOB, k=20, filters=RecommendationFilters(min_price=10, max_price=50))
    assert cheap and all(10 <= recommender.product(r.product_id).price <= 50 for r in cheap)

    brand = recommender.product(by_category[0].product_id).brand
    branded = recommender.recommend(ALICE, k=5, filters=RecommendationFilters(brand=brand.upper()))
    assert branded and all(recommender.product(r.product_id).brand == brand for r in branded)

    nothing = recommender.recommend(ALICE, k=5, filters=RecommendationFilters(category="Spaceships"))
    assert nothing == []

    excluded = {r.product_id for r in by_category[:3]}
    again = recommender.recommend(
        ALICE, k=10, filters=RecommendationFilters(category="Outdoor", exclude_product_ids=excluded)
    )
    assert not excluded & {r.product_id for r in again}


def test_only_products_in_stock_are_recommended_even_when_stock_ran_out_after_loading(mutable_shop):
    engine = mutable_shop.engine
    recommender = Recommender(
        mutable_shop.artifact, load_catalog(engine), DatabaseHistory(engine), stock=DatabaseStock(engine)
    )
    with engine.connect() as connection:
        stock = dict(connection.execute(select(Product.id, Product.id)).all())
    first = recommender.recommend(ALICE, k=5)
    assert all(recommender.product(r.product_id).stock > 0 for r in first)
    assert stock  # the catalog is not empty

    sold_out = first[0].product_id
    with transaction(engine) as session:
        session.execute(update(Variant).where(Variant.product_id == sold_out).values(stock=0))

    again = recommender.recommend(ALICE, k=5)
    assert sold_out not in {r.product_id for r in again}
    assert len(again) == 5
    with_out_of_stock = recommender.recommend(ALICE, k=5, filters=RecommendationFilters(in_stock_only=False))
    assert sold_out in {r.product_id for r in with_out_of_stock}


def test_similar_items_never_include_the_product_and_explain_themselves(recommender):
    results = recommender.similar(1, k=6)
    assert_one_list(results, 6)
    assert 1 not in {r.product_id for r in results}
    assert {r.strategy for r in results} == {Strategy.SIMILAR}
    assert all(r.reason.startswith("Similar to ") for r in results)


def test_bought_together_comes_from_orders_and_skips_the_cart(recommender, trained_shop):
    cart = products_of_order(trained_shop.engine, ALICE_LAPTOP_ORDER)
    results = recommender.bought_together(cart, k=5)

    assert_one_list(results, 5)
    assert not set(cart) & {r.product_id for r in results}
    assert {r.strategy for r in results} == {Strategy.BOUGHT_TOGETHER}
    assert all(r.reason.startswith("Often bought with ") for r in results)
    single = recommender.bought_together(cart[0], k=3)
    assert single and cart[0] not in {r.product_id for r in single}


def test_unknown_products_and_bad_k_are_refused_clearly(recommender):
    with pytest.raises(UnknownProductError, match="999999"):
        recommender.similar(999999)
    with pytest.raises(UnknownProductError):
        recommender.bought_together([999998, 999999])
    with pytest.raises(ValueError, match="k must be a positive integer"):
        recommender.recommend(ALICE, k=0)
    # Unknown ids in a session are ignored rather than failing the whole request.
    assert recommender.recommend(None, k=3, session_product_ids=[999999])


def test_each_call_gets_a_new_recommendation_id(recommender):
    first = recommender.recommend(ALICE, k=3)
    second = recommender.recommend(ALICE, k=3)
    assert [r.product_id for r in first] == [r.product_id for r in second]
    assert first[0].recommendation_id != second[0].recommendation_id


def test_the_fast_served_scores_rank_exactly_like_the_reference_blend(recommender, trained_shop):
    contexts = [recommender.context(c) for c in (1, 2, 5, 10)]
    contexts.append(recommender.context(None, session_product_ids=[1, 18, 30]))
    for context in contexts:
        _, fast = recommender.scores(context)
        reference = recommender.components(context).blend(recommender.blend_for(context))
        shift = fast - reference  # the kNN part's constant shift is left out of the fast path
        np.testing.assert_allclose(shift, np.median(shift), atol=1e-3)
