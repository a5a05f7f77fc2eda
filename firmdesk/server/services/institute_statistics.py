"""统计: the institute's CPAs per firm and for the province, by where their application stands, and the
same table as an Excel workbook (openpyxl, on the server)."""

from __future__ import annotations

import io
from collections import defaultdict

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from firmdesk.domain.states import ApplicationState
from firmdesk.server.db.models import Application, Cpa, Firm, Institute
from firmdesk.server.services.clock import china_today, utcnow
from firmdesk.server.services.institute_schemas import FirmStatistics, InstituteStatistics, StatCounts

A = ApplicationState
#: Which count each application state adds to (a CPA without an application counts as not applied).
_BUCKET = {
    None: "not_applied",
    A.DRAFT.value: "not_applied",
    A.PENDING_FIRM.value: "pending_firm",
    A.FIRM_RETURNED.value: "returned",
    A.INSTITUTE_RETURNED.value: "returned",
    A.SUBMITTED.value: "submitted",
    A.APPROVED.value: "approved",
    A.DEFERRED.value: "deferred",
    A.FAILED.value: "failed",
}
_FIELDS = ("not_applied", "pending_firm", "returned", "submitted", "approved", "deferred", "failed")
#: The columns of the table, with their Chinese headers.
COLUMNS = (
    ("cpas", "注册会计师人数"),
    ("applied", "已申请"),
    ("pending_firm", "待事务所审核"),
    ("returned", "退回待修改"),
    ("submitted", "已提交省注协"),
    ("approved", "年检通过"),
    ("deferred", "暂缓年检"),
    ("failed", "年检不予通过"),
    ("not_applied", "未申请"),
)


def _counts(tally: dict[str, int]) -> dict[str, int]:
    values = {f: tally.get(f, 0) for f in _FIELDS}
    cpas = sum(values.values())
    return {**values, "cpas": cpas, "applied": cpas - values["not_applied"]}


def statistics(session: Session, institute: Institute, year: int | None = None) -> InstituteStatistics:
    """Per firm (every firm of the institute, in firm-number order) and for the province, in one query."""
    year = year or institute.current_year
    firms = list(session.scalars(select(Firm).where(Firm.institute_id == institute.id).order_by(Firm.number)))
    tallies: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    statement = (
        select(Cpa.firm_id, Application.state, func.count(Cpa.id))
        .select_from(Cpa)
        .join(Firm, Firm.id == Cpa.firm_id)
        .outerjoin(Application, and_(Application.cpa_id == Cpa.id, Application.year == year))
        .where(Firm.institute_id == institute.id)
        .group_by(Cpa.firm_id, Application.state)
    )
    province: dict[str, int] = defaultdict(int)
    for firm_id, state, count in session.execute(statement):
        tallies[firm_id][_BUCKET[state]] += count
        province[_BUCKET[state]] += count
    current = year == institute.current_year
    return InstituteStatistics(
        year=year,
        window_start=institute.window_start if current else None,
        deadline=institute.deadline if current else None,
        days_left=(institute.deadline - china_today()).days if current else None,
        province=StatCounts(**_counts(province)),
        firms=[FirmStatistics(firm_number=f.number, firm_name=f.name, **_counts(tallies[f.id])) for f in firms],
    )


def statistics_workbook(institute: Institute, stats: InstituteStatistics) -> bytes:
    """The table as .xlsx: a title row, the headers, one row per firm, the province's total last."""
    # openpyxl only when a workbook is asked for: it is ~0.1 s of every server start otherwise.
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = f"{stats.year}年度年检统计"
    generated = utcnow().strftime("%Y-%m-%d %H:%M")
    sheet.append([f"{institute.name} {stats.year} 年度年检统计（生成于 {generated} UTC）"])
    sheet.append(["事务所编号", "事务所名称", *(label for _, label in COLUMNS)])
    for firm in stats.firms:
        sheet.append([firm.firm_number, firm.firm_name, *(getattr(firm, key) for key, _ in COLUMNS)])
    sheet.append(["全省合计", "", *(getattr(stats.province, key) for key, _ in COLUMNS)])
    bold = Font(bold=True)
    for cell in (*sheet[1], *sheet[2], *sheet[sheet.max_row]):
        cell.font = bold
    sheet.freeze_panes = "C3"
    widths = [12, 36, *(max(10, len(label) * 2 + 2) for _, label in COLUMNS)]
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
