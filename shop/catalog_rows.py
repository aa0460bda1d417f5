"""The catalog file schema: reading CSV / JSON Lines rows and validating every one of them.

This module is pure (no database): it turns a file's text into typed `CatalogRow`s or a
list of `RowError`s, one per bad row, each with its line number. The schema is documented
in data/catalog-schema.md; `FIELDS` below is its single source of truth in code.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from shop import rowfields
from shop.rowfields import Invalid as _Invalid
from shop.rowfiles import Record, RowError, RowFormat, detect_format, records

CatalogFormat = RowFormat
__all__ = ["FIELDS", "REQUIRED", "CatalogRow", "ParsedFile", "RowError", "VariantRow", "detect_format"]

#: Columns in export order. Required ones must be present and non-empty in every row.
FIELDS: tuple[str, ...] = (
    "sku",
    "title",
    "description",
    "category_path",
    "brand",
    "price",
    "currency",
    "color",
    "material",
    "rating",
    "rating_count",
    "image_url",
    "active",
    "attributes",
    "variants",
)
REQUIRED: tuple[str, ...] = ("sku", "title", "category_path", "brand", "price")
#: Longest text each column accepts (the database column sizes).
MAX_LENGTH = {
    "sku": 64,
    "title": 300,
    "category_path": 300,
    "brand": 100,
    "color": 40,
    "material": 60,
    "image_url": 500,
}
MAX_VARIANT_SKU = 80
#: Longest description (characters): the longest real ones are a few thousand; a megabyte is
#: no description, and would be stored, indexed and sent to every shopper who opens the product.
MAX_DESCRIPTION = 20_000
#: Names shown as plain text in the shop and the chat: HTML tags in them are refused.
PLAIN_NAMES = ("title", "brand", "category_path", "color", "material")


@dataclass(frozen=True)
class VariantRow:
    sku: str
    size: str | None
    color: str | None
    stock: int


@dataclass(frozen=True)
class CatalogRow:
    """One valid product of a catalog file, normalised to the database's types."""

    line: int
    sku: str
    title: str
    description: str
    category_path: str
    brand: str
    price: Decimal
    currency: str
    color: str | None
    material: str | None
    rating: float | None
    rating_count: int
    image_url: str | None
    active: bool
    attributes: dict[str, Any]
    #: None when the file has no `variants` value: the product's variants are left as they are.
    variants: tuple[VariantRow, ...] | None = None


