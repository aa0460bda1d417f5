"""The catalog file schema: reading CSV / JSON Lines rows and validating every one of them.

This module is pure (no database): it turns a file's text into typed `CatalogRow`s or a
list of `RowError`s, one per bad row, each with its line number. The schema is documented
in data/catalog-schema.md; `FIELDS` below is its single source of truth in code.
"""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from shop.config import SUPPORTED_CURRENCIES, get_settings

CatalogFormat = Literal["csv", "jsonl"]

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
MAX_PRICE = Decimal("9999999999.99")
_TRUE = {"true", "1", "yes", "y"}
_FALSE = {"false", "0", "no", "n"}


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


@dataclass(frozen=True)
class RowError:
    line: int
    reason: str
    sku: str | None = None

    def __str__(self) -> str:
        where = f"line {self.line}" + (f" (sku {self.sku})" if self.sku else "")
        return f"{where}: {self.reason}"


@dataclass
class ParsedFile:
    rows: list[CatalogRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


class _Invalid(ValueError):
    """A field's value is wrong; the message is the reason shown to the user."""


def detect_format(name: str) -> CatalogFormat | None:
    lowered = name.lower()
    if lowered.endswith(".csv"):
        return "csv"
    if lowered.endswith((".jsonl", ".ndjson", ".jsonlines")):
        return "jsonl"
    return None


def _text(raw: dict[str, Any], name: str) -> str | None:
    value = raw.get(name)
    if value is None:
        return None
    if name == "sku" and isinstance(value, int) and not isinstance(value, bool):
        value = str(value)  # JSON writers like to turn numeric SKUs into numbers
    if not isinstance(value, str):
        raise _Invalid(f"{name} must be text, not {type(value).__name__}")
    value = value.strip()
    if not value:
        return None
    limit = MAX_LENGTH.get(name)
    if limit and len(value) > limit:
        raise _Invalid(f"{name} is longer than {limit} characters")
    return value


def _price(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _Invalid(f"bad price {value!r}: not a number")
    text = str(value).strip()
    try:
        price = Decimal(text)
    except InvalidOperation:
        raise _Invalid(f"bad price {text!r}: not a number") from None
    if not price.is_finite():
        raise _Invalid(f"bad price {text!r}: not a number")
    if price <= 0:
        raise _Invalid(f"bad price {text!r}: must be greater than 0")
    if price.as_tuple().exponent < -2:  # type: ignore[operator]
        raise _Invalid(f"bad price {text!r}: more than 2 decimal places")
    if price > MAX_PRICE:
        raise _Invalid(f"bad price {text!r}: too large")
    return price.quantize(Decimal("0.01"))


def _currency(value: Any) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        return get_settings().currency
    if not isinstance(value, str):
        raise _Invalid(f"unknown currency {value!r}")
    code = value.strip().upper()
    if code not in SUPPORTED_CURRENCIES:
        supported = ", ".join(sorted(SUPPORTED_CURRENCIES))
        raise _Invalid(f"unknown currency {value.strip()!r} (supported: {supported})")
    return code


def _rating(value: Any) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        rating = float(value) if not isinstance(value, bool) else math.nan
    except (TypeError, ValueError):
        raise _Invalid(f"bad rating {value!r}: not a number") from None
    if not 0 <= rating <= 5:
        raise _Invalid(f"bad rating {value!r}: must be between 0 and 5")
    return round(rating, 2)


def _count(value: Any, name: str) -> int:
    if value is None or (isinstance(value, str) and not value.strip()):
        return 0
    if isinstance(value, bool):
        raise _Invalid(f"bad {name} {value!r}: must be a whole number >= 0")
    try:
        number = int(str(value).strip())
    except ValueError:
        raise _Invalid(f"bad {name} {value!r}: must be a whole number >= 0") from None
    if number < 0:
        raise _Invalid(f"bad {name} {value!r}: must be a whole number >= 0")
    return number


def _active(value: Any) -> bool:
    if value is None or (isinstance(value, str) and not value.strip()):
        return True
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise _Invalid(f"bad active {value!r}: use true or false")


def _json_value(value: Any, name: str) -> Any:
    """CSV cells hold JSON as text; JSON Lines hold it directly."""
    if isinstance(value, str):
        if not value.strip():
            return None
        try:
            return json.loads(value)
        except json.JSONDecodeError as error:
            raise _Invalid(f"bad JSON in {name}: {error.msg} (column {error.colno})") from None
    return value


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
    return value.strip()


def _csv_records(text: str) -> tuple[list[tuple[int, dict[str, Any]]], list[RowError]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        return [], [RowError(line=1, reason="the file is empty (expected a header line)")]
    except csv.Error as error:
        return [], [RowError(line=1, reason=f"bad CSV: {error}")]
    names = [name.strip() for name in header]
    errors = []
    unknown = [name for name in names if name not in FIELDS]
    missing = [name for name in REQUIRED if name not in names]
    if unknown:
        errors.append(RowError(line=1, reason=f"unknown column(s) {', '.join(unknown)}"))
    if missing:
        errors.append(RowError(line=1, reason=f"missing required column(s) {', '.join(missing)}"))
    if len(set(names)) != len(names):
        errors.append(RowError(line=1, reason="a column name appears twice"))
    if errors:
        return [], errors
    records = []
    start = reader.line_num + 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            errors.append(RowError(line=start, reason=f"bad CSV: {error}"))
            break
        if cells and any(cell.strip() for cell in cells):
            if len(cells) != len(names):
                errors.append(
                    RowError(line=start, reason=f"expected {len(names)} fields, found {len(cells)}")
                )
            else:
                records.append((start, dict(zip(names, cells, strict=True))))
        start = reader.line_num + 1
    return records, errors


def _jsonl_records(text: str) -> tuple[list[tuple[int, dict[str, Any]]], list[RowError]]:
    records, errors = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as error:
            errors.append(RowError(line=number, reason=f"bad JSON: {error.msg} (column {error.colno})"))
            continue
        if not isinstance(value, dict):
            errors.append(RowError(line=number, reason="bad JSON: each line must be one JSON object"))
            continue
        unknown = sorted(set(value) - set(FIELDS))
        if unknown:
            errors.append(
                RowError(line=number, reason=f"unknown field(s) {', '.join(unknown)}", sku=value.get("sku"))
            )
            continue
        records.append((number, value))
    return records, errors


def parse_catalog(text: str, fmt: CatalogFormat) -> ParsedFile:
    """Validate every row of a catalog file; collect every bad row rather than stopping at the first."""
    records, errors = _csv_records(text) if fmt == "csv" else _jsonl_records(text)
    parsed = ParsedFile(errors=errors)
    first_line: dict[str, int] = {}
    variant_owner: dict[str, str] = {}
    for line, raw in records:
        result = validate_row(raw, line)
        if isinstance(result, RowError):
            parsed.errors.append(result)
            continue
        if result.sku in first_line:
            parsed.errors.append(
                RowError(
                    line=line,
                    reason=f"duplicate sku (first on line {first_line[result.sku]})",
                    sku=result.sku,
                )
            )
            continue
        clash = next(
            (v.sku for v in result.variants or () if variant_owner.get(v.sku, result.sku) != result.sku), None
        )
        if clash:
            parsed.errors.append(
                RowError(
                    line=line,
                    reason=f"variant sku {clash} also belongs to {variant_owner[clash]}",
                    sku=result.sku,
                )
            )
            continue
        first_line[result.sku] = line
        variant_owner.update({v.sku: result.sku for v in result.variants or ()})
        parsed.rows.append(result)
    if not records and not parsed.errors:
        parsed.errors.append(RowError(line=1, reason="the file holds no products"))
    parsed.errors.sort(key=lambda e: e.line)
    return parsed
