"""The 操作日志 as an Excel sheet: every entry of the filters chosen (all pages), newest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from firmdesk.services.api_client import CmisClient
from firmdesk.services.excel_export import CellValue, ExcelTable, export_excel
from firmdesk.services.people import OperationLogEntry
from firmdesk.services.progress import NO_STATE, ProgressState

HEADERS = ["时间", "人员", "登录名", "操作", "注册会计师", "证书编号", "年检批次编号", "账户", "状态变化", "原因"]
#: Entries fetched per request while exporting.
EXPORT_PAGE_SIZE = 1000


@dataclass(frozen=True)
class LogFilter:
    """The filters of the 操作日志 (None / empty: not filtered)."""

    account_id: int | None = None
    actions: tuple[str, ...] = ()
    date_from: date | None = None
    date_to: date | None = None

    def note(self, person: str = "", action: str = "") -> str:
        parts = [f"人员：{person}" if person else "", f"操作：{action}" if action else ""]
        if self.date_from or self.date_to:
            parts.append(f"日期：{self.date_from or '不限'} 至 {self.date_to or '不限'}")
        return "；".join(p for p in parts if p)


def fetch_page(client: CmisClient, where: LogFilter, page: int, page_size: int) -> tuple[list[OperationLogEntry], int]:
    answer = client.operation_log(
        account_id=where.account_id,
        actions=where.actions,
        date_from=where.date_from,
        date_to=where.date_to,
        page=page,
        page_size=page_size,
    )
    return list(answer.items), answer.total


def fetch_all(client: CmisClient, where: LogFilter, state: ProgressState = NO_STATE) -> list[OperationLogEntry]:
    entries: list[OperationLogEntry] = []
    page = 1
    while True:
        items, total = fetch_page(client, where, page, EXPORT_PAGE_SIZE)
        entries += items
        state.set_progress(len(entries), total)
        if not items or len(entries) >= total or state.is_cancelled():
            return entries
        page += 1


def log_row(entry: OperationLogEntry) -> list[CellValue]:
    return [
        entry.at,
        entry.person_name,
        entry.login,
        entry.action_label,
        entry.cpa_name,
        entry.cert_no,
        entry.batch_number,
        entry.subject_login,
        entry.change or None,
        entry.reason,
    ]


def export_operation_log(
    client: CmisClient,
    where: LogFilter,
    path: Path,
    firm_name: str,
    year: int,
    note: str = "",
    state: ProgressState = NO_STATE,
) -> tuple[Path, int]:
    """Fetch every entry of `where` and write the sheet; the path written and how many entries."""
    entries = fetch_all(client, where, state)
    table = ExcelTable(HEADERS, [log_row(e) for e in entries], firm_name, year, sheet_title="操作日志", note=note)
    return export_excel(table, path), len(entries)
