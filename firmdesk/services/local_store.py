"""The offline cache: the last synced CPA rows, batches, details and sync cursors of one firm on one server.

One SQLite file (WAL) per server and firm under the user data folder. The cache can always be rebuilt
from the server, so a damaged file is set aside (`cache.sqlite3.damaged-<time>`, see `store_repair.py`), a
missing or damaged one is replaced by an empty one and a full resync follows; a locked one is never touched.
Drafts live in a separate file (`drafts.py`) that is never deleted automatically.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import json
import logging
import re
import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar
from urllib.parse import urlsplit

from firmdesk.services.errors import ServiceError
from firmdesk.services.models import (
    ApplicationDetail,
    BatchDetail,
    BatchRow,
    ChangeSet,
    CpaRow,
    FirmInfo,
    FirmSummary,
)
from firmdesk.services.settings import data_dir
from firmdesk.services.store_repair import (
    SET_ASIDE_LOCK,
    SchemaTooNew,
    file_identity,
    is_damage,
    quick_check,
    set_aside,
)

log = logging.getLogger(__name__)

CACHE_FILE = "cache.sqlite3"
DRAFTS_FILE = "drafts.sqlite3"


class StoreUnavailable(ServiceError):
    """The environment's fault: the disk is full, read-only, or the file is locked by another program."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"无法使用本地数据文件 {path}：{reason}")
        self.path = path


# -- the SQLite wrapper --------------------------------------------------------------------------


Migration = Callable[[sqlite3.Connection], None]


