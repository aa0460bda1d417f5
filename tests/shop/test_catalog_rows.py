"""Every bad row of a catalog file is found, with its line number and a reason a person can act on."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from shop.catalog_rows import parse_catalog

HEADER = "sku,title,category_path,brand,price,currency,attributes,variants,rating,active"
GOOD_CSV = (
    'A-1,Rain Jacket,Outdoor > Clothing > Jackets,Fjellmark,189.00,USD,"{""waterproof"":true}",,4.5,true'
)


def csv_with(bad_row: str) -> str:
    """A file whose line 3 is `bad_row`, between two good rows."""
    return "\n".join([HEADER, GOOD_CSV, bad_row, GOOD_CSV.replace("A-1", "A-9")]) + "\n"


@pytest.mark.parametrize(
    ("bad_row", "reason"),
    [
        (",Tent,Outdoor > Camping > Tents,Northridge,99.00,USD,,,,", "missing sku"),
        ("B-2,,Outdoor > Camping > Tents,Northridge,99.00,USD,,,,", "missing title"),
        ("B-2,Tent,,Northridge,99.00,USD,,,,", "missing category_path"),
        ("B-2,Tent,Outdoor > Camping > Tents,,99.00,USD,,,,", "missing brand"),
        ("B-2,Tent,Outdoor > Camping > Tents,Northridge,,USD,,,,", "missing price"),
        ("B-2,Tent,Outdoor > Camping > Tents,Northridge,ninety,USD,,,,", "bad price 'ninety': not a number"),
        (
            "B-2,Tent,Outdoor > Camping > Tents,Northridge,-5,USD,,,,",
            "bad price '-5': must be greater than 0",
        ),
        ("B-2,Tent,Outdoor > Camping > Tents,Northridge,9.999,USD,,,,", "more than 2 decimal places"),
        ("B-2,Tent,Outdoor > Camping > Tents,Northridge,99.00,XYZ,,,,", "unknown currency 'XYZ'"),
        (
            'B-2,Tent,Outdoor > Camping > Tents,Northridge,99.00,USD,"{""persons"": 2",,,',
            "bad JSON in attributes",
        ),
        (
            "B-2,Tent,Outdoor > Camping > Tents,Northridge,99.00,USD,[1],,,",
            "attributes must be a JSON object",
        ),
        (
            'B-2,Tent,Outdoor > Camping > Tents,Northridge,99.00,USD,,"[{""size"":""M"",""stock"":-1}]",,',
            "variant 1: bad stock -1",
        ),
        ("B-2,Tent,Outdoor > Camping > Tents,Northridge,99.00,USD,,,7,", "bad rating '7'"),
        ("B-2,Tent,Outdoor > Camping > Tents,Northridge,99.00,USD,,,,maybe", "bad active 'maybe'"),
        ("B-2,Tent,Outdoor >  > Tents,Northridge,99.00,USD,,,,", "bad category_path"),
        ("B-2,Tent,Outdoor > Camping > Tents,Northridge", "expected 10 fields, found 4"),
        (GOOD_CSV, "duplicate sku (first on line 2)"),
    ],
)
def test_each_kind_of_bad_csv_row_is_reported_with_its_line(bad_row: str, reason: str) -> None:
    parsed = parse_catalog(csv_with(bad_row), "csv")

    assert [error.line for error in parsed.errors] == [3]
    assert reason in parsed.errors[0].reason


BASE = {"sku": "B-2", "title": "Tent", "category_path": "Outdoor > Camping > Tents", "brand": "X", "price": 5}


def json_line(**fields: object) -> str:
    """A JSON Lines row: BASE with `fields` changed; a field set to None is left out."""
    row = {**BASE, **fields}
    return json.dumps({key: value for key, value in row.items() if value is not None})


@pytest.mark.parametrize(
    ("bad_line", "reason"),
    [
        ('{"sku": "B-2", "title": "Tent", ', "bad JSON"),
        ('["B-2", "Tent"]', "each line must be one JSON object"),
        (json_line(colour="red"), "unknown field(s) colour"),
        (json_line(currency="JPY"), "unknown currency 'JPY'"),
        (json_line(price=True), "bad price True"),
        (json_line(price="0"), "bad price '0': must be greater than 0"),
        (json_line(sku=None), "missing sku"),
        (
            json_line(title=None, variants={"size": "M"}),
            "missing title; variants must be a JSON list of objects",
        ),
    ],
)
def test_each_kind_of_bad_json_line_is_reported_with_its_line(bad_line: str, reason: str) -> None:
    text = "\n".join([json_line(sku="A-1"), "", bad_line, json_line(sku="A-2")]) + "\n"

    parsed = parse_catalog(text, "jsonl")

    assert [error.line for error in parsed.errors] == [3]
    assert reason in parsed.errors[0].reason


def test_every_bad_row_is_reported_not_only_the_first() -> None:
    rows = [
        GOOD_CSV,
        ",No SKU,A > B,X,1.00,USD,,,,",
        GOOD_CSV.replace("A-1", "A-2"),
        "B-3,Bad price,A > B,X,1.2.3,USD,,,,",
        "B-4,Bad currency,A > B,X,1.00,ABC,,,,",
    ]
    parsed = parse_catalog("\n".join([HEADER, *rows]) + "\n", "csv")

    assert [error.line for error in parsed.errors] == [3, 5, 6]
    assert [row.sku for row in parsed.rows] == ["A-1", "A-2"]


def test_a_row_with_several_problems_names_all_of_them() -> None:
    parsed = parse_catalog(csv_with(",,A > B,X,abc,XYZ,,,,"), "csv")

    reason = parsed.errors[0].reason
    assert "missing sku" in reason and "missing title" in reason
    assert "bad price" in reason and "unknown currency" in reason


def test_line_numbers_count_physical_lines_when_a_quoted_field_spans_several() -> None:
    multiline = 'A-5,"Two-line\ntitle",A > B,X,1.00,USD,,,,'
    text = "\n".join([HEADER, multiline, ",missing sku,A > B,X,1.00,USD,,,,"]) + "\n"

    parsed = parse_catalog(text, "csv")

    assert [error.line for error in parsed.errors] == [4]


def test_header_problems_are_reported_on_line_1() -> None:
    unknown = parse_catalog("sku,title,category_path,brand,price,colour\n", "csv")
    missing = parse_catalog("sku,title,brand\nA-1,T,X\n", "csv")

    assert [(e.line, e.reason) for e in unknown.errors] == [(1, "unknown column(s) colour")]
    assert [(e.line, e.reason) for e in missing.errors] == [
        (1, "missing required column(s) category_path, price")
    ]


def test_an_empty_file_is_an_error_not_a_silent_no_op() -> None:
    assert parse_catalog("", "csv").errors[0].reason.startswith("the file is empty")
    assert parse_catalog("\n\n", "jsonl").errors[0].reason == "the file holds no products"


def test_valid_rows_are_normalised_to_database_types() -> None:
    text = (
        "sku,title,category_path,brand,price,currency,active,rating,rating_count,variants\n"
        'A-1, Rain Jacket ,Outdoor>Clothing >Jackets,F,10.5,,no,4.25,3,"[{""size"":""M"",""stock"":2}]"\n'
    )
    (row,) = parse_catalog(text, "csv").rows

    assert row.title == "Rain Jacket"
    assert row.category_path == "Outdoor > Clothing > Jackets"
    assert row.price == Decimal("10.50") and row.currency == "USD"
    assert row.active is False and row.rating == 4.25 and row.rating_count == 3
    assert row.variants is not None and [(v.sku, v.size, v.stock) for v in row.variants] == [
        ("A-1-M", "M", 2)
    ]
    assert row.attributes == {}
