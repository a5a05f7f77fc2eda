# ruff: noqa: F811  (the fixtures imported from tests/helpers are parameters of the tests)
"""提醒 and 导出联系名单 from the real main window on the demo data: the dialog opens on the selected rows, a send
shows up in the 最近提醒 column after the refresh; offline both are disabled and 提醒 is refused with its reason."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt

from firmdesk.domain.reminders import OFFLINE_REFUSAL
from firmdesk.domain.states import FirmTab
from firmdesk.ui.dialogs.reminder_dialog import ReminderDialog
from firmdesk.ui.main_window import MainWindow
from firmdesk.ui.shell import Shell
from firmdesk.ui.sync_controller import OFFLINE_ACTION_TOOLTIP
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
from tests.helpers.offline import RestartableServer, restartable_server  # noqa: F401  (fixtures)
from tests.helpers.offline_window import go_offline, log_in, shell  # noqa: F401  (shell: a fixture)


def _column(window: MainWindow, title: str) -> int:
    tab = window.tabs[FirmTab.NOT_APPLIED]
    return next(
        c for c in range(tab.model.columnCount()) if tab.model.headerData(c, Qt.Orientation.Horizontal) == title
    )


def test_remind_from_the_not_applied_tab_fills_the_last_reminded_column(qtbot: Any, window: MainWindow) -> None:
    tab = window.tabs[FirmTab.NOT_APPLIED]
    assert tab.action_bar.keys() == ["trail", "attachments", "remind", "on_behalf", "contacts", "excel"]
    never = [r for r in tab.shown_records() if r.last_reminded_at is None]
    assert len(never) >= 2
    first, second = never[0], never[1]
    tab.select_record(lambda r: r.cpa_id == first.cpa_id)
    dialog = trigger(qtbot, window, FirmTab.NOT_APPLIED, "remind")
    assert isinstance(dialog, ReminderDialog)
    assert dialog.target_selected.isChecked() and dialog.targets() == [first]
    assert dialog.target_all.text() == f"提醒全部未申请的 {tab.total_count()} 人"
    qtbot.waitUntil(lambda: first.name in dialog.preview_label.text(), timeout=10000)

    with qtbot.waitSignal(window.data_shown, timeout=20000), qtbot.waitSignal(dialog.sent, timeout=15000):
        qtbot.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton)
    column = _column(window, "最近提醒")
    row = next(r for r in tab.shown_records() if r.cpa_id == first.cpa_id)
    assert row.reminder_count == 1 and row.last_reminded_at is not None
    tab.select_record(lambda r: r.cpa_id == first.cpa_id)
    shown = tab.table.currentIndex().siblingAtColumn(column).data()
    assert shown and shown.startswith(str(row.last_reminded_at.astimezone().year))
    assert next(r for r in tab.shown_records() if r.cpa_id == second.cpa_id).reminder_count == 0
    assert "提醒：已发送 1 人" in window.statusBar().currentMessage()
    dialog.close()


def test_the_contact_list_is_exported_from_the_window(qtbot: Any, window: MainWindow, answers: Answers) -> None:
    tab = window.tabs[FirmTab.NOT_APPLIED]
    tab.action_bar.action("contacts").trigger()
    qtbot.waitUntil(lambda: bool(answers.done), timeout=20000)
    assert answers.done[0].startswith(f"已导出 {tab.total_count()} 名未申请注册会计师的联系方式")
    assert answers.defaults[0].name.startswith("未申请注册会计师联系名单_")
    assert Path(answers.folder / answers.defaults[0].name).exists()


def test_offline_remind_and_the_contact_list_are_unavailable(
    qtbot: Any, shell: Shell, restartable_server: RestartableServer
) -> None:
    window = log_in(qtbot, shell, restartable_server.base_url)
    tab = window.tabs[FirmTab.NOT_APPLIED]
    tab.select_record(lambda r: True)
    assert tab.action_bar.action("remind").isEnabled()
    go_offline(qtbot, window, restartable_server)
    for key in ("remind", "contacts"):
        action = tab.action_bar.action(key)
        assert not action.isEnabled() and action.toolTip() == OFFLINE_ACTION_TOOLTIP
    with qtbot.waitSignal(window.actions.refused, timeout=5000) as refused:
        assert window.actions.remind(tab.selected_records(), tab.shown_records()) is None
    assert refused.args == [OFFLINE_REFUSAL]
