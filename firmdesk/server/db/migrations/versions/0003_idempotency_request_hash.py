"""Idempotency keys bound to their request: the stored record keeps a hash of the request.

The `endpoint` column now holds the operation's name (`firm.withdraw`); keys stored before this revision
have no hash and named an endpoint, so a retry across the upgrade is refused rather than replayed wrongly.

Revision ID: 0003_idempotency_request_hash
Revises: 0001
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("idempotent_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("request_hash", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("idempotent_requests", schema=None) as batch_op:
        batch_op.drop_column("request_hash")
