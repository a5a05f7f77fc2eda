"""Excel export of a table exactly as the UI shows it: its visible columns and rows, in their order.

The sheet has a title row (firm, year, export time), the Chinese headers, then the rows with real dates,
times and numbers (never numbers stored as text), column widths fitted to the content, the header frozen,
an auto-filter, and print settings (landscape, one page wide, header row repeated).

openpyxl builds the workbook: styles, sheet view, widths, filter, print setup, title and header rows.
The data rows are serialised here, straight into the sheet's `<sheetData>`: openpyxl spends about 15 us
on each cell object (1.5-2x the time of xlsxwriter for 5,000 rows, even write-only with lxml), while a
row here is one f-string. The cells are the plain SpreadsheetML that openpyxl itself writes in write-only
mode (inline strings, numbers, date serials with a date style), so Excel, LibreOffice and openpyxl read
them as their own. See docs/benchmarks.md for the figures.

The export is a plain `run(args, state)` task: progress every few hundred rows, cancellation between
them, and the .xlsx is written to a temporary file and renamed only when complete.
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import secrets
import unicodedata
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import IO, Any
from xml.sax.saxutils import escape

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet.worksheet import Worksheet

from firmdesk.domain.on_behalf import filing_label
from firmdesk.services.models import CpaRow
from firmdesk.services.progress import NO_STATE, ProgressState, check_cancelled, write_failed

CellValue = str | int | float | Decimal | date | datetime | time | bool | None

DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
DECIMAL_FORMAT = "0.0#"
TIME_FORMAT = "hh:mm"
PROGRESS_EVERY = 500
#: The title row, the header row, then the data.
FIRST_DATA_ROW = 3
#: Excel's limit on the characters of a cell.
MAX_TEXT = 32767
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
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_sheet_name(table.sheet_title))
    _set_up_sheet(sheet, table)
    _append_title_and_headers(sheet, table, now)
    rows = _RowWriter(sheet, len(table.headers))
    scaffold = io.BytesIO()
    workbook.save(scaffold)  # everything but the data rows

    tmp = path.with_name(f".{path.stem}.{secrets.token_hex(4)}.part.xlsx")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(scaffold) as source, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as target:
            for info in source.infolist():
                data = source.read(info)
                if not info.filename.startswith("xl/worksheets/sheet"):
                    target.writestr(info, data)
                    continue
                # openpyxl wrote the title and header rows, so the element is open and closed, not empty.
                head, tail = data.decode("utf-8").rsplit("</sheetData>", 1)
                with target.open(info.filename, "w") as out:
                    out.write(head.encode("utf-8"))
                    _write_rows(out, rows, table.rows, state)
                    out.write(f"</sheetData>{tail}".encode())
        os.replace(tmp, path)
    except BaseException as error:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if isinstance(error, OSError):
            raise write_failed(path, error) from error
        raise
    state.set_progress(total, total)
    return path


def _write_rows(out: IO[bytes], writer: _RowWriter, rows: Sequence[Sequence[CellValue]], state: ProgressState) -> None:
    total = len(rows)
    chunk: list[str] = []
    for n, row in enumerate(rows, start=1):
        chunk.append(writer.row_xml(n + FIRST_DATA_ROW - 1, row))
        if n % PROGRESS_EVERY == 0 or n == total:
            out.write("".join(chunk).encode("utf-8"))
            chunk = []
            check_cancelled(state)
            state.set_progress(n, total)


def _append_title_and_headers(sheet: Worksheet, table: ExcelTable, now: datetime) -> None:
    title = WriteOnlyCell(sheet, value=_text(title_text(table, now)))
    title.font = Font(bold=True, size=13)
    sheet.append([title])
    header_font = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    header_align = Alignment(horizontal="center", vertical="center", wrap_text=True)
    header_border = Border(bottom=Side(style="thin"))
    cells = []
    for header in table.headers:
        cell = WriteOnlyCell(sheet, value=_text(header))
        cell.font, cell.fill, cell.alignment, cell.border = header_font, header_fill, header_align, header_border
        cells.append(cell)
    sheet.append(cells)


def _set_up_sheet(sheet: Worksheet, table: ExcelTable) -> None:
    columns = len(table.headers)
    # In write-only mode everything before <sheetData> (views, widths) must be set before the first row.
    for index, width in enumerate(column_widths(table), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A3"  # title and header rows stay in view
    last = get_column_letter(max(columns, 1))
    sheet.auto_filter.ref = f"A2:{last}{len(table.rows) + 2}"
    sheet.print_title_rows = "2:2"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    page_setup = sheet.sheet_properties.pageSetUpPr
    assert page_setup is not None  # openpyxl gives every new sheet one
    page_setup.fitToPage = True


class _RowWriter:
    """Turns one row of values into SpreadsheetML, with the workbook's style ids for dates and decimals."""

    def __init__(self, sheet: Worksheet, columns: int) -> None:
        self.letters = [get_column_letter(i) for i in range(1, columns + 1)]
        assert sheet.parent is not None  # a sheet made by Workbook.create_sheet
        self.epoch = sheet.parent.epoch
        self.style_ids: dict[type, int] = {}
        for kind, number_format in (
            (datetime, DATETIME_FORMAT),
            (date, DATE_FORMAT),
            (time, TIME_FORMAT),
            (float, DECIMAL_FORMAT),
        ):
            cell = WriteOnlyCell(sheet)
            cell.number_format = number_format
            self.style_ids[kind] = cell.style_id  # registers the style in the workbook's styles.xml
        self.style_ids[Decimal] = self.style_ids[float]
        self._by_type: dict[type, Callable[[str, CellValue], str]] = {
            str: self._text,
            int: self._number,
            bool: self._boolean,
            float: self._decimal,
            Decimal: self._decimal,
            datetime: self._moment,
            date: self._moment,
            time: self._moment,
        }

    def row_xml(self, row_number: int, values: Sequence[CellValue]) -> str:
        cells = []
        for letter, value in zip(self.letters, values, strict=True):
            if value is None:
                continue
            convert = self._by_type.get(type(value))
            if convert is None:  # a subclass (e.g. an IntEnum) or an unexpected type: shown as text
                convert = self._number if isinstance(value, int) else self._text
            cells.append(convert(f"{letter}{row_number}", value))
        return f'<row r="{row_number}">{"".join(cells)}</row>'

    @staticmethod
    def _text(ref: str, value: CellValue) -> str:
        text = _text(str(value))[:MAX_TEXT]
        space = ' xml:space="preserve"' if text != text.strip() else ""
        return f'<c r="{ref}" t="inlineStr"><is><t{space}>{escape(text)}</t></is></c>'

    @staticmethod
    def _number(ref: str, value: CellValue) -> str:
        return f'<c r="{ref}" t="n"><v>{int(value)}</v></c>'  # type: ignore[arg-type]

    @classmethod
    def _boolean(cls, ref: str, value: CellValue) -> str:
        return cls._text(ref, "是" if value else "否")

    def _decimal(self, ref: str, value: CellValue) -> str:
        number = float(value)  # type: ignore[arg-type]
        if not math.isfinite(number):
            return ""
        return f'<c r="{ref}" t="n" s="{self.style_ids[float]}"><v>{number!r}</v></c>'

    def _moment(self, ref: str, value: CellValue) -> str:
        if isinstance(value, datetime):
            value = _local_naive(value)
        serial = to_excel(value, self.epoch)  # type: ignore[no-untyped-call]  # unannotated in types-openpyxl
        return f'<c r="{ref}" t="n" s="{self.style_ids[type(value)]}"><v>{serial!r}</v></c>'


