# ruff: noqa: F811  (the fixtures imported from tests.helpers are parameters of the tests)
"""Damaged local files seen from the real window: a damaged cache is rebuilt from the server and said once, a
damaged drafts file opens with its recovered drafts and says where the original is, offline a damaged cache
still opens the drafts. Screenshots for docs/offline.md: `FIRMDESK_SCREENSHOTS=docs/screenshots pytest ...`."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from firmdesk.domain.states import FirmTab
from firmdesk.services.drafts import DraftState, DraftStore, ReturnReasonDraft
from firmdesk.services.drafts_recovery import ITEMS_LOST, open_drafts
from firmdesk.services.local_store import CACHE_FILE, DRAFTS_FILE, store_folder
from firmdesk.services.models import CpaRow
from firmdesk.ui.error_text import DAMAGED_FILE_TEXT, error_text
from firmdesk.ui.login_dialog import OFFLINE_DAMAGED_CACHE, LoginDialog
from firmdesk.ui.main_window import MainWindow
from firmdesk.ui.shell import Shell
from firmdesk.ui.status_bar import DRAFTS_RECOVERED
from firmdesk.ui.sync_controller import (
    CACHE_DAMAGED_OFFLINE_NOTICE,
    CACHE_REBUILT_NOTICE,
    CACHE_REBUILT_STATUS,
)
from tests.helpers.damage import checkpoint, garble_page, pages_of, root_page
from tests.helpers.offline import (  # noqa: F401  (fixtures)
    DEMO_FIRM,
    DEMO_PASSWORD,
    YEAR,
    RestartableServer,
    demo_server_settings,
    restartable_server,
)
from tests.helpers.offline_window import log_in, shell  # noqa: F401  (shell: a fixture)

REASON = "继续教育学时证明缺页，请补充后重新提交"


def _shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("FIRMDESK_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _first_session(qtbot: Any, shell: Shell, server: RestartableServer, tmp_path: Path) -> tuple[Path, int, str]:
    """Log in online, let it sync, draft one return, log out: (the firm's folder, rows seen, the draft's uuid)."""
    window = log_in(qtbot, shell, server.base_url)
    rows = window.tabs[FirmTab.QUERY].total_count()
    pending = [r for r in window.sync.store.snapshot(window.firm.current_year).cpas if r.status == "pending_firm"]
    draft = window.sync.drafts.create(window.firm.current_year, pending[:2], REASON)
    shell.logout()
    folder = store_folder(server.base_url, DEMO_FIRM, tmp_path / "data")
    checkpoint(folder / CACHE_FILE)
    return folder, rows, draft.uuid


def _aside(folder: Path, name: str) -> Path:
    [found] = [p for p in folder.iterdir() if p.name.startswith(f"{name}.damaged-") and "-wal" not in p.name]
    return found


def test_a_damaged_cache_is_rebuilt_from_the_server_and_said_once(
    qtbot: Any, look: None, shell: Shell, restartable_server: RestartableServer, tmp_path: Path
) -> None:
    folder, rows, uuid = _first_session(qtbot, shell, restartable_server, tmp_path)
    leaves = pages_of(folder / CACHE_FILE, "cpa_rows", "leaf")
    garble_page(folder / CACHE_FILE, leaves[len(leaves) // 2])

    window = log_in(qtbot, shell, restartable_server.base_url)
    qtbot.waitUntil(lambda: window.status.repair_label.isVisible(), timeout=20000)
    aside = _aside(folder, CACHE_FILE)
    assert window.notice.text() == f"{CACHE_REBUILT_NOTICE}。"
    repair = window.status.repair_label
    assert repair.text() == CACHE_REBUILT_STATUS and str(aside) in repair.toolTip()
    assert window.tabs[FirmTab.QUERY].total_count() == rows  # every row is back
    assert [d.uuid for d in window.sync.drafts.all()] == [uuid]  # the drafts were never touched
    window.tab_widget.setCurrentIndex(0)
    qtbot.wait(200)
    assert window.grab().save(str(_shots(tmp_path) / "damaged_cache_notice.png"))

    # Said once: the next sync says nothing more about it.
    with qtbot.waitSignal(window.sync.finished, timeout=20000):
        window.refresh_action.trigger()
    assert window.notice.text() in ("", f"{CACHE_REBUILT_NOTICE}。")
    assert not window.sync.rebuilding


def test_a_cache_damaged_while_the_window_is_open_is_rebuilt_by_the_full_resync(
    qtbot: Any, shell: Shell, restartable_server: RestartableServer, tmp_path: Path
) -> None:
    window = log_in(qtbot, shell, restartable_server.base_url)
    rows = window.tabs[FirmTab.QUERY].total_count()
    store = window.sync.store
    path = store.path
    store._db.query("PRAGMA cache_size=1")  # pages are read from disk again, as after eviction in a long session
    store._db.query("SELECT count(*) FROM batch_rows")
    store._db.query("PRAGMA wal_checkpoint(TRUNCATE)")
    leaves = pages_of(path, "cpa_rows", "leaf")
    garble_page(path, leaves[len(leaves) // 2])

    window.full_resync_action.trigger()  # it met the damaged page: before, 程序内部错误（DatabaseError） forever
    qtbot.waitUntil(lambda: window.notice.text() == f"{CACHE_REBUILT_NOTICE}。", timeout=30000)
    assert window.status.repair_label.text() == CACHE_REBUILT_STATUS
    assert str(_aside(path.parent, CACHE_FILE)) in window.status.repair_label.toolTip()
    qtbot.waitUntil(lambda: window.tabs[FirmTab.QUERY].total_count() == rows, timeout=10000)
    assert store.cpa_count(window.firm.current_year) == rows


def test_a_damaged_drafts_file_opens_with_its_recovered_drafts_and_names_the_original(
    qtbot: Any, look: None, shell: Shell, restartable_server: RestartableServer, tmp_path: Path
) -> None:
    folder, _, uuid = _first_session(qtbot, shell, restartable_server, tmp_path)
    path = folder / DRAFTS_FILE
    damaged = garble_page(path, root_page(path, "draft_items"))  # before: the process exited 0 with no window

    window: MainWindow = log_in(qtbot, shell, restartable_server.base_url)
    aside = _aside(folder, DRAFTS_FILE)
    assert aside.read_bytes() == damaged
    text = window.notice.text()
    assert text.startswith("退回草稿文件已损坏，已恢复可读取的 1 份草稿") and str(aside) in text
    assert window.status.drafts_label.isVisible() and window.status.drafts_label.text() == DRAFTS_RECOVERED
    [draft] = window.sync.drafts.all()
    assert draft.uuid == uuid and draft.reason == REASON and draft.state is DraftState.CONFLICT
    assert draft.conflict_message == ITEMS_LOST
    window.tab_widget.setCurrentWidget(window.drafts_view)
    assert window.tab_widget.tabText(5) == "草稿 (1)"
    qtbot.wait(200)
    assert window.grab().save(str(_shots(tmp_path) / "recovered_drafts_notice.png"))


def test_offline_with_a_damaged_cache_still_opens_the_drafts_and_says_so(
    qtbot: Any, shell: Shell, restartable_server: RestartableServer, tmp_path: Path
) -> None:
    folder, _, uuid = _first_session(qtbot, shell, restartable_server, tmp_path)
    garble_page(folder / CACHE_FILE, 1)  # the header and the schema: nothing of the cache can be read
    restartable_server.stop()

    dialog: LoginDialog = shell.show_login()
    dialog.fill(DEMO_FIRM, DEMO_PASSWORD, restartable_server.base_url)
    with qtbot.waitSignal(dialog.login_failed, timeout=20000):
        dialog.login_button.click()
    qtbot.waitUntil(dialog.offline_offered, timeout=5000)  # before: only 无法连接服务器
    assert OFFLINE_DAMAGED_CACHE in dialog.message()
    with qtbot.waitSignal(shell.window_opened, timeout=10000) as opened:
        dialog.offline_button.click()
    window: MainWindow = opened.args[0]
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.notice.text() == CACHE_DAMAGED_OFFLINE_NOTICE, timeout=20000)
    assert window.online_label.text() == "● 离线" and window.status.repair_label.isVisible()
    assert [d.uuid for d in window.sync.drafts.all()] == [uuid]
    assert _aside(folder, CACHE_FILE).exists()

    restartable_server.start()  # back: logs in by itself, rebuilds, says so
    qtbot.waitUntil(lambda: window.notice.text() == f"{CACHE_REBUILT_NOTICE}。", timeout=40000)
    assert window.tabs[FirmTab.QUERY].total_count() > 0
    drafts = DraftStore.open(folder)  # the drafts file on disk is as it was
    assert drafts.require(uuid).reason == REASON
    drafts.close()


def _drafts_of(folder: Path) -> list[ReturnReasonDraft]:
    rows = [
        CpaRow.from_json(
            {
                "cpa_id": i,
                "cert_no": f"11{i}",
                "name": f"注师{i}",
                "application_id": 700 + i,
                "status": "pending_firm",
                "version": 1,
                "year": YEAR,
            }
        )
        for i in range(3)
    ]
    drafts = DraftStore.open(folder)
    made = [drafts.create(YEAR, rows[i : i + 1], f"原因 {i}") for i in range(3)]
    drafts.close()
    return made


def test_a_drafts_file_damaged_while_in_use_is_named_as_such_and_recovered_at_the_next_start(
    tmp_path: Path,
) -> None:
    made = {d.uuid: d.reason for d in _drafts_of(tmp_path)}
    drafts = DraftStore.open(tmp_path)
    drafts._db.query("PRAGMA cache_size=1")  # pages are read from disk again, as after eviction
    drafts._db.query("SELECT count(*) FROM drafts")
    path = tmp_path / DRAFTS_FILE
    garble_page(path, root_page(path, "draft_items"))
    with pytest.raises(sqlite3.DatabaseError) as raised:
        drafts.all()
    assert error_text(raised.value) == DAMAGED_FILE_TEXT  # before: 程序内部错误（DatabaseError）
    drafts.close()
    again, recovery = open_drafts(tmp_path)
    assert recovery is not None and {d.uuid: d.reason for d in again.all()} == made
    again.close()


def test_offline_with_a_damaged_drafts_file_opens_the_cached_rows_and_the_recovered_drafts(
    qtbot: Any, shell: Shell, restartable_server: RestartableServer, tmp_path: Path
) -> None:
    folder, rows, uuid = _first_session(qtbot, shell, restartable_server, tmp_path)
    path = folder / DRAFTS_FILE
    garble_page(path, root_page(path, "draft_items"))
    restartable_server.stop()

    dialog: LoginDialog = shell.show_login()
    dialog.fill(DEMO_FIRM, DEMO_PASSWORD, restartable_server.base_url)
    with qtbot.waitSignal(dialog.login_failed, timeout=20000):
        dialog.login_button.click()
    qtbot.waitUntil(dialog.offline_offered, timeout=5000)
    with qtbot.waitSignal(shell.window_opened, timeout=10000) as opened:
        dialog.offline_button.click()
    window: MainWindow = opened.args[0]
    qtbot.addWidget(window)
    assert not window.sync.store.in_memory  # before: both stores in memory, a window with 0 rows
    qtbot.waitUntil(lambda: window.tabs[FirmTab.QUERY].total_count() == rows, timeout=10000)
    assert (
        window.status.drafts_label.isVisible()
        and str(_aside(folder, DRAFTS_FILE)) in window.status.drafts_label.toolTip()
    )
    assert [d.uuid for d in window.sync.drafts.all()] == [uuid]
