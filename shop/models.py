"""The shop's data model: SQLAlchemy 2 typed mapped classes.

The schema itself is created and changed only by Alembic migrations
(`shop/migrations`), never by `create_all`.
"""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from shop.products import leaf_category

Money = Numeric(12, 2)


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, Decimal: Money}


def _enum(cls: type[enum.Enum]) -> Enum:
    # Store the value (e.g. "shipped"), as a plain string column: portable and readable.
    return Enum(cls, values_callable=lambda e: [m.value for m in e], native_enum=False, length=32)


class OrderStatus(enum.StrEnum):
    PLACED = "placed"
    PAID = "paid"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    RETURNED = "returned"


class ReturnStatus(enum.StrEnum):
    REQUESTED = "requested"
    RECEIVED = "received"
    REFUNDED = "refunded"
    REJECTED = "rejected"


class RefundStatus(enum.StrEnum):
    PENDING = "pending"
    ISSUED = "issued"


class TicketStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class EventKind(enum.StrEnum):
    VIEW = "view"
    CLICK = "click"
    ADD_TO_CART = "add_to_cart"
    PURCHASE = "purchase"
    SEARCH = "search"
    #: A recommendation was shown (impression); clicks on it carry the same recommendation_id.
    RECOMMENDATION_SHOWN = "recommendation_shown"


class EventSource(enum.StrEnum):
    WEB = "web"
    CHAT = "chat"


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    #: Coarse marketing segment (e.g. "budget", "premium"); used for cold-start popularity.
    segment: Mapped[str | None] = mapped_column(String(40))
    street: Mapped[str | None] = mapped_column(String(200))
    city: Mapped[str | None] = mapped_column(String(100))
    postcode: Mapped[str | None] = mapped_column(String(20))
    country: Mapped[str | None] = mapped_column(String(2))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    #: The shop's own id for the customer (`shopbot import`: upsert key; issue 15, migration 0004).
    external_id: Mapped[str | None] = mapped_column(String(64), unique=True)

    orders: Mapped[list[Order]] = relationship(back_populates="customer")


class Product(Base):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    #: "Electronics > Computers > Laptops"; the last part is the leaf category.
    category_path: Mapped[str] = mapped_column(String(300), index=True)
    brand: Mapped[str] = mapped_column(String(100), index=True)
    price: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    color: Mapped[str | None] = mapped_column(String(40))
    material: Mapped[str | None] = mapped_column(String(60))
    #: Further attributes: {"waterproof": true, "weight_kg": 1.2, "sizes": ["S", "M"]}.
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    rating: Mapped[float | None] = mapped_column()
    rating_count: Mapped[int] = mapped_column(Integer, default=0)
    image_url: Mapped[str | None] = mapped_column(String(500))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    variants: Mapped[list[Variant]] = relationship(
        back_populates="product", cascade="all, delete-orphan", order_by="Variant.id"
    )

    @property
    def category(self) -> str:
        return leaf_category(self.category_path)

    @property
    def stock(self) -> int:
        return sum(v.stock for v in self.variants)


class Variant(Base):
    """A purchasable version of a product (a size and/or colour) with its stock."""

    __tablename__ = "variants"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    sku: Mapped[str] = mapped_column(String(80), unique=True)
    size: Mapped[str | None] = mapped_column(String(20))
    color: Mapped[str | None] = mapped_column(String(40))
    stock: Mapped[int] = mapped_column(Integer, default=0)

    product: Mapped[Product] = relationship(back_populates="variants")


