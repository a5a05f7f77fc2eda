# ruff: noqa: F811  (the fixtures imported from tests.helpers.offline are parameters of the tests)
"""Damaged local files, made by page arithmetic on real SQLite files: the cache is set aside and rebuilt from the
server, the drafts are set aside untouched and what can be read comes back, a locked file is never touched."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from firmdesk.services.api_client import CmisClient
from firmdesk.services.drafts import DraftsDamaged, DraftSender, DraftState, DraftStore
from firmdesk.services.drafts_recovery import ITEMS_LOST, REASON_LOST, open_drafts
from firmdesk.services.firm_stores import FirmStores
from firmdesk.services.local_store import CACHE_FILE, DRAFTS_FILE, CacheDamaged, LocalStore, StoreUnavailable
from firmdesk.services.models import CpaRow
from firmdesk.services.store_repair import is_damage
from firmdesk.services.sync import Synchronizer
from tests.helpers.damage import checkpoint, garble_page, pages_of, root_page, truncate_mid_page
from tests.helpers.offline import (  # noqa: F401  (fixtures)
    YEAR,
    RestartableServer,
    counting,
    demo_server_settings,
    firm_client,
    offline_folder,
    restartable_server,
)

ROOT = Path(__file__).resolve().parents[2]


def _synced_cache(client: CmisClient, folder: Path) -> list[CpaRow]:
    store = LocalStore.open(folder)
    try:
        Synchronizer(client, store).sync(YEAR)
        return sorted(store.snapshot(YEAR).cpas, key=lambda r: r.cpa_id)
    finally:
        store.close()
        checkpoint(folder / CACHE_FILE)


def _aside(folder: Path, name: str) -> list[Path]:
    return sorted(
        p for p in folder.iterdir() if p.name.startswith(f"{name}.damaged-") and not p.name.endswith(("-wal", "-shm"))
    )


def _leaf(path: Path) -> bytes:
    leaves = pages_of(path, "cpa_rows", "leaf")
    assert len(leaves) >= 3, leaves  # a real table of several pages: the damage is in the middle
    return garble_page(path, leaves[len(leaves) // 2])


def _index(path: Path) -> bytes:
    return garble_page(path, root_page(path, "cpa_rows_application"))


def _truncated(path: Path) -> bytes:
    return truncate_mid_page(path, len(pages_of(path, "cpa_rows")) // 2 + 3)


@pytest.mark.parametrize("damage", [_leaf, _index, _truncated], ids=["cpa_rows_leaf", "application_index", "truncated"])
def test_a_damaged_cache_is_set_aside_at_open_and_rebuilt_by_a_full_sync_drafts_untouched(
    firm_client: CmisClient, offline_folder: Path, damage: Callable[[Path], bytes]
) -> None:
    rows = _synced_cache(firm_client, offline_folder)
    drafts = DraftStore.open(offline_folder)
    draft = drafts.create(YEAR, [r for r in rows if r.status == "pending_firm"][:2], "学时证明缺页，请补充")
    drafts.close()
    drafts_bytes = (offline_folder / DRAFTS_FILE).read_bytes()
    damaged_bytes = damage(offline_folder / CACHE_FILE)

    store = LocalStore.open(offline_folder)
    try:
        [aside] = _aside(offline_folder, CACHE_FILE)
        assert store.damaged_copy == aside and store.recreated
        assert aside.read_bytes() == damaged_bytes  # kept byte for byte, for support
        assert store.snapshot(YEAR).cpas == ()
        result = Synchronizer(firm_client, store).sync(YEAR)
        assert result.full
        assert sorted(store.snapshot(YEAR).cpas, key=lambda r: r.cpa_id) == rows
        for row in rows[:5]:  # the index the damage hit works again (draft sending looks rows up by it)
            if row.application_id is not None:
                assert store.row_of_application(row.application_id) == row
    finally:
        store.close()
    assert (offline_folder / DRAFTS_FILE).read_bytes() == drafts_bytes
    reopened = DraftStore.open(offline_folder)
    assert reopened.require(draft.uuid).reason == "学时证明缺页，请补充"
    reopened.close()


def test_a_cache_damaged_while_in_use_is_replaced_and_the_draft_send_succeeds_after_the_rebuild(
    firm_client: CmisClient, offline_folder: Path
) -> None:
    rows = _synced_cache(firm_client, offline_folder)
    pending = [r for r in rows if r.status == "pending_firm"][:1]
    store = LocalStore.open(offline_folder)  # checked at open: healthy
    heard: list[CacheDamaged] = []
    store.on_damage(heard.append)
    drafts = DraftStore.open(offline_folder)
    sender = DraftSender(firm_client, drafts, Synchronizer(firm_client, store))
    draft = drafts.create(YEAR, pending, "执业证书复印件不清晰")
    # A one-page page cache: the pages are read from the disk again, as they are once evicted in a long session.
    store._db.query("PRAGMA cache_size=1")
    store._db.query("SELECT count(*) FROM batch_rows")
    garble_page(offline_folder / CACHE_FILE, root_page(offline_folder / CACHE_FILE, "cpa_rows_application"))

    report = sender.send_many([draft.uuid])
    assert isinstance(report.error, CacheDamaged) and "本地缓存已损坏" in report.error.message
    assert drafts.require(draft.uuid).state is DraftState.DRAFT  # nothing was sent
    [aside] = _aside(offline_folder, CACHE_FILE)
    assert [h.copy for h in heard] == [aside] and store.damaged_copy == aside and store.recreated

    assert Synchronizer(firm_client, store).sync(YEAR).full  # the rebuild
    assert sender.send(draft.uuid).state is DraftState.SENT
    store.close()
    drafts.close()


def test_two_stores_meeting_the_same_damage_set_it_aside_once_and_share_the_new_file(
    firm_client: CmisClient, offline_folder: Path
) -> None:
    """The window's store and a second one (a sync opening the folder) both meet the damage: the damaged file
    is moved once, and the new file the first one made is never taken for damaged (before: it was set aside
    too, while the other store went on writing into it under its new name)."""
    _synced_cache(firm_client, offline_folder)
    first = LocalStore.open(offline_folder)  # checked at open: healthy
    first._db.query("PRAGMA cache_size=1")
    first._db.query("SELECT count(*) FROM batch_rows")
    garble_page(offline_folder / CACHE_FILE, root_page(offline_folder / CACHE_FILE, "cpa_rows_application"))

    second = LocalStore.open(offline_folder)  # meets the damage at open: sets it aside, makes a new file
    try:
        [aside] = _aside(offline_folder, CACHE_FILE)
        heard: list[CacheDamaged] = []
        first.on_damage(heard.append)
        with pytest.raises(CacheDamaged):  # the first store meets it in use: the file was replaced already
            first.row_of_application(1)
        assert _aside(offline_folder, CACHE_FILE) == [aside]
        assert [h.copy for h in heard] == [aside] and first.damaged_copy == aside
        assert Synchronizer(firm_client, first).sync(YEAR).full  # both stores use the one new file
        assert len(second.snapshot(YEAR).cpas) == len(first.snapshot(YEAR).cpas) > 0
    finally:
        first.close()
        second.close()


def test_a_locked_cache_is_contention_not_damage_and_is_never_set_aside(offline_folder: Path) -> None:
    LocalStore.open(offline_folder).close()
    holder = sqlite3.connect(offline_folder / CACHE_FILE, isolation_level=None)
    holder.execute("PRAGMA locking_mode=EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("INSERT INTO meta VALUES ('held', 'by another program')")
    try:
        with pytest.raises(StoreUnavailable) as raised:
            LocalStore.open(offline_folder, busy_timeout_s=0.2)
        assert "locked" in str(raised.value) and not is_damage(raised.value.__cause__ or raised.value)
        stores = FirmStores.open(offline_folder)  # the session goes on in memory, the file stays
        assert stores.in_memory and stores.drafts_recovery is None
        stores.close()
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert _aside(offline_folder, CACHE_FILE) == []
    LocalStore.open(offline_folder).close()


def test_damage_is_told_apart_from_contention() -> None:
    locked = sqlite3.OperationalError("database is locked")
    assert not is_damage(locked) and not is_damage(sqlite3.IntegrityError("UNIQUE constraint failed"))
    assert is_damage(sqlite3.DatabaseError("database disk image is malformed"))


# -- drafts ----------------------------------------------------------------------------------------


def _items(n: int, base: int = 1000) -> list[CpaRow]:
    return [CpaRow.from_json(_row_json(base + i)) for i in range(n)]


def _row_json(i: int) -> dict[str, object]:
    return {
        "cpa_id": i,
        "cert_no": f"1100{i:08d}",
        "name": f"注师{i}",
        "application_id": i + 50000,
        "status": "pending_firm",
        "version": 1,
        "year": YEAR,
    }


def _many_drafts(folder: Path, count: int) -> dict[str, str]:
    drafts = DraftStore.open(folder)
    made = {}
    for n in range(count):
        reason = f"第 {n} 份：学时不足，请补充继续教育证明。" + "说明" * 80
        made[drafts.create(YEAR, _items(2, 1000 + 10 * n), reason).uuid] = reason
    drafts.close()
    return made


def test_garbage_on_the_draft_items_root_page_keeps_the_original_and_recovers_every_reason(
    offline_folder: Path,
) -> None:
    made = _many_drafts(offline_folder, 3)
    path = offline_folder / DRAFTS_FILE
    damaged_bytes = garble_page(path, root_page(path, "draft_items"))
    with pytest.raises(DraftsDamaged):
        DraftStore.open(offline_folder)  # never opened as if nothing happened
    assert path.read_bytes() == damaged_bytes  # nor written to

    drafts, recovery = open_drafts(offline_folder)
    try:
        [aside] = _aside(offline_folder, DRAFTS_FILE)
        assert recovery is not None and recovery.original == aside and aside.read_bytes() == damaged_bytes
        assert recovery.recovered == 3 and recovery.incomplete == 3
        assert str(aside) in recovery.message and "退回草稿文件已损坏，已恢复可读取的 3 份草稿" in recovery.message
        found = {d.uuid: d for d in drafts.all()}
        assert {u: d.reason for u, d in found.items()} == made
        assert all(d.state is DraftState.CONFLICT and d.conflict_message == ITEMS_LOST for d in found.values())
        assert drafts.waiting_to_send() == []  # an incomplete draft is never sent on its own
    finally:
        drafts.close()
    again, second = open_drafts(offline_folder)  # the new file is healthy: no second recovery
    assert second is None and len(again.all()) == 3
    again.close()


def test_garbage_on_one_drafts_leaf_page_loses_only_the_drafts_on_it(offline_folder: Path) -> None:
    made = _many_drafts(offline_folder, 40)
    path = offline_folder / DRAFTS_FILE
    leaves = pages_of(path, "drafts", "leaf")
    assert len(leaves) >= 4, leaves
    garble_page(path, leaves[1])

    drafts, recovery = open_drafts(offline_folder)
    try:
        assert recovery is not None
        found = {d.uuid: d for d in drafts.all()}
        assert set(found) == set(made)  # each draft comes back, whole or in part
        lost_reasons = {u for u, d in found.items() if d.conflict_message == REASON_LOST}
        assert 0 < len(lost_reasons) < len(made) // 2  # one page of reasons lost, not the file
        assert recovery.recovered == len(made) and recovery.incomplete == len(lost_reasons)
        for uuid, draft in found.items():
            assert len(draft.items) == 2  # the CPA lists are all on other pages
            if uuid in lost_reasons:
                assert draft.reason == "" and draft.state is DraftState.CONFLICT and not draft.send_on_reconnect
            else:
                assert draft.reason == made[uuid] and draft.state is DraftState.DRAFT
    finally:
        drafts.close()


def test_a_drafts_file_cut_mid_page_is_recovered_from_what_remains(offline_folder: Path) -> None:
    made = _many_drafts(offline_folder, 40)
    path = offline_folder / DRAFTS_FILE
    damaged_bytes = truncate_mid_page(path, len(pages_of(path, "drafts")) + 2)
    drafts, recovery = open_drafts(offline_folder)
    try:
        assert recovery is not None and recovery.original.read_bytes() == damaged_bytes
        found = {d.uuid: d for d in drafts.all()}
        whole = {u for u, d in found.items() if d.reason == made[u]}
        assert set(found) <= set(made) and len(whole) >= len(made) // 3  # the pages before the cut
        assert all(found[u].conflict_message in (ITEMS_LOST, REASON_LOST) for u in set(found) - whole)
    finally:
        drafts.close()


# A client that saves drafts keystroke by keystroke, says so, and waits to be killed.
WRITER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from firmdesk.services.drafts import DraftStore
    from firmdesk.services.models import CpaRow

    rows = [CpaRow.from_json({"cpa_id": i, "cert_no": f"11{i}", "name": f"注师{i}", "application_id": 900 + i,
                              "status": "pending_firm", "version": 1, "year": 2025}) for i in range(3)]
    drafts = DraftStore.open(Path(sys.argv[1]))
    one = drafts.create(2025, rows[:2], send_on_reconnect=True)
    for text in ("学", "学时", "学时不足", "学时不足，请补充继续教育证明"):
        drafts.save_reason(one.uuid, text)
    two = drafts.create(2025, rows[2:], "附件模糊，请重新上传")
    print(one.uuid, two.uuid, flush=True)
    time.sleep(60)
    """
)


