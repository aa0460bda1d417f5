"""Which file is which: the kind of data (products, orders, ...) and the format it is in.

`detect(path, family)` reads only the header line (CSV) or the first record (JSON Lines), and
`read(source)` streams the file's records as our schema's raw records, whatever the platform:
`(kind, (line, raw))` or `(kind, RowError)`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from shop.catalog_rows import FIELDS as CATALOG_FIELDS
from shop.catalog_rows import REQUIRED as CATALOG_REQUIRED
from shop.importing import shopify, woocommerce
from shop.importing.rows import FIELDS, KEY_FIELD, REQUIRED
from shop.rowfiles import FileProblem, Record, RowError, csv_header, open_text, parse_json_line, records

Family = Literal["ours", "shopify", "woocommerce"]
FAMILIES: tuple[str, ...] = ("auto", "ours", "shopify", "woocommerce")
_OUR_KINDS = {"products": (CATALOG_FIELDS, CATALOG_REQUIRED), **{k: (FIELDS[k], REQUIRED[k]) for k in FIELDS}}
_OUR_KEYS = {"products": "sku", **KEY_FIELD}
#: Columns that tell our kinds apart (beyond the required ones every kind has).
_SIGNATURES = {
    "products": {"sku", "title"},
    "customers": {"customer_id", "name"},
    "orders": {"order_number", "lines", "placed_at"},
    "shipments": {"order_number", "tracking_number"},
    "returns": {"rma_number", "reason"},
    "refunds": {"refund_id", "amount"},
}


@dataclass(frozen=True)
class Source:
    path: str
    family: Family
    #: What the file holds: "products", "orders" (a platform's orders bring customers, refunds, ...) ...
    kind: str
    format: Literal["csv", "jsonl", "json"]

    def describe(self) -> str:
        family = {"ours": "our", "shopify": "Shopify", "woocommerce": "WooCommerce"}[self.family]
        return f"{family} {self.kind} ({self.format.upper()})"


def _format(path: str) -> Literal["csv", "jsonl", "json"]:
    lowered = path.lower()
    if lowered.endswith(".csv"):
        return "csv"
    if lowered.endswith((".jsonl", ".ndjson", ".jsonlines")):
        return "jsonl"
    if lowered.endswith(".json"):
        return "json"
    with open_text(path) as stream:
        start = stream.read(64).lstrip()
    return "json" if start.startswith("[") else "jsonl" if start.startswith("{") else "csv"


def _first_object(path: str) -> dict:
    with open_text(path) as stream:
        for line in stream:
            if line.strip():
                value, _problem = parse_json_line(line)
                return value if isinstance(value, dict) else {}
    return {}


def _our_kind(names: set[str]) -> str | None:
    matches = [kind for kind, needed in _SIGNATURES.items() if needed <= names]
    return matches[0] if len(matches) == 1 else None


def detect(path: str | Path, family: str = "auto") -> Source:
    """The file's family and kind from its header or first record; `FileProblem` if unknowable."""
    name = str(path)
    if family not in FAMILIES:
        raise FileProblem(f"{name}: unknown format {family!r} (use one of: {', '.join(FAMILIES)})")
    fmt = _format(name)
    found: list[tuple[Family, str]] = []
    if fmt == "csv":
        with open_text(name) as stream:
            header = csv_header(stream)
        if not header:
            raise FileProblem(f"{name}: the file is empty (expected a header line)")
        if shopify.is_product_csv(header):
            found.append(("shopify", "products"))
        if shopify.is_order_csv(header):
            found.append(("shopify", "orders"))
        if woocommerce.is_product_csv(header):
            found.append(("woocommerce", "products"))
        ours = _our_kind(set(header))
        if ours:
            found.append(("ours", ours))
    elif fmt == "json":
        found.append(("woocommerce", "orders"))
    else:
        first = _first_object(name)
        if woocommerce.is_order_object(first):
            found.append(("woocommerce", "orders"))
        ours = _our_kind(set(first))
        if ours:
            found.append(("ours", ours))
    if family != "auto":
        found = [f for f in found if f[0] == family]
    if len(found) != 1:
        wanted = "" if family == "auto" else f" {family}"
        raise FileProblem(
            f"{name}: cannot tell what kind of{wanted} file this is from its "
            f"{'header' if fmt == 'csv' else 'first record'} (see data/shop-data-schema.md and "
            "data/platform-imports.md), or pass --format"
        )
    chosen_family, kind = found[0]
    return Source(path=name, family=chosen_family, kind=kind, format=fmt)


def read(source: Source) -> Iterator[tuple[str, Record | RowError]]:
    """The source's records in our schema, streamed (the file is open while the caller iterates)."""
    with open_text(source.path) as stream:
        if source.family == "ours":
            fields, required = _OUR_KINDS[source.kind]
            fmt = "csv" if source.format == "csv" else "jsonl"
            for item in records(stream, fmt, fields=fields, required=required, key=_OUR_KEYS[source.kind]):
                yield source.kind, item
        elif source.family == "shopify":
            yield from (shopify.read_products if source.kind == "products" else shopify.read_orders)(stream)
        elif source.kind == "products":
            yield from woocommerce.read_products(stream)
        else:
            yield from woocommerce.read_orders(stream, array=source.format == "json")
