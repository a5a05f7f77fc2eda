"""Return reasons drafted offline (退回草稿): kept in their own SQLite file, sent later exactly once.

A draft names the applications with the version and status last seen. Before sending, the sender
brings the cache up to date through the change feed and compares: an application that is no longer
pending the firm's review, or whose version moved, makes the draft a conflict — kept, never dropped
and never applied to the wrong state. The draft's uuid is the `Idempotency-Key` of `POST /firm/returns`,
so a retry after a lost answer cannot return twice. The file `drafts.sqlite3` is never deleted or
overwritten by the program: a locked or unreadable one is reported (`DraftStoreUnavailable`), a damaged one
(`DraftsDamaged`) is set aside and its readable rows recovered into a new file (`drafts_recovery.py`).
It uses a rollback journal (`journal_mode=DELETE`, `synchronous=FULL`): each commit is in the file itself,
so nothing committed depends on a `-wal` side file surviving.
"""

from __future__ import annotations

import logging
import sqlite3
import uuid as uuid_module
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

from firmdesk.domain.errors import InvalidInput
from firmdesk.domain.transitions import require_reason
from firmdesk.services.api_client import CmisClient
from firmdesk.services.errors import Refused, ServiceError
from firmdesk.services.local_store import DRAFTS_FILE, Database, LocalStore, run_script
from firmdesk.services.models import CpaRow
from firmdesk.services.store_repair import is_damage
from firmdesk.services.sync import Synchronizer

log = logging.getLogger(__name__)


class DraftState(StrEnum):
    DRAFT = "draft"
    SENDING = "sending"  # a send began; its outcome is unknown until the same key is sent again
    SENT = "sent"
    CONFLICT = "conflict"

    @property
    def label(self) -> str:
        return _STATE_LABELS[self]


_STATE_LABELS = {
    DraftState.DRAFT: "草稿",
    DraftState.SENDING: "发送中",
    DraftState.SENT: "已发送",
    DraftState.CONFLICT: "冲突",
}


class DraftStoreUnavailable(ServiceError):
    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"无法打开退回草稿文件 {path}（{reason}）。草稿文件未被改动，请联系技术支持。")
        self.path = path


class DraftsDamaged(DraftStoreUnavailable):
    """The drafts file is damaged (SQLITE_CORRUPT or a failed quick_check): `drafts_recovery.open_drafts`
    sets it aside and recovers what it can; nothing here writes to it."""


@dataclass(frozen=True)
class DraftItem:
    """One application of a draft, as the user saw it when choosing it."""

    application_id: int
    cpa_id: int
    cert_no: str
    name: str
    version: int | None
    status: str
    conflict: str | None = None  # why this application cannot be returned any more

    @classmethod
    def of(cls, row: CpaRow) -> DraftItem:
        if row.application_id is None:
            raise Refused(f"{row.name}（{row.cert_no}）尚未提交年检申请，不能退回", 422, "invalid_input")
        return cls(row.application_id, row.cpa_id, row.cert_no, row.name, row.version, row.status)


@dataclass(frozen=True)
class ReturnReasonDraft:
    uuid: str  # also the Idempotency-Key of the send
    year: int
    items: tuple[DraftItem, ...]
    reason: str
    created_at: datetime
    updated_at: datetime
    send_on_reconnect: bool = False  # 联网后发送
    state: DraftState = DraftState.DRAFT
    conflict_message: str | None = None
    sent_at: datetime | None = None

    @property
    def names(self) -> str:
        return "、".join(i.name for i in self.items)

    @property
    def editable(self) -> bool:
        return self.state in (DraftState.DRAFT, DraftState.CONFLICT)


def _schema_v1(conn: sqlite3.Connection) -> None:
    run_script(
        conn,
        """
        CREATE TABLE drafts (
            uuid TEXT PRIMARY KEY, year INTEGER NOT NULL, reason TEXT NOT NULL,
            created_at TEXT NOT NULL, updated_at TEXT NOT NULL, send_on_reconnect INTEGER NOT NULL,
            state TEXT NOT NULL, conflict_message TEXT, sent_at TEXT
        );
        CREATE TABLE draft_items (
            uuid TEXT NOT NULL REFERENCES drafts (uuid) ON DELETE CASCADE, position INTEGER NOT NULL,
            application_id INTEGER NOT NULL, cpa_id INTEGER NOT NULL, cert_no TEXT NOT NULL, name TEXT NOT NULL,
            version INTEGER, status TEXT NOT NULL, conflict TEXT, PRIMARY KEY (uuid, application_id)
        );
        """,
    )


DRAFT_MIGRATIONS = (_schema_v1,)
#: A rollback journal, not WAL: a committed draft must not depend on a `-wal` file surviving a kill.
DRAFTS_JOURNAL = "DELETE"


