"""Drafts are sacred: a damaged drafts file is set aside untouched and what can be read of it goes to a new file.

`open_drafts(folder)` is how the program opens the drafts: a healthy file opens as usual; a damaged one
(SQLITE_CORRUPT or a failed `PRAGMA quick_check`) is renamed to `drafts.sqlite3.damaged-<time>` (with its
side files), read row by row from a scratch copy (`store_repair.readable_rows`: damaged pages are skipped),
and every readable row is written into a new `drafts.sqlite3`. The user is told how many drafts came back
and where the original is (`DraftRecovery.message`). A draft whose CPA list was lost, or a CPA list whose
draft was lost, comes back as 冲突 with a message saying what is missing: never sent on its own.
"""

from __future__ import annotations

import logging
import sqlite3
import uuid as uuid_module
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from firmdesk.services.drafts import (
    DRAFT_MIGRATIONS,
    DRAFTS_JOURNAL,
    DraftsDamaged,
    DraftState,
    DraftStore,
    DraftStoreUnavailable,
)
from firmdesk.services.local_store import DRAFTS_FILE, Database, remove_database_files
from firmdesk.services.store_repair import readable_rows, scratch_copy, set_aside

log = logging.getLogger(__name__)

ITEMS_LOST = "草稿中的注册会计师名单无法从损坏的草稿文件中恢复：退回原因保留在此，请重新选择注册会计师起草后删除本草稿"
REASON_LOST = "这份草稿的退回原因无法从损坏的草稿文件中恢复：请核对注册会计师名单，补写原因后再发送"


@dataclass(frozen=True)
class DraftRecovery:
    """What happened to a damaged drafts file."""

    original: Path  # the damaged file, renamed and left as it was
    damage: str  # SQLite's words for it
    recovered: int  # drafts in the new file
    incomplete: int  # of which came back as 冲突 (their CPA list or their reason was lost)

    @property
    def message(self) -> str:
        """For the notice strip: what came back, and where the original is."""
        if self.recovered:
            found = f"已恢复可读取的 {self.recovered} 份草稿"
            if self.incomplete:
                found += f"（其中 {self.incomplete} 份内容不完整，已标为“冲突”，请查看）"
        else:
            found = "未能从中读出任何草稿"
        return (
            f"退回草稿文件已损坏，{found}。损坏的原文件已原样保留在：{self.original}"
            "（可交技术支持查看；本程序不会修改或删除它）。"
        )


def open_drafts(folder: Path) -> tuple[DraftStore, DraftRecovery | None]:
    """The drafts of `folder`; a damaged file is set aside and recovered (then the recovery says how).

    Raises `DraftStoreUnavailable` when the file cannot be used for another reason (locked, read-only disk):
    then nothing is moved or written.
    """
    try:
        return DraftStore.open(folder), None
    except DraftsDamaged as e:
        damage = str(e.__cause__ or e)
    path = folder / DRAFTS_FILE
    try:
        original = set_aside(path)
    except OSError as e:  # cannot even rename it (read-only folder): left exactly as it is
        raise DraftStoreUnavailable(path, f"{damage}；无法另存损坏的文件：{e}") from e
    try:
        db = Database(path, DRAFT_MIGRATIONS, synchronous="FULL", journal_mode=DRAFTS_JOURNAL)  # new and empty
    except (sqlite3.Error, OSError) as e:
        raise DraftStoreUnavailable(path, f"{damage}；损坏的原文件已另存为 {original}") from e
    try:
        recovered, incomplete = _copy_readable(original, db)
    except Exception as e:
        db.close()
        remove_database_files(path)  # a half-filled copy would hide the damage at the next start
        raise DraftStoreUnavailable(path, f"{damage}；损坏的原文件已另存为 {original}") from e
    recovery = DraftRecovery(original, damage, recovered, incomplete)
    log.warning("drafts file %s was damaged (%s): %d drafts recovered, kept as %s", path, damage, recovered, original)
    return DraftStore(db), recovery


def _copy_readable(original: Path, db: Database) -> tuple[int, int]:
    """Every readable row of every table the new file has; returns (drafts, incomplete drafts)."""
    listed = db.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    tables = [r["name"] for r in listed]
    found: dict[str, list[dict[str, Any]]] = {}
    with scratch_copy(original) as old:
        for table in tables:
            found[table] = readable_rows(old, table)
    drafts = [r for r in found.pop("drafts", []) if _valid_draft(r)]
    items = [r for r in found.pop("draft_items", []) if _valid_item(r)]
    with_items = {r["uuid"] for r in items}
    known = {r["uuid"] for r in drafts}
    incomplete = 0
    for row in drafts:
        if row["uuid"] not in with_items and row["state"] != DraftState.SENT.value:
            row.update(state=DraftState.CONFLICT.value, conflict_message=ITEMS_LOST, send_on_reconnect=0)
            incomplete += 1
    now = datetime.now(UTC).isoformat()
    for draft_uuid in sorted(with_items - known):  # the draft's row is lost, its CPAs are not
        drafts.append(_stand_in(draft_uuid, now))
        incomplete += 1
    with db.transaction() as conn:
        _insert(conn, "drafts", drafts)
        _insert(conn, "draft_items", items)
        for table, rows in found.items():  # tables a later schema adds: copied as they are
            _insert(conn, table, rows)
    return len(drafts), incomplete


def _insert(conn: sqlite3.Connection, table: str, rows: list[dict[str, Any]]) -> None:
    columns = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
    for row in rows:
        names = [c for c in columns if c in row]
        try:
            conn.execute(
                f"INSERT OR IGNORE INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
                [row[c] for c in names],
            )
        except sqlite3.Error as e:  # a row that breaks a constraint is not recoverable
            log.warning("recovered row of %s dropped: %s", table, e)


def _stand_in(draft_uuid: str, now: str) -> dict[str, Any]:
    return {
        "uuid": draft_uuid,
        "year": datetime.now().year,
        "reason": "",
        "created_at": now,
        "updated_at": now,
        "send_on_reconnect": 0,
        "state": DraftState.CONFLICT.value,
        "conflict_message": REASON_LOST,
        "sent_at": None,
    }


def _sound(row: dict[str, Any]) -> bool:
    """No zeros inside text (a page cut short reads as zeros) and a real uuid as the key."""
    if any(isinstance(v, str) and "\x00" in v for v in row.values()):
        return False
    try:
        key: str = row["uuid"]
        return str(uuid_module.UUID(key)) == key.lower()
    except (KeyError, TypeError, ValueError, AttributeError):
        return False


def _valid_draft(row: dict[str, Any]) -> bool:
    try:
        ok = _sound(row) and isinstance(row["year"], int) and isinstance(row["reason"], str)
        datetime.fromisoformat(row["created_at"])
        datetime.fromisoformat(row["updated_at"])
        DraftState(row["state"])
        if row.get("sent_at") is not None:
            datetime.fromisoformat(row["sent_at"])
        return ok
    except (KeyError, TypeError, ValueError):
        return False


def _valid_item(row: dict[str, Any]) -> bool:
    try:
        return (
            _sound(row)
            and all(isinstance(row[k], int) for k in ("position", "application_id", "cpa_id"))
            and all(isinstance(row[k], str) for k in ("cert_no", "name", "status"))
            and (row["version"] is None or isinstance(row["version"], int))
        )
    except KeyError:
        return False
