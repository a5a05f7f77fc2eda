"""People in the model: accounts (a person signing in for a firm, an institute or a CPA) hold the passwords.

Each organisation's existing login becomes its first account (same login id, same password hash), every
existing token is linked to that account, and the organisations' password columns go. Events gain the
acting account and the person's name (None for the events recorded before: no person was known then).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

#: Organisation table, its login column, its name column (the first account's person name), and the
#: account's foreign key and role in it.
_ORGANISATIONS = (
    ("institutes", "code", "name", "institute_id", "institute", "admin"),
    ("firms", "number", "name", "firm_id", "firm", "admin"),
    ("cpas", "cert_no", "name", "cpa_id", "cpa", "cpa"),
)

ACCOUNT_ONE_ORGANISATION = (
    "(org_kind = 'firm' AND firm_id IS NOT NULL AND institute_id IS NULL AND cpa_id IS NULL)"
    " OR (org_kind = 'institute' AND institute_id IS NOT NULL AND firm_id IS NULL AND cpa_id IS NULL)"
    " OR (org_kind = 'cpa' AND cpa_id IS NOT NULL AND firm_id IS NULL AND institute_id IS NULL)"
)


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_kind", sa.String(length=12), nullable=False),
        sa.Column("firm_id", sa.Integer(), nullable=True),
        sa.Column("institute_id", sa.Integer(), nullable=True),
        sa.Column("cpa_id", sa.Integer(), nullable=True),
        sa.Column("login", sa.String(length=40), nullable=False),
        sa.Column("person_name", sa.String(length=100), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("org_role", sa.String(length=12), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(ACCOUNT_ONE_ORGANISATION, name="ck_accounts_one_organisation"),
        sa.ForeignKeyConstraint(["cpa_id"], ["cpas.id"]),
        sa.ForeignKeyConstraint(["firm_id"], ["firms.id"]),
        sa.ForeignKeyConstraint(["institute_id"], ["institutes.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("cpa_id"),
        sa.UniqueConstraint("org_kind", "login"),
    )
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_accounts_firm_id"), ["firm_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_accounts_institute_id"), ["institute_id"], unique=False)

    # Each organisation's login becomes its first account, with the same password hash.
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    for table, login, name, key, kind, role in _ORGANISATIONS:
        op.execute(
            sa.text(
                f"INSERT INTO accounts (org_kind, {key}, login, person_name, password_hash, org_role, disabled,"
                f" created_at) SELECT :kind, id, {login}, {name}, password_hash, :role, :disabled, :now"
                f" FROM {table} ORDER BY id"
            ).bindparams(
                sa.bindparam("kind", kind),
                sa.bindparam("role", role),
                sa.bindparam("disabled", False, sa.Boolean()),
                sa.bindparam("now", now, sa.DateTime()),
            )
        )

    # Every token now belongs to the account of the organisation it was given to.
    with op.batch_alter_table("auth_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("account_id", sa.Integer(), nullable=True))
    for _table, _login, _name, key, kind, _role in _ORGANISATIONS:
        op.execute(
            sa.text(
                f"UPDATE auth_tokens SET account_id = (SELECT accounts.id FROM accounts"
                f" WHERE accounts.{key} = auth_tokens.subject_id) WHERE auth_tokens.role = :kind"
            ).bindparams(kind=kind)
        )
    op.execute("DELETE FROM auth_tokens WHERE account_id IS NULL")  # of organisations that no longer exist
    with op.batch_alter_table("auth_tokens", schema=None) as batch_op:
        batch_op.alter_column("account_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_index(batch_op.f("ix_auth_tokens_account_id"), ["account_id"], unique=False)
        batch_op.create_foreign_key("fk_auth_tokens_account_id_accounts", "accounts", ["account_id"], ["id"])
        batch_op.drop_column("subject_id")
        batch_op.drop_column("role")

    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("actor_account_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("actor_person", sa.String(length=100), nullable=True))
        batch_op.create_index(batch_op.f("ix_events_actor_account_id"), ["actor_account_id"], unique=False)
        batch_op.create_foreign_key("fk_events_actor_account_id_accounts", "accounts", ["actor_account_id"], ["id"])

    for table, *_ in _ORGANISATIONS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("password_hash")


def downgrade() -> None:
    # The organisations take back the password of their first account.
    for table, *_ in _ORGANISATIONS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("password_hash", sa.String(length=200), nullable=True))
    for table, _login, _name, key, _kind, _role in _ORGANISATIONS:
        op.execute(
            f"UPDATE {table} SET password_hash = (SELECT accounts.password_hash FROM accounts"
            f" WHERE accounts.{key} = {table}.id ORDER BY accounts.id LIMIT 1)"
        )
        # An organisation without an account cannot sign in: a hash nothing verifies against.
        op.execute(f"UPDATE {table} SET password_hash = '!' WHERE password_hash IS NULL")
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column("password_hash", existing_type=sa.String(length=200), nullable=False)

    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_constraint("fk_events_actor_account_id_accounts", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_events_actor_account_id"))
        batch_op.drop_column("actor_person")
        batch_op.drop_column("actor_account_id")

    with op.batch_alter_table("auth_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("role", sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column("subject_id", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE auth_tokens SET"
        " role = (SELECT accounts.org_kind FROM accounts WHERE accounts.id = auth_tokens.account_id),"
        " subject_id = (SELECT COALESCE(accounts.firm_id, accounts.institute_id, accounts.cpa_id)"
        " FROM accounts WHERE accounts.id = auth_tokens.account_id)"
    )
    with op.batch_alter_table("auth_tokens", schema=None) as batch_op:
        batch_op.drop_constraint("fk_auth_tokens_account_id_accounts", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_auth_tokens_account_id"))
        batch_op.alter_column("role", existing_type=sa.String(length=12), nullable=False)
        batch_op.alter_column("subject_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("account_id")

    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_accounts_institute_id"))
        batch_op.drop_index(batch_op.f("ix_accounts_firm_id"))
    op.drop_table("accounts")
