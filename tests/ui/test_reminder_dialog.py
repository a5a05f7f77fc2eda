"""提醒 dialog and 导出联系名单 against the real server, with real widgets offscreen: template, preview, sending
to the selected or to all, one a day, automatic reminders, the contact list; a screenshot for the user guide."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from firmdesk.domain.states import FirmTab
from firmdesk.services.models import CpaRow
from firmdesk.services.reminders import CONTACT_HEADERS
from firmdesk.ui.contact_export import export_contacts
from firmdesk.ui.dialogs.export_dialogs import UserPrompts
from firmdesk.ui.dialogs.reminder_dialog import ReminderDialog
from firmdesk.ui.models.cpa_columns import NOT_APPLIED_COLUMNS
from firmdesk.ui.tab_actions import TAB_ACTIONS
from firmdesk.ui.tasks import TaskRunner
from tests.helpers.dialog_world import YEAR, World, make_world
from tests.helpers.mail import OutboxProbe
from tests.helpers.server import CPA_PASSWORD, api_login

NAMES = ["陈静", "刘洋", "黄伟"]
DAYS_LEFT = 14


@pytest.fixture
def world(server_builder: Any, live_server: Any, outbox_probe: OutboxProbe) -> Iterator[World]:
    w = make_world(server_builder, live_server, pending=1)
    for name in NAMES:
        w.cpas.append(server_builder.cpa(w.firm, name))
    outbox_probe.set_email(w.cpas[1], "chenjing001@example.com")
    outbox_probe.set_deadline(DAYS_LEFT)
    yield w
    w.close()


def not_applied(world: World) -> list[CpaRow]:
    return list(world.client.cpas(YEAR, tab="not_applied").items)


def open_dialog(qtbot: Any, world: World, runner: TaskRunner, selected: int = 1) -> ReminderDialog:
    rows = not_applied(world)
    dialog = ReminderDialog(world.client, runner, rows[:selected], rows)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.template_edit.isEnabled(), timeout=10000)
    qtbot.waitUntil(lambda: "【" in dialog.preview_edit.toPlainText(), timeout=10000)
    return dialog


def inbox(world: World, cert_no: str) -> list[dict[str, Any]]:
    cpa = api_login(world.base_url, "cpa", cert_no, CPA_PASSWORD)
    try:
        return list(cpa.get("/cpa/messages").json())
    finally:
        cpa.close()


def test_the_preview_shows_the_first_chosen_cpa_and_follows_the_template(
    qtbot: Any, world: World, runner: TaskRunner
) -> None:
    dialog = open_dialog(qtbot, world, runner)
    first = not_applied(world)[0]
    assert first.name in dialog.preview_label.text()
    assert f"距截止还有{DAYS_LEFT}天" in dialog.preview_edit.toPlainText()

    dialog.template_edit.setPlainText("{姓名}，还剩{剩余天数}天")
    qtbot.waitUntil(lambda: f"{first.name}，还剩{DAYS_LEFT}天" in dialog.preview_edit.toPlainText(), timeout=10000)

    dialog.template_edit.setPlainText("{姓名}，请于{截至日期}前申请")
    qtbot.waitUntil(lambda: not dialog.send_button.isEnabled(), timeout=5000)
    assert "{截至日期}" in dialog.send_button.toolTip()
    assert inbox(world, first.cert_no) == []  # a preview sends nothing


def test_sending_to_the_selected_cpa_reaches_its_inbox_once_a_day(qtbot: Any, world: World, runner: TaskRunner) -> None:
    dialog = open_dialog(qtbot, world, runner)
    first = not_applied(world)[0]
    with qtbot.waitSignal(dialog.sent, timeout=15000) as blocker:
        qtbot.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton)
    assert blocker.args[0].sent == 1
    assert dialog.summary_label.text().startswith("已发送 1 人")
    [message] = inbox(world, first.cert_no)
    assert message["title"] == f"{YEAR}年度注册会计师年检申请提醒"
    row = next(r for r in not_applied(world) if r.cpa_id == first.cpa_id)
    assert row.reminder_count == 1 and row.last_reminded_at is not None

    with qtbot.waitSignal(dialog.sent, timeout=15000) as again:
        qtbot.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton)
    assert (again.args[0].sent, again.args[0].skipped_today) == (0, 1)
    assert "今天已提醒过 1 人" in dialog.summary_label.text()
    assert dialog.skipped_list.item(0).text() == f"{first.name}：今天已提醒过"
    assert len(inbox(world, first.cert_no)) == 1


def test_sending_to_all_saves_the_template_and_counts_the_mails(
    qtbot: Any, world: World, runner: TaskRunner, outbox_probe: OutboxProbe
) -> None:
    dialog = open_dialog(qtbot, world, runner)
    dialog.target_all.setChecked(True)
    dialog.template_edit.setPlainText("{姓名}您好：{年度}年度年检申请还剩{剩余天数}天截止。{事务所}")
    with qtbot.waitSignal(dialog.sent, timeout=15000) as blocker:
        qtbot.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton)
    result = blocker.args[0]
    assert (result.sent, result.emailed, result.no_email) == (3, 1, 2)
    assert "1 人同时发送邮件" in dialog.summary_label.text()
    [mail] = outbox_probe.mails()
    assert mail.body == f"陈静您好：{YEAR}年度年检申请还剩{DAYS_LEFT}天截止。重庆山城会计师事务所"
    assert world.client.reminder_settings().template.startswith("{姓名}您好")


def test_the_automatic_reminders_switch_is_kept_on_the_server(qtbot: Any, world: World, runner: TaskRunner) -> None:
    dialog = open_dialog(qtbot, world, runner)
    assert not dialog.auto_check.isChecked()
    dialog.auto_check.setChecked(True)
    qtbot.waitUntil(lambda: dialog.banner.text().startswith("已开启自动提醒"), timeout=10000)
    assert world.client.reminder_settings().auto_enabled


def test_the_not_applied_tab_offers_remind_and_the_contact_list_only_online() -> None:
    specs = {spec.key: spec for spec in TAB_ACTIONS[FirmTab.NOT_APPLIED]}
    assert specs["remind"].label == "提醒" and specs["remind"].needs_server
    assert specs["contacts"].label == "导出联系名单" and specs["contacts"].needs_server
    assert "最近提醒" in [column.title for column in NOT_APPLIED_COLUMNS]


def test_the_contact_list_is_an_excel_sheet_of_the_not_applied(
    qtbot: Any, world: World, runner: TaskRunner, tmp_path: Path
) -> None:
    done: list[str] = []
    target = tmp_path / "联系名单.xlsx"
    prompts = UserPrompts(save_file=lambda *_a: target, show_done=lambda _w, _t, text, _f: done.append(text))
    window = QWidget()
    qtbot.addWidget(window)
    exporter = export_contacts(world.client, runner, prompts, "重庆山城会计师事务所", YEAR, window)
    assert exporter is not None
    qtbot.waitUntil(lambda: bool(done), timeout=15000)
    sheet = load_workbook(target).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[1]) == list(CONTACT_HEADERS)
    emails = {r[0]: r[3] for r in rows[2:]}
    assert set(emails) == set(NAMES)
    assert emails["陈静"] == "chenjing001@example.com"
    assert done[0].startswith("已导出 3 名")


@pytest.mark.skipif(not os.environ.get("FIRMDESK_SCREENSHOTS"), reason="set FIRMDESK_SCREENSHOTS=<folder>")
def test_screenshot_of_the_reminder_dialog(qtbot: Any, world: World, runner: TaskRunner, look: None) -> None:
    dialog = open_dialog(qtbot, world, runner, selected=2)
    with qtbot.waitSignal(dialog.sent, timeout=15000):
        qtbot.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton)
    dialog.target_all.setChecked(True)
    qtbot.waitUntil(lambda: "陈静" in dialog.preview_label.text() or "张三" not in dialog.preview_label.text())
    qtbot.wait(600)
    folder = Path(os.environ["FIRMDESK_SCREENSHOTS"])
    folder.mkdir(parents=True, exist_ok=True)
    assert dialog.grab().save(str(folder / "dialog_reminder.png"))
