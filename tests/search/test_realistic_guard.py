"""Guard: on hand-written queries the shipped hybrid never ranks below plain BM25.

The hand-written realistic query sets (`data/search_eval/realistic/`) are judged here with their
rubrics over every product of the catalog (no pooling needed at this size), on three catalog
shapes small enough for a test: the TINY demo shop's search catalog, the same stripped to title
and description, and every third product of the technical catalog (model numbers, units, HTML
descriptions, product lines of near-identical titles). The full-size figures with confidence
intervals are in BENCHMARKS.md (bench/search_realistic.py).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from search.embedding import Embedder
from search.engine import ProductSearch
from search.evaluation.realistic import query_sets, score_engines, text_only
from search.evaluation.rubric import RubricQuery, grade
from search.evaluation.technical_catalog import technical_catalog
from shop.products import CatalogItem


def judge_all(queries: Sequence[RubricQuery], items: Sequence[CatalogItem]) -> dict[str, dict[int, int]]:
    return {q.id: {item.id: grade(item, q) for item in items} for q in queries}


def mean_ndcg(search: ProductSearch, queries: Sequence[RubricQuery], items: Sequence[CatalogItem]):
    scores = score_engines(search, queries, judge_all(queries, items), ("bm25", "hybrid"))
    assert len(scores["bm25"].ndcg10) >= 20, "too few queries with a relevant product to judge"
    return {engine: float(np.mean(s.ndcg10)) for engine, s in scores.items()}


@pytest.fixture(scope="module")
def technical(embedder: Embedder) -> tuple[ProductSearch, list[CatalogItem]]:
    items = technical_catalog()[::3]
    return ProductSearch.from_items(items, embedder=embedder), items


def test_the_hybrid_is_not_below_bm25_on_the_demo_catalog(search: ProductSearch, catalog: list[CatalogItem]):
    ndcg = mean_ndcg(search, query_sets()["demo"], catalog)
    assert ndcg["hybrid"] >= ndcg["bm25"], ndcg


def test_the_hybrid_is_not_below_bm25_on_a_title_and_description_catalog(
    catalog: list[CatalogItem], embedder: Embedder
):
    bare = text_only(catalog)
    ndcg = mean_ndcg(ProductSearch.from_items(bare, embedder=embedder), query_sets()["demo"], catalog)
    assert ndcg["hybrid"] >= ndcg["bm25"], ndcg


def test_the_hybrid_is_not_below_bm25_on_a_technical_catalog(technical):
    search, items = technical
    ndcg = mean_ndcg(search, query_sets()["technical"], items)
    assert ndcg["hybrid"] >= ndcg["bm25"], ndcg
