"""导出联系名单 of 注师待申请: the CPAs who have not applied, with phone and e-mail (from the server: the rows do not
carry them), written to .xlsx off the UI thread with the usual export progress and done box."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from PySide6.QtWidgets import QWidget

from firmdesk.services.api_client import CmisClient
from firmdesk.services.progress import ProgressState
from firmdesk.services.reminders import contact_table
from firmdesk.ui.dialogs.export_dialogs import UserPrompts, default_folder
from firmdesk.ui.exports import ExportRunner
from firmdesk.ui.tasks import TaskRunner

TITLE = "导出联系名单"


def export_contacts(
    client: CmisClient, runner: TaskRunner, prompts: UserPrompts, firm_name: str, year: int, window: QWidget
) -> ExportRunner | None:
    """Ask where, then fetch and write; the runner's `finished((path, count))` / `failed(message)` say how it ended."""
    default = default_folder() / f"未申请注册会计师联系名单_{year}_{datetime.now():%Y%m%d}.xlsx"
    path = prompts.save_file(window, TITLE, default, "Excel 工作簿 (*.xlsx)")
    if path is None:
        return None
    if path.suffix.lower() != ".xlsx":
        path = path.with_name(f"{path.name}.xlsx")

    def work(state: ProgressState) -> tuple[Path, int]:
        from firmdesk.services.excel_export import export_excel

        contacts = client.reminder_contacts()
        return export_excel(contact_table(contacts, firm_name, year), path, state), len(contacts)

    def done(result: tuple[Path, int]) -> None:
        written, count = result
        prompts.show_done(window, TITLE, f"已导出 {count} 名未申请注册会计师的联系方式到 {written}", written.parent)

    exporter = ExportRunner(runner, window)
    exporter.start(TITLE, "正在导出联系名单", work, done, lambda _error: None)
    return exporter
