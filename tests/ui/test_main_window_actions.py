# ruff: noqa: F811  (the fixtures imported from tests/helpers are parameters of the tests)
"""The firm's actions from the main window against the real server: 退回, 申请, 撤回, 再次申请, 审批流程, menus."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt

from firmdesk.domain.states import BatchState, FirmTab
from firmdesk.services.models import BatchRow, CpaRow
from firmdesk.services.session import FirmSession
from firmdesk.ui.dialogs.batch_dialog import PAGE_RESUBMIT, BatchDialog
from firmdesk.ui.dialogs.return_dialog import ReturnDialog
from firmdesk.ui.dialogs.review_queue import ReviewQueueDialog
from firmdesk.ui.dialogs.submit_dialog import SubmitDialog
from firmdesk.ui.dialogs.trail_dialog import TrailDialog
from firmdesk.ui.main_window import MainWindow
from tests.helpers.main_window import (  # noqa: F401  (fixtures)
    Answers,
    answers,
    demo_live,
    demo_server_settings,
    desk,
    session,
    trigger,
    window,
)
from tests.helpers.server import tiny_pdf


def ids(rows: list[Any]) -> list[int]:
    return [r.cpa_id if isinstance(r, CpaRow) else r.id for r in rows]


# -- tests ----------------------------------------------------------------------------------------------


def test_every_tab_has_its_action_bar_and_excel(window: MainWindow) -> None:
    keys = {tab: window.tabs[tab].action_bar.keys() for tab in FirmTab}
    assert keys == {
        FirmTab.PENDING_REVIEW: ["review", "attachments", "return", "draft", "submit", "excel"],
        FirmTab.NOT_APPLIED: ["trail", "attachments", "remind", "on_behalf", "contacts", "excel"],
        FirmTab.SUBMITTED: ["view", "withdraw", "attachments", "excel"],
        FirmTab.RETURNED: ["view", "resubmit", "attachments", "excel"],
        FirmTab.QUERY: ["trail", "attachments", "qr", "bulk_qr", "labels", "excel"],
    }
    pending = window.tabs[FirmTab.PENDING_REVIEW]
    bar = pending.action_bar
    assert bar.objectName() == "pending_review_actions"
    assert not bar.action("submit").isEnabled() and "请先勾选" in bar.action("submit").toolTip()
    assert not bar.action("return").isEnabled()
    assert "Enter" in bar.action("review").toolTip()
    pending.select_record(lambda r: True)
    assert bar.action("return").isEnabled() and bar.action("attachments").isEnabled()
    assert not bar.action("submit").isEnabled()
    pending.model.set_checked([0], True)
    assert bar.action("submit").isEnabled()


def test_right_click_menu_offers_the_same_actions(window: MainWindow) -> None:
    tab = window.tabs[FirmTab.SUBMITTED]
    rect = tab.table.visualRect(tab.proxy.index(0, 1))
    menu = tab.context_menu_at(rect.center())
    assert tab.current_record() == tab.shown_records()[0]
    assert [a.text() for a in menu.actions() if not a.isSeparator()] == ["查看", "撤回", "附件", "导出 Excel"]
    assert next(a for a in menu.actions() if not a.isSeparator()) is tab.action_bar.action("view")
    menu.close()


def test_return_moves_the_checked_rows_to_not_applied(qtbot: Any, window: MainWindow) -> None:
    pending = window.tabs[FirmTab.PENDING_REVIEW]
    before = pending.total_count()
    pending.model.set_checked([0, 1], True)
    chosen = pending.checked_records()
    dialog = trigger(qtbot, window, FirmTab.PENDING_REVIEW, "return")
    assert isinstance(dialog, ReturnDialog) and ids(dialog.rows) == ids(chosen)
    dialog.reason_edit.setPlainText("社保证明材料不清晰，请重新上传")
    with qtbot.waitSignal(window.data_shown, timeout=20000):
        dialog.ok_button.click()
    assert pending.total_count() == before - 2
    assert not set(ids(chosen)) & set(ids(pending.shown_records()))
    moved = [r for r in window.tabs[FirmTab.NOT_APPLIED].shown_records() if r.cpa_id in ids(chosen)]
    assert [r.status for r in moved] == ["firm_returned"] * 2
    assert {r.reason for r in moved} == {"社保证明材料不清晰，请重新上传"}
    assert window.statusBar().currentMessage().startswith("已退回")


def test_return_without_checks_returns_the_current_row(window: MainWindow) -> None:
    pending = window.tabs[FirmTab.PENDING_REVIEW]
    pending.select_record(lambda r: True)
    assert pending.chosen_records() == [pending.current_record()]


def test_submit_with_the_social_security_proof_makes_a_batch(
    qtbot: Any, window: MainWindow, session: FirmSession
) -> None:
    pending = window.tabs[FirmTab.PENDING_REVIEW]
    submitted = window.tabs[FirmTab.SUBMITTED]
    batches_before = set(ids(submitted.shown_records()))
    pending.model.set_checked([0, 1, 2], True)
    chosen = pending.checked_records()
    dialog = trigger(qtbot, window, FirmTab.PENDING_REVIEW, "submit")
    assert isinstance(dialog, SubmitDialog)
    qtbot.waitUntil(lambda: dialog.result_batch is None and dialog._flags is not None, timeout=10000)
    for row in dialog.red_rows():  # the demo data has CPAs the readiness check stops: leave them out
        dialog.remove_application(row.application_id)
    kept = dialog.rows
    assert kept
    dialog.materials.slot.pick_requested.emit()  # click the 社保证明材料 slot: the picker answers the file
    qtbot.waitUntil(lambda: dialog.submit_button.isEnabled(), timeout=10000)
    with qtbot.waitSignal(dialog.submitted, timeout=20000) as done, qtbot.waitSignal(window.data_shown, timeout=20000):
        dialog.submit_button.click()
    batch = done.args[0].batch
    dialog.close()
    assert window.statusBar().currentMessage().startswith(f"已提交省注协，批次编号 {batch.number}")
    new = [b for b in submitted.shown_records() if b.id not in batches_before]
    assert [b.number for b in new] == [batch.number] and new[0].state == BatchState.SUBMITTED
    left = set(ids(pending.shown_records()))
    assert not set(ids(kept)) & left
    assert set(ids(chosen)) - set(ids(kept)) <= left
    assert session.client.batch(batch.id).batch.cpa_count == len(kept)


def test_withdraw_brings_the_batch_back_to_pending_review(qtbot: Any, window: MainWindow) -> None:
    submitted = window.tabs[FirmTab.SUBMITTED]
    assert submitted.select_record(lambda b: b.can_withdraw)
    batch: BatchRow = submitted.current_record()
    with qtbot.waitSignal(window.data_shown, timeout=20000):
        dialog = trigger(qtbot, window, FirmTab.SUBMITTED, "withdraw")
        assert isinstance(dialog, BatchDialog)
    assert dialog.detail is not None
    cpas = ids(list(dialog.detail.applications))
    assert "已撤回年检批次" in window.statusBar().currentMessage()
    shown = {b.id: b for b in submitted.shown_records()}
    assert shown[batch.id].state == BatchState.WITHDRAWN
    assert submitted.current_record().id == batch.id  # the refresh kept the row selected
    assert not submitted.action_bar.action("withdraw").isEnabled()
    assert "该批次已撤回，无需再次撤回（当前状态：已撤回）" in submitted.action_bar.action("withdraw").toolTip()
    assert set(cpas) <= set(ids(window.tabs[FirmTab.PENDING_REVIEW].shown_records()))


def test_withdraw_is_disabled_for_a_batch_under_review(window: MainWindow) -> None:
    submitted = window.tabs[FirmTab.SUBMITTED]
    assert submitted.select_record(lambda b: b.state == BatchState.REVIEWING)
    action = submitted.action_bar.action("withdraw")
    assert not action.isEnabled()
    assert "省注协已开始审核，不能撤回（当前状态：审核中）" in action.toolTip()
    assert submitted.action_bar.action("view").isEnabled()


def test_resubmit_of_a_returned_batch_opens_on_its_materials(qtbot: Any, window: MainWindow) -> None:
    returned = window.tabs[FirmTab.RETURNED]
    assert returned.select_record(lambda b: True)
    batch: BatchRow = returned.current_record()
    column = [c.key for c in returned.model.columns].index("return_reason") + returned.model.column_offset
    assert returned.proxy.index(0, column).data() == batch.return_reason != ""
    dialog = trigger(qtbot, window, FirmTab.RETURNED, "resubmit")
    assert isinstance(dialog, BatchDialog)
    qtbot.waitUntil(lambda: dialog.pages.currentIndex() == PAGE_RESUBMIT, timeout=10000)
    assert dialog.resubmit_reason_label.text() == batch.return_reason
    assert dialog.materials is not None and dialog.materials.kept_ids()


def test_double_click_on_a_batch_opens_its_view(qtbot: Any, window: MainWindow) -> None:
    tab = window.tabs[FirmTab.SUBMITTED]
    index = tab.proxy.index(0, 1)
    rect = tab.table.visualRect(index)
    with qtbot.waitSignal(window.actions.opened, timeout=5000) as opened:
        qtbot.mouseClick(tab.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.mouseDClick(tab.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    dialog = opened.args[0]
    assert isinstance(dialog, BatchDialog)
    qtbot.waitUntil(lambda: dialog.detail is not None, timeout=10000)
    assert dialog.detail is not None and dialog.detail.batch.id == tab.shown_records()[0].id


def test_clicking_a_status_opens_the_approval_trail(qtbot: Any, window: MainWindow, session: FirmSession) -> None:
    query = window.tabs[FirmTab.QUERY]
    window.tab_widget.setCurrentWidget(query)
    column = query.model.link_column()
    assert column is not None and query.model.column_at(column).title == "审批状态"
    row = next(r for r in range(query.proxy.rowCount()) if query.shown_records()[r].application_id is not None)
    record = query.shown_records()[row]
    rect = query.table.visualRect(query.proxy.index(row, column))
    with qtbot.waitSignal(window.actions.opened, timeout=5000) as opened:
        qtbot.mouseClick(query.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    dialog = opened.args[0]
    assert isinstance(dialog, TrailDialog) and dialog.row == record
    with qtbot.waitSignal(dialog.loaded, timeout=10000) as loaded:
        pass
    assert len(loaded.args[0]) == len(session.client.trail(record.application_id)) > 0


def test_enter_opens_the_review_queue_at_the_current_row_and_marks_sync(qtbot: Any, window: MainWindow) -> None:
    pending = window.tabs[FirmTab.PENDING_REVIEW]
    window.tab_widget.setCurrentWidget(pending)
    third = pending.shown_records()[2]
    pending.select_record(lambda r: r.cpa_id == third.cpa_id)
    pending.table.setFocus()
    with qtbot.waitSignal(window.actions.opened, timeout=5000) as opened:
        qtbot.keyClick(pending.table, Qt.Key.Key_Return)
    dialog = opened.args[0]
    assert isinstance(dialog, ReviewQueueDialog) and dialog.current() == third
    dialog.toggle_mark()
    assert [r.cpa_id for r in pending.checked_records()] == [third.cpa_id]
    dialog.close()
    # Space in the table checks (and unchecks) the selected row too.
    qtbot.keyClick(pending.table, Qt.Key.Key_Space)
    assert pending.checked_records() == []


def test_clicks_elsewhere_do_not_open_dialogs(qtbot: Any, window: MainWindow) -> None:
    query = window.tabs[FirmTab.QUERY]
    window.tab_widget.setCurrentWidget(query)
    opened: list[object] = []
    window.actions.opened.connect(opened.append)
    rect = query.table.visualRect(query.proxy.index(0, 1))
    qtbot.mouseClick(query.table.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(rect.center()))
    assert opened == [] and query.current_record() == query.shown_records()[0]


def test_quitting_during_an_upload_asks_and_cancels_it(
    qtbot: Any, window: MainWindow, session: FirmSession, answers: Answers, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.helpers.dialog_world import slowed_submit

    big = answers.files[0].with_name("社保证明（大）.pdf")
    big.write_bytes(tiny_pdf("social security") + b"%" * (4 * 1024 * 1024))
    answers.files[:] = [big]
    batches_before = session.client.batches(window.firm.current_year).total
    monkeypatch.setattr(session.client, "submit_batch", slowed_submit(session.client, 0.02))
    pending = window.tabs[FirmTab.PENDING_REVIEW]
    pending.model.set_checked([0], True)
    dialog = trigger(qtbot, window, FirmTab.PENDING_REVIEW, "submit")
    assert isinstance(dialog, SubmitDialog)
    qtbot.waitUntil(lambda: dialog._flags is not None, timeout=10000)
    for row in dialog.red_rows():
        dialog.remove_application(row.application_id)
    if not dialog.rows:
        pytest.skip("the first pending CPA of the demo data cannot be submitted")
    dialog.materials.slot.pick_requested.emit()
    qtbot.waitUntil(lambda: dialog.submit_button.isEnabled(), timeout=10000)
    with qtbot.waitSignal(dialog.upload.progressed, timeout=10000):
        dialog.submit_button.click()
    assert window.uploading()

    answers.no_to.append("批次材料正在上传")  # 取消: the window stays, the upload goes on
    window.close()
    assert window.isVisible() and dialog.upload.active and answers.asked[-1].startswith("批次材料正在上传")
    with qtbot.waitSignal(window.logout_requested, timeout=5000):
        window.logout_action.trigger()  # 注销 asks too; this time 取消上传并注销
    assert len(answers.asked) == 2 and "注销将取消上传" in answers.asked[-1]
    qtbot.waitUntil(lambda: not dialog.upload.active, timeout=10000)
    assert "已取消上传" in dialog.banner.text()
    assert session.client.batches(window.firm.current_year).total == batches_before  # nothing submitted
