# ruff: noqa: F811  (the fixtures imported are parameters of the tests)
"""The window's dialogs follow online/offline: 撤回, 再次申请, 提交申请, the queue's R, details from the cache."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from firmdesk.domain.states import FirmTab
from firmdesk.services.drafts import DraftState
from firmdesk.ui.details_dialog import CpaDetailsDialog
from firmdesk.ui.dialogs.batch_dialog import BatchDialog
from firmdesk.ui.dialogs.return_dialog import ReturnDialog
from firmdesk.ui.dialogs.review_queue import ReviewQueueDialog
from firmdesk.ui.dialogs.submit_dialog import SubmitDialog
from firmdesk.ui.draft_editor import DraftEditor
from firmdesk.ui.main_window import MainWindow
from firmdesk.ui.shell import Shell
from firmdesk.ui.sync_controller import (
    CACHED_DETAIL_NOTE,
    NO_CACHED_DETAIL_TEXT,
    OFFLINE_ACTION_TOOLTIP,
    SyncController,
)
from tests.helpers.offline import (  # noqa: F401  (fixtures)
    RestartableServer,
    demo_server_settings,
    restartable_server,
)
from tests.helpers.offline_window import go_offline, log_in, shell, type_text  # noqa: F401  (shell: a fixture)


def _open_batch(qtbot: Any, window: MainWindow, tab: Any, pick: Any) -> BatchDialog:
    assert tab.select_record(pick)
    with qtbot.waitSignal(window.actions.opened, timeout=5000) as opened:
        tab.action_bar.action("view").trigger()
    dialog = opened.args[0]
    assert isinstance(dialog, BatchDialog)
    qtbot.waitUntil(lambda: dialog.detail is not None and not dialog.busy, timeout=10000)
    return dialog


def _back_online(qtbot: Any, sync: SyncController, server: RestartableServer) -> None:
    server.start()
    with qtbot.waitSignal(sync.state_changed, timeout=30000) as blocker:
        pass  # the retry timer finds the server
    assert blocker.args == [True]


def test_the_batch_and_submit_dialogs_disable_their_server_buttons_offline(
    qtbot: Any, shell: Shell, restartable_server: RestartableServer
) -> None:
    window = log_in(qtbot, shell, restartable_server.base_url)
    submitted = _open_batch(qtbot, window, window.submitted_tab, lambda b: b.can_withdraw)
    returned = _open_batch(qtbot, window, window.returned_tab, lambda b: True)
    pending = window.pending_tab
    pending.model.set_checked([0], True)
    with qtbot.waitSignal(window.actions.opened, timeout=5000) as opened:
        pending.action_bar.action("submit").trigger()
    submit = opened.args[0]
    assert isinstance(submit, SubmitDialog)
    qtbot.waitUntil(lambda: submit._flags is not None, timeout=10000)
    assert submit.submit_button.toolTip() != OFFLINE_ACTION_TOOLTIP
    withdraw, resubmit = submitted.withdraw_button, returned.resubmit_button
    assert withdraw.isVisible() and withdraw.isEnabled() and withdraw.toolTip() == ""
    assert resubmit.isVisible() and resubmit.isEnabled() and resubmit.toolTip() == ""

    sync = go_offline(qtbot, window, restartable_server)
    for button in (withdraw, resubmit):
        assert button.isVisible() and not button.isEnabled() and button.toolTip() == OFFLINE_ACTION_TOOLTIP
    asked: list[str] = []
    submitted._confirm = lambda *args: asked.append(args[1]) or True  # type: ignore[assignment]
    submitted.withdraw()  # a stale shortcut or the tab's 撤回 (ask at once) does nothing offline
    returned.start_resubmit()
    assert asked == [] and returned.pages.currentIndex() == 0
    assert not submit.submit_button.isEnabled() and submit.submit_button.toolTip() == OFFLINE_ACTION_TOOLTIP
    assert submit.problem() == OFFLINE_ACTION_TOOLTIP

    _back_online(qtbot, sync, restartable_server)
    for button in (withdraw, resubmit):
        assert button.isVisible() and button.isEnabled() and button.toolTip() == ""
    assert submit.submit_button.toolTip() != OFFLINE_ACTION_TOOLTIP  # its own rules again (the materials)
    assert submit.problem() != OFFLINE_ACTION_TOOLTIP
    submit.reject()
    submitted.reject()
    returned.reject()


def test_r_in_the_review_queue_offline_writes_a_draft(
    qtbot: Any, shell: Shell, restartable_server: RestartableServer
) -> None:
    window = log_in(qtbot, shell, restartable_server.base_url)
    pending = window.pending_tab
    pending.table.selectRow(0)
    row = pending.current_record()
    assert row is not None
    sync = go_offline(qtbot, window, restartable_server)

    with qtbot.waitSignal(window.actions.opened, timeout=5000) as opened:
        pending.action_bar.action("review").trigger()
    queue = opened.args[0]
    assert isinstance(queue, ReviewQueueDialog) and queue.current() == row
    queue.activateWindow()
    qtbot.waitUntil(queue.isActiveWindow, timeout=5000)

    with qtbot.waitSignal(window.actions.opened, timeout=5000) as opened:
        qtbot.keyClick(queue.focusWidget() or queue, Qt.Key.Key_R)
    editor = opened.args[0]
    assert isinstance(editor, DraftEditor) and queue.return_dialog is None
    assert editor.parent() is queue and queue.draft_editor is editor and editor.isVisible()
    assert editor.send_on_reconnect.isChecked()
    assert [i.application_id for i in editor.draft.items] == [row.application_id]
    assert "存为草稿" in queue.banner.text()
    type_text(editor.reason_edit, "审计报告签字页缺失")
    uuid = editor.draft.uuid
    editor.close()  # saves at once
    assert queue.draft_editor is None
    stored = sync.drafts.require(uuid)
    assert stored.state is DraftState.DRAFT and stored.reason == "审计报告签字页缺失" and stored.send_on_reconnect
    assert window.tab_widget.tabText(5) == "草稿 (1)"

    # Closing the queue with an editor open closes the editor first: what was typed is kept.
    with qtbot.waitSignal(window.actions.opened, timeout=5000) as opened:
        queue.open_return()
    second = opened.args[0]
    assert isinstance(second, DraftEditor) and queue.draft_editor is second
    type_text(second.reason_edit, "附件缺页")
    queue.reject()
    assert sync.drafts.require(second.draft.uuid).reason == "附件缺页"

    # Ctrl+Enter 申请 stays refused offline (a status message, no submit dialog).
    with qtbot.waitSignal(window.actions.opened, timeout=5000) as opened:
        pending.action_bar.action("review").trigger()
    queue = opened.args[0]
    assert isinstance(queue, ReviewQueueDialog)
    queue.toggle_mark()
    with qtbot.waitSignal(window.actions.refused, timeout=5000) as refused:
        queue.request_submit()
    assert refused.args == [OFFLINE_ACTION_TOOLTIP]


def test_details_offline_show_the_cache_or_say_nothing_is_cached(
    qtbot: Any, shell: Shell, restartable_server: RestartableServer
) -> None:
    window = log_in(qtbot, shell, restartable_server.base_url)
    query = window.tabs[FirmTab.QUERY]
    opened_online, never_opened = [r for r in query.shown_records() if r.application_id is not None][:2]
    batches = window.submitted_tab.shown_records()
    assert len(batches) >= 2

    def details(row: Any) -> CpaDetailsDialog:
        with qtbot.waitSignal(window.actions.opened, timeout=5000) as opened:
            window.show_details(row)
        dialog = opened.args[0]
        assert isinstance(dialog, CpaDetailsDialog)
        return dialog

    def batch(row: Any) -> BatchDialog:
        with qtbot.waitSignal(window.actions.opened, timeout=5000) as opened:
            window.show_details(row)
        dialog = opened.args[0]
        assert isinstance(dialog, BatchDialog)
        qtbot.waitUntil(lambda: not dialog.busy, timeout=10000)
        return dialog

    # Online: from the server (and kept in the cache).
    dialog = details(opened_online)
    with qtbot.waitSignal(dialog.loaded, timeout=10000):
        pass
    assert not dialog.cached and dialog.tabs.count() == 4
    dialog.reject()
    online_batch = batch(batches[0])
    assert online_batch.detail is not None and not online_batch.cached
    online_batch.reject()

    go_offline(qtbot, window, restartable_server)
    dialog = details(opened_online)
    with qtbot.waitSignal(dialog.loaded, timeout=10000):
        pass
    assert dialog.cached and dialog.tabs.count() == 3  # no trail offline
    assert CACHED_DETAIL_NOTE in dialog.status_label.text()
    dialog.reject()
    dialog = details(never_opened)
    with qtbot.waitSignal(dialog.load_failed, timeout=10000) as failed:
        pass
    assert failed.args == [NO_CACHED_DETAIL_TEXT]
    dialog.reject()

    cached_batch = batch(batches[0])
    assert cached_batch.detail is not None and cached_batch.cached
    assert cached_batch.detail.batch.id == batches[0].id
    assert cached_batch.banner.text() == CACHED_DETAIL_NOTE
    assert cached_batch.cpa_table.rowCount() == len(cached_batch.detail.applications) > 0
    cached_batch.reject()
    uncached_batch = batch(batches[1])
    assert uncached_batch.detail is None and uncached_batch.banner.text() == NO_CACHED_DETAIL_TEXT
    uncached_batch.reject()

    # Left open when the connection comes back: each loads the server's copy by itself (the trail too).
    cached_cpa = details(opened_online)
    with qtbot.waitSignal(cached_cpa.loaded, timeout=10000):
        pass
    nothing_cpa = details(never_opened)
    with qtbot.waitSignal(nothing_cpa.load_failed, timeout=10000):
        pass
    cached_batch, uncached_batch = batch(batches[0]), batch(batches[1])
    assert cached_cpa.cached and cached_batch.cached and uncached_batch.detail is None
    sync = window.sync
    assert sync is not None
    _back_online(qtbot, sync, restartable_server)
    for cpa_dialog in (cached_cpa, nothing_cpa):
        qtbot.waitUntil(lambda d=cpa_dialog: not d.cached and d.tabs.count() == 4, timeout=10000)
        assert CACHED_DETAIL_NOTE not in cpa_dialog.status_label.text()
        assert [cpa_dialog.tabs.tabText(i) for i in (0, 3)] == ["个人信息", "审批流程"]
    for batch_dialog, row in ((cached_batch, batches[0]), (uncached_batch, batches[1])):
        qtbot.waitUntil(lambda d=batch_dialog: d.detail is not None and not d.cached, timeout=10000)
        assert batch_dialog.detail is not None and batch_dialog.detail.batch.id == row.id
        assert batch_dialog.banner.text() == "已重新联网，已加载服务器上的最新内容"
    for open_dialog in (cached_cpa, nothing_cpa, cached_batch, uncached_batch):
        open_dialog.reject()


def test_a_return_that_finds_no_server_takes_the_window_offline_and_can_become_a_draft(
    qtbot: Any, shell: Shell, restartable_server: RestartableServer
) -> None:
    from firmdesk.domain.states import Action
    from firmdesk.services.api_client import CmisClient
    from tests.helpers.offline import DEMO_FIRM, DEMO_PASSWORD

    window = log_in(qtbot, shell, restartable_server.base_url)
    sync = window.sync
    assert sync is not None
    pending = window.pending_tab
    pending.table.selectRow(0)
    row = pending.current_record()
    assert row is not None
    with qtbot.waitSignal(window.actions.opened, timeout=5000) as opened:
        pending.action_bar.action("return").trigger()
    dialog = opened.args[0]
    assert isinstance(dialog, ReturnDialog) and not dialog.draft_button.isVisible()
    type_text(dialog.reason_edit, "执业证书复印件模糊")

    restartable_server.stop()
    with qtbot.waitSignal(sync.state_changed, timeout=20000) as went:
        dialog.ok_button.click()  # the dialog finds no server: the whole window goes offline
    assert went.args == [False] and window.online_label.text() == "● 离线"
    qtbot.waitUntil(dialog.draft_button.isVisible, timeout=5000)
    assert "无法连接服务器" in dialog.banner.text() and dialog.reason_edit.reason() == "执业证书复印件模糊"
    with qtbot.waitSignal(window.actions.refused, timeout=5000) as said:
        dialog.draft_button.click()
    assert not dialog.isVisible() and "存为草稿" in said.args[0]
    [draft] = sync.drafts.all()
    assert draft.reason == "执业证书复印件模糊" and draft.send_on_reconnect
    assert draft.state is DraftState.SENDING  # the answer was lost: resent with the same key, never twice
    assert [i.application_id for i in draft.items] == [row.application_id]

    restartable_server.start()
    with qtbot.waitSignal(sync.drafts_sent, timeout=30000) as sent:
        pass  # the retry timer
    assert [d.uuid for d in sent.args[0]] == [draft.uuid]
    client = CmisClient(restartable_server.base_url)
    client.login("firm", DEMO_FIRM, DEMO_PASSWORD)
    try:
        assert row.application_id is not None
        returns = [e for e in client.trail(row.application_id) if e.action == Action.FIRM_RETURN.value]
        assert [e.reason for e in returns] == ["执业证书复印件模糊"]
    finally:
        client.close()
