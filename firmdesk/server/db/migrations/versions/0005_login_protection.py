"""Login protection keyed by address: failures remember the client address; usual addresses of each account.

Failures recorded before this revision have no address (''): they still count for their account's
account-wide limit and expire within 15 minutes like any other.

Revision ID: 0005_login_protection
Revises: 0004 (chained to 0003 until 0004 exists on this branch: re-chain at the merge)
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("login_failures", schema=None) as batch_op:
        batch_op.add_column(sa.Column("client", sa.String(length=64), nullable=False, server_default=""))
        batch_op.create_index("ix_login_failures_client", ["client", "at"], unique=False)
        batch_op.create_index("ix_login_failures_at", ["at"], unique=False)
    op.create_table(
        "login_addresses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=12), nullable=False),
        sa.Column("member_no", sa.String(length=20), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.Column("last_success_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("role", "member_no", "client"),
    )


def downgrade() -> None:
    op.drop_table("login_addresses")
    with op.batch_alter_table("login_failures", schema=None) as batch_op:
        batch_op.drop_index("ix_login_failures_at")
        batch_op.drop_index("ix_login_failures_client")
        batch_op.drop_column("client")
