# ruff: noqa: F811  (the fixtures imported from tests/helpers are parameters of the tests)
"""The firm's people in FirmDesk, on the demo server with real widgets: a 审核员 signs in (own store, admin tools
disabled with the reason), the 主管理员's 账户管理 and 操作日志 (filter, pages, Excel), 代提请 from 注师待申请.
`FIRMDESK_SCREENSHOTS=docs/screenshots` also saves the screens the user guide shows."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from firmdesk.domain.states import FirmTab
from firmdesk.services.credentials import CredentialStore
from firmdesk.services.firm_stores import FirmStores
from firmdesk.services.local_store import DRAFTS_FILE, store_folder
from firmdesk.ui.desk_services import DeskServices
from firmdesk.ui.dialogs.accounts_dialog import AccountsDialog
from firmdesk.ui.dialogs.on_behalf_dialog import OnBehalfDialog
from firmdesk.ui.dialogs.operation_log_dialog import OperationLogDialog
from firmdesk.ui.main_window import MainWindow
from firmdesk.ui.resources import apply_look
from firmdesk.ui.shell import Shell
from firmdesk.ui.tasks import TaskRunner
from firmdesk.ui.ui_settings import UiSettings
from tests.helpers.demo import firm_login
from tests.helpers.main_window import (  # noqa: F401  (fixtures)
    Answers,
    answers,
    demo_live,
    demo_server_settings,
    desk,
    open_desk,
    session,
    trigger,
    window,
)
from tests.helpers.offline_window import log_in, shell  # noqa: F401  (shell: a fixture)

SHOTS = os.environ.get("FIRMDESK_SCREENSHOTS", "")
REVIEWER = "50010028-02"


def _shot(widget: Any, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        assert widget.grab().save(str(Path(SHOTS) / name))


def _open(qtbot: Any, window: MainWindow, action: Any) -> Any:
    assert action.isEnabled(), action.toolTip()
    with qtbot.waitSignal(window.actions.opened, timeout=5000) as opened:
        action.trigger()
    return opened.args[0]


def test_a_reviewer_signs_in_with_their_own_login_and_store(
    qtbot: Any, shell: Shell, demo_live: Any, tmp_path: Path
) -> None:
    window = log_in(qtbot, shell, demo_live.base_url, member_no=REVIEWER)
    assert window.person_label.text() == "当前用户：王磊（审核员）"
    # Everything but the 主管理员's tools: those say why they are off.
    assert not window.accounts_action.isEnabled()
    assert window.accounts_action.toolTip() == "只有主管理员可以使用账户管理"
    assert window.operation_log_action.toolTip() == "只有主管理员可以使用操作日志"
    assert window.tabs[FirmTab.NOT_APPLIED].action_bar.action("on_behalf") is not None
    # The store and drafts are the person's: per server, firm and login; the 主管理员's stay where they were.
    own = store_folder(demo_live.base_url, REVIEWER, tmp_path / "data")
    assert (own / DRAFTS_FILE).exists()
    assert own != store_folder(demo_live.base_url, "50010028", tmp_path / "data")


def test_the_main_administrator_keeps_the_firms_existing_store(
    qtbot: Any, shell: Shell, demo_live: Any, tmp_path: Path
) -> None:
    """No migration needed: the 主管理员 signs in with the firm number, the folder the per-firm store used."""
    before = store_folder(demo_live.base_url, "50010028", tmp_path / "data")
    FirmStores.open(before).close()  # the store as an older FirmDesk left it
    window = log_in(qtbot, shell, demo_live.base_url)
    assert window.person_label.text() == "当前用户：张丽（主管理员）"
    assert window.accounts_action.isEnabled() and window.operation_log_action.isEnabled()
    assert sorted(p.name for p in before.parent.iterdir()) == ["50010028"]


def test_the_main_administrator_creates_disables_and_resets_a_reviewer(
    qtbot: Any, qapp: Any, window: MainWindow, answers: Answers
) -> None:
    apply_look(qapp)
    dialog = _open(qtbot, window, window.accounts_action)
    assert isinstance(dialog, AccountsDialog)
    qtbot.waitUntil(lambda: len(dialog.accounts) == 3, timeout=10000)
    assert [a.login for a in dialog.accounts] == ["50010028", "50010028-02", "50010028-03"]
    assert dialog.login_edit.text() == "50010028-04"  # the first free login is offered
    assert not dialog.create_button.isEnabled() and dialog.create_button.toolTip() == "请填写姓名"
    dialog.name_edit.setText("周敏")
    dialog.password_edit.setText("short")
    assert dialog.create_button.toolTip() == "初始密码至少 8 位"
    dialog.password_edit.setText("reviewer-pass-1")
    with qtbot.waitSignal(dialog.changed, timeout=10000) as changed:
        dialog.create_button.click()
    assert changed.args[0].startswith("已新建审核员 周敏（登录名 50010028-04）")
    qtbot.waitUntil(lambda: len(dialog.accounts) == 4, timeout=10000)

    # A login in use: refused, what was typed stays.
    dialog.login_edit.setText("50010028-02")
    dialog.name_edit.setText("重名")
    dialog.password_edit.setText("reviewer-pass-1")
    with qtbot.waitSignal(dialog.busy_changed, timeout=10000, check_params_cb=lambda busy: not busy):
        dialog.create_button.click()
    assert dialog.banner.text() == "登录名 50010028-02 已被使用，请换一个序号"
    assert (dialog.login_edit.text(), dialog.name_edit.text()) == ("50010028-02", "重名")

    dialog.select_login("50010028-04")
    assert dialog.toggle_button.text() == "停用"
    with qtbot.waitSignal(dialog.changed, timeout=10000) as changed:
        dialog.toggle_button.click()
    assert changed.args[0] == "已停用审核员 周敏（50010028-04）"
    assert any("停用 周敏（50010028-04）" in q for q in answers.asked)
    qtbot.waitUntil(lambda: dialog.selected() is not None and dialog.selected().disabled, timeout=10000)
    assert dialog.toggle_button.text() == "启用"
    dialog.new_password.setText("brand-new-pass")
    with qtbot.waitSignal(dialog.changed, timeout=10000) as changed:
        dialog.reset_button.click()
    assert changed.args[0] == "已重置 周敏（50010028-04）的密码，其当前登录已失效"
    dialog.select_login("50010028")
    assert not dialog.toggle_button.isEnabled()
    assert dialog.toggle_button.toolTip() == "主管理员账户不能在此停用或重置密码"
    dialog.login_edit.setText("50010028-05")
    dialog.name_edit.setText("吴芳")
    dialog.password_edit.clear()
    dialog.banner.clear_message()
    qtbot.wait(100)
    _shot(dialog, "accounts_dialog.png")


def test_the_operation_log_filters_pages_and_exports(
    qtbot: Any, qapp: Any, window: MainWindow, answers: Answers
) -> None:
    apply_look(qapp)
    dialog = _open(qtbot, window, window.operation_log_action)
    assert isinstance(dialog, OperationLogDialog)
    qtbot.waitUntil(lambda: dialog.total > 0 and dialog.person_combo.count() == 4, timeout=10000)
    everything = dialog.total
    assert dialog.page_label.text().startswith(f"共 {everything} 条")
    people = {dialog.table.item(r, 1).text() for r in range(dialog.table.rowCount())}
    assert people <= {"张丽（50010028）", "王磊（50010028-02）", "孙悦（50010028-03）"}

    dialog.person_combo.setCurrentIndex(dialog.person_combo.findText("王磊（50010028-02）"))
    dialog.action_combo.setCurrentIndex(dialog.action_combo.findText("事务所退回"))
    with qtbot.waitSignal(dialog.loaded, timeout=10000):
        dialog.search_button.click()
    assert 0 < dialog.total < everything
    assert {e.person_name for e in dialog.entries} == {"王磊"}
    assert {e.action_label for e in dialog.entries} == {"事务所退回"}
    assert all(e.reason for e in dialog.entries)

    with qtbot.waitSignal(dialog.exported, timeout=20000) as exported:
        dialog.export_button.click()
    sheet = load_workbook(exported.args[0]).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][:4] == ("时间", "人员", "登录名", "操作")
    assert len(rows) - 2 == dialog.total and {r[1] for r in rows[2:]} == {"王磊"}
    assert "人员：王磊（50010028-02）" in rows[0][0] and "操作：事务所退回" in rows[0][0]

    dialog.person_combo.setCurrentIndex(0)
    dialog.action_combo.setCurrentIndex(0)
    with qtbot.waitSignal(dialog.loaded, timeout=10000):
        dialog.search_button.click()
    if dialog.pages > 1:
        with qtbot.waitSignal(dialog.loaded, timeout=10000):
            dialog.next_button.click()
        assert dialog.page == 2 and dialog.previous_button.isEnabled()
        with qtbot.waitSignal(dialog.loaded, timeout=10000):
            dialog.previous_button.click()
    qtbot.wait(100)
    _shot(dialog, "operation_log.png")


def test_on_behalf_from_the_not_applied_tab_files_and_moves_the_row(
    qtbot: Any, qapp: Any, window: MainWindow, answers: Answers
) -> None:
    apply_look(qapp)
    tab = window.tabs[FirmTab.NOT_APPLIED]
    window.tab_widget.setCurrentWidget(tab)
    assert tab.select_record(lambda r: r.status == "firm_returned")
    action = tab.action_bar.action("on_behalf")
    assert not action.isEnabled()
    assert action.toolTip().endswith("（该注册会计师本年度已有年检申请，不能代提请（当前状态：事务所退回））")
    assert tab.select_record(lambda r: r.status == "none")
    name = tab.current_record().name
    dialog = trigger(qtbot, window, FirmTab.NOT_APPLIED, "on_behalf")
    assert isinstance(dialog, OnBehalfDialog)
    for material, button in dialog.pick_buttons.items():
        button.click()  # the stand-in picker answers a PDF
        qtbot.waitUntil(lambda m=material: m in dialog._files, timeout=5000)
    with qtbot.waitSignal(dialog.filed, timeout=15000):
        dialog.submit_button.click()
    dialog.close()
    pending = window.tabs[FirmTab.PENDING_REVIEW]
    qtbot.waitUntil(lambda: any(r.name == name and r.on_behalf for r in pending.shown_records()), timeout=20000)
    column = [c.key for c in pending.model.columns].index("on_behalf") + pending.model.column_offset
    assert pending.select_record(lambda r: r.name == name)
    index = pending.table.currentIndex().siblingAtColumn(column)
    assert pending.table.model().data(index, Qt.ItemDataRole.DisplayRole) == "代提请"
    window.tab_widget.setCurrentWidget(pending)
    qtbot.wait(200)
    _shot(window, "on_behalf_pending.png")

    # The trail names the firm and the person: 机构名 — 姓名.
    with qtbot.waitSignal(window.actions.opened, timeout=5000) as opened:
        window.actions.trail(pending.current_record())
    trail = opened.args[0]
    qtbot.waitUntil(lambda: bool(trail.timeline.entries), timeout=10000)
    actors = [
        next(label.text() for label in e.findChildren(QLabel) if label.objectName() == "timelineActor")
        for e in trail.timeline.entries
    ]
    assert actors == [f"办理人：{window.firm.name} — 张丽（会计师事务所）"] * 2
    qtbot.wait(100)
    _shot(trail, "on_behalf_trail.png")


def test_a_reviewer_window_on_the_demo(
    qtbot: Any,
    demo_live: Any,
    credentials: CredentialStore,
    runner: TaskRunner,
    ui_settings: UiSettings,
    desk: DeskServices,
    stores: FirmStores,
) -> None:
    reviewer = firm_login(demo_live.base_url, credentials, REVIEWER)
    try:
        window = open_desk(qtbot, reviewer, runner, ui_settings, desk, stores)
        assert reviewer.person.name == "王磊" and reviewer.person.role == "reviewer"
        assert window.person_label.text() == "当前用户：王磊（审核员）"
    finally:
        reviewer.logout()