class DraftStore:
    """CRUD of drafts; every change is one committed transaction (synchronous=FULL, rollback journal: survives a
    kill, and the file alone holds every committed change)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    @classmethod
    def open(cls, folder: Path) -> DraftStore:
        path = folder / DRAFTS_FILE
        try:
            db = Database(path, DRAFT_MIGRATIONS, synchronous="FULL", journal_mode=DRAFTS_JOURNAL)
            db.query("SELECT count(*) FROM drafts")
        except (sqlite3.Error, OSError) as e:
            log.error("drafts file %s cannot be opened: %s", path, e)
            if is_damage(e):
                raise DraftsDamaged(path, str(e)) from e
            raise DraftStoreUnavailable(path, str(e)) from e
        return cls(db)

    @property
    def path(self) -> Path:
        return self._db.path

    def close(self) -> None:
        self._db.close()

    # -- reading --

    def all(self) -> list[ReturnReasonDraft]:
        """Every draft, newest first."""
        items: dict[str, list[DraftItem]] = {}
        for r in self._db.query("SELECT * FROM draft_items ORDER BY uuid, position"):
            items.setdefault(r["uuid"], []).append(_item(r))
        rows = self._db.query("SELECT * FROM drafts ORDER BY created_at DESC, uuid")
        return [_draft(r, items.get(r["uuid"], [])) for r in rows]

    def get(self, draft_uuid: str) -> ReturnReasonDraft | None:
        rows = self._db.query("SELECT * FROM drafts WHERE uuid = ?", (draft_uuid,))
        if not rows:
            return None
        items = self._db.query("SELECT * FROM draft_items WHERE uuid = ? ORDER BY position", (draft_uuid,))
        return _draft(rows[0], [_item(r) for r in items])

    def require(self, draft_uuid: str) -> ReturnReasonDraft:
        draft = self.get(draft_uuid)
        if draft is None:
            raise Refused("该草稿已被删除", 404, "not_found")
        return draft

    def waiting_to_send(self) -> list[ReturnReasonDraft]:
        """Drafts to send as soon as the server answers: marked 联网后发送 (with a reason: a draft never written
        is not sent, nor nagged about), or whose send began and did not finish (resent under the same key)."""
        return [
            d
            for d in reversed(self.all())  # oldest first
            if d.state is DraftState.SENDING
            or (d.state is DraftState.DRAFT and d.send_on_reconnect and d.reason.strip())
        ]

    # -- writing --

    def create(
        self,
        year: int,
        rows: Sequence[CpaRow],
        reason: str = "",
        *,
        send_on_reconnect: bool = False,
        uuid: str | None = None,
        sending: bool = False,
    ) -> ReturnReasonDraft:
        """A new draft. `uuid` (the idempotency key) and `sending=True`: a return already sent once whose
        answer was lost (the 退回 dialog lost the server); it is then resent with the same key, never checked
        for conflicts first (its own effect would look like one), so the server returns it at most once."""
        now = _now()
        draft = ReturnReasonDraft(
            uuid=uuid or str(uuid_module.uuid4()),
            year=year,
            items=tuple(DraftItem.of(r) for r in rows),
            reason=reason,
            created_at=now,
            updated_at=now,
            send_on_reconnect=send_on_reconnect,
            state=DraftState.SENDING if sending else DraftState.DRAFT,
        )
        if not draft.items:
            raise Refused("请至少选择一名注册会计师", 422, "invalid_input")
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT INTO drafts VALUES (?, ?, ?, ?, ?, ?, ?, NULL, NULL)",
                (draft.uuid, year, reason, now.isoformat(), now.isoformat(), int(send_on_reconnect), draft.state),
            )
            self._write_items(conn, draft.uuid, draft.items)
        return draft

    def save_reason(self, draft_uuid: str, reason: str) -> None:
        """Autosave: the reason as typed (a draft being sent or already sent is not changed)."""
        with self._db.transaction() as conn:
            conn.execute(
                "UPDATE drafts SET reason = ?, updated_at = ? WHERE uuid = ? AND state IN ('draft', 'conflict')",
                (reason, _now().isoformat(), draft_uuid),
            )

    def set_send_on_reconnect(self, draft_uuid: str, flag: bool) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                "UPDATE drafts SET send_on_reconnect = ?, updated_at = ? WHERE uuid = ?",
                (int(flag), _now().isoformat(), draft_uuid),
            )

    def set_state(self, draft_uuid: str, state: DraftState, message: str | None = None) -> None:
        sent_at = _now().isoformat() if state is DraftState.SENT else None
        with self._db.transaction() as conn:
            conn.execute(
                "UPDATE drafts SET state = ?, conflict_message = ?, sent_at = coalesce(?, sent_at) WHERE uuid = ?",
                (state.value, message, sent_at, draft_uuid),
            )

    def mark_conflict(self, draft_uuid: str, message: str, item_conflicts: dict[int, str]) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                "UPDATE drafts SET state = 'conflict', conflict_message = ? WHERE uuid = ?", (message, draft_uuid)
            )
            conn.execute("UPDATE draft_items SET conflict = NULL WHERE uuid = ?", (draft_uuid,))
            conn.executemany(
                "UPDATE draft_items SET conflict = ? WHERE uuid = ? AND application_id = ?",
                [(text, draft_uuid, app_id) for app_id, text in item_conflicts.items()],
            )

    def rebase(self, draft_uuid: str, current: Iterable[CpaRow]) -> ReturnReasonDraft:
        """Resolve a conflict as the user asked: keep the applications still pending (at their current
        version), drop the others; the draft is a plain draft again (sent only when the user says so)."""
        draft = self.require(draft_uuid)
        by_app = {r.application_id: r for r in current if r.application_id is not None}
        kept = tuple(
            replace(DraftItem.of(by_app[i.application_id]), conflict=None)
            for i in draft.items
            if i.application_id in by_app and by_app[i.application_id].refusal("return") is None
        )
        if not kept:
            raise Refused("草稿中的注册会计师都已不在“待事务所审核”状态，无法保留", 409, "transition_refused")
        with self._db.transaction() as conn:
            conn.execute("DELETE FROM draft_items WHERE uuid = ?", (draft_uuid,))
            self._write_items(conn, draft_uuid, kept)
            conn.execute(
                "UPDATE drafts SET state = 'draft', conflict_message = NULL, send_on_reconnect = 0, updated_at = ? "
                "WHERE uuid = ?",
                (_now().isoformat(), draft_uuid),
            )
        return self.require(draft_uuid)

    def delete(self, draft_uuid: str) -> None:
        with self._db.transaction() as conn:
            conn.execute("DELETE FROM drafts WHERE uuid = ?", (draft_uuid,))

    def discard_empty(self) -> int:
        """Remove the drafts never written (no reason, never sent): what a kill right after 退回 leaves behind
        (the editor removes them itself when closed). Called when a session starts; returns how many."""
        with self._db.transaction() as conn:
            removed = conn.execute("DELETE FROM drafts WHERE state = 'draft' AND trim(reason) = ''").rowcount
        if removed:
            log.info("removed %d empty drafts", removed)
        return removed

    @staticmethod
    def _write_items(conn: sqlite3.Connection, draft_uuid: str, items: Sequence[DraftItem]) -> None:
        conn.executemany(
            "INSERT INTO draft_items VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (draft_uuid, n, i.application_id, i.cpa_id, i.cert_no, i.name, i.version, i.status, i.conflict)
                for n, i in enumerate(items)
            ],
        )


# -- sending -----------------------------------------------------------------------------------------


@dataclass
class SendReport:
    """What one round of sending did; `error` is the failure that stopped it (e.g. offline again)."""

    sent: list[ReturnReasonDraft] = field(default_factory=list)
    conflicts: list[ReturnReasonDraft] = field(default_factory=list)
    refused: list[tuple[ReturnReasonDraft, str]] = field(default_factory=list)
    error: ServiceError | None = None


class DraftSender:
    """Checks each draft against the server's current rows, then sends it with its uuid as the key."""

    def __init__(self, client: CmisClient, drafts: DraftStore, synchronizer: Synchronizer) -> None:
        self.client = client
        self.drafts = drafts
        self.synchronizer = synchronizer

    def send_many(self, uuids: Sequence[str], *, asked: bool = False) -> SendReport:
        """Send each in turn; stops at the first lost connection (the rest stay as they are). The cache is
        synced before the checks, and again after sending so that it shows the new states at once.

        `asked`: the user pressed 发送: each draft is first marked 联网后发送, so that a connection lost
        before it went out (in the sync before the checks, or by a kill) leaves it waiting, not forgotten.
        A draft refused (no reason, a server refusal) loses the mark: it waits for the user, said once."""
        report = SendReport()
        synced: set[int] = set()
        changed: set[int] = set()
        if asked:
            for draft_uuid in uuids:
                self.drafts.set_send_on_reconnect(draft_uuid, True)
        for draft_uuid in uuids:
            try:
                draft = self.drafts.require(draft_uuid)
                if draft.state is DraftState.SENT:
                    report.sent.append(draft)
                    continue
                if draft.year not in synced and draft.state is not DraftState.SENDING:
                    self.synchronizer.sync(draft.year)
                    synced.add(draft.year)
                outcome = self._send(draft)
            except Refused as e:
                current = self.drafts.get(draft_uuid)
                if current is not None:
                    if current.send_on_reconnect:
                        self.drafts.set_send_on_reconnect(draft_uuid, False)
                        current = replace(current, send_on_reconnect=False)
                    report.refused.append((current, e.message))
                continue
            except ServiceError as e:  # offline again, session expired, server failure: stop here
                report.error = e
                break
            if outcome.state is DraftState.SENT:
                report.sent.append(outcome)
                changed.add(outcome.year)
            else:
                report.conflicts.append(outcome)
        for year in changed:
            try:
                self.synchronizer.sync(year)
            except ServiceError as e:
                log.info("sync after sending drafts failed: %s", type(e).__name__)
        return report

    def send(self, draft_uuid: str) -> ReturnReasonDraft:
        """Send one draft (sync first); raises what stopped it; returns it as sent or in conflict."""
        report = self.send_many([draft_uuid])
        if report.error is not None:
            raise report.error
        if report.refused:
            raise Refused(report.refused[0][1], 422, "invalid_input")
        return (report.sent or report.conflicts)[0]

    def _send(self, draft: ReturnReasonDraft) -> ReturnReasonDraft:
        if draft.state is DraftState.SENT:
            return draft
        try:
            reason = require_reason(draft.reason)
        except InvalidInput as e:
            raise Refused(e.message, 422, "invalid_input") from None
        if draft.state is not DraftState.SENDING:
            # A send that began before may have gone through: then only the same key tells, not the state.
            conflicts = self.conflicts_of(draft)
            if conflicts:
                return self._conflict(draft, conflicts)
            self.drafts.set_state(draft.uuid, DraftState.SENDING)
        items = [(i.application_id, i.version) for i in draft.items]
        try:
            returned = self.client.return_applications(items, reason, idempotency_key=draft.uuid)
        except Refused as e:
            if e.status in (404, 409):
                conflicts = self._fresh_conflicts(draft)
                return self._conflict(draft, conflicts, e.message)
            self.drafts.set_state(draft.uuid, DraftState.DRAFT, e.message)
            raise
        self.drafts.set_state(draft.uuid, DraftState.SENT)
        log.info("draft %s sent: %d applications returned", draft.uuid, len(returned))
        return self.drafts.require(draft.uuid)

    def conflicts_of(self, draft: ReturnReasonDraft) -> dict[int, str]:
        """Per application: why it may not be returned now, from the cache the last sync filled."""
        store: LocalStore = self.synchronizer.store
        found: dict[int, str] = {}
        for item in draft.items:
            row = store.row_of_application(item.application_id)
            if row is None:
                row = self.client.application(item.application_id).row
            text = item_conflict(item, row)
            if text:
                found[item.application_id] = text
        return found

    def _fresh_conflicts(self, draft: ReturnReasonDraft) -> dict[int, str]:
        try:
            self.synchronizer.sync(draft.year)
            return self.conflicts_of(draft)
        except ServiceError:
            return {}

    def _conflict(
        self, draft: ReturnReasonDraft, conflicts: dict[int, str], server_message: str | None = None
    ) -> ReturnReasonDraft:
        lines = list(conflicts.values()) or [server_message or "申请状态已变化"]
        message = "以下申请已在服务器上变化，草稿未发送：\n" + "\n".join(lines)
        self.drafts.mark_conflict(draft.uuid, message, conflicts)
        log.info("draft %s: conflict (%d applications)", draft.uuid, len(conflicts))
        return self.drafts.require(draft.uuid)


