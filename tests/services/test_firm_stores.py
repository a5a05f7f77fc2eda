"""The firm's cache and drafts: on disk when the folder can be used, else in memory (same behaviour, not kept)."""

from __future__ import annotations

from pathlib import Path

from firmdesk.services.api_client import CmisClient
from firmdesk.services.firm_stores import FirmStores
from firmdesk.services.local_store import CACHE_FILE, DRAFTS_FILE
from firmdesk.services.sync import Synchronizer
from tests.helpers.offline import (  # noqa: F401  (fixtures)
    YEAR,
    counting,
    demo_server_settings,
    firm_client,
    restartable_server,
)


def test_a_usable_folder_holds_both_files(tmp_path: Path) -> None:
    stores = FirmStores.open(tmp_path / "firm")
    try:
        assert not stores.in_memory and stores.problem is None and not stores.cache.in_memory
        assert (tmp_path / "firm" / CACHE_FILE).exists() and (tmp_path / "firm" / DRAFTS_FILE).exists()
    finally:
        stores.close()


def test_an_unusable_folder_gives_stores_in_memory_that_sync_and_draft_as_usual(
    tmp_path: Path,
    firm_client: CmisClient,  # noqa: F811
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the data folder should be")
    stores = FirmStores.open(blocker / "firm")
    try:
        assert stores.in_memory and stores.cache.in_memory
        assert stores.problem is not None and "无法使用本地数据文件" in stores.problem
        assert stores.cache.path == blocker / "firm" / CACHE_FILE  # where it would have been
        Synchronizer(firm_client, stores.cache).sync(YEAR)
        snapshot = stores.cache.snapshot(YEAR)
        pending = [r for r in snapshot.cpas if r.status == "pending_firm"][:2]
        assert snapshot.cpas and len(pending) == 2
        draft = stores.drafts.create(YEAR, pending, "附件不清晰")
        assert [d.uuid for d in stores.drafts.all()] == [draft.uuid]
    finally:
        stores.close()
    assert blocker.is_file()  # nothing written to disk


def test_stores_in_memory_are_not_shared(tmp_path: Path, firm_client: CmisClient) -> None:  # noqa: F811
    first = FirmStores.open_in_memory(tmp_path, "测试")
    second = FirmStores.open_in_memory(tmp_path, "测试")
    try:
        Synchronizer(firm_client, first.cache).sync(YEAR)
        assert first.cache.cpa_count(YEAR) > 0 and second.cache.cpa_count(YEAR) == 0
    finally:
        first.close()
        second.close()
