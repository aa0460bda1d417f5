"""Writing validated rows of the shop's data, batch by batch, inside the caller's transaction.

`ShopDataWriter` upserts each kind by the shop's own key (products by SKU, customers by
`customer_id`, orders by number, shipments by their order, returns by RMA number, refunds by
`refund_id`), resolves references against the database (which already holds the earlier
batches of the same import, flushed but not committed), and collects a `RowError` for every
row it cannot write. It keeps only keys between batches (duplicate checks), never rows, and
empties the session after each batch, so memory stays bounded however long the file is.

A re-import that changes an order's status appends one entry to its history; nothing is
ever deleted by an import except order lines that the file replaces (and only while no
return refers to them).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session, selectinload

from shop.catalog import upsert_products
from shop.catalog_rows import CatalogRow
from shop.importing.rows import (
    CustomerRow,
    OrderRow,
    RefundRow,
    ReturnRow,
    ShipmentRow,
    StatusRow,
)
from shop.models import (
    Customer,
    Order,
    OrderLine,
    OrderStatus,
    OrderStatusEvent,
    Product,
    Refund,
    Return,
    ReturnLine,
    Shipment,
    Variant,
    utcnow,
)
from shop.rowfiles import RowError

#: Kinds in the order they are written (each may refer to the ones before it).
KINDS = ("products", "customers", "orders", "shipments", "returns", "refunds")
_IN_CHUNK = 500
IMPORT_NOTE = "imported"


@dataclass
class KindCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0

    @property
    def changed(self) -> int:
        return self.created + self.updated


@dataclass
class WriteLog:
    """What an import did (or would do), by kind, and every bad row with its file."""

    counts: dict[str, KindCounts] = field(default_factory=lambda: {kind: KindCounts() for kind in KINDS})
    errors: list[tuple[str, RowError]] = field(default_factory=list)
    #: kind -> key of a rejected row -> its line, so that what refers to it can say so.
    rejected: dict[str, dict[str, int]] = field(default_factory=dict)

    def reject(self, path: str, kind: str, error: RowError) -> None:
        self.counts[kind].rejected += 1
        self.errors.append((path, error))
        if error.key:
            self.rejected.setdefault(kind, {}).setdefault(error.key.lstrip("#"), error.line)

    def unknown_order(self, number: int) -> str:
        """Why a row that refers to order `number` (not in the database) cannot be written."""
        line = self.rejected.get("orders", {}).get(str(number))
        if line is not None:
            return f"order {number} is rejected (line {line})"
        return f"unknown order_number {number}"


def _chunks(items: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), _IN_CHUNK):
        yield items[start : start + _IN_CHUNK]


def _lookup(session: Session, query, column, keys: Iterable[Any]) -> list[Any]:  # type: ignore[no-untyped-def]
    found: list[Any] = []
    for chunk in _chunks(sorted(set(keys))):
        found.extend(session.execute(query.where(column.in_(chunk))).all())
    return found


def _set(obj: Any, values: dict[str, Any]) -> bool:
    changed = False
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed


class ShopDataWriter:
    def __init__(self, session: Session, log: WriteLog) -> None:
        self.session = session
        self.log = log
        self._seen: dict[str, dict[str, int]] = {kind: {} for kind in KINDS}
        self._emails: dict[str, int] = {}

    # --- entry point ------------------------------------------------------------------------
    def write(self, path: str, kind: str, rows: list[Any]) -> None:
        """Write one batch of valid rows of one kind; bad ones are logged, not written."""
        fresh = []
        for row in rows:
            first = self._seen[kind].setdefault(row.key if kind != "products" else row.sku, row.line)
            if first != row.line:
                name = {"products": "sku", "shipments": "shipment for order"}.get(kind, _KEY_NAMES[kind])
                self._reject(path, kind, row, f"duplicate {name} (first on line {first})")
            else:
                fresh.append(row)
        if fresh:
            getattr(self, f"_{kind}")(path, fresh)
            self.session.flush()
        self.session.expunge_all()

    def finish(self) -> None:
        """After inserts with explicit order numbers, move PostgreSQL's id sequence past them."""
        if self.session.get_bind().dialect.name == "postgresql" and self._seen["orders"]:
            self.session.execute(
                text(
                    "SELECT setval(pg_get_serial_sequence('orders', 'id'), "
                    "(SELECT COALESCE(MAX(id), 0) + 1 FROM orders), false)"
                )
            )

    def _reject(self, path: str, kind: str, row: Any, reason: str) -> None:
        self.log.reject(path, kind, RowError(line=row.line, reason=reason, sku=str(row.key)))

    def _count(self, kind: str, created: bool, changed: bool) -> None:
        counts = self.log.counts[kind]
        if created:
            counts.created += 1
        elif changed:
            counts.updated += 1
        else:
            counts.unchanged += 1

    # --- products ---------------------------------------------------------------------------
    def _products(self, path: str, rows: list[CatalogRow]) -> None:
        counts, clashes = upsert_products(self.session, rows)
        if clashes:
            for error in clashes:  # the batch is not written; the import as a whole will roll back
                self.log.reject(path, "products", error)
            return
        total = self.log.counts["products"]
        total.created += counts.inserted
        total.updated += counts.updated
        total.unchanged += counts.unchanged

    # --- customers --------------------------------------------------------------------------
    def _customers(self, path: str, rows: list[CustomerRow]) -> None:
        s = self.session
        by_id = {
            c.external_id: c
            for c in _objects(s, Customer, Customer.external_id, [r.customer_id for r in rows])
        }
        by_email = {c.email: c for c in _objects(s, Customer, Customer.email, [r.email for r in rows])}
        for row in rows:
            first = self._emails.setdefault(row.email, row.line)
            if first != row.line:
                self._reject(path, "customers", row, f"duplicate email {row.email} (first on line {first})")
                continue
            customer = by_id.get(row.customer_id)
            holder = by_email.get(row.email)
            if holder is not None and holder is not customer:
                if customer is None and holder.external_id is None:
                    customer = holder  # a customer we know by email only (demo shop, chat) gets its id
                else:
                    owner = holder.external_id or f"#{holder.id}"
                    self._reject(
                        path, "customers", row, f"email {row.email} already belongs to customer {owner}"
                    )
                    continue
            values = {
                "external_id": row.customer_id,
                "email": row.email,
                "name": row.name,
                "segment": row.segment,
                "street": row.street,
                "city": row.city,
                "postcode": row.postcode,
                "country": row.country,
            }
            if customer is None:
                customer = Customer(**values, created_at=row.created_at or utcnow())
                s.add(customer)
                self._count("customers", True, True)
                continue
            if row.created_at is not None:
                values["created_at"] = row.created_at
            self._count("customers", False, _set(customer, values))

    # --- orders -----------------------------------------------------------------------------
    def _orders(self, path: str, rows: list[OrderRow]) -> None:
        s = self.session
        existing = {
            o.id: o
            for o in _objects(
                s,
                Order,
                Order.id,
                [r.order_number for r in rows],
                selectinload(Order.lines),
                selectinload(Order.history),
                selectinload(Order.returns).selectinload(Return.lines),
            )
        }
        customer_ids = dict(
            _lookup(
                s,
                select(Customer.external_id, Customer.id),
                Customer.external_id,
                [r.customer_id for r in rows if r.customer_id],
            )
        )
        skus = resolve_skus(s, [line.sku for r in rows for line in r.lines])
        for row in rows:
            problems = []
            if row.customer_id and row.customer_id not in customer_ids:
                problems.append(f"unknown customer_id {row.customer_id!r}")
            unknown = [line.sku for line in row.lines if line.sku not in skus]
            if unknown:
                problems.append(f"unknown sku(s) {', '.join(dict.fromkeys(unknown))}")
            if problems:
                self._reject(path, "orders", row, "; ".join(problems))
                continue
            wanted = [(*skus[line.sku], line.quantity, line.unit_price) for line in row.lines]
            values = {
                "customer_id": customer_ids.get(row.customer_id) if row.customer_id else None,
                "email": row.email,
                "placed_at": row.placed_at,
                "currency": row.currency,
                "total": row.total if row.total is not None else _total(row),
                "shipping_name": row.shipping_name,
                "shipping_street": row.shipping_street,
                "shipping_city": row.shipping_city,
                "shipping_postcode": row.shipping_postcode,
                "shipping_country": row.shipping_country,
            }
            order = existing.get(row.order_number)
            if order is None:
                order = Order(id=row.order_number, status=row.status, **values)
                order.lines = [_line(spec) for spec in wanted]
                order.history = [
                    OrderStatusEvent(status=h.status, at=h.at, note=h.note) for h in _history(row)
                ]
                s.add(order)
                self._count("orders", True, True)
                continue
            have = [(ln.product_id, ln.variant_id, ln.quantity, ln.unit_price) for ln in order.lines]
            lines_change = have != wanted
            if lines_change and any(r.lines for r in order.returns):
                self._reject(path, "orders", row, "its lines cannot change: the order has returns")
                continue
            changed = _set(order, values)
            if lines_change:
                order.lines = [_line(spec) for spec in wanted]
                changed = True
            if order.status != row.status:
                order.status = row.status
                at = row.status_at or utcnow()
                order.history.append(OrderStatusEvent(status=row.status, at=at, note=IMPORT_NOTE))
                changed = True
            self._count("orders", False, changed)

    # --- shipments --------------------------------------------------------------------------
    def _shipments(self, path: str, rows: list[ShipmentRow]) -> None:
        s = self.session
        numbers = [r.order_number for r in rows]
        orders = {n for (n,) in _lookup(s, select(Order.id), Order.id, numbers)}
        existing = {sh.order_id: sh for sh in _objects(s, Shipment, Shipment.order_id, numbers)}
        for row in rows:
            if row.order_number not in orders:
                self._reject(path, "shipments", row, self.log.unknown_order(row.order_number))
                continue
            values = {
                "carrier": row.carrier,
                "tracking_number": row.tracking_number,
                "shipped_at": row.shipped_at,
                "estimated_delivery": row.estimated_delivery,
                "delivered_at": row.delivered_at,
            }
            shipment = existing.get(row.order_number)
            if shipment is None:
                s.add(Shipment(order_id=row.order_number, **values))
                self._count("shipments", True, True)
            else:
                self._count("shipments", False, _set(shipment, values))

    # --- returns ----------------------------------------------------------------------------
    def _returns(self, path: str, rows: list[ReturnRow]) -> None:
        s = self.session
        numbers = [r.order_number for r in rows]
        order_lines: dict[int, dict[str, tuple[int, int]]] = {}
        query = (
            select(OrderLine.order_id, OrderLine.id, OrderLine.quantity, Product.sku, Variant.sku)
            .join(Product, OrderLine.product_id == Product.id)
            .outerjoin(Variant, OrderLine.variant_id == Variant.id)
        )
        for order_id, line_id, quantity, sku, variant_sku in _lookup(s, query, OrderLine.order_id, numbers):
            lines = order_lines.setdefault(order_id, {})
            lines.setdefault(sku, (line_id, quantity))
            if variant_sku:
                lines[variant_sku] = (line_id, quantity)
        orders = {n for (n,) in _lookup(s, select(Order.id), Order.id, numbers)}
        existing = {
            r.rma_number: r
            for r in _objects(
                s, Return, Return.rma_number, [r.rma_number for r in rows], selectinload(Return.lines)
            )
        }
        for row in rows:
            if row.order_number not in orders:
                self._reject(path, "returns", row, self.log.unknown_order(row.order_number))
                continue
            lines = order_lines.get(row.order_number, {})
            problems, wanted = [], []
            for sku, quantity in row.lines:
                if sku not in lines:
                    problems.append(f"sku {sku} is not in order {row.order_number}")
                elif quantity > lines[sku][1]:
                    problems.append(
                        f"returns {quantity} of {sku}, order {row.order_number} has {lines[sku][1]}"
                    )
                else:
                    wanted.append((lines[sku][0], quantity))
            current = existing.get(row.rma_number)
            if current is not None and current.order_id != row.order_number:
                problems.append(f"rma_number {row.rma_number} belongs to order {current.order_id}")
            if problems:
                self._reject(path, "returns", row, "; ".join(problems))
                continue
            values = {"reason": row.reason, "status": row.status, "refund_amount": row.refund_amount}
            if current is None:
                created = row.created_at or utcnow()
                ret = Return(
                    rma_number=row.rma_number, order_id=row.order_number, created_at=created, **values
                )
                ret.lines = [ReturnLine(order_line_id=line_id, quantity=q) for line_id, q in wanted]
                s.add(ret)
                self._count("returns", True, True)
                continue
            changed = _set(current, values | ({"created_at": row.created_at} if row.created_at else {}))
            if sorted((ln.order_line_id, ln.quantity) for ln in current.lines) != sorted(wanted):
                current.lines = [ReturnLine(order_line_id=line_id, quantity=q) for line_id, q in wanted]
                changed = True
            self._count("returns", False, changed)

    # --- refunds ----------------------------------------------------------------------------
    def _refunds(self, path: str, rows: list[RefundRow]) -> None:
        s = self.session
        orders = {n for (n,) in _lookup(s, select(Order.id), Order.id, [r.order_number for r in rows])}
        returns = {
            rma: (rid, oid)
            for rma, rid, oid in _lookup(
                s,
                select(Return.rma_number, Return.id, Return.order_id),
                Return.rma_number,
                [r.rma_number for r in rows if r.rma_number],
            )
        }
        existing = {
            r.external_id: r for r in _objects(s, Refund, Refund.external_id, [r.refund_id for r in rows])
        }
        holders = dict(
            _lookup(
                s,
                select(Refund.return_id, Refund.external_id),
                Refund.return_id,
                [rid for rid, _ in returns.values()],
            )
        )
        for row in rows:
            problems = []
            if row.order_number not in orders:
                problems.append(self.log.unknown_order(row.order_number))
            return_id = None
            if row.rma_number:
                if row.rma_number not in returns:
                    problems.append(f"unknown rma_number {row.rma_number}")
                else:
                    return_id, return_order = returns[row.rma_number]
                    if return_order != row.order_number:
                        problems.append(f"rma_number {row.rma_number} belongs to order {return_order}")
                    elif holders.get(return_id, row.refund_id) != row.refund_id:
                        problems.append(f"return {row.rma_number} already has refund {holders[return_id]}")
            if problems:
                self._reject(path, "refunds", row, "; ".join(problems))
                continue
            values = {
                "order_id": row.order_number,
                "return_id": return_id,
                "amount": row.amount,
                "currency": row.currency,
                "status": row.status,
                "issued_at": row.issued_at,
            }
            refund = existing.get(row.refund_id)
            if refund is None:
                s.add(Refund(external_id=row.refund_id, created_at=row.created_at or utcnow(), **values))
                self._count("refunds", True, True)
            else:
                extra = {"created_at": row.created_at} if row.created_at else {}
                self._count("refunds", False, _set(refund, values | extra))


