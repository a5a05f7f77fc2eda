"""Mail: the outbox, the CPA's e-mail address, password-reset codes, reminders and the firms' reminder settings.

Revision ID: 0006_outbox
Revises: 0005
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_outbox"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cpas", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email", sa.String(length=254), nullable=False, server_default=""))
    op.create_table(
        "outbox_mails",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("to_address", sa.String(length=254), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("message_id", sa.String(length=200), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("lease_until", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("claim", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("message_id"),
    )
    op.create_index("ix_outbox_mails_due", "outbox_mails", ["state", "next_attempt_at"])
    op.create_index("ix_outbox_mails_created_at", "outbox_mails", ["created_at"])
    op.create_table(
        "password_reset_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("code_hash", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_password_reset_codes_account_id", "password_reset_codes", ["account_id"])
    op.create_table(
        "password_reset_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("login", sa.String(length=40), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_password_reset_attempts_login", "password_reset_attempts", ["kind", "login", "at"])
    op.create_index("ix_password_reset_attempts_client", "password_reset_attempts", ["kind", "client", "at"])
    op.create_table(
        "reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("firm_id", sa.Integer(), sa.ForeignKey("firms.id"), nullable=False),
        sa.Column("cpa_id", sa.Integer(), sa.ForeignKey("cpas.id"), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("china_day", sa.Date(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
        sa.Column("inbox_message_id", sa.Integer(), sa.ForeignKey("messages.id"), nullable=False),
        sa.Column("mail_id", sa.Integer(), sa.ForeignKey("outbox_mails.id"), nullable=True),
        sa.Column("actor_id", sa.String(length=20), nullable=False),
        sa.Column("actor_account_id", sa.Integer(), sa.ForeignKey("accounts.id"), nullable=True),
        sa.Column("actor_person", sa.String(length=100), nullable=True),
        sa.Column("days_mark", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("cpa_id", "china_day"),
    )
    op.create_index("ix_reminders_firm_id", "reminders", ["firm_id"])
    op.create_index("ix_reminders_cpa_year", "reminders", ["cpa_id", "year"])
    op.create_table(
        "firm_reminder_settings",
        sa.Column("firm_id", sa.Integer(), sa.ForeignKey("firms.id"), nullable=False),
        sa.Column("template", sa.Text(), nullable=False),
        sa.Column("auto_enabled", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("firm_id"),
    )
    op.create_table(
        "auto_reminder_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("firm_id", sa.Integer(), sa.ForeignKey("firms.id"), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("days_mark", sa.Integer(), nullable=False),
        sa.Column("run_at", sa.DateTime(), nullable=False),
        sa.Column("reminded", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("firm_id", "year", "days_mark"),
    )


def downgrade() -> None:
    op.drop_table("auto_reminder_runs")
    op.drop_table("firm_reminder_settings")
    op.drop_index("ix_reminders_cpa_year", table_name="reminders")
    op.drop_index("ix_reminders_firm_id", table_name="reminders")
    op.drop_table("reminders")
    op.drop_index("ix_password_reset_attempts_client", table_name="password_reset_attempts")
    op.drop_index("ix_password_reset_attempts_login", table_name="password_reset_attempts")
    op.drop_table("password_reset_attempts")
    op.drop_index("ix_password_reset_codes_account_id", table_name="password_reset_codes")
    op.drop_table("password_reset_codes")
    op.drop_index("ix_outbox_mails_created_at", table_name="outbox_mails")
    op.drop_index("ix_outbox_mails_due", table_name="outbox_mails")
    op.drop_table("outbox_mails")
    with op.batch_alter_table("cpas", schema=None) as batch_op:
        batch_op.drop_column("email")