def test_a_killed_client_loses_no_committed_draft_even_when_the_wal_is_deleted(offline_folder: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(offline_folder)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert process.stdout is not None
    one_uuid, two_uuid = process.stdout.readline().split()
    process.send_signal(signal.SIGKILL)
    assert process.wait(10) == -signal.SIGKILL
    for suffix in ("-wal", "-shm", "-journal"):
        Path(f"{offline_folder / DRAFTS_FILE}{suffix}").unlink(missing_ok=True)

    drafts, recovery = open_drafts(offline_folder)
    try:
        assert recovery is None
        one, two = drafts.require(one_uuid), drafts.require(two_uuid)
        assert one.reason == "学时不足，请补充继续教育证明" and one.send_on_reconnect and len(one.items) == 2
        assert two.reason == "附件模糊，请重新上传" and len(two.items) == 1
    finally:
        drafts.close()


def test_a_drafts_file_written_with_a_wal_is_folded_into_the_file_at_open(offline_folder: Path) -> None:
    path = offline_folder / DRAFTS_FILE
    made = _many_drafts(offline_folder, 1)
    conn = sqlite3.connect(path)  # as an older FirmDesk left it: WAL mode
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("UPDATE drafts SET reason = '在 WAL 中的修改'")
    conn.commit()
    holder = sqlite3.connect(path)  # keeps the -wal from being checkpointed at close
    holder.execute("SELECT count(*) FROM drafts").fetchone()
    conn.close()
    holder.close()
    drafts = DraftStore.open(offline_folder)
    assert [d.reason for d in drafts.all()] == ["在 WAL 中的修改"] and len(made) == 1
    drafts.close()
    assert not Path(f"{path}-wal").exists()
    mode = sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "delete"