_KEY_NAMES = {
    "customers": "customer_id",
    "orders": "order_number",
    "returns": "rma_number",
    "refunds": "refund_id",
}


def _objects(session: Session, model, column, keys: Iterable[Any], *options) -> list[Any]:  # type: ignore[no-untyped-def]
    found: list[Any] = []
    for chunk in _chunks(sorted({k for k in keys if k is not None})):
        found.extend(session.scalars(select(model).where(column.in_(chunk)).options(*options)))
    return found


def resolve_skus(session: Session, skus: Iterable[str]) -> dict[str, tuple[int, int | None]]:
    """SKU -> (product id, variant id or None): a variant SKU names its variant; a product SKU
    names the product and, when the product has exactly one variant, that variant."""
    wanted = set(skus)
    found: dict[str, tuple[int, int | None]] = {
        sku: (product_id, variant_id)
        for sku, variant_id, product_id in _lookup(
            session, select(Variant.sku, Variant.id, Variant.product_id), Variant.sku, wanted
        )
    }
    rest = wanted - set(found)
    if rest:
        products = dict(_lookup(session, select(Product.sku, Product.id), Product.sku, rest))
        only: dict[int, int | None] = {}
        for product_id, variant_id in _lookup(
            session, select(Variant.product_id, Variant.id), Variant.product_id, products.values()
        ):
            only[product_id] = None if product_id in only else variant_id
        found.update({sku: (product_id, only.get(product_id)) for sku, product_id in products.items()})
    return found


def _line(spec: tuple[int, int | None, int, Decimal]) -> OrderLine:
    product_id, variant_id, quantity, unit_price = spec
    return OrderLine(product_id=product_id, variant_id=variant_id, quantity=quantity, unit_price=unit_price)


def _total(row: OrderRow) -> Decimal:
    return sum((line.unit_price * line.quantity for line in row.lines), Decimal("0.00"))


def _history(row: OrderRow) -> list[Any]:
    """A new order's history: the file's earlier stages (or 'placed'), then its current status."""
    stages = list(row.history) or [StatusRow(OrderStatus.PLACED, row.placed_at)]
    if stages[-1].status != row.status:
        stages.append(StatusRow(row.status, row.status_at or stages[-1].at))
    return stages