@dataclass
class ParsedFile:
    rows: list[CatalogRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def _text(raw: dict[str, Any], name: str) -> str | None:
    value = rowfields.text(raw.get(name), name, MAX_LENGTH.get(name), id_like=name == "sku")
    return rowfields.no_markup(value, name) if name in PLAIN_NAMES else value


def _price(value: Any) -> Decimal:
    return rowfields.money(value, "price")


_currency = rowfields.currency
_rating = rowfields.rating


def _count(value: Any, name: str) -> int:
    return rowfields.count(value, name)


def _active(value: Any) -> bool:
    return rowfields.flag(value, "active", True)


_json_value = rowfields.json_value


def _attributes(value: Any) -> dict[str, Any]:
    parsed = _json_value(value, "attributes")
    if parsed is None:
        return {}
    if not isinstance(parsed, dict):
        raise _Invalid("attributes must be a JSON object")
    return parsed


def _variants(value: Any, sku: str) -> tuple[VariantRow, ...] | None:
    parsed = _json_value(value, "variants")
    if parsed is None:
        return None
    if not isinstance(parsed, list) or not all(isinstance(v, dict) for v in parsed):
        raise _Invalid("variants must be a JSON list of objects")
    variants = []
    for number, raw in enumerate(parsed, start=1):
        unknown = set(raw) - {"sku", "size", "color", "stock"}
        if unknown:
            raise _Invalid(f"variant {number}: unknown field(s) {', '.join(sorted(unknown))}")
        size = _text(raw, "size")
        color = _text(raw, "color")
        variant_sku = _text(raw, "sku") or f"{sku}-{size or 'STD'}"
        if len(variant_sku) > MAX_VARIANT_SKU:
            raise _Invalid(f"variant {number}: sku is longer than {MAX_VARIANT_SKU} characters")
        try:
            stock = _count(raw.get("stock"), "stock")
        except _Invalid as error:
            raise _Invalid(f"variant {number}: {error}") from None
        variants.append(VariantRow(sku=variant_sku, size=size, color=color, stock=stock))
    skus = [v.sku for v in variants]
    if len(set(skus)) != len(skus):
        raise _Invalid("variants repeat a variant sku")
    return tuple(variants)


def _category_path(value: str | None) -> str | None:
    if value is None:
        return None
    parts = [part.strip() for part in value.split(">")]
    if any(not part for part in parts):
        raise _Invalid(f"bad category_path {value!r}: use 'Department > Category > Leaf'")
    return " > ".join(parts)


def validate_row(raw: dict[str, Any], line: int) -> CatalogRow | RowError:
    """Every problem of one row, joined into one reason; or the normalised row."""
    problems: list[str] = []
    sku: str | None = None
    values: dict[str, Any] = {}

    def take(name: str, parse):  # type: ignore[no-untyped-def]
        try:
            values[name] = parse()
        except _Invalid as error:
            problems.append(str(error))

    try:
        sku = _text(raw, "sku")
    except _Invalid as error:
        problems.append(str(error))
    for name in REQUIRED:
        if raw.get(name) is None or (isinstance(raw.get(name), str) and not raw[name].strip()):
            problems.append(f"missing {name}")
    for name in ("title", "brand", "color", "material", "image_url"):
        take(name, lambda name=name: _text(raw, name))
    take("category_path", lambda: _category_path(_text(raw, "category_path")))
    take("description", lambda: _description(raw.get("description")))
    if raw.get("price") is not None and str(raw["price"]).strip():
        take("price", lambda: _price(raw["price"]))
    take("currency", lambda: _currency(raw.get("currency")))
    take("rating", lambda: _rating(raw.get("rating")))
    take("rating_count", lambda: _count(raw.get("rating_count"), "rating_count"))
    take("active", lambda: _active(raw.get("active")))
    take("attributes", lambda: _attributes(raw.get("attributes")))
    take("variants", lambda: _variants(raw.get("variants"), sku or ""))
    if problems:
        return RowError(line=line, reason="; ".join(dict.fromkeys(problems)), sku=sku)
    assert sku is not None
    return CatalogRow(line=line, sku=sku, **values)


def _description(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _Invalid("description must be text")
    if len(value) > MAX_DESCRIPTION:
        raise _Invalid(f"description is longer than {MAX_DESCRIPTION:,} characters")
    return rowfields.clean_characters(value, "description").strip()


def catalog_records(lines: Iterable[str] | io.TextIOBase, fmt: CatalogFormat) -> Iterable[Record | RowError]:
    """The file's records (or bad lines), streamed; the columns/keys must be catalog fields."""
    return records(lines, fmt, fields=FIELDS, required=REQUIRED, key="sku")  # type: ignore[arg-type]


class RowChecker:
    """Validates rows one at a time and remembers what whole-file rules need: duplicate SKUs and
    variant SKUs claimed by two products. Used by `parse_catalog` and by the streamed import."""

    def __init__(self) -> None:
        self.first_line: dict[str, int] = {}
        self.variant_owner: dict[str, str] = {}

    def check(self, line: int, raw: dict[str, Any]) -> CatalogRow | RowError:
        result = validate_row(raw, line)
        if isinstance(result, RowError):
            return result
        if result.sku in self.first_line:
            return RowError(
                line=line,
                reason=f"duplicate sku (first on line {self.first_line[result.sku]})",
                sku=result.sku,
            )
        owner = self.variant_owner
        clash = next(
            (v.sku for v in result.variants or () if owner.get(v.sku, result.sku) != result.sku), None
        )
        if clash:
            return RowError(
                line=line, reason=f"variant sku {clash} also belongs to {owner[clash]}", sku=result.sku
            )
        self.first_line[result.sku] = line
        owner.update({v.sku: result.sku for v in result.variants or ()})
        return result


def parse_catalog(text: str, fmt: CatalogFormat) -> ParsedFile:
    """Validate every row of a catalog file; collect every bad row rather than stopping at the first."""
    parsed = ParsedFile()
    checker = RowChecker()
    seen = False
    for item in catalog_records(io.StringIO(text, newline=""), fmt):
        if isinstance(item, RowError):
            parsed.errors.append(item)
            continue
        seen = True
        result = checker.check(*item)
        (parsed.errors if isinstance(result, RowError) else parsed.rows).append(result)  # type: ignore[arg-type]
    if not seen and not parsed.errors:
        parsed.errors.append(RowError(line=1, reason="the file holds no products"))
    parsed.errors.sort(key=lambda e: e.line)
    return parsed
