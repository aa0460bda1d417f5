"""shopping carts and their lines (issue 14)

Carts (one per customer, one per guest session), their lines with the price at the time of
adding, the idempotency keys of cart writes, and what an order placed at checkout carries:
its checkout token (unique: a retried confirmation places nothing twice), the conversation it
came from, shipping cost and payment method, and per line the recommendation list it came from.

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MONEY = sa.Numeric(precision=12, scale=2)


def upgrade() -> None:
    op.create_table(
        "carts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("session_id", sa.String(length=200), nullable=True),
        sa.Column("conversation_id", sa.String(length=200), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("customer_id IS NOT NULL OR session_id IS NOT NULL", name="ck_carts_owner"),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("customer_id"),
        sa.UniqueConstraint("session_id"),
    )
    op.create_table(
        "cart_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cart_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("variant_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price", MONEY, nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("recommendation_id", sa.String(length=64), nullable=True),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["cart_id"], ["carts.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"]),
        sa.ForeignKeyConstraint(["variant_id"], ["variants.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("cart_id", "variant_id", name="uq_cart_lines_variant"),
    )
    with op.batch_alter_table("cart_lines", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cart_lines_cart_id"), ["cart_id"], unique=False)
    op.create_table(
        "cart_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("cart_id", sa.Integer(), nullable=False),
        sa.Column("message", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["cart_id"], ["carts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    with op.batch_alter_table("cart_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cart_requests_cart_id"), ["cart_id"], unique=False)

    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("checkout_token", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("source_conversation", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("shipping_cost", MONEY, nullable=True))
        batch_op.add_column(sa.Column("payment_method", sa.String(length=32), nullable=True))
        batch_op.create_unique_constraint("uq_orders_checkout_token", ["checkout_token"])
        batch_op.create_index(
            batch_op.f("ix_orders_source_conversation"), ["source_conversation"], unique=False
        )
    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.add_column(sa.Column("recommendation_id", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.drop_column("recommendation_id")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_orders_source_conversation"))
        batch_op.drop_constraint("uq_orders_checkout_token", type_="unique")
        batch_op.drop_column("payment_method")
        batch_op.drop_column("shipping_cost")
        batch_op.drop_column("source_conversation")
        batch_op.drop_column("checkout_token")
    with op.batch_alter_table("cart_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cart_requests_cart_id"))
    op.drop_table("cart_requests")
    with op.batch_alter_table("cart_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cart_lines_cart_id"))
    op.drop_table("cart_lines")
    op.drop_table("carts")
