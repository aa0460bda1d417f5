"""Catalog import and export: CSV or JSON Lines files <-> the products table.

Import is an upsert by SKU in one transaction, all or nothing: every row is validated
first (`shop.catalog_rows`), and if any row is bad the database is not touched and
`CatalogValidationError` lists every bad row with its line number. Importing the same
file twice changes nothing the second time, and an exported file re-imports unchanged.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, selectinload

from shop.catalog_rows import (
    FIELDS,
    CatalogFormat,
    CatalogRow,
    RowError,
    detect_format,
    parse_catalog,
)
from shop.db import transaction
from shop.models import Product, Variant

__all__ = [
    "CatalogError",
    "CatalogFileError",
    "CatalogValidationError",
    "ExportResult",
    "ImportResult",
    "RowError",
    "catalog_version",
    "export_catalog",
    "import_catalog",
]

#: Product columns an import sets (everything in the file but the SKU and the variants).
PRODUCT_FIELDS: tuple[str, ...] = tuple(f for f in FIELDS if f not in ("sku", "variants"))
_IN_CHUNK = 500


class CatalogError(Exception):
    """A catalog file could not be imported or exported; nothing was written."""


class CatalogFileError(CatalogError):
    """The file itself is unusable: missing, unreadable, not UTF-8, or of unknown format."""


class CatalogValidationError(CatalogError):
    """One or more rows are bad; `errors` names each with its line number and reason."""

    def __init__(self, path: str, errors: list[RowError]) -> None:
        self.path = path
        self.errors = errors
        noun = "row is" if len(errors) == 1 else "rows are"
        super().__init__(f"{path}: {len(errors)} {noun} bad, nothing was imported")


@dataclass(frozen=True)
class ImportResult:
    path: str
    format: CatalogFormat
    inserted: int
    updated: int
    unchanged: int

    @property
    def total(self) -> int:
        return self.inserted + self.updated + self.unchanged

    @property
    def changed(self) -> bool:
        return bool(self.inserted or self.updated)


@dataclass(frozen=True)
class ExportResult:
    path: str
    format: CatalogFormat
    products: int


def _format(path: str, fmt: str | None) -> CatalogFormat:
    chosen = fmt or detect_format(path)
    if chosen not in ("csv", "jsonl"):
        raise CatalogFileError(
            f"{path}: unknown catalog format {chosen!r}; use .csv or .jsonl, or pass the format explicitly"
            if fmt
            else f"{path}: cannot tell the format from the file name; use .csv or .jsonl, or pass the format"
        )
    return chosen  # type: ignore[return-value]


def _read(path: str) -> str:
    try:
        return Path(path).read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise CatalogFileError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise CatalogFileError(f"{path}: is a directory, not a catalog file") from None
    except UnicodeDecodeError as error:
        raise CatalogFileError(f"{path}: not UTF-8 text (byte {error.start})") from None
    except OSError as error:
        raise CatalogFileError(f"{path}: cannot read ({error.strerror})") from None


def _chunks(items: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(items), _IN_CHUNK):
        yield items[start : start + _IN_CHUNK]


def _existing_products(session: Session, skus: list[str]) -> dict[str, Product]:
    found: dict[str, Product] = {}
    for chunk in _chunks(skus):
        query = select(Product).where(Product.sku.in_(chunk)).options(selectinload(Product.variants))
        found.update({p.sku: p for p in session.scalars(query)})
    return found


def _variant_owners(session: Session, variant_skus: list[str]) -> dict[str, str]:
    owners: dict[str, str] = {}
    for chunk in _chunks(variant_skus):
        query = select(Variant.sku, Product.sku).join(Product).where(Variant.sku.in_(chunk))
        owners.update({variant: product for variant, product in session.execute(query)})
    return owners


def _apply(product: Product, row: CatalogRow) -> bool:
    """Bring `product` in line with `row`; True if anything had to change."""
    changed = False
    for name in PRODUCT_FIELDS:
        value = getattr(row, name)
        if getattr(product, name) != value:
            setattr(product, name, value)
            changed = True
    if row.variants is not None:
        by_sku = {v.sku: v for v in product.variants}
        for wanted in row.variants:
            variant = by_sku.get(wanted.sku)
            if variant is None:
                product.variants.append(
                    Variant(sku=wanted.sku, size=wanted.size, color=wanted.color, stock=wanted.stock)
                )
                changed = True
                continue
            for name in ("size", "color", "stock"):
                if getattr(variant, name) != getattr(wanted, name):
                    setattr(variant, name, getattr(wanted, name))
                    changed = True
    return changed


@dataclass
class UpsertCounts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0


def upsert_products(session: Session, rows: list[CatalogRow]) -> tuple[UpsertCounts, list[RowError]]:
    """Upsert one batch of valid rows by SKU in the caller's transaction.

    Returns the counts, or the rows whose variant SKUs already belong to another product (then
    nothing of the batch is written: the caller reports them and rolls back).
    """
    counts = UpsertCounts()
    existing = _existing_products(session, [row.sku for row in rows])
    wanted_variants = {v.sku: row for row in rows for v in row.variants or ()}
    clashes = [
        RowError(
            line=wanted_variants[variant].line,
            sku=wanted_variants[variant].sku,
            reason=f"variant sku {variant} already belongs to product {owner}",
        )
        for variant, owner in _variant_owners(session, list(wanted_variants)).items()
        if owner != wanted_variants[variant].sku
    ]
    if clashes:
        return counts, sorted(clashes, key=lambda e: e.line)
    for row in rows:
        product = existing.get(row.sku)
        if product is None:
            product = Product(sku=row.sku, variants=[])
            _apply(product, row)
            session.add(product)
            counts.inserted += 1
        elif _apply(product, row):
            counts.updated += 1
        else:
            counts.unchanged += 1
    return counts, []


def import_catalog(engine: Engine, path: str | Path, *, fmt: str | None = None) -> ImportResult:
    """Upsert every product of the file by SKU, in one transaction; all rows or none."""
    name = str(path)
    chosen = _format(name, fmt)
    parsed = parse_catalog(_read(name), chosen)
    if parsed.errors:
        raise CatalogValidationError(name, parsed.errors)
    with transaction(engine) as session:
        counts, clashes = upsert_products(session, parsed.rows)
        if clashes:
            raise CatalogValidationError(name, clashes)
    return ImportResult(
        path=name, format=chosen, inserted=counts.inserted, updated=counts.updated, unchanged=counts.unchanged
    )


def catalog_version(engine: Engine) -> tuple[int, str | None]:
    """Changes whenever an import adds or changes a product: (products, latest update). Cheap (one
    aggregate query), so a running server can poll it to know when to re-read the catalog."""
    with engine.connect() as connection:
        count, latest = connection.execute(select(func.count(Product.id), func.max(Product.updated_at))).one()
    return int(count), str(latest) if latest is not None else None


def _json_text(value: Any, *, sort_keys: bool = True) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=sort_keys, separators=(",", ":"))


def _record(product: Product) -> dict[str, Any]:
    """A product as a JSON Lines object (the CSV writer turns nested values into JSON text)."""
    return {
        "sku": product.sku,
        "title": product.title,
        "description": product.description,
        "category_path": product.category_path,
        "brand": product.brand,
        "price": f"{product.price:.2f}",
        "currency": product.currency,
        "color": product.color,
        "material": product.material,
        "rating": product.rating,
        "rating_count": product.rating_count,
        "image_url": product.image_url,
        "active": product.active,
        "attributes": product.attributes,
        "variants": [
            {"sku": v.sku, "size": v.size, "color": v.color, "stock": v.stock} for v in product.variants
        ],
    }


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return _json_text(value)
    return str(value)


def _write(records: Iterable[dict[str, Any]], out: io.TextIOBase, fmt: CatalogFormat) -> int:
    count = 0
    if fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(FIELDS)
        for record in records:
            writer.writerow([_csv_cell(record[name]) for name in FIELDS])
            count += 1
    else:
        for record in records:
            out.write(_json_text(record, sort_keys=False) + "\n")
            count += 1
    return count


def export_catalog(engine: Engine, path: str | Path, *, fmt: str | None = None) -> ExportResult:
    """Write every product (sorted by SKU) to `path` ("-" for standard output) as CSV or JSON Lines."""
    name = str(path)
    chosen = _format(name, fmt)
    with transaction(engine) as session:
        products = session.scalars(
            select(Product).order_by(Product.sku).options(selectinload(Product.variants))
        )
        records = [_record(p) for p in products]
    if name == "-":
        count = _write(records, sys.stdout, chosen)  # type: ignore[arg-type]
        return ExportResult(path=name, format=chosen, products=count)
    target = Path(name)
    temporary = target.with_name(f".{target.name}.partial")
    try:
        with temporary.open("w", encoding="utf-8", newline="") as out:
            count = _write(records, out, chosen)  # type: ignore[arg-type]
        temporary.replace(target)  # never leave a half-written catalog behind
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise CatalogFileError(f"{name}: cannot write ({error.strerror})") from None
    return ExportResult(path=name, format=chosen, products=count)
