"""The offline cache: rows survive a reopen, and a broken or missing file is rebuilt by a resync, drafts untouched."""

# ruff: noqa: F811  (the fixtures imported from offline_fixtures are parameters of the tests)
from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from firmdesk.services.api_client import CmisClient
from firmdesk.services.drafts import DraftStore
from firmdesk.services.local_store import CACHE_FILE, DRAFTS_FILE, LocalStore, store_folder
from firmdesk.services.sync import Synchronizer
from tests.helpers.offline import (  # noqa: F401  (fixtures)
    YEAR,
    RestartableServer,
    counting,
    demo_server_settings,
    firm_client,
    offline_folder,
    restartable_server,
)


def test_store_folder_is_per_server_and_firm_under_the_data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FIRMDESK_DATA_DIR", str(tmp_path))
    a = store_folder("http://127.0.0.1:8000", "50010028")
    assert a == tmp_path / "offline" / "127.0.0.1_8000" / "50010028"
    assert store_folder("127.0.0.1:8000/", "50010028") == a
    assert store_folder("https://cmis.example.cn", "50010028") != a
    assert store_folder("http://127.0.0.1:8000", "50010031") != a


def test_synced_rows_batches_and_cursor_are_there_after_reopening(
    firm_client: CmisClient, offline_folder: Path
) -> None:
    store = LocalStore.open(offline_folder)
    assert store.recreated
    result = Synchronizer(firm_client, store).sync(YEAR)
    store.close()

    reopened = LocalStore.open(offline_folder)
    snapshot = reopened.snapshot(YEAR)
    server = firm_client.changes(YEAR, since=0)
    assert not reopened.recreated
    assert sorted(snapshot.cpas, key=lambda r: r.cpa_id) == sorted(server.cpas, key=lambda r: r.cpa_id)
    assert {b.id: b for b in snapshot.batches} == {b.id: b for b in server.batches}
    assert snapshot.cursor == result.cursor > 0
    assert snapshot.synced_at is not None
    assert snapshot.summary is not None and snapshot.summary.total == len(server.cpas)
    reopened.close()


def test_details_and_attachment_metadata_are_kept_for_offline_viewing(
    firm_client: CmisClient, offline_folder: Path
) -> None:
    store = LocalStore.open(offline_folder)
    row = next(r for r in firm_client.cpas(YEAR).items if r.attachment_count)
    assert row.application_id is not None
    detail = firm_client.application(row.application_id)
    batch = firm_client.batch(firm_client.batches(YEAR).items[0].id)
    store.save_application_detail(detail)
    store.save_batch_detail(batch)
    store.save_firm(firm_client.firm())
    store.close()

    reopened = LocalStore.open(offline_folder)
    assert reopened.application_detail(row.application_id) == detail
    assert reopened.batch_detail(batch.batch.id) == batch
    assert reopened.firm() == firm_client.firm()
    names = [a["original_name"] for a in reopened.attachments("application", row.application_id)]
    assert names == [a.original_name for a in sorted(detail.attachments, key=lambda a: a.id)]
    reopened.close()


@pytest.mark.parametrize("damage", ["garbage", "missing", "future_schema"])
def test_a_damaged_cache_is_rebuilt_by_a_full_resync_and_drafts_are_untouched(
    firm_client: CmisClient, offline_folder: Path, damage: str
) -> None:
    store = LocalStore.open(offline_folder)
    Synchronizer(firm_client, store).sync(YEAR)
    rows = store.snapshot(YEAR).cpas
    drafts = DraftStore.open(offline_folder)
    pending = [r for r in rows if r.status == "pending_firm"][:2]
    draft = drafts.create(YEAR, pending, "学时证明缺页，请补充")
    drafts.close()
    store.close()
    drafts_bytes = (offline_folder / DRAFTS_FILE).read_bytes()

    cache = offline_folder / CACHE_FILE
    if damage == "garbage":
        cache.write_bytes(b"\x00garbage, not SQLite\xff" * 500)
        for suffix in ("-wal", "-shm"):
            Path(f"{cache}{suffix}").unlink(missing_ok=True)
    elif damage == "missing":
        cache.unlink()
    else:
        with sqlite3.connect(cache) as conn:
            conn.execute("PRAGMA user_version=99")

    rebuilt = LocalStore.open(offline_folder)
    assert rebuilt.recreated
    assert rebuilt.snapshot(YEAR).cpas == ()
    result = Synchronizer(firm_client, rebuilt).sync(YEAR)
    assert result.full
    assert sorted(rebuilt.snapshot(YEAR).cpas, key=lambda r: r.cpa_id) == sorted(rows, key=lambda r: r.cpa_id)
    rebuilt.close()

    assert (offline_folder / DRAFTS_FILE).read_bytes() == drafts_bytes
    reopened = DraftStore.open(offline_folder)
    assert reopened.require(draft.uuid).reason == "学时证明缺页，请补充"
    reopened.close()


def test_details_come_from_the_cache_when_the_server_is_away(
    restartable_server: RestartableServer, firm_client: CmisClient, offline_folder: Path
) -> None:
    from firmdesk.services.errors import ServerUnreachable
    from firmdesk.services.sync import application_detail, batch_detail

    store = LocalStore.open(offline_folder)
    row = next(r for r in firm_client.cpas(YEAR).items if r.application_id is not None)
    assert row.application_id is not None
    batch_id = firm_client.batches(YEAR).items[0].id
    online = application_detail(firm_client, store, row.application_id)
    online_batch = batch_detail(firm_client, store, batch_id)
    assert online.fresh and online_batch.fresh
    restartable_server.stop()

    offline = application_detail(firm_client, store, row.application_id)
    assert not offline.fresh and offline.value == online.value
    assert batch_detail(firm_client, store, batch_id).value == online_batch.value
    with pytest.raises(ServerUnreachable):
        application_detail(firm_client, store, row.application_id + 10_000)  # never opened: nothing cached
    store.close()


def test_rows_stored_with_another_shape_are_refetched_in_full(firm_client: CmisClient, offline_folder: Path) -> None:
    store = LocalStore.open(offline_folder)
    Synchronizer(firm_client, store).sync(YEAR)
    store.close()
    with sqlite3.connect(offline_folder / CACHE_FILE) as conn:  # as an older FirmDesk would have left it
        conn.execute("UPDATE meta SET value = 'cpa_id,cert_no' WHERE key = 'row_shape'")

    reopened = LocalStore.open(offline_folder)
    assert reopened.cursor(YEAR) == 0 and reopened.cpa_count(YEAR) > 0  # rows still shown meanwhile
    assert Synchronizer(firm_client, reopened).sync(YEAR).full
    reopened.close()