def item_conflict(item: DraftItem, row: CpaRow) -> str | None:
    """Why `item` cannot be returned as drafted, seeing the application's current `row`; None if it can."""
    if row.refusal("return") is not None:
        where = f"（批次 {row.batch_number}）" if row.batch_number else ""
        return f"{item.name}（{item.cert_no}）：状态已变为“{row.status_label or row.status}”{where}"
    if item.version is not None and row.version != item.version:
        return f"{item.name}（{item.cert_no}）：申请已被修改或重新提交，请确认退回原因是否仍然适用"
    return None


def _now() -> datetime:
    return datetime.now(UTC)


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _item(r: sqlite3.Row) -> DraftItem:
    return DraftItem(
        r["application_id"], r["cpa_id"], r["cert_no"], r["name"], r["version"], r["status"], r["conflict"]
    )


def _draft(r: sqlite3.Row, items: list[DraftItem]) -> ReturnReasonDraft:
    return ReturnReasonDraft(
        uuid=r["uuid"],
        year=r["year"],
        items=tuple(items),
        reason=r["reason"],
        created_at=datetime.fromisoformat(r["created_at"]),
        updated_at=datetime.fromisoformat(r["updated_at"]),
        send_on_reconnect=bool(r["send_on_reconnect"]),
        state=DraftState(r["state"]),
        conflict_message=r["conflict_message"],
        sent_at=_time(r["sent_at"]),
    )
