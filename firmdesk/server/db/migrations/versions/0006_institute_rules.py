"""The year's rules the institute sets: extensions (延期), 线下人工核验 records, readiness flags kept with batches.

Revision ID: 0006_institute_rules
Revises: 0005
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_institute_rules"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "extensions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("institute_id", sa.Integer(), sa.ForeignKey("institutes.id"), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("firm_id", sa.Integer(), sa.ForeignKey("firms.id"), nullable=True),
        sa.Column("cpa_id", sa.Integer(), sa.ForeignKey("cpas.id"), nullable=True),
        sa.Column("until", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("granted_at", sa.DateTime(), nullable=False),
        sa.Column("granted_by_account_id", sa.Integer(), sa.ForeignKey("accounts.id"), nullable=True),
        sa.Column("granted_by_person", sa.String(length=100), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_by_account_id", sa.Integer(), sa.ForeignKey("accounts.id"), nullable=True),
        sa.Column("revoked_by_person", sa.String(length=100), nullable=True),
        sa.Column("revoke_reason", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("(firm_id IS NULL) <> (cpa_id IS NULL)", name="ck_extensions_one_target"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_extensions_institute_year", "extensions", ["institute_id", "year"])
    op.create_index("ix_extensions_firm_id", "extensions", ["firm_id"])
    op.create_index("ix_extensions_cpa_id", "extensions", ["cpa_id"])
    op.create_table(
        "identity_checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("institute_id", sa.Integer(), sa.ForeignKey("institutes.id"), nullable=False),
        sa.Column("application_id", sa.Integer(), sa.ForeignKey("applications.id"), nullable=False),
        sa.Column("cpa_id", sa.Integer(), sa.ForeignKey("cpas.id"), nullable=False),
        sa.Column("checked_on", sa.Date(), nullable=False),
        sa.Column("document_type", sa.String(length=30), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("checked_by_account_id", sa.Integer(), sa.ForeignKey("accounts.id"), nullable=True),
        sa.Column("checked_by_person", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_identity_checks_institute_id", "identity_checks", ["institute_id"])
    op.create_index("ix_identity_checks_application_id", "identity_checks", ["application_id"])
    op.create_index("ix_identity_checks_cpa_id", "identity_checks", ["cpa_id"])
    op.create_table(
        "batch_flags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), sa.ForeignKey("batches.id"), nullable=False),
        sa.Column("application_id", sa.Integer(), sa.ForeignKey("applications.id"), nullable=False),
        sa.Column("level", sa.String(length=8), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_batch_flags_batch_id", "batch_flags", ["batch_id"])
    op.create_index("ix_batch_flags_application_id", "batch_flags", ["application_id"])


def downgrade() -> None:
    op.drop_table("batch_flags")
    op.drop_table("identity_checks")
    op.drop_table("extensions")
