"""The columns of the batch tabs (已提交省注协, 已退回) and their table model."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from firmdesk.services.models import BatchRow
from firmdesk.ui.formatting import datetime_text, iso_sort
from firmdesk.ui.models.record_table import CENTER, LEFT, Column, RecordTableModel
from firmdesk.ui.palette import BATCH_COLOURS

NUMBER = Column[BatchRow]("row_number", "序号", row_number=True, align=CENTER, width=56)
BATCH_NUMBER = Column[BatchRow]("number", "年检批次编号", lambda b: b.number, width=160)
FIRM_NAME = Column[BatchRow]("firm_name", "事务所名称", lambda b: b.firm_name, width=260)
YEAR = Column[BatchRow](
    "year", "年检年度", lambda b: str(b.year), sort=lambda b: b.year, raw=lambda b: b.year, align=CENTER, width=80
)
SUBMITTED_AT = Column[BatchRow](
    "submitted_at",
    "申请时间",
    lambda b: datetime_text(b.submitted_at),
    sort=lambda b: iso_sort(b.submitted_at),
    raw=lambda b: b.submitted_at,
    align=CENTER,
    width=140,
)
STATE = Column[BatchRow](
    "state", "处理状态", lambda b: b.state_label, colour=lambda b: BATCH_COLOURS.get(b.state), align=CENTER, width=90
)
CPA_COUNT = Column[BatchRow](
    "cpa_count",
    "人数",
    lambda b: str(b.cpa_count),
    sort=lambda b: b.cpa_count,
    raw=lambda b: b.cpa_count,
    align=CENTER,
    width=56,
)
RETURN_REASON = Column[BatchRow](
    "return_reason", "退回原因", lambda b: b.return_reason or "", raw=lambda b: b.return_reason, width=260
)

# The manual's columns (3.1.4); the last one stretches to the table's edge, so it is left-aligned.
SUBMITTED_COLUMNS = [NUMBER, BATCH_NUMBER, FIRM_NAME, YEAR, SUBMITTED_AT, replace(STATE, align=LEFT)]
RETURNED_COLUMNS = [NUMBER, BATCH_NUMBER, FIRM_NAME, YEAR, SUBMITTED_AT, STATE, RETURN_REASON]


def batch_model(columns: list[Column[BatchRow]], parent: Any = None) -> RecordTableModel[BatchRow]:
    return RecordTableModel[BatchRow](
        columns,
        key=lambda b: b.id,
        search_text=lambda b: f"{b.number}\n{b.firm_name}",
        status=lambda b: b.state,
        parent=parent,
    )