def _local_naive(moment: datetime) -> datetime:
    """Excel has no time zones: an aware time is written as the local wall-clock time."""
    return moment.astimezone().replace(tzinfo=None) if moment.tzinfo is not None else moment


def _text(value: str) -> str:
    """Control characters XML (and so .xlsx) cannot hold are shown as their visible symbol (U+0001 → ␁),
    never dropped silently: a stray control byte in a name stays noticeable in the sheet."""
    return ILLEGAL_CHARACTERS_RE.sub(lambda m: chr(0x2400 + ord(m.group())), value)


def display_width(text: str) -> int:
    """Columns the text takes in a spreadsheet: Chinese (wide) characters count two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def padded_width(characters: int) -> int:
    """Excel's width unit is the width of "0" in the default font: add 10 % (wider glyphs, CJK at two) and two
    characters of padding, so that the longest value is not flush with the cell's edge."""
    return math.ceil(characters * 1.1) + 2


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
        widths.append(float(min(max(padded_width(longest), _MIN_WIDTH), _MAX_WIDTH)))
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


#: The raw (typed) value of each CpaRow column by its Chinese header, for callers that export CpaRows.
CPA_COLUMNS: dict[str, Callable[[CpaRow], CellValue]] = {
    "证书编号": lambda r: r.cert_no,
    "姓名": lambda r: r.name,
    "性别": lambda r: r.gender,
    "出生日期": lambda r: r.birth_date,
    "年检年度": lambda r: r.year,
    "状态": lambda r: r.status_label,
    "离退休": lambda r: "离退休" if r.retired else "在职",
    "培训学时": lambda r: r.training_hours,
    "年检批次编号": lambda r: r.batch_number,
    "原因": lambda r: r.reason,
    "提交时间": lambda r: r.submitted_at,
    "审批时间": lambda r: r.decided_at,
    "更新时间": lambda r: r.updated_at,
    "附件数": lambda r: r.attachment_count,
    "提请方式": lambda r: filing_label(r.on_behalf, r.application_id is not None),
    "最后操作人": lambda r: r.updated_by,
}


def cpa_table(rows: Sequence[CpaRow], headers: Sequence[str], firm_name: str, year: int, **options: Any) -> ExcelTable:
    """An `ExcelTable` of CpaRows with the given headers (keys of `CPA_COLUMNS`), rows in the given order."""
    getters = [CPA_COLUMNS[h] for h in headers]
    return ExcelTable(headers, [[get(r) for get in getters] for r in rows], firm_name, year, **options)
