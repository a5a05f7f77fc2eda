"""Which database the server tests run on: SQLite files (default) or PostgreSQL (`FIRMDESK_TEST_DB=postgresql`).

On PostgreSQL a run creates one database of its own (`firmdesk_test_<pid>`, dropped at the end: dropping a
database forces a checkpoint, ~1 s, too slow to do per test) and gives each test a fresh schema in it
(`t<n>`, migrated, dropped after the test), reached through the URL's `search_path`. Asking for PostgreSQL
when it cannot be used (server unreachable, psycopg missing) fails the tests; it never falls back to SQLite.
"""

from __future__ import annotations

import itertools
import os

from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.engine import make_url

#: "sqlite" (default) or "postgresql": the backend of the server tests.
BACKEND_VARIABLE = "FIRMDESK_TEST_DB"
#: Where the PostgreSQL tests may create a database (any database on the server; its credentials are used).
POSTGRES_URL_VARIABLE = "FIRMDESK_TEST_POSTGRES_URL"
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
POSTGRES_SKIP_REASON = f"PostgreSQL only: set {BACKEND_VARIABLE}=postgresql (server at ${POSTGRES_URL_VARIABLE})"
_PREFIX = "firmdesk_test_"


def selected_backend() -> str:
    backend = os.environ.get(BACKEND_VARIABLE, "sqlite").strip().lower() or "sqlite"
    if backend in {"postgres", "postgresql", "pg"}:
        return "postgresql"
    if backend != "sqlite":
        raise ValueError(f"{BACKEND_VARIABLE}={backend!r}: expected sqlite or postgresql")
    return backend


def postgres_server_url() -> str:
    return os.environ.get(POSTGRES_URL_VARIABLE, DEFAULT_POSTGRES_URL)


class PostgresUnavailable(RuntimeError):
    pass


class PostgresSchemas:
    """One database for this test run; `new()` gives the URL of a fresh empty schema in it, `drop(url)` drops it."""

    def __init__(self, server_url: str | None = None) -> None:
        self.server_url = make_url(server_url or postgres_server_url())
        try:
            import psycopg  # noqa: F401
        except ImportError as error:
            raise PostgresUnavailable("psycopg is not installed: pip install 'firmdesk[postgres]'") from error
        self._admin = create_engine(self.server_url, isolation_level="AUTOCOMMIT", pool_size=1)
        try:
            with self._admin.connect() as connection:
                self._drop_abandoned(connection)
                self.database = f"{_PREFIX}{os.getpid()}"
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
                connection.exec_driver_sql(f'CREATE DATABASE "{self.database}"')
        except Exception as error:
            self._admin.dispose()
            where = self.server_url.render_as_string(hide_password=True)
            raise PostgresUnavailable(f"PostgreSQL at {where} cannot be used: {error}") from error
        self._base = self.server_url.set(database=self.database)
        self._engine: Engine = create_engine(self._base, isolation_level="AUTOCOMMIT", pool_size=1)
        self._numbers = itertools.count(1)

    @staticmethod
    def _drop_abandoned(connection: Connection) -> None:
        """Databases left by runs that were killed (their process is gone): drop them."""
        if not os.path.isdir("/proc"):
            return
        names = connection.execute(
            text("SELECT datname FROM pg_database WHERE datname LIKE :prefix"), {"prefix": f"{_PREFIX}%"}
        ).scalars()
        for name in list(names):
            pid = name.removeprefix(_PREFIX)
            if pid.isdigit() and not os.path.exists(f"/proc/{pid}"):
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def new(self) -> str:
        """The URL of a new, empty schema (the only one on its connections' search path)."""
        schema = f"t{next(self._numbers)}"
        with self._engine.connect() as connection:
            connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        url = self._base.update_query_dict({"options": f"-csearch_path={schema}"})
        return url.render_as_string(hide_password=False)

    def drop(self, url: str) -> None:
        options = make_url(url).query.get("options", "")
        schema = str(options).removeprefix("-csearch_path=")
        with self._engine.connect() as connection:
            connection.exec_driver_sql("SET lock_timeout = '5s'")
            try:
                connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            except Exception:
                # A connection left inside a transaction holds a lock on the schema's tables: end it.
                connection.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                        " WHERE datname = :db AND pid <> pg_backend_pid()"
                    ),
                    {"db": self.database},
                )
                connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')

    def close(self) -> None:
        self._engine.dispose()
        with self._admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
        self._admin.dispose()
