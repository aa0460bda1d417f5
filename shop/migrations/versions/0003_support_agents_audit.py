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
# Agents (argon2 password hashes), their console sessions (only a SHA-256 of the token), the ticket's
# contact email, agent and closing time, and every ticket change (shop/support_models.py), which
# is also the outbox of the help-desk webhook (web/agents_webhook.py).
def _upgrade_agents() -> None:
    op.create_table(
        "support_agents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("email", name="uq_support_agents_email"),
    )
    op.create_table(
        "support_agent_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["agent_id"], ["support_agents.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash", name="uq_support_agent_sessions_token_hash"),
    )
    op.create_index("ix_support_agent_sessions_agent_id", "support_agent_sessions", ["agent_id"])
    with op.batch_alter_table("support_tickets") as batch:
        batch.add_column(sa.Column("contact_email", sa.String(length=320), nullable=True))
        batch.add_column(sa.Column("agent_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("closed_at", sa.DateTime(), nullable=True))
        batch.create_foreign_key("fk_support_tickets_agent_id", "support_agents", ["agent_id"], ["id"])
        batch.create_index("ix_support_tickets_agent_id", ["agent_id"])
    op.create_table(
        "support_ticket_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.String(length=40), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("delivered_at", sa.DateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=True),
        sa.Column("failed_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(["ticket_id"], ["support_tickets.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_support_ticket_events_ticket_id", "support_ticket_events", ["ticket_id"])
    op.create_index(
        "ix_support_ticket_events_pending", "support_ticket_events", ["delivered_at", "next_attempt_at"]
    )


def _downgrade_agents() -> None:
    op.drop_index("ix_support_ticket_events_pending", table_name="support_ticket_events")
    op.drop_index("ix_support_ticket_events_ticket_id", table_name="support_ticket_events")
    op.drop_table("support_ticket_events")
    with op.batch_alter_table("support_tickets") as batch:
        batch.drop_index("ix_support_tickets_agent_id")
        batch.drop_constraint("fk_support_tickets_agent_id", type_="foreignkey")
        batch.drop_column("closed_at")
        batch.drop_column("agent_id")
        batch.drop_column("contact_email")
    op.drop_index("ix_support_agent_sessions_agent_id", table_name="support_agent_sessions")
    op.drop_table("support_agent_sessions")
    op.drop_table("support_agents")


def upgrade() -> None:
    _upgrade_audit_log()
    _upgrade_agents()


def downgrade() -> None:
    _downgrade_agents()
    _downgrade_audit_log()
