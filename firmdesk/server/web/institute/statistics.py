"""统计 (`/institute/statistics`): the CPAs per firm and for the province by where their application stands, a
bar chart of the progress against the deadline (plain SVG, drawn on the server), and the Excel export
(`institute_statistics.statistics_workbook`, as `GET /api/v1/institute/statistics.xlsx`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated
from urllib.parse import quote

from fastapi import Query, Request
from fastapi.responses import HTMLResponse, Response

from firmdesk.server.api.deps import SessionDep
from firmdesk.server.services import institute_statistics
from firmdesk.server.services.clock import china_today
from firmdesk.server.services.institute_schemas import InstituteStatistics, StatCounts
from firmdesk.server.web.institute.common import institute_of, workbench_page, workbench_router
from firmdesk.server.web.session import WebInstitute

router = workbench_router()

Year = Annotated[int | None, Query(ge=2000, le=2100)]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: The bar's segments, left to right (decided first, then on the way, then not yet applied), with their labels.
SEGMENTS = (
    ("approved", "年检通过"),
    ("deferred", "暂缓年检"),
    ("failed", "年检不予通过"),
    ("submitted", "已提交省注协"),
    ("pending_firm", "待事务所审核"),
    ("returned", "退回待修改"),
    ("not_applied", "未申请"),
)
#: Chart geometry (SVG user units).
LABEL_WIDTH, BAR_WIDTH, ROW_HEIGHT, BAR_HEIGHT, TOP = 260, 760, 40, 24, 30


@dataclass(frozen=True)
class Segment:
    kind: str
    label: str
    count: int
    x: float
    width: float


@dataclass(frozen=True)
class Bar:
    label: str
    total: int
    y: float
    segments: list[Segment]


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    height: float
    #: Where the share of the window already passed falls on the bars (None: no window this year).
    time_x: float | None
    time_share: float | None


def _bar(label: str, counts: StatCounts, y: float) -> Bar:
    x = float(LABEL_WIDTH)
    segments = []
    for kind, text in SEGMENTS:
        count = getattr(counts, kind)
        width = BAR_WIDTH * count / counts.cpas if counts.cpas else 0.0
        segments.append(Segment(kind, text, count, x, width))
        x += width
    return Bar(label, counts.cpas, y, segments)


def time_share(start: date | None, deadline: date | None, today: date) -> float | None:
    """How much of the window (start … deadline) has passed today, 0 to 1."""
    if start is None or deadline is None:
        return None
    days = (deadline - start).days + 1
    return min(1.0, max(0.0, ((today - start).days + 1) / days)) if days > 0 else 1.0


def chart(stats: InstituteStatistics, today: date) -> Chart:
    rows = [("全省合计", stats.province), *((f"{f.firm_name}", f) for f in stats.firms)]
    bars = [_bar(label, counts, TOP + i * ROW_HEIGHT) for i, (label, counts) in enumerate(rows)]
    share = time_share(stats.window_start, stats.deadline, today)
    time_x = LABEL_WIDTH + BAR_WIDTH * share if share is not None else None
    return Chart(bars, TOP + len(bars) * ROW_HEIGHT + 10, time_x, share)


@router.get("/statistics", response_class=HTMLResponse)
def statistics_page(request: Request, session: SessionDep, user: WebInstitute, year: Year = None) -> HTMLResponse:
    stats = institute_statistics.statistics(session, institute_of(user), year)
    return workbench_page(
        request,
        user,
        "institute/statistics.html",
        active="statistics",
        title="统计",
        stats=stats,
        columns=institute_statistics.COLUMNS,
        chart=chart(stats, china_today()),
        segments=SEGMENTS,
        geometry={"label": LABEL_WIDTH, "bar": BAR_WIDTH, "height": BAR_HEIGHT},
    )


@router.get("/statistics.xlsx")
def statistics_excel(session: SessionDep, user: WebInstitute, year: Year = None) -> Response:
    institute = institute_of(user)
    stats = institute_statistics.statistics(session, institute, year)
    data = institute_statistics.statistics_workbook(institute, stats)
    name = quote(f"{institute.name}{stats.year}年度年检统计.xlsx")
    disposition = f"attachment; filename=\"{institute.code}-{stats.year}-statistics.xlsx\"; filename*=UTF-8''{name}"
    return Response(data, media_type=XLSX, headers={"Content-Disposition": disposition})
