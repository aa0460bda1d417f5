"""Shopify's product CSV and order CSV, read into our schema (mapping: data/platform-imports.md).

Both files spread one thing over several rows: a product's variants and images over rows that
share its Handle, an order's line items over rows that share its Name. Rows of one product or
order are consecutive in Shopify's exports, so each group is read, turned into our raw records
(the catalog's fields, our orders' fields) and validated by the same code as our own files.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import Any, TextIO

from shop.importing.html_text import html_to_text
from shop.importing.platform import (
    COLOR_NAMES,
    SIZE_NAMES,
    UNBRANDED,
    UNCATEGORIZED,
    Columns,
    split_list,
    stages,
    when,
)
from shop.importing.rows import HISTORY_KEY
from shop.models import OrderStatus
from shop.rowfiles import Record, RowError, csv_records

PRODUCT_COLUMNS = Columns(
    {
        "handle": ("Handle", "URL handle"),
        "title": ("Title",),
        "body": ("Body (HTML)", "Description"),
        "vendor": ("Vendor",),
        "category": ("Product Category", "Product category"),
        "type": ("Type",),
        "tags": ("Tags",),
        "published": ("Published", "Published on online store"),
        "status": ("Status",),
        "sku": ("Variant SKU", "SKU"),
        "qty": ("Variant Inventory Qty", "Inventory quantity"),
        "price": ("Variant Price", "Price"),
        "compare_at": ("Variant Compare At Price", "Compare-at price"),
        "image": ("Image Src", "Product image URL"),
        **{f"option{n}_name": (f"Option{n} Name",) for n in (1, 2, 3)},
        **{f"option{n}_value": (f"Option{n} Value",) for n in (1, 2, 3)},
    }
)
ORDER_COLUMNS = Columns(
    {
        name: (column,)
        for name, column in {
            "name": "Name",
            "email": "Email",
            "financial": "Financial Status",
            "paid_at": "Paid at",
            "fulfillment": "Fulfillment Status",
            "fulfilled_at": "Fulfilled at",
            "currency": "Currency",
            "total": "Total",
            "created_at": "Created at",
            "cancelled_at": "Cancelled at",
            "refunded": "Refunded Amount",
            "qty": "Lineitem quantity",
            "item_name": "Lineitem name",
            "item_price": "Lineitem price",
            "item_sku": "Lineitem sku",
            "billing_name": "Billing Name",
            "billing_street": "Billing Street",
            "billing_city": "Billing City",
            "billing_zip": "Billing Zip",
            "billing_country": "Billing Country",
            "ship_name": "Shipping Name",
            "ship_street": "Shipping Street",
            "ship_city": "Shipping City",
            "ship_zip": "Shipping Zip",
            "ship_country": "Shipping Country",
        }.items()
    }
)


def is_product_csv(header: list[str]) -> bool:
    return PRODUCT_COLUMNS.present(header, "handle") and PRODUCT_COLUMNS.present(header, "title")


def is_order_csv(header: list[str]) -> bool:
    return ORDER_COLUMNS.present(header, "name") and (
        ORDER_COLUMNS.present(header, "qty") or ORDER_COLUMNS.present(header, "financial")
    )


def _groups(stream: TextIO, key: str, columns: Columns) -> Iterator[list[Record] | RowError]:
    """Consecutive rows with the same `key` column (a row with it empty continues the group)."""
    group: list[Record] = []
    current = None
    for item in csv_records(stream):
        if isinstance(item, RowError):
            yield item
            continue
        value = columns.get(item[1], key)
        if group and value and value != current:
            yield group
            group = []
        if value:
            current = value
        if not group and not value:
            yield RowError(line=item[0], reason=f"the row has no {key} and follows no other row")
            continue
        group.append(item)
    if group:
        yield group


# --- products ---------------------------------------------------------------------------------
def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text) if text else None
    except InvalidOperation:
        return None


def product_record(group: list[Record]) -> Record:
    """A product's rows -> one record of our catalog's fields (validated later like ours)."""
    c = PRODUCT_COLUMNS
    line, first = group[0]
    handle = c.get(first, "handle")
    option_names = [c.get(first, f"option{n}_name") for n in (1, 2, 3)]
    variants, prices, compare, options = [], [], [], {}
    image = next((c.get(raw, "image") for _, raw in group if c.get(raw, "image")), "")
    for number, (_, raw) in enumerate(r for r in group if _is_variant_row(r[1])):
        values = {
            name: c.get(raw, f"option{n}_value") for n, name in zip((1, 2, 3), option_names, strict=True)
        }
        size = next((v for name, v in values.items() if name.lower() in SIZE_NAMES and v), None)
        color = next((v for name, v in values.items() if name.lower() in COLOR_NAMES and v), None)
        for name, value in values.items():
            if name and value and name.lower() not in SIZE_NAMES | COLOR_NAMES and name != "Title":
                options.setdefault(name, [])
                if value not in options[name]:
                    options[name].append(value)
        qty = c.get(raw, "qty")
        variants.append(
            {
                "sku": c.get(raw, "sku") or f"{handle}-{number + 1}",
                "size": size,
                "color": color,
                "stock": str(max(0, int(qty))) if re.fullmatch(r"-?\d+", qty) else (qty or "0"),
            }
        )
        if c.get(raw, "price"):
            prices.append(c.get(raw, "price"))
        if _decimal(c.get(raw, "compare_at")) is not None:
            compare.append(_decimal(c.get(raw, "compare_at")))
    unreadable = [p for p in prices if _decimal(p) is None]
    # The product's price is its lowest variant price; an unreadable one is passed on to be reported.
    price = unreadable[0] if unreadable else min(prices, key=_decimal) if prices else ""
    attributes: dict[str, Any] = {"source": "shopify"}
    tags = split_list(c.get(first, "tags"))
    if tags:
        attributes["tags"] = tags
    low = _decimal(price)
    if compare and low is not None and max(compare) > low:
        attributes["compare_at_price"] = f"{max(compare):.2f}"
    sizes = [v["size"] for v in variants if v["size"]]
    if sizes:
        attributes["sizes"] = list(dict.fromkeys(sizes))
    if options:
        attributes["options"] = options
    if c.get(first, "type"):
        attributes["product_type"] = c.get(first, "type")
    colors = {v["color"] for v in variants if v["color"]}
    status = c.get(first, "status").lower()
    published = c.get(first, "published").lower()
    record = {
        "sku": handle,
        "title": c.get(first, "title"),
        "description": html_to_text(c.get(first, "body")),
        "category_path": c.get(first, "category") or c.get(first, "type") or UNCATEGORIZED,
        "brand": c.get(first, "vendor") or UNBRANDED,
        "price": price,
        "color": colors.pop() if len(colors) == 1 else None,
        "image_url": image or None,
        "active": status == "active" if status else published not in ("false", "no", "0"),
        "attributes": attributes,
        "variants": variants or None,
    }
    return line, record


def _is_variant_row(raw: dict[str, Any]) -> bool:
    c = PRODUCT_COLUMNS
    return bool(c.get(raw, "sku") or c.get(raw, "price") or c.get(raw, "option1_value"))


def read_products(stream: TextIO) -> Iterator[tuple[str, Record | RowError]]:
    for group in _groups(stream, "handle", PRODUCT_COLUMNS):
        yield "products", group if isinstance(group, RowError) else product_record(group)


# --- orders -----------------------------------------------------------------------------------
def order_status(financial: str, fulfillment: str, cancelled: bool) -> OrderStatus:
    financial, fulfillment = financial.lower(), fulfillment.lower()
    if cancelled or financial == "voided":
        return OrderStatus.CANCELLED
    if fulfillment in ("fulfilled", "partial", "partially_fulfilled"):
        return OrderStatus.RETURNED if financial == "refunded" else OrderStatus.SHIPPED
    if financial in ("paid", "partially_paid", "partially_refunded", "refunded"):
        return OrderStatus.PAID
    return OrderStatus.PLACED


def order_records(group: list[Record], customers_seen: set[str]) -> Iterator[tuple[str, Record | RowError]]:
    c = ORDER_COLUMNS
    line, first = group[0]
    name = c.get(first, "name")
    number = re.sub(r"^\D+", "", name)
    email = c.get(first, "email").lower()
    lines, problems = [], []
    for item_line, raw in group:
        if not c.get(raw, "qty") and not c.get(raw, "item_sku"):
            continue
        if not c.get(raw, "item_sku"):
            problems.append(f"line item on line {item_line} ({c.get(raw, 'item_name')!r}) has no SKU")
            continue
        lines.append(
            {
                "sku": c.get(raw, "item_sku"),
                "quantity": c.get(raw, "qty"),
                "unit_price": c.get(raw, "item_price"),
            }
        )
    if problems:
        yield "orders", RowError(line=line, reason="; ".join(problems), sku=name)
        return
    cancelled_at = when(c.get(first, "cancelled_at"))
    status = order_status(
        c.get(first, "financial"), c.get(first, "fulfillment"), bool(c.get(first, "cancelled_at"))
    )
    times = {
        OrderStatus.PLACED: when(c.get(first, "created_at")),
        OrderStatus.PAID: when(c.get(first, "paid_at")),
        OrderStatus.SHIPPED: when(c.get(first, "fulfilled_at")),
        OrderStatus.CANCELLED: cancelled_at,
    }
    person = c.get(first, "billing_name") or c.get(first, "ship_name") or email
    if email and email not in customers_seen:
        customers_seen.add(email)
        yield (
            "customers",
            (
                line,
                {
                    "customer_id": email,
                    "email": email,
                    "name": person,
                    "street": c.get(first, "billing_street") or None,
                    "city": c.get(first, "billing_city") or None,
                    "postcode": c.get(first, "billing_zip") or None,
                    "country": c.get(first, "billing_country") or None,
                    "created_at": c.get(first, "created_at") or None,
                },
            ),
        )
    history = stages(status, times)
    yield (
        "orders",
        (
            line,
            {
                "order_number": number or name,
                "customer_id": email or None,
                "email": email,
                "status": status.value,
                "status_at": history[-1].at.isoformat() if history else None,
                "placed_at": c.get(first, "created_at"),
                "currency": c.get(first, "currency"),
                "total": c.get(first, "total"),
                "shipping_name": c.get(first, "ship_name") or person,
                "shipping_street": c.get(first, "ship_street"),
                "shipping_city": c.get(first, "ship_city"),
                "shipping_postcode": c.get(first, "ship_zip"),
                "shipping_country": c.get(first, "ship_country"),
                "lines": lines,
                HISTORY_KEY: history,
            },
        ),
    )
    refunded = _decimal(c.get(first, "refunded"))
    if refunded is not None and refunded > 0:
        at = cancelled_at or (history[-1].at if history else None)
        yield (
            "refunds",
            (
                line,
                {
                    "refund_id": f"shopify-{number or name}",
                    "order_number": number or name,
                    "amount": c.get(first, "refunded"),
                    "currency": c.get(first, "currency"),
                    "status": "issued",
                    "created_at": at.isoformat() if at else None,
                    "issued_at": at.isoformat() if at else None,
                },
            ),
        )


def read_orders(stream: TextIO) -> Iterator[tuple[str, Record | RowError]]:
    customers_seen: set[str] = set()
    for group in _groups(stream, "name", ORDER_COLUMNS):
        if isinstance(group, RowError):
            yield "orders", group
        else:
            yield from order_records(group, customers_seen)
