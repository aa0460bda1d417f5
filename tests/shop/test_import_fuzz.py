"""Odd catalog and shop-data files get one clear error per bad row, never a traceback (issue 18).

Bounded and fast: one small file per odd value, through both imports (`shopbot catalog import`'s
`import_catalog` and `shopbot import`'s `import_files`), on SQLite and PostgreSQL. Each file
holds a good row and a bad one; the bad row is reported with its line and a reason, and since
an import is all rows or none, nothing is written. The odd values are the ones found by trying
(issue 18): JSON nested 5,000 deep, counts of 10**20, numbers of hundreds of digits, NUL bytes,
lone surrogates, control characters, HTML in titles, a 1 MB description, an integer SKU next
to an unknown column.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from shop.catalog import CatalogValidationError, import_catalog
from shop.importing import import_files
from tests.shop.importing_shop import table_counts

GOOD = {
    "sku": "GOOD-1",
    "title": "Trail shoe",
    "category_path": "Shoes > Running",
    "brand": "Acme",
    "price": "59.90",
}
DEEP = 5000


def product(**changes: object) -> dict[str, object]:
    return {**GOOD, "sku": "BAD-1", **changes}


def deep_list(depth: int) -> str:
    return "[" * depth + "]" * depth


#: name -> the bad record's JSON line (written as text: some are not what json.dumps would make).
BAD_PRODUCT_LINES: dict[str, str] = {
    "nul in title": json.dumps(product(title="Trail\x00shoe")),
    "lone surrogate in title": json.dumps(product(title="Trail \ud800 shoe")),
    "lone low surrogate in brand": json.dumps(product(brand="Ac\udfffme")),
    "escape sequence in title": json.dumps(product(title="\x1b[31mTrail\x07 shoe")),
    "script in title": json.dumps(product(title="<script>alert(1)</script> shoe")),
    "image tag in title": json.dumps(product(title='Shoe <img src=x onerror="alert(1)">')),
    "bold tag in title": json.dumps(product(title="<b>Trail</b> shoe")),
    "rating_count 10**20": json.dumps(product(rating_count=10**20)),
    "rating_count 2**31": json.dumps(product(rating_count=2**31)),
    "stock 10**20": json.dumps(product(variants=[{"sku": "BAD-1-M", "size": "M", "stock": 10**20}])),
    "price 10**20": json.dumps(product(price=10**20)),
    "price 1e400": json.dumps(product(price="1e400")),
    "price NaN": json.dumps(product()).replace('"59.90"', "NaN"),
    "rating of 400 digits": json.dumps(product(rating=10**400)),
    "rating Infinity": json.dumps(product()).replace("}", ', "rating": Infinity}'),
    "rating_count of 5000 digits": json.dumps(product()).replace(
        "}", ', "rating_count": ' + "9" * 5000 + "}"
    ),
    "attributes nested 5000 deep": json.dumps(product()).replace(
        "}", f', "attributes": {{"a": {deep_list(DEEP)}}}}}'
    ),
    "attributes nested 100 deep": json.dumps(product(attributes={"a": json.loads(deep_list(100))})),
    "variants nested 5000 deep": json.dumps(product()).replace("}", f', "variants": {deep_list(DEEP)}}}'),
    "description of 1 MB": json.dumps(product(description="long words " * 100_000)),
    "nul in description": json.dumps(product(description="fine\x00not fine")),
    "integer sku and an unknown column": json.dumps(product(sku=12345, colour="red")),
    "surrogate sku and an unknown column": json.dumps(product(sku="S\ud800", colour="red")),
}
#: name -> a bad CSV data row (columns: sku,title,category_path,brand,price,rating_count,attributes).
CSV_HEADER = "sku,title,category_path,brand,price,rating_count,attributes"
BAD_PRODUCT_CSV: dict[str, str] = {
    "nul in a cell": "BAD-1,Trail\x00shoe,Shoes > Running,Acme,59.90,1,",
    "escape in a cell": "BAD-1,\x1b[2JTrail shoe,Shoes > Running,Acme,59.90,1,",
    "html title": "BAD-1,<script>x</script>,Shoes > Running,Acme,59.90,1,",
    "31-digit count": "BAD-1,Trail shoe,Shoes > Running,Acme,59.90," + "1" * 31 + ",",
    "superscript count": "BAD-1,Trail shoe,Shoes > Running,Acme,59.90,²,",
    "attributes nested 5000 deep": 'BAD-1,Trail shoe,Shoes > Running,Acme,59.90,1,"{""a"": '
    + deep_list(DEEP)
    + '}"',
}


def _write(path: Path, lines: list[str]) -> str:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8", errors="surrogatepass")
    return str(path)


def _assert_clear_errors(errors: list, names: list[str], first_line: int) -> None:  # type: ignore[type-arg]
    """One error per bad row (the rows after the good one), each a short printable reason."""
    by_line = {e.line: e for e in errors}
    assert len(errors) == len(by_line), errors  # one per row
    for line, name in enumerate(names, start=first_line):
        assert line in by_line, f"{name} (line {line}) was not reported: {errors}"
        reason = by_line[line].reason
        assert reason and "Traceback" not in reason and len(reason) < 500, (name, reason)
        reason.encode("utf-8")  # printable: no lone surrogate in what the shop owner is shown
        (by_line[line].key or "").encode("utf-8")
    assert sorted(by_line) == list(range(first_line, first_line + len(names))), errors


def test_every_odd_product_line_gets_a_clear_error_and_nothing_is_written(engine: Engine, tmp_path):
    names = sorted(BAD_PRODUCT_LINES)
    path = _write(tmp_path / "catalog.jsonl", [json.dumps(GOOD), *(BAD_PRODUCT_LINES[n] for n in names)])
    before = table_counts(engine)

    with pytest.raises(CatalogValidationError) as raised:
        import_catalog(engine, path)
    _assert_clear_errors(raised.value.errors, names, first_line=2)
    report = import_files(engine, [path])
    assert not report.written
    _assert_clear_errors([error for _, error in report.errors], names, first_line=2)

    assert table_counts(engine) == before


def test_every_odd_product_csv_row_gets_a_clear_error_and_nothing_is_written(engine: Engine, tmp_path):
    names = sorted(BAD_PRODUCT_CSV)
    good = "GOOD-1,Trail shoe,Shoes > Running,Acme,59.90,3,"
    path = _write(tmp_path / "catalog.csv", [CSV_HEADER, good, *(BAD_PRODUCT_CSV[n] for n in names)])
    before = table_counts(engine)

    with pytest.raises(CatalogValidationError) as raised:
        import_catalog(engine, path)
    _assert_clear_errors(raised.value.errors, names, first_line=3)
    report = import_files(engine, [path])
    assert not report.written
    _assert_clear_errors([error for _, error in report.errors], names, first_line=3)

    assert table_counts(engine) == before


GOOD_CUSTOMER = {"customer_id": "C-1", "email": "dana@example.org", "name": "Dana Example", "country": "US"}
GOOD_ORDER = {
    "order_number": 500201, "customer_id": "C-1", "email": "dana@example.org", "status": "placed",
    "placed_at": "2026-12-01T18:20:00Z", "lines": [{"sku": "GOOD-1", "quantity": 1, "unit_price": "59.90"}],
}  # fmt: skip


def customer(**changes: object) -> str:
    return json.dumps({**GOOD_CUSTOMER, "customer_id": "C-2", **changes})


def order(**changes: object) -> str:
    return json.dumps({**GOOD_ORDER, "order_number": 500202, **changes})


#: kind -> name -> the bad record's JSON line, after the kind's one good line.
BAD_SHOP_DATA: dict[str, dict[str, str]] = {
    "customers": {
        "nul in a name": customer(name="D\x00"),
        "surrogate in a city": customer(city="\ud83d"),
        "escape in a street": customer(street="\x1b[2J12 Main St"),
    },
    "orders": {
        "quantity 10**20": order(lines=[{**GOOD_ORDER["lines"][0], "quantity": 10**20}]),  # type: ignore[dict-item]
        "order number 10**20": order(order_number=10**20),
        "lines nested 5000 deep": order().replace('"lines": [', '"lines": [' + deep_list(DEEP) + ","),
        "total of 400 digits": order(total=10**400),
    },
}


def test_every_odd_customer_and_order_line_gets_a_clear_error_and_nothing_is_written(
    engine: Engine, tmp_path
):
    files = {
        "products": [json.dumps(GOOD)],
        "customers": [json.dumps(GOOD_CUSTOMER)],
        "orders": [json.dumps(GOOD_ORDER)],
    }
    for kind, bad in BAD_SHOP_DATA.items():
        files[kind] += [bad[name] for name in sorted(bad)]
    paths = [_write(tmp_path / f"{kind}.jsonl", lines) for kind, lines in files.items()]
    before = table_counts(engine)

    report = import_files(engine, paths)

    assert not report.written
    for kind, bad in BAD_SHOP_DATA.items():
        errors = [error for path, error in report.errors if path.endswith(f"{kind}.jsonl")]
        _assert_clear_errors(errors, sorted(bad), first_line=2)
    assert len(report.errors) == sum(len(bad) for bad in BAD_SHOP_DATA.values()), report.errors
    assert table_counts(engine) == before


def test_the_good_rows_alone_import(engine: Engine, tmp_path):
    """The same files without their bad row import: the rules above reject only the odd values."""
    path = _write(
        tmp_path / "catalog.jsonl", [json.dumps(GOOD), json.dumps(product(title="Tom & Jerry <3 shoe"))]
    )
    assert import_catalog(engine, path).inserted == 2


def test_the_command_prints_an_odd_rows_error_table(engine: Engine, tmp_path, monkeypatch):
    """What the shop owner sees for an integer SKU, a surrogate SKU and a NUL title: a table, exit 1."""
    from shop import db
    from shop.config import get_settings
    from shopbot.cli import app

    lines = [
        BAD_PRODUCT_LINES[n]
        for n in ("integer sku and an unknown column", "surrogate sku and an unknown column", "nul in title")
    ]
    path = _write(tmp_path / "catalog.jsonl", [json.dumps(GOOD), *lines])
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    db.get_engine.cache_clear()
    try:
        for command in (
            ["import", path, "--no-reindex", "--no-follow"],
            ["catalog", "import", path, "--no-reindex"],
        ):
            result = CliRunner().invoke(app, command, env={"COLUMNS": "200"})
            assert result.exit_code == 1, (command, result.output, result.exception)
            assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
            assert "Traceback" not in result.output and "12345" in result.output, result.output
    finally:
        get_settings.cache_clear()
        db.get_engine.cache_clear()
