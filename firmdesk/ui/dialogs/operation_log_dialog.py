"""操作日志: who of the firm did what and when (the 主管理员 only), filtered by person, action and dates, a
page at a time, and exported to Excel with the same filters (every page)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from firmdesk.domain.accounts import FIRM_LOG_ACTIONS
from firmdesk.services.api_client import CmisClient
from firmdesk.services.operation_log_export import LogFilter, export_operation_log, fetch_page
from firmdesk.services.people import FirmAccount, OperationLogEntry
from firmdesk.ui.dialogs.base import ServiceDialog
from firmdesk.ui.dialogs.export_dialogs import SaveFile, ask_save_path
from firmdesk.ui.error_text import error_text
from firmdesk.ui.formatting import datetime_text
from firmdesk.ui.tasks import TaskRunner
from firmdesk.ui.widgets.message_banner import MessageBanner, Tone
from firmdesk.ui.widgets.screen_fit import fit_to_screen

HEADERS = ["时间", "人员", "操作", "对象", "状态变化", "原因"]
PAGE_SIZE = 50


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


class OperationLogDialog(ServiceDialog):
    """`loaded` after each page arrives; `exported(path)` after an export."""

    loaded = Signal()
    exported = Signal(object)

    def __init__(
        self,
        client: CmisClient,
        runner: TaskRunner,
        firm_name: str,
        year: int,
        *,
        save_file: SaveFile = ask_save_path,
        today: date | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(runner, parent)
        self.setObjectName("operationLogDialog")
        self.setWindowTitle("操作日志")
        fit_to_screen(self, 1100, 680)
        self._client, self._firm_name, self._year, self._save_file = client, firm_name, year, save_file
        self.page = 1
        self.total = 0
        self.entries: list[OperationLogEntry] = []
        today = today or date.today()

        self.person_combo = QComboBox(self)
        self.person_combo.setObjectName("logPerson")
        self.person_combo.addItem("全部人员", None)
        self.action_combo = QComboBox(self)
        self.action_combo.setObjectName("logAction")
        self.action_combo.addItem("全部操作", None)
        for action in FIRM_LOG_ACTIONS:
            self.action_combo.addItem(action.label, action.value)
        self.dates_check = QCheckBox("按日期", self)
        self.dates_check.setObjectName("logByDate")
        self.date_from = QDateEdit(_qdate(today.replace(day=1)), self)
        self.date_from.setObjectName("logDateFrom")
        self.date_to = QDateEdit(_qdate(today), self)
        self.date_to.setObjectName("logDateTo")
        for edit in (self.date_from, self.date_to):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setEnabled(False)
        self.dates_check.toggled.connect(self.date_from.setEnabled)
        self.dates_check.toggled.connect(self.date_to.setEnabled)
        self.search_button = QPushButton("查询", self)
        self.search_button.setObjectName("logSearch")
        self.search_button.clicked.connect(lambda: self.load(1))
        self.export_button = QPushButton("导出 Excel", self)
        self.export_button.setObjectName("logExport")
        self.export_button.clicked.connect(self.export)
        filters = QHBoxLayout()
        for widget in (
            QLabel("人员", self),
            self.person_combo,
            QLabel("操作", self),
            self.action_combo,
            self.dates_check,
            self.date_from,
            QLabel("至", self),
            self.date_to,
        ):
            filters.addWidget(widget)
        filters.addStretch(1)
        filters.addWidget(self.search_button)
        filters.addWidget(self.export_button)

        self.table = QTableWidget(0, len(HEADERS), self)
        self.table.setObjectName("logTable")
        self.table.setHorizontalHeaderLabels(HEADERS)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(False)  # one line per entry; the whole reason is the cell's tooltip
        header = self.table.horizontalHeader()
        for column in range(len(HEADERS) - 1):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(len(HEADERS) - 1, QHeaderView.ResizeMode.Stretch)

        self.previous_button = QPushButton("上一页", self)
        self.previous_button.setObjectName("logPrevious")
        self.previous_button.clicked.connect(lambda: self.load(self.page - 1))
        self.next_button = QPushButton("下一页", self)
        self.next_button.setObjectName("logNext")
        self.next_button.clicked.connect(lambda: self.load(self.page + 1))
        self.page_label = QLabel(self)
        self.page_label.setObjectName("logPageLabel")
        pager = QHBoxLayout()
        pager.addWidget(self.page_label, 1)
        pager.addWidget(self.previous_button)
        pager.addWidget(self.next_button)

        self.banner = MessageBanner("logMessage", self)
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addLayout(pager)
        layout.addWidget(self.banner)
        self.busy_changed.connect(lambda _busy: self._update())
        self._load_people()
        self.load(1)

    # -- filters ----------------------------------------------------------------------------------

    def _load_people(self) -> None:
        def ok(accounts: list[FirmAccount]) -> None:
            for account in accounts:
                self.person_combo.addItem(f"{account.person_name}（{account.login}）", account.id)

        self.op(self, self._client.accounts, key="people").success(ok).failure(lambda _e: None).run()

    def log_filter(self) -> LogFilter:
        action = self.action_combo.currentData()
        dated = self.dates_check.isChecked()
        return LogFilter(
            account_id=self.person_combo.currentData(),
            actions=(action,) if action else (),
            date_from=self.date_from.date().toPython() if dated else None,  # type: ignore[arg-type]
            date_to=self.date_to.date().toPython() if dated else None,  # type: ignore[arg-type]
        )

    def _note(self, where: LogFilter) -> str:
        person = self.person_combo.currentText() if where.account_id else ""
        action = self.action_combo.currentText() if where.actions else ""
        return where.note(person, action)

    # -- pages ------------------------------------------------------------------------------------

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))

    def load(self, page: int) -> None:
        where, client = self.log_filter(), self._client

        def ok(answer: tuple[list[OperationLogEntry], int]) -> None:
            self.entries, self.total = answer
            self.page = page
            self.banner.clear_message()
            self._fill()
            self.loaded.emit()

        def failed(exc: BaseException) -> None:
            self.banner.show_message(error_text(exc), Tone.ERROR)  # the filters stay as they are
            self.loaded.emit()

        self.op(self, lambda: fetch_page(client, where, page, PAGE_SIZE), key="page").success(ok).failure(failed).run()

    def _fill(self) -> None:
        self.table.setRowCount(len(self.entries))
        for row, entry in enumerate(self.entries):
            values = [datetime_text(entry.at), entry.person, entry.action_label, entry.target, entry.change]
            values.append(entry.reason or "")
            for column, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setToolTip(value)
                self.table.setItem(row, column, item)
        self._update()

    def _update(self) -> None:
        busy = self.busy
        self.page_label.setText(f"共 {self.total} 条，第 {self.page} / {self.pages} 页" if self.total else "没有记录")
        self.previous_button.setEnabled(not busy and self.page > 1)
        self.next_button.setEnabled(not busy and self.page < self.pages)
        self.search_button.setEnabled(not busy)
        self.export_button.setEnabled(not busy and self.total > 0)
        self.export_button.setToolTip("" if self.total else "没有可导出的记录")

    # -- export -----------------------------------------------------------------------------------

    def export(self) -> None:
        default = Path.home() / f"操作日志_{datetime.now():%Y%m%d}.xlsx"
        path = self._save_file(self, "导出 Excel - 操作日志", default, "Excel 工作簿 (*.xlsx)")
        if path is None:
            return
        if path.suffix.lower() != ".xlsx":
            path = path.with_name(f"{path.name}.xlsx")
        where, client, firm_name, year = self.log_filter(), self._client, self._firm_name, self._year
        note = self._note(where)
        self.banner.show_message("正在导出操作日志…", Tone.INFO)

        def ok(result: tuple[Path, int]) -> None:
            written, count = result
            self.banner.show_message(f"已导出 {count} 条操作日志到 {written}", Tone.SUCCESS)
            self.exported.emit(written)

        def failed(exc: BaseException) -> None:
            self.banner.show_message(f"导出失败：{error_text(exc)}", Tone.ERROR)

        work = lambda: export_operation_log(client, where, path, firm_name, year, note)  # noqa: E731
        self.op(self, work, key="export").success(ok).failure(failed).run()
        self._update()
