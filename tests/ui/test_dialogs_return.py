"""退回 dialog against the real server: returning, the reason's rules, 常用退回原因, a refusal keeping the text."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QMimeData, Qt
from PySide6.QtGui import QInputMethodEvent, QPalette, QTextCursor
from PySide6.QtWidgets import QApplication

from firmdesk.domain.limits import REASON_MAX_CHARS
from firmdesk.services.api_client import CmisClient
from firmdesk.services.common_reasons import DEFAULT_REASONS, CommonReasons
from firmdesk.ui.dialogs.return_dialog import ReturnDialog
from firmdesk.ui.tasks import TaskRunner
from tests.helpers.dialog_world import FIRM_NUMBER, World, make_world
from tests.helpers.server import FIRM_PASSWORD


@pytest.fixture
def world(server_builder: Any, live_server: Any) -> Iterator[World]:
    w = make_world(server_builder, live_server, pending=3)
    yield w
    w.close()


@pytest.fixture
def reasons(tmp_path: Path) -> CommonReasons:
    return CommonReasons(tmp_path / "reasons" / "common_reasons.json")


def open_dialog(qtbot: Any, world: World, runner: TaskRunner, reasons: CommonReasons, count: int) -> ReturnDialog:
    dialog = ReturnDialog(world.client, runner, reasons, world.pending_rows()[:count])
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_returning_two_applications_sends_the_reason_with_its_line_breaks(
    qtbot: Any, world: World, runner: TaskRunner, reasons: CommonReasons
) -> None:
    dialog = open_dialog(qtbot, world, runner, reasons, 2)
    assert dialog.rows_list.count() == 2
    assert not dialog.ok_button.isEnabled()  # the reason is required, and the button says so
    assert dialog.ok_button.toolTip().startswith("请先填写退回原因")
    dialog.reason_edit.setPlainText("   ")
    assert not dialog.ok_button.isEnabled()
    dialog.reason_edit.setPlainText("社保证明材料不清晰，请重新上传\n培训学时证明缺少盖章")
    assert dialog.ok_button.isEnabled() and "Ctrl+Enter" in dialog.ok_button.toolTip()
    assert dialog.counter_label.text() == "26 / 500"
    with qtbot.waitSignal(dialog.returned, timeout=10000) as blocker:
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    returned = blocker.args[0]
    assert {r.status for r in returned} == {"firm_returned"}
    assert not dialog.isVisible()
    ids = [a.id for a in world.applications[:2]]
    for app_id in ids:
        row = world.client.application(app_id).row
        assert row.status == "firm_returned"
        assert row.reason == "社保证明材料不清晰，请重新上传\n培训学时证明缺少盖章"
    assert [r.application_id for r in world.pending_rows()] == [world.applications[2].id]


def test_the_counter_is_grey_then_orange_near_the_limit_then_red_when_cut_and_the_button_is_orange(
    qtbot: Any, world: World, runner: TaskRunner, reasons: CommonReasons, look: None
) -> None:
    dialog = open_dialog(qtbot, world, runner, reasons, 1)

    def colour() -> str:  # the style sheet's colour, as the label paints its text
        return dialog.counter_label.palette().color(QPalette.ColorRole.WindowText).name()

    dialog.reason_edit.setPlainText("字" * 10)
    assert colour() == "#868e96"
    assert dialog.ok_button.palette().color(QPalette.ColorRole.Button).name() == "#d9480f"
    dialog.reason_edit.setPlainText("字" * 451)
    assert colour() == "#e67700"
    dialog.reason_edit.setPlainText("长" * 700)  # past the limit: cut, and said so in red
    qtbot.waitUntil(lambda: "超出部分未录入" in dialog.counter_label.text(), timeout=2000)
    assert colour() == "#c92a2a"


def test_the_reason_is_cut_at_500_characters_with_a_live_counter(
    qtbot: Any, world: World, runner: TaskRunner, reasons: CommonReasons
) -> None:
    dialog = open_dialog(qtbot, world, runner, reasons, 1)
    dialog.reason_edit.setPlainText("字" * 499)
    assert dialog.counter_label.text() == f"499 / {REASON_MAX_CHARS}"
    dialog.reason_edit.moveCursor(QTextCursor.MoveOperation.End)
    qtbot.keyClicks(dialog.reason_edit, "ab")  # typing stops at the limit
    assert len(dialog.reason_edit.toPlainText()) == REASON_MAX_CHARS
    assert dialog.reason_edit.toPlainText().endswith("字a")
    # A pinyin input method's commit is cut to what fits.
    dialog.reason_edit.setPlainText("字" * 498)
    dialog.reason_edit.moveCursor(QTextCursor.MoveOperation.End)
    commit = QInputMethodEvent()
    commit.setCommitString("超出限制")
    QApplication.sendEvent(dialog.reason_edit, commit)
    assert dialog.reason_edit.toPlainText().endswith("字超出")
    assert "超出部分未录入" in dialog.counter_label.text()
    assert dialog.ok_button.isEnabled()
    # Pasting is cut to what fits; text set any other way is cut right after.
    dialog.reason_edit.setPlainText("")
    mime = QMimeData()
    mime.setText("原" * 600)
    dialog.reason_edit.insertFromMimeData(mime)
    assert len(dialog.reason_edit.toPlainText()) == REASON_MAX_CHARS
    dialog.reason_edit.setPlainText("长" * 700)
    qtbot.waitUntil(lambda: len(dialog.reason_edit.toPlainText()) == REASON_MAX_CHARS, timeout=2000)
    assert dialog.counter_label.text().startswith(f"{REASON_MAX_CHARS} / {REASON_MAX_CHARS}")
    dialog.reason_edit.setPlainText("   \n  ")
    assert not dialog.ok_button.isEnabled()  # blanks are no reason


def test_a_typed_reason_survives_a_refused_return_and_the_rest_can_be_retried(
    qtbot: Any, world: World, runner: TaskRunner, reasons: CommonReasons
) -> None:
    dialog = open_dialog(qtbot, world, runner, reasons, 2)
    typed = "继续教育证明缺失\n请补充后重新提交"
    dialog.reason_edit.setPlainText(typed)
    # Meanwhile a colleague returns the first one from another computer.
    other = CmisClient(world.base_url)
    other.login("firm", FIRM_NUMBER, FIRM_PASSWORD)
    first = dialog.rows[0]
    other.return_applications([(first.application_id, None)], "另一位管理员已退回")
    other.close()

    with qtbot.waitSignal(dialog.refused, timeout=10000) as blocker:
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    message = blocker.args[0]  # the server's Chinese message
    assert dialog.isVisible()
    assert dialog.reason_edit.toPlainText() == typed
    assert dialog.banner.isVisible() and dialog.banner.text().startswith(message)
    # All or nothing: the second one was not returned either.
    assert world.client.application(dialog.rows[1].application_id).row.status == "pending_firm"
    # The dialog asks the server what changed and points at the stale row.
    qtbot.waitUntil(lambda: f"{first.name}（事务所退回）" in dialog.banner.text(), timeout=10000)
    assert dialog.rows_list.item(0).isSelected() and not dialog.rows_list.item(1).isSelected()
    assert dialog.reason_edit.toPlainText() == typed

    # Drop the stale row and retry with the same text.
    qtbot.mouseClick(dialog.remove_row_button, Qt.MouseButton.LeftButton)
    assert [r.application_id for r in dialog.rows] == [world.applications[1].id]
    with qtbot.waitSignal(dialog.returned, timeout=10000):
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert world.client.application(world.applications[1].id).row.reason == typed


def test_common_reasons_insert_add_edit_delete_and_are_kept_between_runs(
    qtbot: Any, world: World, runner: TaskRunner, reasons: CommonReasons
) -> None:
    dialog = open_dialog(qtbot, world, runner, reasons, 1)
    assert dialog.common_list.count() == len(DEFAULT_REASONS)

    # Insert: double-click, then the button; the second lands on its own line.
    first = dialog.common_list.item(0)
    dialog.common_list.itemDoubleClicked.emit(first)
    dialog.common_list.setCurrentRow(1)
    qtbot.mouseClick(dialog.insert_button, Qt.MouseButton.LeftButton)
    assert dialog.reason_edit.toPlainText() == f"{DEFAULT_REASONS[0]}\n{DEFAULT_REASONS[1]}"

    # Add the typed text as a new common reason; edit one; delete one.
    dialog.reason_edit.setPlainText("执业情况说明未签字")
    qtbot.mouseClick(dialog.save_common_button, Qt.MouseButton.LeftButton)
    assert dialog.common_list.item(dialog.common_list.count() - 1).text() == "执业情况说明未签字"
    dialog.common_list.item(0).setText("社保证明材料不清晰，请上传加盖公章的版本")  # what the in-place editor commits
    dialog.common_list.setCurrentRow(2)
    qtbot.mouseClick(dialog.delete_common_button, Qt.MouseButton.LeftButton)

    again = CommonReasons(reasons.path).all()
    assert again[0] == "社保证明材料不清晰，请上传加盖公章的版本"
    assert DEFAULT_REASONS[2] not in again
    assert again[-1] == "执业情况说明未签字"

    # A duplicate is refused with a message, nothing changes.
    dialog.reason_edit.setPlainText("执业情况说明未签字")
    qtbot.mouseClick(dialog.save_common_button, Qt.MouseButton.LeftButton)
    assert "已在常用列表中" in dialog.banner.text()
    assert CommonReasons(reasons.path).all() == again

    # 新增: a new entry is edited in place; the placeholder left as it is is not kept.
    qtbot.mouseClick(dialog.add_common_button, Qt.MouseButton.LeftButton)
    new_item = dialog.common_list.item(dialog.common_list.count() - 1)
    new_item.setText("执业证书复印件不清晰")  # what the in-place editor commits
    assert CommonReasons(reasons.path).all()[-1] == "执业证书复印件不清晰"
    again = CommonReasons(reasons.path).all()

    # The next dialog (the next run) shows the changed list.
    dialog.reject()
    second = open_dialog(qtbot, world, runner, CommonReasons(reasons.path), 1)
    assert [second.common_list.item(i).text() for i in range(second.common_list.count())] == again


def test_a_row_the_server_no_longer_lets_return_is_listed_in_red_with_its_reason(
    qtbot: Any, world: World, runner: TaskRunner, reasons: CommonReasons
) -> None:
    from dataclasses import replace

    from PySide6.QtGui import QColor

    why = "只有待事务所审核的年检申请可以退回（当前状态：已提交省注协）"
    first, second = world.pending_rows()[:2]
    dialog = ReturnDialog(world.client, runner, reasons, [first, replace(second, actions={"return": why})])
    qtbot.addWidget(dialog)
    assert dialog.rows_list.item(0).foreground().color() != QColor("#c92a2a")
    assert dialog.rows_list.item(1).foreground().color() == QColor("#c92a2a")
    assert dialog.rows_list.item(1).toolTip() == why
