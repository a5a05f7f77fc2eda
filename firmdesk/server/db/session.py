"""Engine, sessions and migrations of the server's database (SQLite by default, PostgreSQL works too).

SQLite: WAL journal, foreign keys on, a busy timeout. A request's write session starts its transactions
with a plain (deferred) `BEGIN`, like a read session, so that its dependencies (token lookup, record
loading) take no lock; every writer then takes the one write lock with `take_write_turn`
(`services/changes.py`: `Change` does it first), which ends that reading transaction and begins one with
`BEGIN IMMEDIATE` (the pysqlite recipe of the SQLAlchemy docs), inside the use case's own thread. Two
concurrent use cases on the same records are serialised: the second one waits, then sees the first one's
result and is refused by the domain rules instead of failing half-way. Taking the lock at the request's
first query instead held it across FastAPI's thread hops and made writers time out under a crowd.
Sessions made with `immediate=True` (rate buckets, the demo builder) still lock at every `BEGIN`.

PostgreSQL (`postgresql+psycopg://…`, the `postgres` extra): READ COMMITTED; each use case's `Change` first
takes the write turn (`WRITE_TURN_LOCK`, a transaction-level advisory lock: see `services/changes.py`), then
its row locks (`SELECT … FOR UPDATE`: the firm for batch numbers, the batch, the CPA); versioned rows refuse a
stale update. A lock wait ends after the same busy timeout (`lock_timeout`): 503 `busy`.
Each worker process has its own pool (10 connections, 20 more at peaks).
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from firmdesk.server.config import Settings

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

#: Execution option that makes a SQLite transaction start with BEGIN IMMEDIATE.
WRITE_OPTION = "cmis_write"
#: Engine execution option: the busy timeout in seconds (how long a writer waits for its turn: `write_queue.py`).
BUSY_TIMEOUT_INFO = "cmis_busy_timeout_s"
#: The advisory lock key of a use case's write turn on PostgreSQL (any constant; "CMIS" in ASCII).
WRITE_TURN_LOCK = 0x434D4953


def _url_of(settings_or_url: Settings | str) -> str:
    return settings_or_url.effective_database_url if isinstance(settings_or_url, Settings) else settings_or_url


def make_engine(settings_or_url: Settings | str) -> Engine:
    """The engine for the settings' database URL (creates the SQLite file's folder)."""
    url = _url_of(settings_or_url)
    busy_ms = settings_or_url.sqlite_busy_timeout_ms if isinstance(settings_or_url, Settings) else 15000
    if not url.startswith("sqlite"):
        engine = create_engine(url, pool_size=10, max_overflow=20, pool_recycle=1800)
        engine.update_execution_options(**{BUSY_TIMEOUT_INFO: busy_ms / 1000})
        if engine.dialect.name == "postgresql":

            @event.listens_for(engine, "connect")
            def _on_pg_connect(dbapi_connection: Any, _record: Any) -> None:
                # Outside any transaction (autocommit), so that the setting stays for the connection's life.
                autocommit = dbapi_connection.autocommit
                dbapi_connection.autocommit = True
                with dbapi_connection.cursor() as cursor:
                    cursor.execute(f"SET lock_timeout = {int(busy_ms)}")
                dbapi_connection.autocommit = autocommit

        return engine
    path = url.split("///", 1)[-1] if "///" in url else ""
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url, connect_args={"check_same_thread": False, "timeout": busy_ms / 1000}, pool_size=30, max_overflow=20
    )
    engine.update_execution_options(**{BUSY_TIMEOUT_INFO: busy_ms / 1000})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite would otherwise defer it).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        _use_wal(cursor, busy_ms)
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_ms)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        if conn.get_execution_options().get(WRITE_OPTION, False):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")

    return engine


def _use_wal(cursor: Any, busy_ms: int) -> None:
    """Switch the database to WAL (a no-op once it is). A new database's switch needs it alone, and SQLite answers
    "locked" at once, without its busy handler, while another connection holds it (a second process starting
    on the same new file, or making its schema): wait for that, up to the busy timeout."""
    deadline = time.monotonic() + busy_ms / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() >= deadline:
                raise
            time.sleep(0.01)


def make_session_factory(engine: Engine, *, write: bool = True, immediate: bool = True) -> sessionmaker[Session]:
    """Sessions on `engine`. `write=True` (the default) with `immediate=True`: each transaction takes SQLite's
    write lock at its start (short jobs in one thread). `immediate=False`: transactions begin deferred and each
    writer takes the lock with `take_write_turn` first (a request's session). `write=False` for read-only
    work, so that readers never wait for each other."""
    bind = engine.execution_options(**{WRITE_OPTION: True}) if write and immediate else engine
    return sessionmaker(bind=bind, expire_on_commit=False, autoflush=True)


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def migrate(settings_or_url: Settings | str | Engine, revision: str = "head") -> None:
    """Bring the database up to `revision` with the Alembic scripts shipped in the package. To the head, a new
    SQLite database gets the migrations' result in one step and a database at the head is left alone, both
    without Alembic (`schema.py`)."""
    from firmdesk.server.db import schema

    engine = settings_or_url if isinstance(settings_or_url, Engine) else make_engine(settings_or_url)
    try:
        if revision == "head" and (
            schema.create_new_sqlite(engine) or schema.current_revision(engine) == schema.head_revision()
        ):
            return
        migrate_with_alembic(engine, revision)
    finally:
        if engine is not settings_or_url:
            engine.dispose()


def migrate_with_alembic(settings_or_url: Settings | str | Engine, revision: str = "head") -> None:
    """Run the Alembic scripts up to `revision` (what `migrate` does when its shortcuts do not apply)."""
    from alembic import command

    engine = settings_or_url if isinstance(settings_or_url, Engine) else make_engine(settings_or_url)
    try:
        config = alembic_config(engine.url.render_as_string(hide_password=False))
        with engine.connect() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
            connection.commit()
    finally:
        if engine is not settings_or_url:
            engine.dispose()
