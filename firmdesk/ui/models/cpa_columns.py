"""The columns of the CPA tabs (注师待审核, 注师待申请, 年检信息查询) and their table model."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from firmdesk.domain.on_behalf import filing_label
from firmdesk.domain.states import NOT_APPLIED, ApplicationState
from firmdesk.services.models import CpaRow
from firmdesk.ui.formatting import date_text, datetime_text, hours_text, iso_sort, retired_text
from firmdesk.ui.models.record_table import CENTER, LEFT, RIGHT, Column, RecordTableModel
from firmdesk.ui.palette import STATUS_COLOURS

#: 未申请 (no application: "none"), then the application's states in the order of the workflow.
STATUS_ORDER = {status: i for i, status in enumerate([NOT_APPLIED, *(s.value for s in ApplicationState)])}

NUMBER = Column[CpaRow]("row_number", "序号", row_number=True, align=CENTER, width=56)
CERT_NO = Column[CpaRow]("cert_no", "证书编号", lambda r: r.cert_no, width=130)
NAME = Column[CpaRow]("name", "姓名", lambda r: r.name, width=90)
GENDER = Column[CpaRow]("gender", "性别", lambda r: r.gender or "", raw=lambda r: r.gender, align=CENTER, width=56)
BIRTH = Column[CpaRow](
    "birth_date", "出生日期", lambda r: date_text(r.birth_date), raw=lambda r: r.birth_date, align=CENTER, width=100
)
RETIRED = Column[CpaRow]("retired", "在职状态", lambda r: retired_text(r.retired), align=CENTER, width=80)
HOURS = Column[CpaRow](
    "training_hours",
    "培训学时",
    lambda r: hours_text(r.training_hours),
    sort=lambda r: r.training_hours or 0.0,
    raw=lambda r: r.training_hours,
    align=RIGHT,
    width=92,  # room for the sort arrow
)
ATTACHMENTS = Column[CpaRow](
    "attachment_count",
    "附件",
    lambda r: str(r.attachment_count or 0),
    sort=lambda r: r.attachment_count or 0,
    raw=lambda r: r.attachment_count or 0,
    align=CENTER,
    width=56,
)
STATUS = Column[CpaRow](
    "status",
    "审批状态",
    lambda r: r.status_label,
    sort=lambda r: STATUS_ORDER.get(r.status, len(STATUS_ORDER)),  # the workflow's order, not the labels'
    colour=lambda r: STATUS_COLOURS.get(r.status),
    align=CENTER,
    width=110,
)
SUBMITTED_AT = Column[CpaRow](
    "submitted_at",
    "提交时间",
    lambda r: datetime_text(r.submitted_at),
    sort=lambda r: iso_sort(r.submitted_at),
    raw=lambda r: r.submitted_at,
    align=CENTER,
    width=130,
)
UPDATED_AT = Column[CpaRow](
    "updated_at",
    "更新时间",
    lambda r: datetime_text(r.updated_at),
    sort=lambda r: iso_sort(r.updated_at),
    raw=lambda r: r.updated_at,
    align=CENTER,
    width=130,
)
DECIDED_AT = Column[CpaRow](
    "decided_at",
    "审批时间",
    lambda r: datetime_text(r.decided_at),
    sort=lambda r: iso_sort(r.decided_at),
    raw=lambda r: r.decided_at,
    align=CENTER,
    width=130,
)
LAST_REMINDED = Column[CpaRow](
    "last_reminded_at",
    "最近提醒",
    lambda r: reminded_text(r),
    sort=lambda r: iso_sort(r.last_reminded_at),
    raw=lambda r: r.last_reminded_at,
    tooltip=lambda r: f"本年度已提醒 {r.reminder_count} 次" if r.reminder_count else "本年度尚未提醒",
    align=CENTER,
    width=150,
)
BATCH = Column[CpaRow](
    "batch_number", "年检批次编号", lambda r: r.batch_number or "", raw=lambda r: r.batch_number, width=140
)
REASON = Column[CpaRow]("reason", "退回/审批原因", lambda r: r.reason or "", raw=lambda r: r.reason, width=220)

#: 年检代提请: the firm filed it for the CPA (no face verification; the institute may check in person).
ON_BEHALF = Column[CpaRow](
    "on_behalf",
    "提请方式",
    lambda r: filing_label(r.on_behalf, r.application_id is not None) or "",
    raw=lambda r: filing_label(r.on_behalf, r.application_id is not None),
    align=CENTER,
    width=80,
)
#: Who changed the application last (the person of the firm, the CPA, the institute's staff).
UPDATED_BY = Column[CpaRow](
    "updated_by", "最后操作人", lambda r: r.updated_by or "", raw=lambda r: r.updated_by, width=90
)

# The last column of each list stretches to the table's edge: left-aligned, it reads naturally there.
SUBMITTED_AT_LAST = replace(SUBMITTED_AT, align=LEFT)
PENDING_REVIEW_COLUMNS = [
    NUMBER,
    CERT_NO,
    NAME,
    GENDER,
    BIRTH,
    RETIRED,
    HOURS,
    ATTACHMENTS,
    STATUS,
    ON_BEHALF,
    SUBMITTED_AT_LAST,
]
#: 审批状态 as a link: a click opens the 审批流程 (manual 3.1.6).
STATUS_LINK = replace(STATUS, link=True, tooltip=lambda r: f"{r.status_label}：点击查看审批流程")
NOT_APPLIED_COLUMNS = [NUMBER, CERT_NO, NAME, GENDER, BIRTH, RETIRED, STATUS_LINK, UPDATED_AT, LAST_REMINDED, REASON]
QUERY_COLUMNS = [
    NUMBER,
    CERT_NO,
    NAME,
    GENDER,
    RETIRED,
    HOURS,
    STATUS_LINK,
    ON_BEHALF,
    BATCH,
    UPDATED_BY,
    DECIDED_AT,
    REASON,
]


def reminded_text(row: CpaRow) -> str:
    """最近提醒: the time of the last reminder, and how many when more than one (empty: never)."""
    if row.last_reminded_at is None:
        return ""
    text = datetime_text(row.last_reminded_at)
    return f"{text}（{row.reminder_count} 次）" if row.reminder_count > 1 else text


def cpa_model(
    columns: list[Column[CpaRow]], *, checkable: bool = False, parent: Any = None
) -> RecordTableModel[CpaRow]:
    return RecordTableModel[CpaRow](
        columns,
        key=lambda r: r.cpa_id,
        search_text=lambda r: f"{r.name}\n{r.cert_no}",
        status=lambda r: r.status,
        checkable=checkable,
        parent=parent,
    )