class Order(Base):
    __tablename__ = "orders"

    #: The order number shoppers see (e.g. 100234).
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    #: The email the order was placed with; a guest proves identity with number + this email.
    email: Mapped[str] = mapped_column(String(254), index=True)
    status: Mapped[OrderStatus] = mapped_column(_enum(OrderStatus), index=True)
    placed_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    currency: Mapped[str] = mapped_column(String(3))
    total: Mapped[Decimal] = mapped_column(Money)
    shipping_name: Mapped[str] = mapped_column(String(200))
    shipping_street: Mapped[str] = mapped_column(String(200))
    shipping_city: Mapped[str] = mapped_column(String(100))
    shipping_postcode: Mapped[str] = mapped_column(String(20))
    shipping_country: Mapped[str] = mapped_column(String(2))
    # Checkout (issue 14, migration 0002): None for orders that came from elsewhere (the demo seed).
    #: The checkout summary the shopper confirmed; unique, so a retried confirmation places nothing twice.
    checkout_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    #: The chat conversation that placed the order or filled its cart (conversion analytics).
    source_conversation: Mapped[str | None] = mapped_column(String(200), index=True)
    shipping_cost: Mapped[Decimal | None] = mapped_column(Money)
    payment_method: Mapped[str | None] = mapped_column(String(32))

    customer: Mapped[Customer | None] = relationship(back_populates="orders")
    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderLine.id"
    )
    history: Mapped[list[OrderStatusEvent]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderStatusEvent.id"
    )
    shipment: Mapped[Shipment | None] = relationship(back_populates="order", uselist=False)
    returns: Mapped[list[Return]] = relationship(back_populates="order", order_by="Return.id")


class OrderLine(Base):
    __tablename__ = "order_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    variant_id: Mapped[int | None] = mapped_column(ForeignKey("variants.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[Decimal] = mapped_column(Money)
    #: The recommendation list the product was added from (issue 14), for conversion analytics.
    recommendation_id: Mapped[str | None] = mapped_column(String(64))

    order: Mapped[Order] = relationship(back_populates="lines")
    product: Mapped[Product] = relationship()
    variant: Mapped[Variant | None] = relationship()


class OrderStatusEvent(Base):
    """One entry of an order's status history."""

    __tablename__ = "order_status_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    status: Mapped[OrderStatus] = mapped_column(_enum(OrderStatus))
    at: Mapped[datetime] = mapped_column(DateTime)
    note: Mapped[str | None] = mapped_column(String(300))

    order: Mapped[Order] = relationship(back_populates="history")


class Shipment(Base):
    __tablename__ = "shipments"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), unique=True)
    carrier: Mapped[str] = mapped_column(String(60))
    tracking_number: Mapped[str] = mapped_column(String(60))
    shipped_at: Mapped[datetime] = mapped_column(DateTime)
    #: None when the shop's data does not say (imports from platforms often don't; migration 0004).
    estimated_delivery: Mapped[date | None] = mapped_column(Date)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime)

    order: Mapped[Order] = relationship(back_populates="shipment")


class Return(Base):
    __tablename__ = "returns"

    id: Mapped[int] = mapped_column(primary_key=True)
    rma_number: Mapped[str] = mapped_column(String(32), unique=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    reason: Mapped[str] = mapped_column(String(300))
    status: Mapped[ReturnStatus] = mapped_column(_enum(ReturnStatus))
    refund_amount: Mapped[Decimal] = mapped_column(Money)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    order: Mapped[Order] = relationship(back_populates="returns")
    lines: Mapped[list[ReturnLine]] = relationship(
        back_populates="return_", cascade="all, delete-orphan", order_by="ReturnLine.id"
    )
    refund: Mapped[Refund | None] = relationship(back_populates="return_", uselist=False)


class ReturnLine(Base):
    __tablename__ = "return_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("returns.id", ondelete="CASCADE"), index=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_lines.id"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)

    return_: Mapped[Return] = relationship(back_populates="lines")
    order_line: Mapped[OrderLine] = relationship()


class Refund(Base):
    __tablename__ = "refunds"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    return_id: Mapped[int | None] = mapped_column(ForeignKey("returns.id"), unique=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[RefundStatus] = mapped_column(_enum(RefundStatus))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    issued_at: Mapped[datetime | None] = mapped_column(DateTime)
    #: The shop's own id for the refund (`shopbot import`: upsert key; issue 15, migration 0004).
    external_id: Mapped[str | None] = mapped_column(String(64), unique=True)

    return_: Mapped[Return | None] = relationship(back_populates="refund")


class SupportTicket(Base):
    """A handoff to a human, with the context a human needs."""

    __tablename__ = "support_tickets"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    conversation_id: Mapped[str] = mapped_column(String(200), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text)
    status: Mapped[TicketStatus] = mapped_column(_enum(TicketStatus), default=TicketStatus.OPEN)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # --- the agent console (issue 18, migration 0003; agents and ticket events: shop/support_models.py)
    #: How to reach the shopper: a guest's email as given in the chat (never masked here).
    contact_email: Mapped[str | None] = mapped_column(String(320))
    #: The agent who joined the conversation.
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("support_agents.id"), index=True)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)