class Database:
    """One connection, used from any thread under a lock; `transaction()` is the only way to write.

    `migrations[i]` brings the schema from version i to i+1 (`PRAGMA user_version`). With `in_memory=True`
    nothing touches the disk (the data goes with the program): the stand-in when `path` cannot be used, which
    it still names (where the data would have been).
    """

    def __init__(
        self,
        path: Path,
        migrations: Sequence[Migration],
        *,
        synchronous: str = "NORMAL",
        journal_mode: str = "WAL",
        in_memory: bool = False,
        busy_timeout_s: float = 5.0,
    ) -> None:
        self.path = path
        self.in_memory = in_memory
        self._lock = threading.RLock()
        if not in_memory:
            path.parent.mkdir(parents=True, exist_ok=True)
        target = ":memory:" if in_memory else path
        self._conn = sqlite3.connect(target, check_same_thread=False, isolation_level=None, timeout=busy_timeout_s)
        try:
            if not in_memory:
                # Before anything that could write (a journal-mode change checkpoints the WAL into the file).
                quick_check(self._conn)
                self._conn.execute(f"PRAGMA journal_mode={journal_mode}")
            self._conn.execute(f"PRAGMA synchronous={synchronous}")
            self._conn.execute("PRAGMA foreign_keys=ON")
            self._migrate(migrations)
        except BaseException:
            self._conn.close()
            raise

    def _migrate(self, migrations: Sequence[Migration]) -> None:
        version = self._conn.execute("PRAGMA user_version").fetchone()[0]
        if version > len(migrations):
            raise SchemaTooNew(f"schema version {version} is newer than this program ({len(migrations)})")
        for target in range(version, len(migrations)):
            with self.transaction() as conn:
                migrations[target](conn)
                conn.execute(f"PRAGMA user_version={target + 1}")

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE … COMMIT, or ROLLBACK on any exception."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                with suppress(sqlite3.Error):  # a damaged file may fail the rollback too: the first error counts
                    self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """Several reads that see one consistent state (no write of another thread in between)."""
        with self._lock:
            self._conn.execute("BEGIN")
            try:
                yield self._conn
            finally:
                self._conn.execute("COMMIT")

    def query(self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            cursor = self._conn.execute(sql, params)
            cursor.row_factory = sqlite3.Row
            return cursor.fetchall()

    def close(self) -> None:
        with self._lock:
            self._conn.close()


def run_script(conn: sqlite3.Connection, script: str) -> None:
    """Each statement of `script` inside the current transaction (`executescript` would commit first)."""
    for statement in script.split(";"):
        if statement.strip():
            conn.execute(statement)


def remove_database_files(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


# -- where -----------------------------------------------------------------------------------------


def store_folder(server_url: str, firm_number: str, root: Path | None = None) -> Path:
    """`<data dir>/offline/<host>_<port>/<firm number>`: one folder per server and firm."""
    parts = urlsplit(server_url if "://" in server_url else f"http://{server_url}")
    host = parts.hostname or "server"
    port = parts.port or (443 if parts.scheme == "https" else 80)
    slug = re.sub(r"[^A-Za-z0-9.-]+", "_", f"{host}_{port}{parts.path.rstrip('/')}")
    firm = re.sub(r"[^0-9A-Za-z]+", "_", firm_number)
    return (root or data_dir()) / "offline" / slug / firm


# -- records to JSON (the models read it back with `from_json`) -------------------------------------


def to_json(value: Any) -> Any:
    """A model record as the JSON shape of the contract (field names are the contract's keys)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Mapping):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [to_json(v) for v in value]
    return value


def _dumps(value: Any) -> str:
    return json.dumps(to_json(value), ensure_ascii=False, separators=(",", ":"))


# -- the cache ---------------------------------------------------------------------------------------


def _schema_v1(conn: sqlite3.Connection) -> None:
    run_script(
        conn,
        """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE sync_state (
            year INTEGER PRIMARY KEY, cursor INTEGER NOT NULL, synced_at TEXT NOT NULL, summary TEXT
        );
        CREATE TABLE cpa_rows (
            year INTEGER NOT NULL, cpa_id INTEGER NOT NULL, application_id INTEGER, status TEXT NOT NULL,
            version INTEGER, data TEXT NOT NULL, PRIMARY KEY (year, cpa_id)
        );
        CREATE INDEX cpa_rows_application ON cpa_rows (application_id);
        CREATE TABLE batch_rows (
            id INTEGER PRIMARY KEY, year INTEGER NOT NULL, state TEXT NOT NULL, version INTEGER NOT NULL,
            data TEXT NOT NULL
        );
        CREATE INDEX batch_rows_year ON batch_rows (year);
        CREATE TABLE details (
            kind TEXT NOT NULL, id INTEGER NOT NULL, version INTEGER, data TEXT NOT NULL,
            fetched_at TEXT NOT NULL, PRIMARY KEY (kind, id)
        );
        CREATE TABLE attachments (
            id INTEGER PRIMARY KEY, owner_kind TEXT NOT NULL, owner_id INTEGER NOT NULL, data TEXT NOT NULL
        );
        CREATE INDEX attachments_owner ON attachments (owner_kind, owner_id);
        """,
    )


CACHE_MIGRATIONS: tuple[Migration, ...] = (_schema_v1,)


@dataclasses.dataclass(frozen=True)
class YearSnapshot:
    """What the cache holds for one year: shown at once when the window opens, before any request."""

    year: int
    cpas: tuple[CpaRow, ...]
    batches: tuple[BatchRow, ...]
    cursor: int
    synced_at: datetime | None
    summary: FirmSummary | None


class CacheDamaged(ServiceError):
    """The cache turned out to be damaged while in use: it was set aside and an empty one replaced it."""

    def __init__(self, copy: Path | None, reason: str) -> None:
        where = f"（损坏的文件已另存为 {copy}）" if copy is not None else ""
        super().__init__(f"本地缓存已损坏，正在从服务器重新同步{where}，草稿未受影响")
        self.copy = copy
        self.reason = reason


P = ParamSpec("P")
R = TypeVar("R")


def _heals(method: Callable[Concatenate[LocalStore, P], R]) -> Callable[Concatenate[LocalStore, P], R]:
    """A damaged file found by `method` is set aside and replaced by an empty one (`CacheDamaged` is raised)."""

    @functools.wraps(method)
    def wrapper(self: LocalStore, /, *args: P.args, **kwargs: P.kwargs) -> R:
        db = self._db
        try:
            return method(self, *args, **kwargs)
        except sqlite3.DatabaseError as e:
            if db.in_memory or not is_damage(e):
                raise
            raise self._replace_damaged(db, e) from e

    return wrapper


class LocalStore:
    """`LocalStore.open(folder)`; thread-safe; every method is quick (local disk only).

    A damaged file (at open: `PRAGMA quick_check`; later: any SQLITE_CORRUPT) is renamed to
    `cache.sqlite3.damaged-<time>` and replaced by an empty cache, which the next (full) sync fills;
    `damaged_copy` names the renamed file and `on_damage` listeners hear of a replacement while in use.
    A locked file (another program) is never touched: `StoreUnavailable`.
    """

    def __init__(self, db: Database, *, recreated: bool, damaged_copy: Path | None = None) -> None:
        self._db = db
        self._identity = file_identity(db.path)  # the file this store opened (another store may replace it)
        #: True when the file was missing or unusable and was made afresh (a full sync follows).
        self.recreated = recreated
        #: Where the damaged file went when this cache replaced it (at open or later), else None.
        self.damaged_copy = damaged_copy
        self._repair_lock = threading.Lock()
        self._damage_listeners: list[Callable[[CacheDamaged], None]] = []

    @property
    def path(self) -> Path:
        return self._db.path

    @property
    def in_memory(self) -> bool:
        """True for `LocalStore.in_memory_for`: nothing of this session is kept after it."""
        return self._db.in_memory

    @classmethod
    def in_memory_for(cls, folder: Path) -> LocalStore:
        """An empty cache in memory, for a session whose `folder` cannot be used (the sync fills it as usual)."""
        store = cls(Database(folder / CACHE_FILE, CACHE_MIGRATIONS, in_memory=True), recreated=True)
        store._check_row_shape()
        return store

    @classmethod
    def open(cls, folder: Path, *, repair: bool = True, busy_timeout_s: float = 5.0) -> LocalStore:
        """Open the cache in `folder`; a damaged file is set aside and a new one made (drafts are elsewhere).

        `repair=False` raises `CacheDamaged` instead (with `copy=None`: nothing was moved).
        """
        path = folder / CACHE_FILE
        existed = path.exists()
        identity = file_identity(path)
        try:
            db = Database(path, CACHE_MIGRATIONS, busy_timeout_s=busy_timeout_s)
            try:
                store = cls(db, recreated=not existed)
                store._check_row_shape()
                rows = db.query("SELECT value FROM meta WHERE key = 'damaged_copy'")
                store.damaged_copy = Path(rows[0]["value"]) if rows else None
            except BaseException:
                db.close()
                raise
            return store
        except sqlite3.DatabaseError as e:
            if not is_damage(e) and not isinstance(e, SchemaTooNew):
                raise StoreUnavailable(path, str(e)) from e  # locked or busy: someone else's, never touched
            if not repair:
                raise CacheDamaged(None, str(e)) from e
            log.warning("local cache %s is unusable (%s): setting it aside, a full sync rebuilds it", path, e)
            reason = e
        except OSError as e:
            raise StoreUnavailable(path, str(e)) from e
        with SET_ASIDE_LOCK:
            replaced = identity is not None and file_identity(path) != identity
            if not replaced:
                try:
                    copy = set_aside(path)
                    store = cls(Database(path, CACHE_MIGRATIONS), recreated=True)
                    store._remember_damaged_copy(copy)
                    return store
                except (sqlite3.Error, OSError) as e:
                    raise StoreUnavailable(path, str(e)) from reason
        # Another store of this program set the damaged file aside meanwhile: open the new one it made.
        return cls.open(folder, repair=repair, busy_timeout_s=busy_timeout_s)

    def _remember_damaged_copy(self, copy: Path) -> None:
        """Kept in the new file until `forget_damaged_copy`: whoever opens it next (the window after the login,
        the next start while offline) still knows that it has to be rebuilt and says so."""
        self.damaged_copy = copy
        with self._db.transaction() as conn:
            conn.execute("INSERT OR REPLACE INTO meta VALUES ('damaged_copy', ?)", (str(copy),))

    @_heals
    def forget_damaged_copy(self) -> None:
        """The rebuild is done (a full sync filled the new cache) and the user was told."""
        self.damaged_copy = None
        with self._db.transaction() as conn:
            conn.execute("DELETE FROM meta WHERE key = 'damaged_copy'")

    def on_damage(self, listener: Callable[[CacheDamaged], None]) -> None:
        """Call `listener` (on the thread that found it) when a damaged file is replaced while in use."""
        self._damage_listeners.append(listener)

    def _replace_damaged(self, db: Database, error: sqlite3.DatabaseError) -> CacheDamaged:
        with self._repair_lock:
            if self._db is not db:  # another thread found it first and replaced it already
                return CacheDamaged(self.damaged_copy, str(error))
            with suppress(sqlite3.Error):
                db.close()
            copy: Path | None = None
            try:
                with SET_ASIDE_LOCK:
                    if file_identity(db.path) == self._identity:
                        log.error("local cache %s is damaged (%s): set aside, a full sync rebuilds it", db.path, error)
                        copy = set_aside(db.path)
                    # else another store of this program set it aside already: use the new file it made
                    fresh = Database(db.path, CACHE_MIGRATIONS)
                    self._identity = file_identity(db.path)
            except (sqlite3.Error, OSError) as e:
                log.error("cannot make a new cache at %s (%s): this session's cache is in memory", db.path, e)
                fresh = Database(db.path, CACHE_MIGRATIONS, in_memory=True)
            self._db = fresh
            self.recreated = True
            self._check_row_shape()
            if copy is not None:
                self._remember_damaged_copy(copy)
            else:  # the store that set it aside wrote down where (`_remember_damaged_copy`)
                rows = fresh.query("SELECT value FROM meta WHERE key = 'damaged_copy'") if not fresh.in_memory else []
                copy = self.damaged_copy = Path(rows[0]["value"]) if rows else None
            damaged = CacheDamaged(copy, str(error))
        for listener in list(self._damage_listeners):
            try:
                listener(damaged)
            except Exception as e:  # a listener's failure must not hide the damage from the caller
                log.warning("cache damage listener failed: %r", e)
        return damaged

    def close(self) -> None:
        self._db.close()

    def _check_row_shape(self) -> None:
        """Rows stored by a program whose records had other fields would stay incomplete (a delta brings
        only changed rows): when the shape differs, forget the cursors so that the next sync is full."""
        shape = _row_shape()
        rows = self._db.query("SELECT value FROM meta WHERE key = 'row_shape'")
        if rows and rows[0]["value"] == shape:
            return
        with self._db.transaction() as conn:
            if rows:
                log.info("local cache rows have another shape: the next sync of each year is a full one")
                conn.execute("DELETE FROM sync_state")
            conn.execute("INSERT OR REPLACE INTO meta VALUES ('row_shape', ?)", (shape,))

    # -- reading --

    @_heals
    def snapshot(self, year: int) -> YearSnapshot:
        with self._db.reading() as conn:
            state = conn.execute("SELECT cursor, synced_at, summary FROM sync_state WHERE year = ?", (year,)).fetchone()
            cpa_data = conn.execute("SELECT data FROM cpa_rows WHERE year = ? ORDER BY rowid", (year,)).fetchall()
            batch_data = conn.execute("SELECT data FROM batch_rows WHERE year = ? ORDER BY id DESC", (year,)).fetchall()
        cpas = tuple(CpaRow.from_json(json.loads(r[0])) for r in cpa_data)
        batches = tuple(BatchRow.from_json(json.loads(r[0])) for r in batch_data)
        if state is None:
            return YearSnapshot(year, cpas, batches, 0, None, None)
        cursor, synced_at, summary = state
        parsed = FirmSummary.from_json(json.loads(summary)) if summary else None
        return YearSnapshot(year, cpas, batches, cursor, _time(synced_at), parsed)

    @_heals
    def cursor(self, year: int) -> int:
        rows = self._db.query("SELECT cursor FROM sync_state WHERE year = ?", (year,))
        return rows[0]["cursor"] if rows else 0

    @_heals
    def last_synced(self, year: int) -> datetime | None:
        rows = self._db.query("SELECT synced_at FROM sync_state WHERE year = ?", (year,))
        return _time(rows[0]["synced_at"]) if rows else None

    @_heals
    def cpa_count(self, year: int) -> int:
        count: int = self._db.query("SELECT count(*) AS n FROM cpa_rows WHERE year = ?", (year,))[0]["n"]
        return count

    @_heals
    def row_of_application(self, application_id: int) -> CpaRow | None:
        rows = self._db.query("SELECT data FROM cpa_rows WHERE application_id = ?", (application_id,))
        return CpaRow.from_json(json.loads(rows[0]["data"])) if rows else None

    @_heals
    def firm(self) -> FirmInfo | None:
        rows = self._db.query("SELECT value FROM meta WHERE key = 'firm'")
        return FirmInfo.from_json(json.loads(rows[0]["value"])) if rows else None

    def application_detail(self, application_id: int) -> ApplicationDetail | None:
        """The detail as last fetched (it may be older than the row: compare `row.version`)."""
        data = self._detail("application", application_id)
        return ApplicationDetail.from_json(data) if data is not None else None

    def batch_detail(self, batch_id: int) -> BatchDetail | None:
        data = self._detail("batch", batch_id)
        return BatchDetail.from_json(data) if data is not None else None

    @_heals
    def _detail(self, kind: str, record_id: int) -> dict[str, Any] | None:
        rows = self._db.query("SELECT data FROM details WHERE kind = ? AND id = ?", (kind, record_id))
        return json.loads(rows[0]["data"]) if rows else None

    @_heals
    def attachments(self, owner_kind: str, owner_id: int) -> list[dict[str, Any]]:
        """Attachment metadata (`AttachmentPublic` shape) of an application or batch, as last seen."""
        rows = self._db.query(
            "SELECT data FROM attachments WHERE owner_kind = ? AND owner_id = ? ORDER BY id", (owner_kind, owner_id)
        )
        return [json.loads(r["data"]) for r in rows]

    # -- writing --

    @_heals
    def apply(self, year: int, changes: ChangeSet, summary: FirmSummary | None = None) -> None:
        """Store a change set in one transaction: a full one replaces the year, a delta upserts its rows."""
        cpa_params = [(year, r.cpa_id, r.application_id, r.status, r.version, _dumps(r)) for r in changes.cpas]
        batch_params = [(b.id, year, b.state, b.version, _dumps(b)) for b in changes.batches]
        now = _now()
        with self._db.transaction() as conn:
            if changes.full:
                conn.execute("DELETE FROM cpa_rows WHERE year = ?", (year,))
                conn.execute("DELETE FROM batch_rows WHERE year = ?", (year,))
            conn.executemany("INSERT OR REPLACE INTO cpa_rows VALUES (?, ?, ?, ?, ?, ?)", cpa_params)
            conn.executemany("INSERT OR REPLACE INTO batch_rows VALUES (?, ?, ?, ?, ?)", batch_params)
            conn.execute(
                """INSERT INTO sync_state (year, cursor, synced_at, summary) VALUES (?, ?, ?, ?)
                   ON CONFLICT (year) DO UPDATE SET cursor = excluded.cursor, synced_at = excluded.synced_at,
                   summary = coalesce(excluded.summary, sync_state.summary)""",
                (year, changes.cursor, now, _dumps(summary) if summary is not None else None),
            )

    @_heals
    def upsert_rows(self, cpas: Sequence[CpaRow], batches: Sequence[BatchRow]) -> int:
        """Store rows the server just gave in an answer (an action's, a detail's), where newer than the stored
        ones; the cursor stays (the next sync brings them again, harmlessly). Returns how many changed."""
        changed = 0
        with self._db.transaction() as conn:
            for r in cpas:
                cursor = conn.execute(
                    """INSERT INTO cpa_rows VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (year, cpa_id) DO UPDATE SET
                       application_id = excluded.application_id, status = excluded.status,
                       version = excluded.version, data = excluded.data
                       WHERE cpa_rows.version IS NULL OR excluded.version > cpa_rows.version""",
                    (r.year, r.cpa_id, r.application_id, r.status, r.version, _dumps(r)),
                )
                changed += cursor.rowcount
            for b in batches:
                cursor = conn.execute(
                    """INSERT INTO batch_rows VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET
                       year = excluded.year, state = excluded.state, version = excluded.version, data = excluded.data
                       WHERE excluded.version > batch_rows.version""",
                    (b.id, b.year, b.state, b.version, _dumps(b)),
                )
                changed += cursor.rowcount
        return changed

    @_heals
    def mark_synced(self, year: int) -> None:
        """Nothing changed: only the time of the last successful sync moves."""
        with self._db.transaction() as conn:
            conn.execute("UPDATE sync_state SET synced_at = ? WHERE year = ?", (_now(), year))

    @_heals
    def forget_year(self, year: int) -> None:
        """Drop a year's cursor so that its next sync is a full one (the rows stay until it arrives)."""
        with self._db.transaction() as conn:
            conn.execute("DELETE FROM sync_state WHERE year = ?", (year,))

    @_heals
    def save_firm(self, firm: FirmInfo) -> None:
        with self._db.transaction() as conn:
            conn.execute("INSERT OR REPLACE INTO meta VALUES ('firm', ?)", (_dumps(firm),))

    @_heals
    def password_verifier(self) -> str | None:
        """The Argon2id hash of the password of the last online login (see `offline_access.py`), or None."""
        rows = self._db.query("SELECT value FROM meta WHERE key = 'password_verifier'")
        return rows[0]["value"] if rows else None

    @_heals
    def save_password_verifier(self, verifier: str) -> None:
        with self._db.transaction() as conn:
            conn.execute("INSERT OR REPLACE INTO meta VALUES ('password_verifier', ?)", (verifier,))

    @_heals
    def last_synced_any(self) -> datetime | None:
        """When any year was last synced (None: never)."""
        rows = self._db.query("SELECT max(synced_at) AS at FROM sync_state")
        return _time(rows[0]["at"]) if rows else None

    def save_application_detail(self, detail: ApplicationDetail) -> None:
        app_id = detail.row.application_id
        if app_id is None:
            return
        self._save_detail("application", app_id, detail.row.version, detail, detail.attachments)

    def save_batch_detail(self, detail: BatchDetail) -> None:
        self._save_detail("batch", detail.batch.id, detail.batch.version, detail, detail.attachments)

    @_heals
    def _save_detail(self, kind: str, record_id: int, version: int | None, detail: Any, attachments: Any) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO details VALUES (?, ?, ?, ?, ?)",
                (kind, record_id, version, _dumps(detail), _now()),
            )
            conn.execute("DELETE FROM attachments WHERE owner_kind = ? AND owner_id = ?", (kind, record_id))
            conn.executemany(
                "INSERT OR REPLACE INTO attachments VALUES (?, ?, ?, ?)",
                [(a.id, kind, record_id, _dumps(a)) for a in attachments],
            )


def _row_shape() -> str:
    return ";".join(",".join(f.name for f in dataclasses.fields(record)) for record in (CpaRow, BatchRow))


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None
