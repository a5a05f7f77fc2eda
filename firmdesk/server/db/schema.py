"""The shipped migrations' result as one SQL file, for new SQLite databases, and the cheap "already at head" check.

Running the eight Alembic migrations on a new SQLite file (with the batch-mode table copies) and importing
Alembic took a fifth of the demo server's start. `schema_sqlite.sql` is the dump of a database the migrations
made (Rails' `structure.sql`): a new SQLite database executes it in one transaction instead, and a database
stamped with the head revision is left alone; neither imports Alembic. Everything else (an older revision,
PostgreSQL's first start) goes through Alembic as before (`session.migrate`).

The file is made by the migrations, never by hand: `python -m firmdesk.server.db.schema` writes it, and
`tests/server/test_schema_file.py` fails when it differs from what the migrations make.
"""

from __future__ import annotations

import re
import sqlite3
import sys
import tempfile
from functools import cache
from pathlib import Path

from sqlalchemy import Engine, inspect, text

SCHEMA_FILE = Path(__file__).resolve().parent / "schema_sqlite.sql"
_VERSION_ROW = re.compile(r"""INSERT INTO "?alembic_version"? VALUES\('([^']+)'\);""")
_TRANSACTION_LINES = frozenset({"BEGIN TRANSACTION;", "COMMIT;"})


@cache
def schema_statements() -> tuple[str, ...]:
    """The file's statements, in order, without its own BEGIN/COMMIT."""
    statements: list[str] = []
    pending = ""
    for line in SCHEMA_FILE.read_text(encoding="utf-8").splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            statement = pending.strip()
            if statement not in _TRANSACTION_LINES and not statement.startswith("PRAGMA"):
                statements.append(statement)
            pending = ""
    return tuple(statements)


@cache
def head_revision() -> str:
    """The revision the migrations end at (the dump's `alembic_version` row)."""
    for statement in schema_statements():
        found = _VERSION_ROW.fullmatch(statement)
        if found:
            return found.group(1)
    raise RuntimeError(f"{SCHEMA_FILE.name} has no alembic_version row")


def current_revision(engine: Engine) -> str | None:
    """The revision the database is stamped with (None: not stamped, a new or a foreign database)."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def create_new_sqlite(engine: Engine) -> bool:
    """Give an empty SQLite database the whole schema in one transaction; False (nothing done) when the
    database is not SQLite or has tables already. Two processes starting on one new file: the second waits
    for the first's lock, then finds the tables and does nothing."""
    if engine.dialect.name != "sqlite":
        return False
    raw = engine.raw_connection()
    try:
        driver = raw.driver_connection
        assert driver is not None
        driver.execute("BEGIN IMMEDIATE")
        try:
            if driver.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
                driver.execute("ROLLBACK")
                return False
            for statement in schema_statements():
                driver.execute(statement)
            driver.execute("COMMIT")
        except BaseException:
            driver.execute("ROLLBACK")
            raise
        return True
    finally:
        raw.close()


def migrated_dump() -> str:
    """What the shipped migrations make of a new SQLite database, as `sqlite3`'s dump."""
    from firmdesk.server.db.session import migrate_with_alembic

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "schema.sqlite3"
        migrate_with_alembic(f"sqlite:///{path}")
        connection = sqlite3.connect(path)
        try:
            return "\n".join(connection.iterdump()) + "\n"
        finally:
            connection.close()


def main() -> int:
    """`python -m firmdesk.server.db.schema`: rewrite the file from the migrations (after adding one)."""
    SCHEMA_FILE.write_text(migrated_dump(), encoding="utf-8")
    print(f"{SCHEMA_FILE} written")
    return 0


if __name__ == "__main__":
    sys.exit(main())
