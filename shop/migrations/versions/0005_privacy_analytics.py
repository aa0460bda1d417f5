"""tracking consent (issue 16)

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# What each shopper chose about recording their browsing (`shop/privacy_models.py`,
# `shop/consent.py`): one row per customer or per guest session. Impressions need no schema
# change (RECOMMENDATION_SHOWN events with their list's recommendation_id, migration 0001;
# order_lines.recommendation_id, migration 0002).


def upgrade() -> None:
    op.create_table(
        "tracking_consents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("session_id", sa.String(length=200), nullable=True),
        sa.Column("allowed", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "customer_id IS NOT NULL OR session_id IS NOT NULL", name="ck_tracking_consents_owner"
        ),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("customer_id", name="uq_tracking_consents_customer_id"),
        sa.UniqueConstraint("session_id", name="uq_tracking_consents_session_id"),
    )


def downgrade() -> None:
    op.drop_table("tracking_consents")
