"""agents, ticket messages and the audit log (issue 18)

Two independent blocks, one per part of issue 18:

* the audit log (H-web): one row per write - who (customer, guest, agent, system), from which
  conversation, what (action and target) and the old and new values (`shop/audit.py`);
* the agent console's tables (H-agent): agents, ticket messages.

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# --- the audit log (H-web; shop/audit.py) -----------------------------------------------------------
def _upgrade_audit_log() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor_kind", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.String(length=64), nullable=True),
        sa.Column("conversation_id", sa.String(length=200), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("target", sa.String(length=128), nullable=False),
        sa.Column("old_values", sa.JSON(), nullable=True),
        sa.Column("new_values", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_audit_log_target", "audit_log", ["target"])
    op.create_index("ix_audit_log_conversation_id", "audit_log", ["conversation_id"])


def _downgrade_audit_log() -> None:
    op.drop_index("ix_audit_log_conversation_id", table_name="audit_log")
    op.drop_index("ix_audit_log_target", table_name="audit_log")
    op.drop_table("audit_log")


# --- the agent console (H-agent) ---------------------------------------------------------------------
def _upgrade_agents() -> None:
    pass


def _downgrade_agents() -> None:
    pass


def upgrade() -> None:
    _upgrade_audit_log()
    _upgrade_agents()


def downgrade() -> None:
    _downgrade_agents()
    _downgrade_audit_log()
