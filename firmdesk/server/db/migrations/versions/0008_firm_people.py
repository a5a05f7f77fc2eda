"""A firm's people: applications filed on the CPA's behalf (年检代提请), who changed an application or a batch
last, and the account an account-management event is about (操作日志).

Existing rows: not on behalf, changed last by nobody recorded (the trail still has every event).

Revision ID: 0008_firm_people
Revises: 0007_institute_rules
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_firm_people"
down_revision = "0007_institute_rules"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("on_behalf", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("updated_by", sa.String(length=100), nullable=True))
    with op.batch_alter_table("batches", schema=None) as batch_op:
        batch_op.add_column(sa.Column("updated_by", sa.String(length=100), nullable=True))
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("subject_account_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_events_subject_account", "accounts", ["subject_account_id"], ["id"])
        # The 操作日志 reads one firm's events newest first.
        batch_op.create_index("ix_events_actor", ["actor_role", "actor_id", "created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_actor")
        batch_op.drop_constraint("fk_events_subject_account", type_="foreignkey")
        batch_op.drop_column("subject_account_id")
    with op.batch_alter_table("batches", schema=None) as batch_op:
        batch_op.drop_column("updated_by")
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.drop_column("updated_by")
        batch_op.drop_column("on_behalf")
