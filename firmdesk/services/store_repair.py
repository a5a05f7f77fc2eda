"""Damaged SQLite files: telling damage from contention, setting a damaged file aside, reading what rows remain.

Damage is SQLite's SQLITE_CORRUPT / SQLITE_NOTADB (a bad page, a truncated file, garbage where the header
should be) or a failed `PRAGMA quick_check`. Everything else is not damage: "database is locked" / busy is
another program holding the file (contention), a full or read-only disk is the environment; a file in either
state must never be set aside or replaced.
"""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

#: The files of one SQLite database besides the main one (moved along with it when it is set aside).
SIDE_SUFFIXES = ("-wal", "-shm", "-journal")
_DAMAGE_CODES = {sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB}


class DamagedDatabase(sqlite3.DatabaseError):
    """`PRAGMA quick_check` found a problem (its first lines are the message)."""


class SchemaTooNew(sqlite3.DatabaseError):
    """The file was written by a newer FirmDesk: readable, but not by this program (not damage)."""


def is_damage(exc: BaseException) -> bool:
    """True for a damaged file; False for a locked or busy one, a full disk, a bug (a wrong statement)."""
    if isinstance(exc, DamagedDatabase):
        return True
    if not isinstance(exc, sqlite3.DatabaseError) or isinstance(exc, SchemaTooNew):
        return False
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in _DAMAGE_CODES
    # Raised without a code: a plain DatabaseError ("malformed …") is damage; its subclasses
    # (OperationalError "locked", IntegrityError, ProgrammingError …) are not.
    return type(exc) is sqlite3.DatabaseError


def quick_check(conn: sqlite3.Connection) -> None:
    """Raise `DamagedDatabase` unless `PRAGMA quick_check` says ok (a few ms for the cache, less for drafts)."""
    try:
        rows = conn.execute("PRAGMA quick_check").fetchall()
    except sqlite3.DatabaseError as e:
        if is_damage(e):
            raise DamagedDatabase(str(e)) from e
        raise
    found = [str(r[0]) for r in rows]
    if found != ["ok"]:
        raise DamagedDatabase("; ".join(found[:3]))


#: One set-aside at a time in this process: two stores that meet the same damage (the window's and a sync's)
#: must move the damaged file once, never the new file the first one made in its place.
SET_ASIDE_LOCK = threading.Lock()


def file_identity(path: Path) -> tuple[int, int] | None:
    """Which file `path` names right now (device and inode; NTFS's file index on Windows); None: none."""
    try:
        found = os.stat(path)
    except OSError:
        return None
    return found.st_dev, found.st_ino


def set_aside(path: Path, now: datetime | None = None) -> Path:
    """Rename `path` (and its -wal/-shm/-journal) to `<name>.damaged-<time>`; returns the new path.

    Renaming keeps every byte for support; the side files keep their suffixes after the new name, so SQLite
    still finds them when the copy is opened.
    """
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    aside = path.with_name(f"{path.name}.damaged-{stamp}")
    n = 1
    while aside.exists():
        n += 1
        aside = path.with_name(f"{path.name}.damaged-{stamp}-{n}")
    for suffix in SIDE_SUFFIXES:
        side = Path(f"{path}{suffix}")
        if side.exists():
            os.replace(side, f"{aside}{suffix}")
    if path.exists():
        os.replace(path, aside)
    log.warning("damaged database %s set aside as %s", path, aside)
    return aside


@contextmanager
def scratch_copy(path: Path) -> Iterator[sqlite3.Connection]:
    """A connection to a temporary copy of `path` (with its side files): reading it never changes the original."""
    with tempfile.TemporaryDirectory(prefix="firmdesk-recover-") as folder:
        copy = Path(folder) / "copy.sqlite3"
        shutil.copyfile(path, copy)
        for suffix in SIDE_SUFFIXES:
            side = Path(f"{path}{suffix}")
            if side.exists():
                shutil.copyfile(side, f"{copy}{suffix}")
        conn = sqlite3.connect(copy)
        conn.row_factory = sqlite3.Row
        # Lets SQLite read a file shorter than its header says (cut mid-page): the pages present stay readable.
        conn.execute("PRAGMA writable_schema=ON")
        try:
            yield conn
        finally:
            conn.close()


def readable_rows(conn: sqlite3.Connection, table: str, *, max_rowid: int = 1 << 40) -> list[dict[str, Any]]:
    """Every row of a rowid table that can still be read, in rowid order, skipping damaged pages.

    A whole scan first; when it fails, row by row: after the last row read, the next readable rowid is
    searched by doubling steps, then narrowed by bisection (a seek into a damaged leaf fails, one past it
    lands on the next good leaf). A damaged root or interior page leaves nothing readable.
    """
    try:
        return [dict(r) for r in conn.execute(f"SELECT rowid AS _rowid_, * FROM {table} ORDER BY rowid")]
    except sqlite3.DatabaseError as e:
        log.warning("reading %s failed (%s): reading row by row", table, e)
    rows: list[dict[str, Any]] = []
    start: int | None = _first_readable(conn, table, -(1 << 62), max_rowid)
    while start is not None:
        last = start  # a row whose key reads but whose content does not is skipped too: always move on
        try:
            for r in conn.execute(f"SELECT rowid AS _rowid_, * FROM {table} WHERE rowid >= ? ORDER BY rowid", (start,)):
                rows.append(dict(r))
                last = r["_rowid_"]
            return rows
        except sqlite3.DatabaseError:
            start = _first_readable(conn, table, last + 1, max_rowid) if last < max_rowid else None
    return rows


def _probe(conn: sqlite3.Connection, table: str, at: int) -> int | None:
    """The first rowid >= `at`; None when there is none; raises when the seek meets a damaged page."""
    row = conn.execute(f"SELECT rowid FROM {table} WHERE rowid >= ? ORDER BY rowid LIMIT 1", (at,)).fetchone()
    return None if row is None else int(row[0])


def _first_readable(conn: sqlite3.Connection, table: str, after: int, max_rowid: int) -> int | None:
    """The smallest rowid >= `after` whose seek works (rows on a damaged page are skipped); None: no more."""
    try:
        return _probe(conn, table, after)
    except sqlite3.DatabaseError:
        pass
    low, step = after, 1  # seeks from `low` fail
    high: int | None = None
    while low + step <= max_rowid:
        try:
            _probe(conn, table, low + step)
            high = low + step
            break
        except sqlite3.DatabaseError:
            low, step = low + step, step * 2
    if high is None:
        return None
    while high - low > 1:  # seeks from `low` fail, from `high` work: find the boundary
        middle = (low + high) // 2
        try:
            _probe(conn, table, middle)
            high = middle
        except sqlite3.DatabaseError:
            low = middle
    return _probe(conn, table, high)
