"""The evaluation's metrics, its grading and the labelled extraction cases."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from search.catalog import CatalogItem, item_text
from search.evaluation import EVAL_DIR, Grader, QuerySpec, best_recall_at_k, load_specs, mrr, ndcg_at_k
from search.query import QueryParser
from search.spelling import SpellingCorrector
from search.vocabulary import CatalogVocabulary


def test_the_ideal_ranking_scores_one_and_a_useless_one_zero():
    judged = {1: 3, 2: 2, 3: 1}
    assert ndcg_at_k([1, 2, 3], judged) == pytest.approx(1.0)
    assert ndcg_at_k([9, 8, 7], judged) == 0.0
    assert mrr([9, 1], judged) == 0.5
    assert best_recall_at_k([1, 9], {1: 3, 2: 3}) == 0.5


def test_grades_follow_the_structured_fields(catalog: list[CatalogItem]):
    grader = Grader(catalog)
    spec = QuerySpec("red jacket under 200", "colour", {"jackets": 3}, colors=["red"], max_price=200)
    for item in catalog:
        grade = grader.grade(item, spec)
        if item.category != "Jackets" or item.price > 200:
            assert grade == 0
        else:
            assert grade == (3 if "red" in item.colors else 2)


def test_the_labelled_set_is_large_and_varied():
    specs = load_specs()
    kinds = {s.kind for s in specs}
    assert len(specs) >= 150
    assert {"typo", "price", "vague", "brand", "colour"} <= kinds


CASES = [
    json.loads(line) for line in (EVAL_DIR / "constraints.jsonl").read_text().splitlines() if line.strip()
]


@pytest.fixture(scope="module")
def parser(catalog: list[CatalogItem]) -> QueryParser:
    vocabulary = CatalogVocabulary.from_items(catalog)
    return QueryParser(vocabulary, corrector=SpellingCorrector.from_texts([item_text(i) for i in catalog]))


@pytest.mark.parametrize("case", CASES, ids=[c["query"] for c in CASES])
def test_each_hand_labelled_query_yields_its_constraints(parser: QueryParser, case: dict):
    from search.evaluation import extraction_accuracy

    result = extraction_accuracy(parser, [(case["query"], case["expect"])])
    assert result["exact_match"] == 1.0, result["failures"]


def test_the_labelled_files_exist():
    assert Path(EVAL_DIR / "vague.jsonl").exists() and Path(EVAL_DIR / "queries.jsonl").exists()
