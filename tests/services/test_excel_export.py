"""Excel export: the rows and columns given, in order, with real dates and numbers, frozen header, filter."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from firmdesk.services import excel_export
from firmdesk.services.excel_export import CPA_COLUMNS, ExcelTable, cpa_table, display_width, export_excel
from firmdesk.services.models import CpaRow
from firmdesk.services.progress import ExportWriteFailed, TaskCancelled, TaskState

HEADERS = ["证书编号", "姓名", "出生日期", "年检年度", "培训学时", "提交时间", "离退休", "原因"]
EXPORTED_AT = datetime(2026, 2, 9, 8, 30, tzinfo=UTC)


def make_rows(n: int) -> list[list[object]]:
    return [
        [
            f"5001002800{i:02d}",
            ["张三", "李四", "欧阳娜娜"][i % 3],
            date(1960 + i % 30, 1 + i % 12, 1 + i % 28),
            2025,
            40.0 + i / 2,
            datetime(2026, 1, 1, 2, 0, tzinfo=UTC) + timedelta(hours=i) if i % 4 else None,
            i % 5 == 0,
            "材料不全" if i % 7 == 0 else None,
        ]
        for i in range(n)
    ]


def table(rows: list[list[object]], **options: object) -> ExcelTable:
    return ExcelTable(HEADERS, rows, "重庆示例会计师事务所", 2025, exported_at=EXPORTED_AT, **options)  # type: ignore[arg-type]


def local(moment: datetime) -> datetime:
    return moment.astimezone().replace(tzinfo=None)


def test_rows_read_back_in_order_with_real_types(tmp_path: Path) -> None:
    rows = make_rows(30)
    path = export_excel(table(rows), tmp_path / "年检信息.xlsx")
    sheet = openpyxl.load_workbook(path).active
    values = list(sheet.iter_rows(min_row=3, values_only=True))
    assert len(values) == 30
    for got, want in zip(values, rows, strict=True):
        cert, name, birth, year, hours, submitted, retired, reason = got
        assert (cert, name, year, reason) == (want[0], want[1], want[3], want[7])
        assert isinstance(birth, datetime) and birth.date() == want[2]
        assert isinstance(year, int) and isinstance(hours, float) and hours == want[4]
        assert submitted == (local(want[5]) if want[5] else None)  # shown in local time
        assert retired == ("是" if want[6] else "否")
    third = next(iter(sheet.iter_rows(min_row=3, max_row=3)))
    assert third[0].data_type == "s"  # the certificate number stays text (leading digits kept)
    assert third[2].is_date and third[2].number_format == "yyyy-mm-dd"
    assert third[4].data_type == "n" and third[4].number_format == excel_export.DECIMAL_FORMAT


def test_title_headers_frozen_panes_and_filter(tmp_path: Path) -> None:
    path = export_excel(table(make_rows(10), note="状态：全部"), tmp_path / "a.xlsx")
    sheet = openpyxl.load_workbook(path).active
    title = sheet["A1"].value
    assert "重庆示例会计师事务所" in title and "2025" in title and "状态：全部" in title
    assert f"{local(EXPORTED_AT):%Y-%m-%d %H:%M}" in title
    assert [c.value for c in sheet[2]] == HEADERS
    assert sheet.freeze_panes == "A3"
    assert sheet.auto_filter.ref == "A2:H12"
    assert sheet.print_title_rows == "$2:$2"
    assert sheet.page_setup.orientation == "landscape"


def test_column_widths_fit_the_content(tmp_path: Path) -> None:
    rows = make_rows(5)
    rows[0][7] = "退回原因写得很长很长很长很长很长很长"
    path = export_excel(table(rows, widths={"年检年度": 9}), tmp_path / "a.xlsx")
    sheet = openpyxl.load_workbook(path).active
    width = {h: sheet.column_dimensions[openpyxl.utils.get_column_letter(i)].width for i, h in enumerate(HEADERS, 1)}
    assert width["原因"] > display_width("退回原因写得很长很长很长很长很长很长") > width["证书编号"] > 12
    assert width["年检年度"] == 9
    # Padding: never the bare character count (CJK counting two), so Excel does not cut the longest value.
    assert width["原因"] >= display_width("退回原因写得很长很长很长很长很长很长") + 2
    assert width["证书编号"] >= len("500100280001") * 1.1 + 2


def test_text_is_never_a_formula_and_control_characters_stay_visible(tmp_path: Path) -> None:
    rows = make_rows(2)
    rows[0][7] = '=HYPERLINK("http://x","点我")'
    rows[1][1] = "  王\x01五 <&> "
    path = export_excel(table(rows), tmp_path / "a.xlsx")
    sheet = openpyxl.load_workbook(path).active
    assert sheet["H3"].data_type == "s" and sheet["H3"].value == rows[0][7]
    assert sheet["B4"].value == "  王\u2401五 <&> "  # ␁: the control character is shown, not dropped


def test_other_value_types(tmp_path: Path) -> None:
    headers = ["a", "b", "c", "d"]
    moment = datetime(2026, 2, 9, 16, 30, tzinfo=timezone(timedelta(hours=8)))
    data = [[Decimal("12.5"), moment, float("nan"), True]]
    path = export_excel(ExcelTable(headers, data, "所", 2025), tmp_path / "a.xlsx")
    row = next(iter(openpyxl.load_workbook(path).active.iter_rows(min_row=3, values_only=True)))
    assert row == (12.5, local(moment), None, "是")


def test_progress_is_reported_and_the_file_replaced_only_when_complete(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(excel_export, "PROGRESS_EVERY", 10)
    seen: list[tuple[int, int]] = []
    export_excel(table(make_rows(35)), tmp_path / "a.xlsx", TaskState(lambda d, t: seen.append((d, t))))
    assert seen[0] == (0, 35) and seen[-1] == (35, 35)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert (10, 35) in seen


def test_cancel_leaves_no_file_and_keeps_the_old_one(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(excel_export, "PROGRESS_EVERY", 10)
    target = tmp_path / "a.xlsx"
    target.write_bytes(b"older export")
    state = TaskState(lambda done, total: state.cancel() if done >= 10 else None)
    with pytest.raises(TaskCancelled):
        export_excel(table(make_rows(50)), target, state)
    assert target.read_bytes() == b"older export"
    assert [p.name for p in tmp_path.iterdir()] == ["a.xlsx"]


def test_rows_must_match_the_headers(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        export_excel(ExcelTable(["a", "b"], [["only one"]], "所", 2025), tmp_path / "a.xlsx")


def test_cpa_rows_become_a_table_with_the_chosen_columns(tmp_path: Path) -> None:
    row = CpaRow(
        cpa_id=7, cert_no="500100280007", name="张三", gender="男", birth_date=date(1970, 3, 2), year=2025,
        application_id=31, status="approved", status_label="年检通过", retired=True, training_hours=48.0,
        batch_id=4, batch_number="50010028-2025-3", reason=None, submitted_at=None,
        decided_at=datetime(2026, 3, 1, 1, 0, tzinfo=UTC), updated_at=None, attachment_count=3, version=2,
    )  # fmt: skip
    headers = ["姓名", "证书编号", "状态", "离退休", "审批时间", "附件数"]
    path = export_excel(cpa_table([row], headers, "所", 2025), tmp_path / "a.xlsx")
    got = list(openpyxl.load_workbook(path).active.iter_rows(min_row=2, values_only=True))
    assert got[0] == tuple(headers)
    assert got[1] == ("张三", "500100280007", "年检通过", "离退休", local(row.decided_at), 3)
    assert set(headers) <= set(CPA_COLUMNS)


def test_an_empty_table_still_opens(tmp_path: Path) -> None:
    path = export_excel(ExcelTable(HEADERS, [], "所", 2025), tmp_path / "a.xlsx")
    sheet = openpyxl.load_workbook(path).active
    assert sheet.max_row == 2 and sheet.auto_filter.ref == "A2:H2"


def test_a_path_that_cannot_be_written_gives_a_message(tmp_path: Path) -> None:
    (tmp_path / "a.xlsx").mkdir()  # e.g. a folder of that name
    with pytest.raises(ExportWriteFailed) as raised:
        export_excel(table(make_rows(3)), tmp_path / "a.xlsx")
    assert raised.value.message.startswith(f"无法写入文件 {tmp_path / 'a.xlsx'}：已有同名的文件夹，请换一个文件名")
    assert ".part" not in raised.value.message
    assert [p.name for p in tmp_path.iterdir()] == ["a.xlsx"]
