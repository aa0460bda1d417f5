"""Query understanding: the price, colour, size, brand and stock forms shoppers write."""

from __future__ import annotations

from decimal import Decimal

import pytest

from search.catalog import CatalogItem, item_text
from search.constraints import Constraints
from search.query import QueryParser
from search.spelling import SpellingCorrector
from search.vocabulary import CatalogVocabulary


@pytest.fixture(scope="module")
def parser(catalog: list[CatalogItem]) -> QueryParser:
    vocabulary = CatalogVocabulary.from_items(catalog)
    corrector = SpellingCorrector.from_texts([item_text(i) for i in catalog], vocabulary.words())
    return QueryParser(vocabulary, corrector=corrector)


@pytest.mark.parametrize(
    ("query", "low", "high"),
    [
        ("jacket under 50", None, "50"),
        ("shoes less than $40", None, "40"),
        ("mug between 20 and 30 dollars", "20", "30"),
        ("backpack $30-$50", "30", "50"),
        ("tent max 100", None, "100"),
        ("laptop below 800 bucks", None, "800"),
        ("headphones up to 60 dollars", None, "60"),
        ("t-shirt for under $25.50", None, "25.50"),
        ("jacket over $150", "150", None),
        ("yoga mat 30 to 40 dollars", "30", "40"),
        ("pan $40 or less", None, "40"),
        ("laptop 1k max", None, "1000"),
        ("boots around $100", "80.00", "120.00"),
        # A negated "over" is a ceiling, never a floor.
        ("a warm jacket for hiking, nothing over 150 bucks", None, "150"),
        ("i don't want to spend more than $80 on boots", None, "80"),
        ("a tent, not above 200 dollars", None, "200"),
    ],
)
def test_every_price_form_becomes_a_price_limit(
    parser: QueryParser, query: str, low: str | None, high: str | None
):
    constraints = parser.parse(query).constraints
    assert constraints.min_price == (None if low is None else Decimal(low))
    assert constraints.max_price == (None if high is None else Decimal(high))


@pytest.mark.parametrize("query", ["cheap headphones", "affordable laptop", "budget tent", "inexpensive mug"])
def test_cheap_words_ask_for_the_low_price_range(parser: QueryParser, query: str):
    constraints = parser.parse(query).constraints
    assert constraints.price_preference == "low"
    assert constraints.max_price is None  # resolved against the matching products at search time


@pytest.mark.parametrize(
    "query", ["4 person tent", "14 inch laptop", "65w charger", "mug 350ml", "size 42 shoes"]
)
def test_numbers_that_are_not_prices_set_no_price_limit(parser: QueryParser, query: str):
    constraints = parser.parse(query).constraints
    assert constraints.min_price is None and constraints.max_price is None


def test_price_phrases_are_removed_from_the_retrieval_text(parser: QueryParser):
    parsed = parser.parse("waterproof jacket for hiking under $120")
    assert parsed.remainder == "waterproof jacket for hiking"
    assert parsed.constraints.max_price == Decimal("120")
    assert parsed.constraints.features == ("waterproof",)


@pytest.mark.parametrize(
    ("query", "colors"),
    [("red jacket", ("red",)), ("gray t-shirt", ("grey",)), ("black or white mug", ("black", "white"))],
)
def test_colours_are_extracted_and_normalised(parser: QueryParser, query: str, colors: tuple[str, ...]):
    assert parser.parse(query).constraints.colors == colors


@pytest.mark.parametrize(
    ("query", "sizes"),
    [
        ("jacket in XL", ("XL",)),
        ("running shoes size 42", ("42",)),
        ("t-shirt in size small", ("S",)),
        ("t-shirt size M", ("M",)),
        ("jacket in medium", ("M",)),
        ("xxl t-shirt", ("XXL",)),
    ],
)
def test_sizes_are_extracted_in_catalog_notation(parser: QueryParser, query: str, sizes: tuple[str, ...]):
    parsed = parser.parse(query)
    assert parsed.constraints.sizes == sizes
    assert "size" not in parsed.remainder


def test_a_lone_letter_is_not_mistaken_for_a_size(parser: QueryParser):
    assert parser.parse("large tent for a family").constraints.sizes == ()
    assert parser.parse("m tent").constraints.sizes == ()


def test_stock_and_brand_are_extracted(parser: QueryParser, catalog: list[CatalogItem]):
    brand = catalog[0].brand
    constraints = parser.parse(f"{brand} laptop in stock").constraints
    assert constraints.in_stock is True
    assert constraints.brands == (brand.lower(),)


def test_category_words_filter_only_when_they_name_one_category(parser: QueryParser):
    assert parser.parse("rain jacket").constraints.categories == ("jackets",)
    # "laptop" also appears in laptop sleeve titles, so a laptop bag is not filtered to Laptops.
    assert "laptops" not in parser.parse("laptop bag").constraints.categories


def test_typos_are_corrected_against_the_catalog_vocabulary(parser: QueryParser):
    parsed = parser.parse("waterprof jackte")
    assert parsed.corrected == "waterproof jacket"
    assert parsed.constraints.categories == ("jackets",)


def test_constraints_survive_a_json_round_trip():
    constraints = Constraints(max_price=Decimal("49.99"), colors=("red",), sizes=("XL",), in_stock=True)
    assert Constraints.from_dict(constraints.to_dict()) == constraints