class InteractionEvent(Base):
    """What a shopper did with a product (or a search), the recommender's training signal."""

    __tablename__ = "interaction_events"
    __table_args__ = (
        Index("ix_interaction_events_customer_time", "customer_id", "occurred_at"),
        Index("ix_interaction_events_recommendation", "recommendation_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    #: Conversation or browser session; lets anonymous activity be tied together.
    session_id: Mapped[str | None] = mapped_column(String(200), index=True)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"), index=True)
    kind: Mapped[EventKind] = mapped_column(_enum(EventKind), index=True)
    source: Mapped[EventSource] = mapped_column(_enum(EventSource))
    #: Search text for SEARCH events.
    query: Mapped[str | None] = mapped_column(String(500))
    #: Which recommendation list the product was shown in (feedback loop).
    recommendation_id: Mapped[str | None] = mapped_column(String(64))
    occurred_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)


# --- cart and checkout (issue 14, H-cart; migration 0002) -------------------------------------


class Cart(Base):
    """A shopping cart: a logged-in customer's (one each) or a guest session's (one each).

    A guest's session is the chat conversation id, which the shop page shares with its widget.
    `revision` grows with every change, so a checkout summary names exactly one cart state.
    """

    __tablename__ = "carts"
    __table_args__ = (
        CheckConstraint("customer_id IS NOT NULL OR session_id IS NOT NULL", name="ck_carts_owner"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), unique=True)
    session_id: Mapped[str | None] = mapped_column(String(200), unique=True)
    #: The chat conversation that last changed this cart (carried to the order it becomes).
    conversation_id: Mapped[str | None] = mapped_column(String(200))
    revision: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    lines: Mapped[list[CartLine]] = relationship(
        back_populates="cart", cascade="all, delete-orphan", order_by="CartLine.id"
    )


class CartLine(Base):
    """One variant in a cart, with the price it had when it was added."""

    __tablename__ = "cart_lines"
    __table_args__ = (UniqueConstraint("cart_id", "variant_id", name="uq_cart_lines_variant"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cart_id: Mapped[int] = mapped_column(ForeignKey("carts.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    variant_id: Mapped[int] = mapped_column(ForeignKey("variants.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    #: The recommendation list the product was shown in when it was added (None: not recommended).
    recommendation_id: Mapped[str | None] = mapped_column(String(64))
    added_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    cart: Mapped[Cart] = relationship(back_populates="lines")
    product: Mapped[Product] = relationship()
    variant: Mapped[Variant] = relationship()


class CartRequest(Base):
    """A cart write already done, by its idempotency key (e.g. the chat message id).

    A retried request (a channel re-sending a message) finds its key here and changes nothing.
    """

    __tablename__ = "cart_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    cart_id: Mapped[int] = mapped_column(ForeignKey("carts.id", ondelete="CASCADE"), index=True)
    #: What the shopper was told the first time; a retry is told the same.
    message: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


__all__ = [
    "Base",
    "Cart",
    "CartLine",
    "CartRequest",
    "Customer",
    "EventKind",
    "EventSource",
    "InteractionEvent",
    "Order",
    "OrderLine",
    "OrderStatus",
    "OrderStatusEvent",
    "Product",
    "Refund",
    "RefundStatus",
    "Return",
    "ReturnLine",
    "ReturnStatus",
    "Shipment",
    "SupportTicket",
    "TicketStatus",
    "Variant",
]

# The tables kept in their own modules (same Base) are registered with every import of the models,
# so a mapper never meets a foreign key to a table nobody imported (support_tickets.agent_id).
from shop import privacy_models, support_models  # noqa: E402, F401
