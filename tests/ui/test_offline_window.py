# ruff: noqa: F811  (the fixtures imported from offline_fixtures are parameters of the tests)
"""The real main window, opened by the shell with its local store: online → offline → drafts → back online."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QLabel, QMenu

from firmdesk.domain.states import Action, FirmTab
from firmdesk.services.api_client import CmisClient
from firmdesk.services.credentials import CredentialStore
from firmdesk.services.drafts import DraftState, DraftStore
from firmdesk.services.local_store import store_folder
from firmdesk.services.session import FirmSession
from firmdesk.ui.dialogs.return_dialog import ReturnDialog
from firmdesk.ui.draft_editor import DraftEditor
from firmdesk.ui.shell import Shell
from firmdesk.ui.sync_controller import OFFLINE_ACTION_TOOLTIP, SyncController
from firmdesk.ui.tasks import TaskRunner
from firmdesk.ui.ui_settings import UiSettings
from tests.helpers.offline import (  # noqa: F401  (fixtures)
    DEMO_FIRM,
    DEMO_PASSWORD,
    RestartableServer,
    demo_server_settings,
    restartable_server,
)
from tests.helpers.offline_window import go_offline, log_in, shell, type_text  # noqa: F401  (shell: a fixture)


def test_offline_round_trip_in_the_real_window(
    qtbot: Any, shell: Shell, restartable_server: RestartableServer, tmp_path: Path
) -> None:
    window = log_in(qtbot, shell, restartable_server.base_url)
    sync = window.sync
    assert isinstance(sync, SyncController) and not sync.store.in_memory
    assert window.online_label.text() == "● 在线"
    assert window.tab_widget.count() == 6 and window.tab_widget.tabText(5) == "草稿"
    pending = window.pending_tab
    submit = pending.action_bar.action("submit")
    before = pending.total_count()
    assert before >= 3
    # The folder of this server and firm holds the cache and the drafts.
    folder = store_folder(restartable_server.base_url, DEMO_FIRM, tmp_path / "data")
    assert (folder / "cache.sqlite3").exists() and (folder / "drafts.sqlite3").exists()

    # -- offline: F5 finds no server --------------------------------------------------------------
    pending.model.set_checked([0, 1], True)
    chosen = pending.checked_records()
    assert len(chosen) == 2 and submit.isEnabled()
    go_offline(qtbot, window, restartable_server)
    assert window.online_label.text() == "● 离线"
    assert window.sync_label.text().endswith("（离线，自动重试中）")
    assert "离线模式" in window.notice.text()
    assert pending.total_count() == before and window.tabs[FirmTab.QUERY].total_count() > before  # rows stay

    # 申请 / 撤回 / 再次申请-修改附件: disabled with the offline tooltip, whatever the selection says.
    assert not submit.isEnabled() and submit.toolTip() == OFFLINE_ACTION_TOOLTIP
    button = pending.action_bar.widgetForAction(submit)
    assert button is not None and not button.isEnabled()
    pending.table.selectRow(2)  # a selection change re-checks the bar: offline still wins
    pending.model.set_checked([2], True)
    assert not submit.isEnabled() and submit.toolTip() == OFFLINE_ACTION_TOOLTIP
    pending.model.set_checked([2], False)
    for tab, key in ((window.submitted_tab, "withdraw"), (window.returned_tab, "resubmit")):
        if tab.shown_count():
            tab.table.selectRow(0)
        action = tab.action_bar.action(key)
        assert not action.isEnabled() and action.toolTip() == OFFLINE_ACTION_TOOLTIP
    menu = pending.context_menu_at(QPoint(5, 5))
    assert isinstance(menu, QMenu)
    [in_menu] = [a for a in menu.actions() if a.text() == "申请"]
    assert not in_menu.isEnabled() and in_menu.toolTip() == OFFLINE_ACTION_TOOLTIP
    menu.close()
    pending.table.clearSelection()
    assert pending.checked_records() == chosen

    # -- 退回 offline: the draft editor, not the return dialog ----------------------------------------
    assert pending.action_bar.action("return").isEnabled()
    with qtbot.waitSignal(window.actions.opened, timeout=5000) as opened:
        pending.action_bar.action("return").trigger()
    editor = opened.args[0]
    assert isinstance(editor, DraftEditor) and not isinstance(editor, ReturnDialog)
    assert editor.isVisible() and editor.send_on_reconnect.isChecked() and editor.offline_hint.isVisible()
    assert editor.testAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    assert {i.application_id for i in editor.draft.items} == {r.application_id for r in chosen}
    type_text(editor.reason_edit, "继续教育学时证明不清晰，请重新上传")
    with qtbot.waitSignal(editor.saved, timeout=3000):
        pass  # autosaved 300 ms after the last keystroke
    uuid = editor.draft.uuid
    editor.close()
    assert window.tab_widget.tabText(5) == "草稿 (1)"

    # -- the 草稿 tab lists it; the window copes with a page that is not a record tab --------------------
    view = window.drafts_view
    assert view is not None
    window.tab_widget.setCurrentWidget(view)
    assert view.model.rowCount() == 1 and view.model.draft(0).uuid == uuid
    assert view.model.data(view.model.index(0, 4)) == "是"  # 联网后发送
    assert window.current_tab() is pending
    window.focus_search()
    window.tab_widget.setCurrentWidget(pending)

    # -- back online: the retry finds the server, syncs, sends the draft and says so -----------------
    restartable_server.start()
    with qtbot.waitSignal(sync.drafts_sent, timeout=30000) as sent:
        pass  # the retry timer (2 s, then 4 s …), no F5
    assert [d.uuid for d in sent.args[0]] == [uuid]
    assert window.online_label.text() == "● 在线" and window.sync_label.text().startswith("最后同步")
    qtbot.waitUntil(lambda: "已重新联网，已发送 1 份退回草稿" in window.notice.text(), timeout=5000)
    qtbot.waitUntil(lambda: window.tab_widget.tabText(5) == "草稿", timeout=5000)  # none unsent
    assert sync.drafts.require(uuid).state is DraftState.SENT
    returned_ids = {r.application_id for r in chosen}
    qtbot.waitUntil(
        lambda: not returned_ids & {r.application_id for r in pending.model.records()}, timeout=10000
    )  # the tabs show the new states without another F5

    # Exactly one 事务所退回 per application on the server.
    client = CmisClient(restartable_server.base_url)
    client.login("firm", DEMO_FIRM, DEMO_PASSWORD)
    try:
        for application_id in returned_ids:
            assert application_id is not None
            trail = client.trail(application_id)
            returns = [e for e in trail if e.action == Action.FIRM_RETURN.value]
            assert len(returns) == 1 and returns[0].reason == "继续教育学时证明不清晰，请重新上传"
    finally:
        client.close()

    # Online again, the selection rule decides alone: nothing checked → disabled with its own reason.
    pending.model.clear_checks()
    assert not submit.isEnabled() and submit.toolTip() != OFFLINE_ACTION_TOOLTIP
    pending.model.set_checked([0], True)
    assert submit.isEnabled() and submit.toolTip() != OFFLINE_ACTION_TOOLTIP
    pending.model.clear_checks()

    # -- 文件 → 完全重新同步 --------------------------------------------------------------------------
    asked: list[bool] = []
    synchronize = sync.synchronizer.sync

    def spy(year: int, full: bool = False, allow_empty: bool = False) -> Any:
        asked.append(full)
        return synchronize(year, full=full, allow_empty=allow_empty)

    sync.synchronizer.sync = spy  # type: ignore[method-assign]
    file_menu = window.findChild(QMenu, "file_menu")
    assert file_menu is not None and window.full_resync_action in file_menu.actions()
    with qtbot.waitSignal(sync.finished, timeout=20000) as done:
        window.full_resync_action.trigger()
    assert done.args[1] is True and asked == [True]
    assert window.sync_label.text().startswith("最后同步") and pending.total_count() == before - 2

    # -- 注销: the stores are closed; the drafts stay on disk ----------------------------------------
    with qtbot.waitSignal(shell.login_opened, timeout=10000) as reopened:
        window.logout_action.trigger()
    qtbot.addWidget(reopened.args[0])
    assert shell.sync is None and shell._stores is None
    drafts = DraftStore.open(folder)
    try:
        assert [d.state for d in drafts.all()] == [DraftState.SENT]
    finally:
        drafts.close()


def test_a_draft_can_be_written_online_and_a_stray_one_is_not_kept(
    qtbot: Any, shell: Shell, restartable_server: RestartableServer
) -> None:
    window = log_in(qtbot, shell, restartable_server.base_url)
    sync = window.sync
    assert sync is not None and sync.online
    pending = window.pending_tab
    pending.table.selectRow(0)
    row = pending.current_record()
    assert row is not None

    # Online, 退回 is the return dialog; 存为草稿 drafts the reason instead.
    with qtbot.waitSignal(window.actions.opened, timeout=5000) as opened:
        pending.action_bar.action("return").trigger()
    dialog = opened.args[0]
    assert isinstance(dialog, ReturnDialog)
    dialog.reject()

    with qtbot.waitSignal(window.actions.opened, timeout=5000) as opened:
        pending.action_bar.action("draft").trigger()
    editor = opened.args[0]
    assert isinstance(editor, DraftEditor)
    assert not editor.send_on_reconnect.isChecked() and not editor.offline_hint.isVisible()
    assert window.tab_widget.tabText(5) == "草稿 (1)"
    editor.close()  # nothing typed: the empty draft goes
    assert sync.drafts.all() == [] and window.tab_widget.tabText(5) == "草稿"

    menu = pending.context_menu_at(QPoint(5, 5))
    assert "存为草稿" in [a.text() for a in menu.actions()]
    menu.close()
    with qtbot.waitSignal(window.actions.opened, timeout=5000) as opened:
        pending.action_bar.action("draft").trigger()
    editor = opened.args[0]
    type_text(editor.reason_edit, "附件缺页")
    with qtbot.waitSignal(sync.drafts_sent, timeout=20000):
        editor.send_button.click()  # online: sent at once
    assert sync.drafts.all()[0].state is DraftState.SENT


def test_without_a_usable_disk_the_window_runs_on_stores_in_memory(
    qtbot: Any,
    runner: TaskRunner,
    ui_settings: UiSettings,
    credentials: CredentialStore,
    restartable_server: RestartableServer,
    tmp_path: Path,
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the data folder should be")

    def login(server: str, member_no: str, password: str, remember: bool) -> FirmSession:
        return FirmSession.login(server, member_no, password, remember, credentials=credentials)

    shell = Shell(login, credentials, runner, ui_settings, offline_root=blocker)
    try:
        window = log_in(qtbot, shell, restartable_server.base_url)
        sync = window.sync
        assert sync.store.in_memory and shell._stores is not None and shell._stores.in_memory
        assert "无法使用本地数据文件" in window.notice.text() and "本次使用内存缓存" in window.notice.text()
        store_label = window.findChild(QLabel, "status_store")
        assert store_label is not None and not store_label.isHidden()
        assert store_label.text() == "本次使用内存缓存" and "无法保存到磁盘" in store_label.toolTip()
        assert window.tab_widget.count() == 6 and window.tab_widget.tabText(5) == "草稿"
        pending = window.pending_tab
        before = pending.total_count()
        assert before > 0 and not blocker.is_dir()  # nothing was written to disk

        # Offline: the rows stay (from memory), and 退回 writes a draft, as with the stores on disk.
        go_offline(qtbot, window, restartable_server)
        assert window.online_label.text() == "● 离线" and pending.total_count() == before
        pending.table.selectRow(0)
        with qtbot.waitSignal(window.actions.opened, timeout=5000) as opened:
            pending.action_bar.action("return").trigger()
        editor = opened.args[0]
        assert isinstance(editor, DraftEditor)
        type_text(editor.reason_edit, "附件缺页")
        editor.close()
        assert [d.reason for d in sync.drafts.all()] == ["附件缺页"]
        assert window.tab_widget.tabText(5) == "草稿 (1)"
    finally:
        if shell.window is not None:
            shell.window.close()
        shell.shutdown()
