"""Our schema for the shop's own data: customers, orders, shipments, returns and refunds.

One module, pure (no database): each kind's fields (`FIELDS`, the single source of truth in
code for data/shop-data-schema.md) and a `validate_*` function that turns one raw record
(CSV cells are text; JSON Lines values may be typed) into a frozen row or a `RowError` listing
every problem of the row. Checks that need the database (does the customer exist? the SKU?)
happen in `shop.importing.writer`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from shop import rowfields as f
from shop.models import OrderStatus, RefundStatus, ReturnStatus
from shop.rowfiles import RowError

ORDER_STATUSES = tuple(s.value for s in OrderStatus)
RETURN_STATUSES = tuple(s.value for s in ReturnStatus)
REFUND_STATUSES = tuple(s.value for s in RefundStatus)
_MAX_ORDER_NUMBER = 2**31 - 1
#: Where a platform reader puts an order's earlier stages (a list of StatusRow) in a raw record.
HISTORY_KEY = "_history"


@dataclass(frozen=True)
class CustomerRow:
    line: int
    customer_id: str
    email: str
    name: str
    segment: str | None = None
    street: str | None = None
    city: str | None = None
    postcode: str | None = None
    country: str | None = None
    created_at: datetime | None = None

    @property
    def key(self) -> str:
        return self.customer_id


@dataclass(frozen=True)
class LineRow:
    sku: str
    quantity: int
    unit_price: Decimal


@dataclass(frozen=True)
class StatusRow:
    status: OrderStatus
    at: datetime
    note: str | None = None


@dataclass(frozen=True)
class OrderRow:
    line: int
    order_number: int
    email: str
    status: OrderStatus
    placed_at: datetime
    lines: tuple[LineRow, ...]
    customer_id: str | None = None
    #: When the current status was reached (default: the import's time for a change).
    status_at: datetime | None = None
    currency: str = "USD"
    total: Decimal | None = None
    shipping_name: str = ""
    shipping_street: str = ""
    shipping_city: str = ""
    shipping_postcode: str = ""
    shipping_country: str = ""
    #: The stages before the current one, for a new order (platform files know them).
    history: tuple[StatusRow, ...] = ()

    @property
    def key(self) -> str:
        return str(self.order_number)


@dataclass(frozen=True)
class ShipmentRow:
    line: int
    order_number: int
    carrier: str
    tracking_number: str
    shipped_at: datetime
    estimated_delivery: date | None = None
    delivered_at: datetime | None = None

    @property
    def key(self) -> str:
        return str(self.order_number)


@dataclass(frozen=True)
class ReturnRow:
    line: int
    rma_number: str
    order_number: int
    reason: str
    status: ReturnStatus
    refund_amount: Decimal
    lines: tuple[tuple[str, int], ...]
    created_at: datetime | None = None

    @property
    def key(self) -> str:
        return self.rma_number


@dataclass(frozen=True)
class RefundRow:
    line: int
    refund_id: str
    order_number: int
    amount: Decimal
    status: RefundStatus
    currency: str = "USD"
    rma_number: str | None = None
    created_at: datetime | None = None
    issued_at: datetime | None = None

    @property
    def key(self) -> str:
        return self.refund_id


ShopRow = CustomerRow | OrderRow | ShipmentRow | ReturnRow | RefundRow

#: Fields of each kind (export order) and the required ones.
FIELDS: dict[str, tuple[str, ...]] = {
    "customers": (
        "customer_id", "email", "name", "segment", "street", "city", "postcode", "country", "created_at",
    ),
    "orders": (
        "order_number", "customer_id", "email", "status", "status_at", "placed_at", "currency", "total",
        "shipping_name", "shipping_street", "shipping_city", "shipping_postcode", "shipping_country",
        "lines",
    ),
    "shipments": (
        "order_number", "carrier", "tracking_number", "shipped_at", "estimated_delivery", "delivered_at",
    ),
    "returns": ("rma_number", "order_number", "reason", "status", "refund_amount", "created_at", "lines"),
    "refunds": (
        "refund_id", "order_number", "rma_number", "amount", "currency", "status", "created_at", "issued_at",
    ),
}  # fmt: skip
REQUIRED: dict[str, tuple[str, ...]] = {
    "customers": ("customer_id", "email", "name"),
    "orders": ("order_number", "email", "status", "placed_at", "lines"),
    "shipments": ("order_number", "carrier", "tracking_number", "shipped_at"),
    "returns": ("rma_number", "order_number", "reason", "status", "refund_amount", "lines"),
    "refunds": ("refund_id", "order_number", "amount", "status"),
}
#: The field that names a row in error reports.
KEY_FIELD = {
    "customers": "customer_id",
    "orders": "order_number",
    "shipments": "order_number",
    "returns": "rma_number",
    "refunds": "refund_id",
}


class _Row:
    """Collects every problem of one raw record while reading its fields."""

    def __init__(self, raw: dict[str, Any], kind: str) -> None:
        self.raw = raw
        self.problems: list[str] = []
        for name in REQUIRED[kind]:
            if f.blank(raw.get(name)):
                self.problems.append(f"missing {name}")

    def get(self, name: str, parse: Callable[[Any], Any], default: Any = None) -> Any:
        value = self.raw.get(name)
        if f.blank(value):
            return default
        try:
            return parse(value)
        except f.Invalid as error:
            self.problems.append(str(error))
            return default


def order_number(value: Any, name: str = "order_number") -> int:
    number = f.count(str(value).strip().lstrip("#"), name, minimum=1)
    if number > _MAX_ORDER_NUMBER:
        raise f.Invalid(f"bad {name} {value!r}: too large")
    return number


def _key(raw: dict[str, Any], kind: str) -> str | None:
    value = raw.get(KEY_FIELD[kind])
    return None if f.blank(value) else str(value).strip()


def _finish(row: _Row, kind: str, line: int, make: Callable[[], ShopRow]) -> ShopRow | RowError:
    if row.problems:
        return RowError(line=line, reason="; ".join(dict.fromkeys(row.problems)), sku=_key(row.raw, kind))
    return make()


def validate_customer(raw: dict[str, Any], line: int) -> CustomerRow | RowError:
    r = _Row(raw, "customers")
    values = {
        "customer_id": r.get("customer_id", lambda v: f.text(v, "customer_id", 64, id_like=True)),
        "email": r.get("email", f.email),
        "name": r.get("name", lambda v: f.text(v, "name", 200)),
        "segment": r.get("segment", lambda v: f.text(v, "segment", 40)),
        "street": r.get("street", lambda v: f.text(v, "street", 200)),
        "city": r.get("city", lambda v: f.text(v, "city", 100)),
        "postcode": r.get("postcode", lambda v: f.text(v, "postcode", 20, id_like=True)),
        "country": r.get("country", f.country),
        "created_at": r.get("created_at", lambda v: f.moment(v, "created_at")),
    }
    return _finish(r, "customers", line, lambda: CustomerRow(line=line, **values))  # type: ignore[arg-type]


def _order_lines(value: Any) -> tuple[LineRow, ...]:
    items = f.json_objects(value, "lines")
    if not items:
        raise f.Invalid("lines must list at least one {sku, quantity, unit_price}")
    lines = []
    for number, item in enumerate(items, start=1):
        unknown = set(item) - {"sku", "quantity", "unit_price"}
        if unknown:
            raise f.Invalid(f"line {number}: unknown field(s) {', '.join(sorted(unknown))}")
        try:
            sku = f.text(item.get("sku"), "sku", 80, id_like=True)
            if sku is None:
                raise f.Invalid("missing sku")
            quantity = f.count(item.get("quantity"), "quantity", minimum=1)
            if f.blank(item.get("unit_price")):
                raise f.Invalid("missing unit_price")
            price = f.money(item["unit_price"], "unit_price", allow_zero=True)
        except f.Invalid as error:
            raise f.Invalid(f"line {number}: {error}") from None
        lines.append(LineRow(sku=sku, quantity=quantity, unit_price=price))
    return tuple(lines)


def _status(value: Any) -> OrderStatus:
    return OrderStatus(f.choice(value, "status", ORDER_STATUSES))


def validate_order(raw: dict[str, Any], line: int) -> OrderRow | RowError:
    r = _Row(raw, "orders")
    values = {
        "order_number": r.get("order_number", order_number),
        "customer_id": r.get("customer_id", lambda v: f.text(v, "customer_id", 64, id_like=True)),
        "email": r.get("email", f.email),
        "status": r.get("status", _status),
        "status_at": r.get("status_at", lambda v: f.moment(v, "status_at")),
        "placed_at": r.get("placed_at", lambda v: f.moment(v, "placed_at")),
        "currency": r.get("currency", f.currency, f.currency(None)),
        "total": r.get("total", lambda v: f.money(v, "total", allow_zero=True)),
        "lines": r.get("lines", _order_lines),
    }
    for name, limit in (("name", 200), ("street", 200), ("city", 100), ("postcode", 20)):
        field = f"shipping_{name}"
        values[field] = r.get(field, lambda v, n=field, m=limit: f.text(v, n, m, id_like=True), "") or ""
    values["shipping_country"] = (
        r.get("shipping_country", lambda v: f.country(v, "shipping_country"), "") or ""
    )
    # Platform readers know the stages before the current one; our own files give only the current.
    values["history"] = tuple(raw.get(HISTORY_KEY) or ())
    return _finish(r, "orders", line, lambda: OrderRow(line=line, **values))  # type: ignore[arg-type]


def validate_shipment(raw: dict[str, Any], line: int) -> ShipmentRow | RowError:
    r = _Row(raw, "shipments")
    values = {
        "order_number": r.get("order_number", order_number),
        "carrier": r.get("carrier", lambda v: f.text(v, "carrier", 60)),
        "tracking_number": r.get("tracking_number", lambda v: f.text(v, "tracking_number", 60, id_like=True)),
        "shipped_at": r.get("shipped_at", lambda v: f.moment(v, "shipped_at")),
        "estimated_delivery": r.get("estimated_delivery", lambda v: f.day(v, "estimated_delivery")),
        "delivered_at": r.get("delivered_at", lambda v: f.moment(v, "delivered_at")),
    }
    return _finish(r, "shipments", line, lambda: ShipmentRow(line=line, **values))  # type: ignore[arg-type]


def _return_lines(value: Any) -> tuple[tuple[str, int], ...]:
    items = f.json_objects(value, "lines")
    if not items:
        raise f.Invalid("lines must list at least one {sku, quantity}")
    lines = []
    for number, item in enumerate(items, start=1):
        try:
            sku = f.text(item.get("sku"), "sku", 80, id_like=True)
            if sku is None:
                raise f.Invalid("missing sku")
            lines.append((sku, f.count(item.get("quantity", 1), "quantity", minimum=1)))
        except f.Invalid as error:
            raise f.Invalid(f"line {number}: {error}") from None
    return tuple(lines)


def validate_return(raw: dict[str, Any], line: int) -> ReturnRow | RowError:
    r = _Row(raw, "returns")
    values = {
        "rma_number": r.get("rma_number", lambda v: f.text(v, "rma_number", 32, id_like=True)),
        "order_number": r.get("order_number", order_number),
        "reason": r.get("reason", lambda v: f.text(v, "reason", 300)),
        "status": r.get("status", lambda v: ReturnStatus(f.choice(v, "status", RETURN_STATUSES))),
        "refund_amount": r.get("refund_amount", lambda v: f.money(v, "refund_amount", allow_zero=True)),
        "created_at": r.get("created_at", lambda v: f.moment(v, "created_at")),
        "lines": r.get("lines", _return_lines),
    }
    return _finish(r, "returns", line, lambda: ReturnRow(line=line, **values))  # type: ignore[arg-type]


def validate_refund(raw: dict[str, Any], line: int) -> RefundRow | RowError:
    r = _Row(raw, "refunds")
    values = {
        "refund_id": r.get("refund_id", lambda v: f.text(v, "refund_id", 64, id_like=True)),
        "order_number": r.get("order_number", order_number),
        "rma_number": r.get("rma_number", lambda v: f.text(v, "rma_number", 32, id_like=True)),
        "amount": r.get("amount", lambda v: f.money(v, "amount")),
        "currency": r.get("currency", f.currency, f.currency(None)),
        "status": r.get("status", lambda v: RefundStatus(f.choice(v, "status", REFUND_STATUSES))),
        "created_at": r.get("created_at", lambda v: f.moment(v, "created_at")),
        "issued_at": r.get("issued_at", lambda v: f.moment(v, "issued_at")),
    }
    return _finish(r, "refunds", line, lambda: RefundRow(line=line, **values))  # type: ignore[arg-type]


VALIDATORS: dict[str, Callable[[dict[str, Any], int], ShopRow | RowError]] = {
    "customers": validate_customer,
    "orders": validate_order,
    "shipments": validate_shipment,
    "returns": validate_return,
    "refunds": validate_refund,
}
