"""Excel export (openpyxl) of a table exactly as the UI shows it: its visible columns and rows, in order.

The sheet has a title row (firm, year, export time), the Chinese headers, then the rows with real dates,
times and numbers (never numbers stored as text), column widths fitted to the content, the header frozen,
an auto-filter, and print settings (landscape, one page wide, header repeated). openpyxl's write-only
mode streams rows through lxml; that keeps it within 1.3x of xlsxwriter (see docs/benchmarks.md).

The export is a plain `run(args, state)` task: progress every few hundred rows, cancellation between
them, and the .xlsx is saved to a temporary file and renamed only when complete.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from firmdesk.services.progress import NO_STATE, ProgressState, check_cancelled

CellValue = str | int | float | Decimal | date | datetime | time | bool | None

DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
DECIMAL_FORMAT = "0.0#"
PROGRESS_EVERY = 500
_MIN_WIDTH, _MAX_WIDTH = 6, 60


@dataclass(frozen=True)
class ExcelTable:
    """What to export: the headers and rows as shown (values raw: dates as `date`, numbers as numbers)."""

    headers: Sequence[str]
    rows: Sequence[Sequence[CellValue]]
    firm_name: str
    year: int
    sheet_title: str = "年检信息"
    #: The export time shown in the title row; aware times are shown in local time. None: now.
    exported_at: datetime | None = None
    #: Optional extra words in the title row, e.g. the filter shown ("状态：年检通过").
    note: str = ""
    #: Optional fixed widths (in characters) by header; others are fitted to the content.
    widths: dict[str, float] = field(default_factory=dict)


def title_text(table: ExcelTable, now: datetime) -> str:
    parts = [f"{table.firm_name}  {table.year} 年度{table.sheet_title}", f"导出时间：{now:%Y-%m-%d %H:%M}"]
    if table.note:
        parts.append(table.note)
    return "    ".join(parts)


def export_excel(table: ExcelTable, path: Path, state: ProgressState = NO_STATE) -> Path:
    """Writes `table` to the .xlsx at `path` (replacing it only once complete) and returns the path."""
    if any(len(row) != len(table.headers) for row in table.rows):
        raise ValueError("every row must have one value per header")
    now = _local_naive(table.exported_at or datetime.now().astimezone())
    total = len(table.rows)
    state.set_progress(0, total)
    columns = len(table.headers)

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_sheet_name(table.sheet_title))
    _set_up_sheet(sheet, table, columns)

    title = WriteOnlyCell(sheet, value=_text(title_text(table, now)))
    title.font = Font(bold=True, size=13)
    sheet.append([title])
    header_font = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    header_align = Alignment(horizontal="center", vertical="center", wrap_text=True)
    header_border = Border(bottom=Side(style="thin"))
    header_cells = []
    for header in table.headers:
        cell = WriteOnlyCell(sheet, value=_text(header))
        cell.font, cell.fill, cell.alignment, cell.border = header_font, header_fill, header_align, header_border
        header_cells.append(cell)
    sheet.append(header_cells)

    styled = _StyledCells(sheet)
    for n, row in enumerate(table.rows, start=1):
        sheet.append([styled.cell(value) for value in row])
        if n % PROGRESS_EVERY == 0:
            check_cancelled(state)
            state.set_progress(n, total)

    check_cancelled(state)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.{secrets.token_hex(4)}.part.xlsx")
    try:
        workbook.save(tmp)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    state.set_progress(total, total)
    return path


def _set_up_sheet(sheet: Worksheet, table: ExcelTable, columns: int) -> None:
    # In write-only mode everything before <sheetData> (views, widths) must be set before the first row.
    for index, width in enumerate(column_widths(table), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A3"  # title and header rows stay in view
    last = get_column_letter(max(columns, 1))
    sheet.auto_filter.ref = f"A2:{last}{len(table.rows) + 2}"
    sheet.print_title_rows = "2:2"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True


class _StyledCells:
    """Makes cells with the right type and number format; plain text and integers stay unstyled (faster)."""

    def __init__(self, sheet: Worksheet) -> None:
        self.sheet = sheet

    def cell(self, value: CellValue) -> object:
        if value is None or isinstance(value, int | str) and not isinstance(value, bool):
            if isinstance(value, str):
                if value.startswith("="):
                    # Text typed by a user is never run as a formula.
                    cell = WriteOnlyCell(self.sheet, value=_text(value))
                    cell.data_type = "s"
                    return cell
                return _text(value)
            return value
        if isinstance(value, bool):
            return "是" if value else "否"
        cell = WriteOnlyCell(self.sheet, value=_cell_value(value))
        if isinstance(value, datetime):
            cell.number_format = DATETIME_FORMAT
        elif isinstance(value, date):
            cell.number_format = DATE_FORMAT
        elif isinstance(value, float | Decimal):
            cell.number_format = DECIMAL_FORMAT
        return cell


def _cell_value(value: CellValue) -> CellValue:
    if isinstance(value, datetime):
        return _local_naive(value)
    if isinstance(value, Decimal):
        return float(value)
    return value


def _local_naive(moment: datetime) -> datetime:
    """Excel has no time zones: an aware time is written as the local wall-clock time."""
    return moment.astimezone().replace(tzinfo=None) if moment.tzinfo is not None else moment


def _text(value: str) -> str:
    """Removes the control characters XML (and so .xlsx) cannot hold."""
    return ILLEGAL_CHARACTERS_RE.sub("", value)


def display_width(text: str) -> int:
    """Columns the text takes in a spreadsheet: Chinese (wide) characters count two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def column_widths(table: ExcelTable, sample: int = 2000) -> list[float]:
    """Widths in characters fitted to the header and the longest value (of the first `sample` rows)."""
    widths = []
    rows = table.rows[:sample]
    for index, header in enumerate(table.headers):
        if header in table.widths:
            widths.append(table.widths[header])
            continue
        longest = display_width(header) + 2  # room for the filter button
        for row in rows:
            longest = max(longest, _value_width(row[index]))
        widths.append(float(min(max(longest + 1, _MIN_WIDTH), _MAX_WIDTH)))
    return widths


def _value_width(value: CellValue) -> int:
    if value is None:
        return 0
    if isinstance(value, datetime):
        return 16
    if isinstance(value, date):
        return 10
    if isinstance(value, bool):
        return 2
    if isinstance(value, float | Decimal):
        return len(f"{value:.2f}")
    return display_width(str(value))


def _sheet_name(title: str) -> str:
    """A valid sheet name: at most 31 characters, none of []:*?/\\."""
    cleaned = "".join("_" if c in "[]:*?/\\" else c for c in title).strip("'") or "Sheet1"
    return cleaned[:31]
