"""imported shop data: shipments, refunds, external ids (issue 15)

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# The shop's own ids for rows that have no natural key of ours: `shopbot import` upserts customers
# and refunds by them. (Orders are keyed by their number, products by SKU, returns by RMA number,
# shipments by their order.) Unique but nullable: the demo shop and chat-made rows have none.
# A shipment's estimated delivery becomes optional: platform exports rarely carry one, and the
# assistant says nothing rather than a made-up date.


def upgrade() -> None:
    with op.batch_alter_table("customers") as batch:
        batch.add_column(sa.Column("external_id", sa.String(length=64), nullable=True))
        batch.create_unique_constraint("uq_customers_external_id", ["external_id"])
    with op.batch_alter_table("refunds") as batch:
        batch.add_column(sa.Column("external_id", sa.String(length=64), nullable=True))
        batch.create_unique_constraint("uq_refunds_external_id", ["external_id"])
    with op.batch_alter_table("shipments") as batch:
        batch.alter_column("estimated_delivery", existing_type=sa.Date(), nullable=True)


def downgrade() -> None:
    with op.batch_alter_table("shipments") as batch:
        batch.alter_column("estimated_delivery", existing_type=sa.Date(), nullable=False)
    with op.batch_alter_table("refunds") as batch:
        batch.drop_constraint("uq_refunds_external_id", type_="unique")
        batch.drop_column("external_id")
    with op.batch_alter_table("customers") as batch:
        batch.drop_constraint("uq_customers_external_id", type_="unique")
        batch.drop_column("external_id")
