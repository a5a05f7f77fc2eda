"""Which answer each kind of infrastructure failure gets (`errors.failure_of`), from real errors of real drivers:
locks and lost connections are 503 `busy` (with Retry-After), full disks 507 `storage_full`, the rest 500."""

from __future__ import annotations

import errno
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from firmdesk.server.api.errors import failure_of

POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def _raised(action: Callable[[], object]) -> BaseException:
    with pytest.raises(Exception) as caught:
        action()
    return caught.value


def test_sqlite_locked_is_busy_and_bad_sql_is_internal(tmp_path: Path) -> None:
    path = tmp_path / "x.sqlite3"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN IMMEDIATE")
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": 0.05})
    with engine.connect() as connection:
        locked = _raised(lambda: connection.execute(text("INSERT INTO t VALUES (1)")))
    with engine.connect() as connection:
        bad_sql = _raised(lambda: connection.execute(text("SELECT * FROM no_such_table")))
    holder.execute("ROLLBACK")
    engine.dispose()
    assert isinstance(locked, OperationalError)
    busy = failure_of(locked)
    assert (busy.status, busy.code, busy.headers) == (503, "busy", {"Retry-After": "2"})
    assert failure_of(bad_sql).status == 500


def test_a_full_disk_is_507_whoever_notices_it() -> None:
    assert failure_of(OSError(errno.ENOSPC, "No space left on device")).status == 507
    assert failure_of(OSError(errno.EDQUOT, "Disk quota exceeded")).code == "storage_full"
    wrapped = RuntimeError("while saving")
    wrapped.__cause__ = sqlite3.OperationalError("database or disk is full")
    assert failure_of(wrapped).status == 507
    assert failure_of(OSError(errno.EACCES, "Permission denied")).status == 500


def _postgres_or_skip() -> None:
    engine = create_engine(POSTGRES)
    try:
        with engine.connect():
            pass
    except OperationalError:
        pytest.skip("no PostgreSQL at 127.0.0.1:5432")
    finally:
        engine.dispose()


def test_postgres_lock_timeout_and_lost_connection_are_busy() -> None:
    refused = create_engine("postgresql+psycopg://postgres@127.0.0.1:1/none", connect_args={"connect_timeout": 2})
    assert failure_of(_raised(refused.connect)).status == 503
    refused.dispose()
    _postgres_or_skip()
    engine = create_engine(POSTGRES)
    with engine.connect() as holder, engine.connect() as waiter:
        holder.execute(text("SELECT pg_advisory_lock(424242)"))
        waiter.execute(text("SET lock_timeout = '50ms'"))
        timed_out = _raised(lambda: waiter.execute(text("SELECT pg_advisory_lock(424242)")))
        holder.execute(text("SELECT pg_advisory_unlock(424242)"))
    engine.dispose()
    assert failure_of(timed_out).status == 503, repr(timed_out)
