"""`db/schema_sqlite.sql`: new SQLite databases get what the migrations make, in one step and without Alembic."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from firmdesk.server.db import schema
from firmdesk.server.db.session import make_engine, migrate, migrate_with_alembic

ROOT = Path(__file__).resolve().parents[2]


_CONSTRAINTS = ("PRIMARY KEY", "FOREIGN KEY", "UNIQUE", "CONSTRAINT", "CHECK")


def _definition(sql: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """A CREATE statement's columns in order and its table constraints as a set: Alembic's batch mode
    recreates a table with its constraints in set order, which varies from run to run."""
    clauses = [line.strip().rstrip(",").strip() for line in sql.split("\n")]
    constraints = tuple(sorted(clause for clause in clauses if clause.startswith(_CONSTRAINTS)))
    return tuple(clause for clause in clauses if not clause.startswith(_CONSTRAINTS)), constraints


def _contents(path: Path) -> tuple[list[tuple[object, ...]], dict[str, list[tuple[object, ...]]]]:
    """Every schema object's definition and every table's rows."""
    connection = sqlite3.connect(path)
    try:
        objects = [
            (kind, name, table, _definition(sql))
            for kind, name, table, sql in connection.execute(
                "SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_master ORDER BY type, name"
            )
        ]
        rows = {
            name: connection.execute(f'SELECT * FROM "{name}" ORDER BY 1').fetchall()
            for kind, name, _table, _sql in objects
            if kind == "table"
        }
        return objects, rows
    finally:
        connection.close()


def test_the_file_is_what_the_migrations_make(tmp_path: Path) -> None:
    by_migrations, by_file = tmp_path / "migrations.sqlite3", tmp_path / "file.sqlite3"
    migrate_with_alembic(f"sqlite:///{by_migrations}")
    engine = make_engine(f"sqlite:///{by_file}")
    try:
        assert schema.create_new_sqlite(engine) is True
    finally:
        engine.dispose()
    assert _contents(by_file) == _contents(by_migrations), "run `python -m firmdesk.server.db.schema` after a migration"
    assert schema.head_revision() == _contents(by_migrations)[1]["alembic_version"][0][0]


def test_head_is_the_migrations_head() -> None:
    from alembic.script import ScriptDirectory

    from firmdesk.server.db.session import alembic_config

    assert schema.head_revision() == ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def test_a_database_with_tables_is_not_touched(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite3"
    sqlite3.connect(path).execute("CREATE TABLE mine (x INTEGER)").connection.commit()
    engine = make_engine(f"sqlite:///{path}")
    try:
        assert schema.create_new_sqlite(engine) is False
        assert schema.current_revision(engine) is None
    finally:
        engine.dispose()


def test_an_older_database_is_upgraded_by_alembic(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    migrate_with_alembic(url, "0007_institute_rules")
    migrate(url)
    engine = make_engine(url)
    try:
        assert schema.current_revision(engine) == schema.head_revision()
        with engine.connect() as connection:  # 0008's table exists now
            assert connection.execute(text("SELECT count(*) FROM accounts")).scalar() == 0
    finally:
        engine.dispose()


def test_new_and_current_databases_need_no_alembic(tmp_path: Path) -> None:
    """A new database and a second start on it: Alembic is never imported (the demo's and serve's start)."""
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    code = (
        "import sys\n"
        "from firmdesk.server.db.session import migrate\n"
        f"migrate({url!r})\n"
        f"migrate({url!r})\n"
        "print(sorted(name for name in sys.modules if name.split('.')[0] == 'alembic'))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize("attempt", range(20))
def test_two_starts_on_one_new_file_make_one_schema(tmp_path: Path, attempt: int) -> None:
    """Both connect at once: the second's switch to WAL met the first's lock and failed at once ("database is
    locked", 15 times in 200 tries) until the connection waits for it (`session._use_wal`)."""
    url = f"sqlite:///{tmp_path / 'race.sqlite3'}"
    engines = [make_engine(url), make_engine(url)]
    results: list[bool] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def start(engine: Engine) -> None:
        barrier.wait()
        try:
            results.append(schema.create_new_sqlite(engine))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=start, args=(engine,)) for engine in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    for engine in engines:
        engine.dispose()
    assert errors == []
    assert sorted(results) == [False, True]
    migrate(url)  # and the result is at the head
    engine = create_engine(url)
    try:
        assert schema.current_revision(engine) == schema.head_revision()
    finally:
        engine.dispose()
