"""The reminder rules: who may be reminded, once a day, the placeholders, the automatic day-marks."""

from __future__ import annotations

from datetime import date

import pytest

from firmdesk.domain import reminders as rules
from firmdesk.domain.errors import InvalidInput
from firmdesk.domain.states import NOT_APPLIED, ApplicationState

DEADLINE = date(2026, 4, 30)


@pytest.mark.parametrize(
    "status, in_scope",
    [
        (NOT_APPLIED, True),
        (ApplicationState.DRAFT.value, True),
        (ApplicationState.FIRM_RETURNED.value, True),
        (ApplicationState.INSTITUTE_RETURNED.value, True),
        (ApplicationState.PENDING_FIRM.value, False),
        (ApplicationState.SUBMITTED.value, False),
        (ApplicationState.APPROVED.value, False),
    ],
)
def test_the_cpas_of_not_applied_may_be_reminded(status: str, in_scope: bool) -> None:
    assert rules.in_scope(status) is in_scope
    assert (rules.refusal(status, reminded_today=False) is None) is in_scope


def test_once_a_day() -> None:
    assert rules.refusal(NOT_APPLIED, reminded_today=True) == "今天已提醒过"


@pytest.mark.parametrize(
    "today, mark",
    [
        (date(2026, 3, 30), None),  # 31 days left
        (date(2026, 3, 31), 30),
        (date(2026, 4, 10), 30),  # 20 left: the 30-day mark, caught up if missed
        (date(2026, 4, 16), 14),
        (date(2026, 4, 23), 7),
        (date(2026, 4, 27), 3),
        (date(2026, 4, 30), 3),  # the deadline day itself
        (date(2026, 5, 1), None),  # after the deadline
    ],
)
def test_automatic_day_marks(today: date, mark: int | None) -> None:
    assert rules.auto_day_mark(DEADLINE, today) == mark


def test_after_the_deadline_nothing_is_sent() -> None:
    assert rules.after_deadline(DEADLINE, date(2026, 4, 30)) is None
    assert rules.after_deadline(DEADLINE, date(2026, 5, 1)) == "年检申请已截止（2026-04-30），不再发送提醒"


def test_placeholders_are_filled_in_one_pass() -> None:
    values = rules.ReminderValues("{事务所}", 2025, DEADLINE, 14, "重庆山城会计师事务所")
    text = rules.render("{姓名}：{年度}年度，{截止日期}截止，还剩{剩余天数}天。{事务所}", values)
    assert text == "{事务所}：2025年度，2026年4月30日截止，还剩14天。重庆山城会计师事务所"


@pytest.mark.parametrize(
    "template, said",
    [("   ", "不能为空"), ("请于{截至日期}前申请", "{截至日期}"), ("x" * 2001, "不能超过"), ("{姓名", "{姓名")],
)
def test_a_bad_template_is_refused_with_the_reason(template: str, said: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        rules.check_template(template)
    assert said in refused.value.message


def test_the_default_template_uses_only_known_placeholders() -> None:
    assert rules.check_template(rules.DEFAULT_TEMPLATE) == rules.DEFAULT_TEMPLATE
