"""Records from the server's JSON: dates as dates, times as aware datetimes, immutable."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime

import pytest

from firmdesk.domain import readiness
from firmdesk.services.models import BatchDetail, CpaRow, FirmInfo, LoginResult, Page, ReadinessFlag

ROW = {
    "cpa_id": 7, "cert_no": "500100280007", "name": "张三", "gender": "男", "birth_date": "1970-03-02",
    "year": 2025, "application_id": 31, "status": "pending_firm", "status_label": "待事务所审核",
    "retired": False, "training_hours": 48, "batch_id": None, "batch_number": None, "reason": None,
    "submitted_at": "2026-02-09T08:30:00Z", "decided_at": None, "updated_at": "2026-02-09T08:30:00.123456+00:00",
    "attachment_count": 3, "version": 2,
}  # fmt: skip


def test_a_cpa_row_has_dates_and_aware_times() -> None:
    row = CpaRow.from_json(ROW)
    assert row.birth_date == date(1970, 3, 2)
    assert row.submitted_at == datetime(2026, 2, 9, 8, 30, tzinfo=UTC)
    assert row.updated_at is not None and row.updated_at.tzinfo is not None
    assert row.training_hours == 48.0 and row.decided_at is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        row.status = "submitted"  # type: ignore[misc]


def test_a_page_holds_typed_items() -> None:
    page = Page.from_json({"items": [ROW, ROW], "total": 60, "page": 1, "page_size": 2}, CpaRow.from_json)
    assert page.total == 60 and len(page.items) == 2 and isinstance(page.items[0], CpaRow)


def test_a_readiness_flag_is_the_domains_flag() -> None:
    flag = ReadinessFlag.from_json(
        {"level": "red", "code": "training_hours", "message": "培训学时 30 低于要求的 40 学时"}
    )
    assert isinstance(flag, readiness.ReadinessFlag) and flag.level is readiness.FlagLevel.RED


def test_an_answer_without_attachments_gives_an_empty_batch_detail() -> None:
    batch = {"id": 4, "number": "50010028-2025-3", "year": 2025, "state": "submitted", "version": 1}
    detail = BatchDetail.from_json({"batch": batch, "applications": [ROW]})
    assert detail.attachments == () and detail.events == () and detail.applications[0].name == "张三"


def test_firm_info_and_login_result() -> None:
    firm = FirmInfo.from_json(
        {"number": "50010028", "name": "重庆某会计师事务所", "institute_code": "50", "institute_name": "重庆市注协",
         "current_year": 2025, "window_start": "2026-01-01", "deadline": "2026-04-30", "years": [2025, 2023, 2024]}
    )  # fmt: skip
    assert firm.deadline == date(2026, 4, 30) and firm.years == (2023, 2024, 2025)
    login = LoginResult.from_json(
        {
            "token": "secret-token",
            "expires_at": "2026-02-09T20:30:00Z",
            "role": "firm",
            "member_no": "50010028",
            "name": "x",
        }
    )
    assert "secret-token" not in repr(login)


def test_a_row_offers_what_the_server_said_and_why_not() -> None:
    refused = "只有待事务所审核的年检申请可以退回（当前状态：已提交省注协）"
    row = CpaRow.from_json({**ROW, "status": "submitted", "actions": {"return": refused, "submit": None}})
    assert row.refusal("return") == refused and row.refusal("submit") is None  # the server's word, as sent
    batch = BatchDetail.from_json(
        {"batch": {"id": 4, "number": "N", "year": 2025, "state": "reviewing", "version": 2,
                   "actions": {"withdraw": "省注协已开始审核，不能撤回（当前状态：审核中）", "resubmit": None}},
         "applications": []}
    ).batch  # fmt: skip
    assert batch.refusal("withdraw") == "省注协已开始审核，不能撤回（当前状态：审核中）"


def test_a_row_cached_before_actions_existed_takes_the_domains_rule() -> None:
    pending = CpaRow.from_json(ROW)  # no "actions": cached by an older version
    assert pending.refusal("return") is None and pending.refusal("submit") is None
    submitted = CpaRow.from_json({**ROW, "status": "submitted"})
    assert "只有待事务所审核的年检申请可以退回" in (submitted.refusal("return") or "")
    batch = BatchDetail.from_json(
        {"batch": {"id": 4, "number": "N", "year": 2025, "state": "returned", "version": 2}, "applications": []}
    ).batch
    assert batch.refusal("resubmit") is None and "不能撤回" in (batch.refusal("withdraw") or "")
    unknown = CpaRow.from_json({**ROW, "status": "from_a_newer_server"})
    assert unknown.refusal("return") is not None  # nothing is offered for a state this client does not know
