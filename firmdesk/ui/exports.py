"""导出 Excel, 批量下载二维码 and 打印标签 of a tab: the rows as shown, written off the UI thread with progress."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from firmdesk.services.models import CpaRow
from firmdesk.services.progress import ProgressState, TaskCancelled
from firmdesk.services.qr_labels import QrLabel, labels_for
from firmdesk.services.qr_reach import unreachable_warning
from firmdesk.ui.dialogs.export_dialogs import ExportProgress, UserPrompts, default_folder
from firmdesk.ui.error_text import error_text
from firmdesk.ui.models.roles import RECORD_ROLE
from firmdesk.ui.tabs.record_tab import RecordTab
from firmdesk.ui.tasks import TaskRunner

if TYPE_CHECKING:
    from firmdesk.services.qr_export import QrExportResult
    from firmdesk.services.qr_images import QrImageCache

# The imaging and spreadsheet modules (numpy, Pillow, openpyxl with lxml: ~0.4 s of imports) are imported by the
# export work itself, on the worker, at the first export: not at start-up, where they would delay the window.

QR_TARGETS = ["文件夹（每人一个 PNG）", "压缩包 .zip"]


@dataclass(frozen=True)
class ShownTable:
    """What a tab shows: its visible columns in their visual order (no check box column), rows in view order."""

    headers: list[str]
    rows: list[list[Any]]


def shown_table(tab: RecordTab[Any]) -> ShownTable:
    """The typed values (the model's raw values: dates, numbers) of exactly what the table shows."""
    header = tab.table.horizontalHeader()
    model, proxy = tab.model, tab.proxy
    sections = [header.logicalIndex(v) for v in range(header.count())]
    columns = [
        (section, column)
        for section in sections
        if not header.isSectionHidden(section) and (column := model.column_at(section)) is not None
    ]
    records = [proxy.index(r, 0).data(RECORD_ROLE) for r in range(proxy.rowCount())]
    rows = [
        [position if column.row_number else column.raw_value(record) for _section, column in columns]
        for position, record in enumerate(records, start=1)
    ]
    return ShownTable([column.title for _section, column in columns], rows)


def filter_note(tab: RecordTab[Any]) -> str:
    parts = []
    if tab.status_combo is not None and tab.status_combo.currentData() is not None:
        parts.append(f"审批状态：{tab.status_combo.currentText()}")
    if tab.search_box.text().strip():
        parts.append(f"搜索：{tab.search_box.text().strip()}")
    return "；".join(parts)


def _widget(child: QObject) -> QWidget:
    """The window a helper belongs to (its Qt parent; a Python reference to it would make a cycle)."""
    parent = child.parent()
    assert isinstance(parent, QWidget)
    return parent


class ExportRunner(QObject):
    """Runs one `work(state)` on the task runner behind an `ExportProgress`; says the outcome by signal."""

    finished = Signal(object)  # what work returned
    failed = Signal(str)  # the Chinese message (also for a cancel: "已取消，未生成不完整的文件")

    def __init__(self, runner: TaskRunner, parent: QWidget) -> None:
        super().__init__(parent)
        self._runner = runner
        self.progress: ExportProgress | None = None

    @property
    def busy(self) -> bool:
        return self.progress is not None

    def start(
        self,
        title: str,
        label: str,
        work: Callable[[ProgressState], Any],
        on_done: Callable[[Any], None],
        on_error: Callable[[BaseException], None],
    ) -> ExportProgress:
        progress = ExportProgress(title, label, _widget(self))
        self.progress = progress
        state = progress.state

        def done(result: Any) -> None:
            self._close()
            on_done(result)
            self.finished.emit(result)

        def failed(exc: BaseException) -> None:
            self._close()
            message = error_text(exc)
            on_error(exc)
            self.failed.emit(message)

        self._runner.op(self, lambda: work(state)).success(done).failure(failed).run()
        return progress

    def _close(self) -> None:
        if self.progress is not None:
            self.progress.close()
            self.progress.deleteLater()
            self.progress = None


class TabExports(QObject):
    """The export actions of the main window's tabs; `message(text, ok)` reports for the status bar."""

    message = Signal(str, bool)  # text, success

    def __init__(
        self,
        runner: TaskRunner,
        prompts: UserPrompts,
        firm_name: str,
        year: Callable[[], int | None],
        qr_cache: QrImageCache | None,
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self._prompts = prompts
        self._firm_name = firm_name
        self._year = year
        self._qr_cache = qr_cache
        self.exports = ExportRunner(runner, parent)

    # 导出 Excel
    def export_excel(self, tab: RecordTab[Any]) -> None:
        year = self._year() or 0
        table = shown_table(tab)
        label = tab.tab.label
        default = default_folder() / f"{label}_{year}_{datetime.now():%Y%m%d}.xlsx"
        path = self._prompts.save_file(_widget(self), f"导出 Excel - {label}", default, "Excel 工作簿 (*.xlsx)")
        if path is None:
            return
        if path.suffix.lower() != ".xlsx":
            path = path.with_name(f"{path.name}.xlsx")
        firm_name, note, count = self._firm_name, filter_note(tab), len(table.rows)

        def work(state: ProgressState) -> Path:
            from firmdesk.services.excel_export import ExcelTable, export_excel

            excel = ExcelTable(table.headers, table.rows, firm_name, year, sheet_title=label, note=note)
            return export_excel(excel, path, state)

        self.exports.start(
            "导出 Excel",
            f"正在导出 {count} 条记录",
            work,
            lambda written: self._done("导出 Excel", f"已导出 {count} 条记录到 {written}", Path(written)),
            self._failed,
        )

    # 批量下载二维码 / 打印标签
    def bulk_qr(self, tab: RecordTab[Any]) -> None:
        picked = self._pick_rows(tab, "批量下载二维码", QR_TARGETS)
        if picked is None:
            return
        rows, target = picked
        labels, skipped = self._labels(rows)
        if not labels or not self._printable(labels, "批量下载二维码"):
            return
        year = self._year() or 0
        cache = self._qr_cache
        if target == 0:
            folder = self._prompts.choose_folder(_widget(self), "选择保存二维码的文件夹")
            if folder is None:
                return

            def work(state: ProgressState) -> QrExportResult:
                from firmdesk.services.qr_export import export_qr_folder

                return export_qr_folder(labels, folder, state, cache=cache)
        else:
            default = default_folder() / f"年检二维码_{self._firm_name}_{year}.zip"
            path = self._prompts.save_file(_widget(self), "保存二维码压缩包", default, "压缩包 (*.zip)")
            if path is None:
                return
            zip_path = path if path.suffix.lower() == ".zip" else path.with_name(f"{path.name}.zip")

            def work(state: ProgressState) -> QrExportResult:
                from firmdesk.services.qr_export import export_qr_zip

                return export_qr_zip(labels, zip_path, state, cache=cache)

        self.exports.start(
            "批量下载二维码",
            f"正在生成 {len(labels)} 个二维码",
            work,
            lambda result: self._qr_done("批量下载二维码", result, skipped),
            self._failed,
        )

    def print_labels(self, tab: RecordTab[Any]) -> None:
        picked = self._pick_rows(tab, "打印标签", ["A4 标签页 PDF"])
        if picked is None:
            return
        labels, skipped = self._labels(picked[0])
        if not labels or not self._printable(labels, "打印标签"):
            return
        year = self._year() or 0
        default = default_folder() / f"年检二维码标签_{self._firm_name}_{year}.pdf"
        path = self._prompts.save_file(_widget(self), "保存 A4 标签页", default, "PDF 文件 (*.pdf)")
        if path is None:
            return
        pdf = path if path.suffix.lower() == ".pdf" else path.with_name(f"{path.name}.pdf")
        cache = self._qr_cache
        title = f"{self._firm_name} {year} 年度年检二维码"

        def work(state: ProgressState) -> QrExportResult:
            from firmdesk.services.qr_sheet import export_qr_sheet

            return export_qr_sheet(labels, pdf, state, title=title, cache=cache)

        self.exports.start(
            "打印标签",
            f"正在排版 {len(labels)} 个标签",
            work,
            lambda result: self._qr_done("打印标签", result, skipped),
            self._failed,
        )

    # helpers
    def _pick_rows(self, tab: RecordTab[Any], title: str, targets: list[str]) -> tuple[list[CpaRow], int] | None:
        if self.exports.busy:
            self.message.emit("上一个导出尚未完成，请稍候", False)
            return None
        chosen, shown = tab.chosen_records(), tab.shown_records()
        choice = self._prompts.choose_export(_widget(self), title, len(chosen), len(shown), targets)
        if choice is None:
            return None
        return (chosen if choice.chosen_only else shown), choice.target

    def _labels(self, rows: Sequence[CpaRow]) -> tuple[list[QrLabel], int]:
        with_url = [r for r in rows if r.qr_url]
        skipped = len(rows) - len(with_url)
        if not with_url:
            self.message.emit("所选注册会计师都没有二维码地址（请刷新后重试，或升级服务器）", False)
        return labels_for(with_url, lambda r: r.qr_url or ""), skipped

    def _printable(self, labels: Sequence[QrLabel], title: str) -> bool:
        """Asks first (仍然导出 / 取消) when a phone could not open some of the codes: loopback, private, http."""
        warning = unreachable_warning(label.url for label in labels)
        return warning is None or self._prompts.confirm(_widget(self), title, warning, "仍然导出")

    def _qr_done(self, title: str, result: QrExportResult, skipped: int) -> None:
        text = f"已生成 {result.count} 个二维码：新生成 {result.rendered} 个，复用缓存 {result.reused} 个"
        if result.unchanged:
            text += f"，其中 {result.unchanged} 个文件已存在且相同，未改动"
        if skipped:
            text += f"；{skipped} 人没有二维码地址，已跳过"
        self._done(title, f"{text}。\n保存位置：{result.path}", result.path)

    def _done(self, title: str, text: str, path: Path) -> None:
        self.message.emit(text.split("\n")[0], True)
        self._prompts.show_done(_widget(self), title, text, path if path.is_dir() else path.parent)

    def _failed(self, exc: BaseException) -> None:
        # A cancel is what the user asked for: said, but not as an error.
        self.message.emit(error_text(exc), isinstance(exc, TaskCancelled))


__all__ = ["ExportRunner", "ShownTable", "TabExports", "filter_note", "shown_table"]
