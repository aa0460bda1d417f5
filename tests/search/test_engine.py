"""Hybrid search over a small real catalog: hard filters, codes, typos, sessions, boosts."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

from search.catalog import CatalogItem
from search.embedding import Embedder
from search.engine import ProductSearch
from search.index import VectorIndex
from search.session import SearchSession

PRICE_QUERIES = [
    "jacket under 80",
    "laptop less than $700",
    "headphones between 50 and 120 dollars",
    "$10-$20 mug",
    "tent max 150",
    "cheap running shoes",
    "something nice under 25",
]


@pytest.mark.parametrize("mode", ["hybrid", "lexical", "dense"])
@pytest.mark.parametrize("query", PRICE_QUERIES)
def test_a_price_limit_is_never_violated(search: ProductSearch, query: str, mode: str):
    result = search.search(query, k=50, mode=mode)  # type: ignore[arg-type]
    assert result.constraints.max_price is not None
    assert result.hits, "the catalog has products in every range asked for"
    for hit in result.hits:
        assert hit.price <= result.constraints.max_price
        if result.constraints.min_price is not None:
            assert hit.price >= result.constraints.min_price


def test_hits_satisfy_every_stated_constraint(search: ProductSearch, catalog: list[CatalogItem]):
    shirt = next(i for i in catalog if i.category == "T-Shirts" and i.sizes_in_stock and i.color)
    size = shirt.sizes_in_stock[0]
    color = shirt.color.lower()  # type: ignore[union-attr]
    result = search.search(f"{color} t-shirt in size {size} in stock", k=20)
    assert shirt.id in {h.product_id for h in result.hits}
    for hit in result.hits:
        item = search.item(hit.product_id)
        assert item is not None
        assert color in item.colors
        assert size in item.sizes_in_stock
        assert item.category == "T-Shirts"


def test_an_exact_product_code_ranks_that_product_first(search: ProductSearch, catalog: list[CatalogItem]):
    target = catalog[len(catalog) // 2]
    assert search.search(target.sku.lower(), k=5).hits[0].product_id == target.id


def test_a_misspelt_query_still_finds_the_category(search: ProductSearch):
    result = search.search("hedphones", k=10)
    assert result.corrected == "headphones"
    assert all(h.category == "Headphones" for h in result.hits)


def test_a_constraint_nothing_satisfies_returns_no_hits_rather_than_ignoring_it(search: ProductSearch):
    result = search.search("laptop under 5 dollars", k=10)
    assert result.hits == [] and result.total == 0
    assert result.constraints.max_price == Decimal("5")


def test_show_more_never_repeats_a_product(search: ProductSearch):
    session = SearchSession()
    first = search.search("jacket", k=5, session=session)
    second = search.search("show me more", k=5, session=session)
    assert second.follow_up == "more"
    assert not {h.product_id for h in first.hits} & {h.product_id for h in second.hits}
    assert len(session.shown) == 10


def test_cheaper_stays_below_the_cheapest_product_shown(search: ProductSearch, catalog: list[CatalogItem]):
    session = SearchSession()
    first = search.search("jacket", k=3, session=session)
    cheaper = search.search("something cheaper", k=5, session=session)
    assert cheaper.follow_up == "cheaper"
    lowest = min(h.price for h in first.hits)
    expected = {i.id for i in catalog if i.category == "Jackets" and i.price < lowest}
    assert {h.product_id for h in cheaper.hits} <= expected
    assert len(cheaper.hits) == min(5, len(expected))
    assert all(h.price < lowest for h in cheaper.hits)


def test_in_red_refines_the_same_search(search: ProductSearch):
    session = SearchSession()
    search.search("jacket under 300", k=5, session=session)
    red = search.search("in red", k=5, session=session)
    assert red.follow_up == "refine"
    assert red.constraints.colors == ("red",) and red.constraints.max_price == Decimal("300")
    for hit in red.hits:
        item = search.item(hit.product_id)
        assert item is not None and "red" in item.colors and item.category == "Jackets"


def test_more_like_the_second_one_anchors_on_that_product(search: ProductSearch):
    session = SearchSession()
    first = search.search("tent", k=4, session=session)
    second_id = first.hits[1].product_id
    like = search.search("more like the second one", k=4, session=session)
    assert like.follow_up == "similar" and like.similar_to == second_id
    shown_before = {h.product_id for h in first.hits}
    assert like.hits and not shown_before & {h.product_id for h in like.hits}


def test_a_new_topic_starts_a_new_search(search: ProductSearch):
    session = SearchSession()
    search.search("jacket", k=3, session=session)
    result = search.search("coffee mug", k=3, session=session)
    assert result.follow_up is None
    assert session.shown == [h.product_id for h in result.hits]


def test_a_session_survives_a_json_round_trip(search: ProductSearch):
    session = SearchSession()
    search.search("jacket under 200", k=3, session=session)
    restored = SearchSession.from_dict(session.to_dict())
    assert restored == session
    more = search.search("more", k=3, session=restored)
    assert not set(session.shown) & {h.product_id for h in more.hits}


def test_personal_scores_lift_the_shoppers_favourite(search: ProductSearch):
    plain = search.search("headphones", k=10)
    favourite = plain.hits[7].product_id

    def scores(customer_id: int, candidates):  # type: ignore[no-untyped-def]
        assert customer_id == 1
        return {favourite: 1.0}

    boosted = ProductSearch(search.index, embedder=search.embedder, personal_scores=scores)
    ranked = [h.product_id for h in boosted.search("headphones", k=10, customer_id=1).hits]
    assert ranked.index(favourite) < 7
    assert [h.product_id for h in boosted.search("headphones", k=10).hits] == [
        h.product_id for h in plain.hits
    ]


def test_a_failing_score_provider_does_not_break_search(search: ProductSearch):
    def broken(customer_id: int, candidates):  # type: ignore[no-untyped-def]
        raise RuntimeError("recommender down")

    shaky = ProductSearch(search.index, embedder=search.embedder, personal_scores=broken)
    assert shaky.search("tent", k=3, customer_id=2).hits


def test_the_first_page_holds_no_near_copies(
    search: ProductSearch, catalog: list[CatalogItem], embedder: Embedder
):
    top = search.item(search.search("tent", k=1).hits[0].product_id)
    assert top is not None
    copies = [
        CatalogItem(**{**top.to_dict(), "id": 900_000 + n, "sku": f"COPY-{n}", "price": top.price})
        for n in range(5)
    ]
    with_copies = ProductSearch.from_items([*catalog, *copies], embedder=embedder)
    result = with_copies.search("tent", k=5)
    assert result.total >= 10
    ids = [h.product_id for h in result.hits]
    assert len({top.id, *(c.id for c in copies)} & set(ids)) == 1
    # The copies are not lost, only moved off the first page.
    more = with_copies.search("tent", k=50).hits
    assert {c.id for c in copies} <= {h.product_id for h in more}


def test_hnsw_finds_nearly_the_same_neighbours_as_the_exact_product(search: ProductSearch):
    vectors = search.index.vectors.vectors
    exact = VectorIndex(vectors)
    approximate = VectorIndex(vectors, VectorIndex.build_hnsw(vectors, threads=1))
    overlap = []
    for row in range(0, len(vectors), 7):
        truth, _ = exact.top(vectors[row], 10)
        found, _ = approximate.top(vectors[row], 10)
        overlap.append(len(set(truth.tolist()) & set(found.tolist())) / 10)
    assert np.mean(overlap) >= 0.95


def test_filtered_hnsw_results_respect_the_mask(search: ProductSearch):
    vectors = search.index.vectors.vectors
    approximate = VectorIndex(vectors, VectorIndex.build_hnsw(vectors, threads=1))
    mask = np.zeros(len(vectors), dtype=bool)
    mask[::3] = True
    rows, _ = approximate.top(vectors[1], 10, mask)
    assert len(rows) == 10 and mask[rows].all()


def test_cheaper_works_on_cards_that_did_not_come_from_a_search(
    search: ProductSearch, catalog: list[CatalogItem]
):
    shown = [i for i in catalog if i.category == "Headphones"][:3]
    session = SearchSession()
    session.record([i.id for i in shown])  # e.g. recommendations put on screen by the dialogue
    result = search.search("cheaper", k=5, session=session)
    assert result.follow_up == "cheaper"
    lowest = min(i.price for i in shown)
    assert result.hits and all(h.price < lowest for h in result.hits)
    assert not {i.id for i in shown} & {h.product_id for h in result.hits}
    assert result.hits[0].category == "Headphones"
