"""WooCommerce's product CSV (its built-in exporter) and its orders (the REST API's JSON), read
into our schema (mapping: data/platform-imports.md).

Products: a variable product's variations are separate rows that name it in `Parent`
(`id:123` or its SKU) and may come anywhere after it, so variable products wait until the end
of the file; simple products are passed on at once. Orders: WooCommerce core has no order CSV;
its standard order export is the REST API (`GET /wp-json/wc/v3/orders`), saved as a JSON array
or one order per line (JSON Lines, streamed).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
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
from shop.rowfiles import Record, RowError, csv_records, parse_json_line

PRODUCT_COLUMNS = Columns(
    {
        "id": ("ID",),
        "type": ("Type",),
        "sku": ("SKU",),
        "name": ("Name",),
        "published": ("Published",),
        "short": ("Short description",),
        "description": ("Description",),
        "regular": ("Regular price",),
        "sale": ("Sale price",),
        "categories": ("Categories",),
        "tags": ("Tags",),
        "images": ("Images",),
        "stock": ("Stock",),
        "in_stock": ("In stock?",),
        "parent": ("Parent",),
        "brands": ("Brands", "Brand"),
        **{f"attr{n}_name": (f"Attribute {n} name",) for n in range(1, 6)},
        **{f"attr{n}_value": (f"Attribute {n} value(s)",) for n in range(1, 6)},
    }
)
#: WooCommerce order statuses -> ours.
ORDER_STATUS = {
    "pending": OrderStatus.PLACED,
    "on-hold": OrderStatus.PLACED,
    "checkout-draft": OrderStatus.PLACED,
    "draft": OrderStatus.PLACED,
    "processing": OrderStatus.PAID,
    "completed": OrderStatus.SHIPPED,
    "cancelled": OrderStatus.CANCELLED,
    "failed": OrderStatus.CANCELLED,
    "trash": OrderStatus.CANCELLED,
}
TRACKING_KEY = "_wc_shipment_tracking_items"


def is_product_csv(header: list[str]) -> bool:
    c = PRODUCT_COLUMNS
    return c.present(header, "type") and c.present(header, "sku") and c.present(header, "regular")


def is_order_object(value: dict[str, Any]) -> bool:
    return "line_items" in value and ("billing" in value or "date_created" in value)


# --- products ---------------------------------------------------------------------------------
def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text) if text else None
    except InvalidOperation:
        return None


def _attributes(raw: dict[str, Any]) -> dict[str, list[str]]:
    c = PRODUCT_COLUMNS
    found = {}
    for n in range(1, 6):
        name = c.get(raw, f"attr{n}_name")
        if name:
            found[name] = split_list(c.get(raw, f"attr{n}_value"))
    return found


def _price_of(raw: dict[str, Any]) -> tuple[str, str | None]:
    """(price, compare-at price): a sale price is the price, the regular one then the compare-at."""
    c = PRODUCT_COLUMNS
    regular, sale = c.get(raw, "regular"), c.get(raw, "sale")
    low, high = _decimal(sale), _decimal(regular)
    if sale and low is not None and high is not None and low < high:
        return sale, regular
    return regular or sale, None


def _stock(raw: dict[str, Any]) -> str:
    c = PRODUCT_COLUMNS
    stock = c.get(raw, "stock")
    if stock:
        return str(max(0, int(float(stock)))) if _decimal(stock) is not None else stock
    return "1" if c.get(raw, "in_stock") in ("1", "yes") else "0"


def product_record(line: int, raw: dict[str, Any], variations: list[dict[str, Any]]) -> Record:
    c = PRODUCT_COLUMNS
    sku = c.get(raw, "sku") or f"woo-{c.get(raw, 'id')}"
    options = _attributes(raw)
    brand = c.get(raw, "brands") or next((v[0] for k, v in options.items() if k.lower() == "brand" and v), "")
    price, compare = _price_of(raw)
    variants = []
    for variation in variations:
        values = _attributes(variation)
        size = next((v[0] for k, v in values.items() if k.lower() in SIZE_NAMES and v), None)
        color = next((v[0] for k, v in values.items() if k.lower() in COLOR_NAMES and v), None)
        v_price, v_compare = _price_of(variation)
        if v_price and (not price or (_decimal(v_price) or 0) < (_decimal(price) or Decimal("Infinity"))):
            price, compare = v_price, v_compare
        variants.append(
            {
                "sku": c.get(variation, "sku") or f"{sku}-{c.get(variation, 'id')}",
                "size": size,
                "color": color,
                "stock": _stock(variation),
            }
        )
    if not variations:
        variants.append({"sku": f"{sku}-STD", "size": None, "color": None, "stock": _stock(raw)})
    attributes: dict[str, Any] = {"source": "woocommerce"}
    if c.get(raw, "tags"):
        attributes["tags"] = split_list(c.get(raw, "tags"))
    if compare:
        attributes["compare_at_price"] = compare
    sizes = next((v for k, v in options.items() if k.lower() in SIZE_NAMES), None)
    if sizes:
        attributes["sizes"] = sizes
    other = {k: v for k, v in options.items() if k.lower() not in SIZE_NAMES | COLOR_NAMES | {"brand"}}
    if other:
        attributes["options"] = other
    colors = next((v for k, v in options.items() if k.lower() in COLOR_NAMES), [])
    categories = split_list(c.get(raw, "categories"))
    description = html_to_text(c.get(raw, "description")) or html_to_text(c.get(raw, "short"))
    images = split_list(c.get(raw, "images"))
    return line, {
        "sku": sku,
        "title": c.get(raw, "name"),
        "description": description,
        "category_path": max(categories, key=lambda p: p.count(">")) if categories else UNCATEGORIZED,
        "brand": brand or UNBRANDED,
        "price": price,
        "color": colors[0] if len(colors) == 1 else None,
        "image_url": images[0] if images else None,
        "active": c.get(raw, "published") == "1",
        "attributes": attributes,
        "variants": variants,
    }


def read_products(stream: TextIO) -> Iterator[tuple[str, Record | RowError]]:
    c = PRODUCT_COLUMNS
    parents: dict[str, tuple[int, dict[str, Any]]] = {}
    variations: dict[str, list[dict[str, Any]]] = {}
    first_lines: dict[str, int] = {}
    for item in csv_records(stream):
        if isinstance(item, RowError):
            yield "products", item
            continue
        line, raw = item
        kinds = {k.strip() for k in c.get(raw, "type").lower().split(",")}
        if "variation" in kinds:
            parent = c.get(raw, "parent")
            key = parent.removeprefix("id:") if parent.startswith("id:") else parent
            variations.setdefault(key, []).append(raw)
            first_lines.setdefault(key, line)
        elif "variable" in kinds:
            parents[c.get(raw, "id") or c.get(raw, "sku")] = (line, raw)
        elif kinds & {"grouped", "external"}:
            continue  # a grouped product is a page of other products; an external one is sold elsewhere
        else:
            yield "products", product_record(line, raw, [])
    claimed: set[str] = set()
    for line, raw in parents.values():
        own = variations.get(c.get(raw, "id"), []) + variations.get(c.get(raw, "sku"), [])
        claimed.update(k for k in (c.get(raw, "id"), c.get(raw, "sku")) if k)
        yield "products", product_record(line, raw, own)
    for parent in sorted(set(variations) - claimed):
        yield (
            "products",
            RowError(
                line=first_lines[parent], reason=f"variation(s) of unknown parent {parent!r}", sku=parent
            ),
        )


# --- orders -----------------------------------------------------------------------------------
def _gmt(order: dict[str, Any], name: str) -> datetime | None:
    value = order.get(f"{name}_gmt") or order.get(name)
    moment = when(value if isinstance(value, str) else None)
    return moment


def _tracking(order: dict[str, Any]) -> list[dict[str, Any]]:
    for meta in order.get("meta_data") or []:
        if isinstance(meta, dict) and meta.get("key") == TRACKING_KEY and isinstance(meta.get("value"), list):
            return [t for t in meta["value"] if isinstance(t, dict)]
    return []


def order_records(line: int, order: dict[str, Any], customers_seen: set[str]) -> Iterator[tuple[str, Record]]:
    billing = order.get("billing") if isinstance(order.get("billing"), dict) else {}
    shipping = order.get("shipping") if isinstance(order.get("shipping"), dict) else {}
    number = str(order.get("number") or order.get("id") or "")
    raw_status = str(order.get("status") or "").lower()
    completed = _gmt(order, "date_completed")
    status = ORDER_STATUS.get(raw_status)
    if raw_status == "refunded":
        status = OrderStatus.RETURNED if completed else OrderStatus.CANCELLED
    times = {
        OrderStatus.PLACED: _gmt(order, "date_created"),
        OrderStatus.PAID: _gmt(order, "date_paid"),
        OrderStatus.SHIPPED: completed,
    }
    if status in (OrderStatus.CANCELLED, OrderStatus.RETURNED):
        times[status] = _gmt(order, "date_modified")
    history = stages(status, times) if status else []
    email = str(billing.get("email") or "").lower()
    person = " ".join(p for p in (billing.get("first_name"), billing.get("last_name")) if p) or email
    customer = str(order.get("customer_id") or 0)
    if customer != "0" and customer not in customers_seen:
        customers_seen.add(customer)
        yield (
            "customers",
            (
                line,
                {
                    "customer_id": f"woo-{customer}",
                    "email": email,
                    "name": person,
                    "street": billing.get("address_1") or None,
                    "city": billing.get("city") or None,
                    "postcode": billing.get("postcode") or None,
                    "country": billing.get("country") or None,
                    "created_at": placed.isoformat() if (placed := times[OrderStatus.PLACED]) else None,
                },
            ),
        )
    shipping_name = " ".join(p for p in (shipping.get("first_name"), shipping.get("last_name")) if p)
    yield (
        "orders",
        (
            line,
            {
                "order_number": number,
                "customer_id": f"woo-{customer}" if customer != "0" else None,
                "email": email,
                "status": status.value if status else raw_status or None,
                "status_at": history[-1].at.isoformat() if history else None,
                "placed_at": times[OrderStatus.PLACED].isoformat() if times[OrderStatus.PLACED] else None,
                "currency": order.get("currency"),
                "total": str(order.get("total") or "") or None,
                "shipping_name": shipping_name or person,
                "shipping_street": shipping.get("address_1") or "",
                "shipping_city": shipping.get("city") or "",
                "shipping_postcode": shipping.get("postcode") or "",
                "shipping_country": shipping.get("country") or "",
                "lines": [
                    {
                        "sku": item.get("sku") or None,
                        "quantity": item.get("quantity"),
                        "unit_price": str(item.get("price")),
                    }
                    for item in order.get("line_items") or []
                    if isinstance(item, dict)
                ],
                HISTORY_KEY: history,
            },
        ),
    )
    for tracking in _tracking(order)[:1]:  # our shipments are one per order: the first parcel
        shipped = tracking.get("date_shipped")
        if str(shipped or "").isdigit():
            shipped = datetime.fromtimestamp(int(shipped), UTC).replace(tzinfo=None).isoformat()
        yield (
            "shipments",
            (
                line,
                {
                    "order_number": number,
                    "carrier": tracking.get("tracking_provider") or tracking.get("custom_tracking_provider"),
                    "tracking_number": tracking.get("tracking_number"),
                    "shipped_at": shipped or (completed.isoformat() if completed else None),
                },
            ),
        )
    for refund in order.get("refunds") or []:
        if isinstance(refund, dict):
            amount = str(refund.get("total") or "").lstrip("-")
            yield (
                "refunds",
                (
                    line,
                    {
                        "refund_id": f"woo-{refund.get('id')}",
                        "order_number": number,
                        "amount": amount,
                        "currency": order.get("currency"),
                        "status": "issued",
                    },
                ),
            )


def read_orders(stream: TextIO, *, array: bool) -> Iterator[tuple[str, Record | RowError]]:
    """Orders from a JSON array (`array`, read whole) or JSON Lines (one order per line, streamed)."""
    customers_seen: set[str] = set()
    if array:
        try:
            orders = json.load(stream)
        except json.JSONDecodeError as error:
            yield (
                "orders",
                RowError(line=error.lineno, reason=f"bad JSON: {error.msg} (column {error.colno})"),
            )
            return
        except RecursionError:
            yield "orders", RowError(line=1, reason="bad JSON: nested too deeply")
            return
        except ValueError:  # an integer of more digits than Python converts
            yield "orders", RowError(line=1, reason="bad JSON: a number too long")
            return
        if not isinstance(orders, list):
            yield "orders", RowError(line=1, reason="expected a JSON array of orders")
            return
        numbered = ((number, order) for number, order in enumerate(orders, start=1))
        where = "order"
    else:
        numbered = ((n, _json_line(text)) for n, text in enumerate(stream, start=1) if text.strip())
        where = "line"
    for number, order in numbered:
        if isinstance(order, RowError):
            yield "orders", RowError(line=number, reason=order.reason)
        elif not isinstance(order, dict):
            yield "orders", RowError(line=number, reason=f"{where} {number} is not a JSON object")
        else:
            yield from order_records(number, order, customers_seen)


def _json_line(text: str) -> dict[str, Any] | RowError:
    value, problem = parse_json_line(text)
    return RowError(line=0, reason=problem) if problem else value
