"""Pending intentions: the Idempotency-Key of each change the user asked for whose outcome is not known yet.

One user intention (撤回 this batch, 申请 these CPAs with these files, 再次申请 …) keeps one key across
retries, timeouts and restarts, so the server acts once and replays its answer to every repeat. The keys
live in their own small SQLite file (`pending.sqlite3`, beside the drafts; synchronous=FULL), keyed by
the action and its target; the request's fingerprint decides whether a repeat is the same intention:

- the same action, target and request again → the same key (the server replays the first answer);
- the request changed (another version, other files, other rows) → a new key, never the old one (the
  server binds a key to its request and refuses it for another: 422 `idempotency_key_reused`);
- the outcome is known (a success, or a refusal the server decided) → `settle()`: the next attempt is a
  new intention with a new key.

Return reasons keep their key in the drafts file instead (a draft's uuid is its key, `drafts.py`).
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from firmdesk.services.local_store import Database, run_script

log = logging.getLogger(__name__)

PENDING_FILE = "pending.sqlite3"
KEEP_FOR = timedelta(days=30)


def _schema_v1(conn: sqlite3.Connection) -> None:
    run_script(
        conn,
        """
        CREATE TABLE pending_actions (
            action TEXT NOT NULL, target TEXT NOT NULL, request TEXT NOT NULL, key TEXT NOT NULL,
            created_at TEXT NOT NULL, PRIMARY KEY (action, target)
        )
        """,
    )


PENDING_MIGRATIONS = (_schema_v1,)


@dataclass(frozen=True)
class PendingAction:
    action: str  # "withdraw", "submit", "resubmit"
    target: str  # what it changes: "batch:12", "year:2025:3,5,8"
    key: str
    created_at: datetime


def fingerprint(request: Hashable) -> str:
    """A stable digest of a request's content (its `repr`: tuples of ids, versions, texts, file facts)."""
    return hashlib.sha256(repr(request).encode()).hexdigest()


def files_fingerprint(files: Sequence[tuple[str, Path]]) -> tuple[tuple[str, str, int, int], ...]:
    """What tells one upload from another: each file's material, path, size and modification time (a file
    changed on disk makes another request, so another key)."""
    facts = []
    for material, path in files:
        try:
            stat = Path(path).stat()
            size, mtime = stat.st_size, stat.st_mtime_ns
        except OSError:
            size, mtime = -1, -1
        facts.append((material, str(path), size, mtime))
    return tuple(facts)


class PendingActions:
    """Thread-safe (one connection under a lock); every call is a quick local transaction."""

    def __init__(self, db: Database) -> None:
        self._db = db

    @classmethod
    def open(cls, folder: Path) -> PendingActions:
        """The firm's file; intentions older than `KEEP_FOR` are dropped (their outcome shows in the rows long
        since: a 撤回 that went through left a withdrawn batch, and nobody repeats it)."""
        pending = cls(Database(folder / PENDING_FILE, PENDING_MIGRATIONS, synchronous="FULL"))
        pending.prune(datetime.now(UTC) - KEEP_FOR)
        return pending

    @classmethod
    def in_memory(cls, folder: Path | None = None) -> PendingActions:
        """Kept for this run only (the folder cannot be used, or a dialog built on its own)."""
        path = (folder or Path(".")) / PENDING_FILE
        return cls(Database(path, PENDING_MIGRATIONS, in_memory=True))

    @classmethod
    def open_or_in_memory(cls, folder: Path) -> PendingActions:
        try:
            return cls.open(folder)
        except (sqlite3.Error, OSError) as e:
            log.warning("pending actions file in %s cannot be used (%s): keys kept in memory", folder, e)
            return cls.in_memory(folder)

    def close(self) -> None:
        self._db.close()

    def key_for(self, action: str, target: str, request: Hashable, new_key: str) -> str:
        """The key of this intention: the stored one when the request is the same, else `new_key` (stored)."""
        digest = fingerprint(request)
        with self._db.transaction() as conn:
            row = conn.execute(
                "SELECT request, key FROM pending_actions WHERE action = ? AND target = ?", (action, target)
            ).fetchone()
            if row is not None and row[0] == digest:
                return str(row[1])
            conn.execute(
                "INSERT OR REPLACE INTO pending_actions VALUES (?, ?, ?, ?, ?)",
                (action, target, digest, new_key, datetime.now(UTC).isoformat()),
            )
        return new_key

    def settle(self, action: str, target: str) -> None:
        """The outcome is known: the next attempt is a new intention."""
        with self._db.transaction() as conn:
            conn.execute("DELETE FROM pending_actions WHERE action = ? AND target = ?", (action, target))

    def prune(self, before: datetime) -> int:
        """Forget the intentions made before `before`; returns how many."""
        with self._db.transaction() as conn:
            removed = conn.execute("DELETE FROM pending_actions WHERE created_at < ?", (before.isoformat(),)).rowcount
        return int(removed)

    def all(self) -> list[PendingAction]:
        rows = self._db.query("SELECT action, target, key, created_at FROM pending_actions ORDER BY created_at")
        return [
            PendingAction(r["action"], r["target"], r["key"], datetime.fromisoformat(r["created_at"])) for r in rows
        ]
