"""The window rule, extensions, 线下人工核验 records and the red-flag refusal, as the domain states them."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from firmdesk.domain.errors import InvalidInput
from firmdesk.domain.identity_check import check_identity_check, trail_note
from firmdesk.domain.readiness import FlaggedApplication, FlagLevel, ReadinessFlag, RedFlagsRefused, check_no_red_flags
from firmdesk.domain.window import (
    LateStep,
    Window,
    WindowClosed,
    check_extension,
    check_window,
    header_text,
    new_batch_refusal,
    window_refusal,
)

DEADLINE = date(2026, 4, 30)


def test_the_deadline_day_is_open_and_the_next_is_closed_naming_the_date() -> None:
    window = Window(2025, DEADLINE)
    assert window_refusal(window, DEADLINE, LateStep.START) is None
    why = window_refusal(window, DEADLINE + timedelta(days=1), LateStep.SUBMIT_BATCH)
    assert why == "2025 年度年检申请已于 2026-04-30 截止，不能提交省注协；如需延期，请联系地方注协"
    with pytest.raises(WindowClosed) as refused:
        check_window(window, DEADLINE + timedelta(days=1), LateStep.START)
    assert refused.value.code == "window_closed" and refused.value.extra["step"] == "start"


def test_an_extension_opens_the_window_until_its_day_inclusive() -> None:
    window = Window(2025, DEADLINE, DEADLINE + timedelta(days=10))
    assert window.is_open(DEADLINE + timedelta(days=10)) and window.extension_applies(DEADLINE + timedelta(days=1))
    assert not window.is_open(DEADLINE + timedelta(days=11))
    assert not window.extension_applies(DEADLINE)


@pytest.mark.parametrize(
    ("today", "extended", "expected"),
    [
        (DEADLINE - timedelta(days=30), None, ("剩余 30 天", "normal")),
        (DEADLINE - timedelta(days=7), None, ("剩余 7 天", "urgent")),
        (DEADLINE, None, ("今天截止", "urgent")),
        (DEADLINE + timedelta(days=3), None, ("已截止 3 天，不能再提交省注协", "over")),
        (DEADLINE + timedelta(days=3), date(2026, 5, 9), ("已截止 3 天，已延期至 2026-05-09", "extended")),
        (DEADLINE + timedelta(days=30), date(2026, 5, 9), ("已截止 30 天，不能再提交省注协", "over")),
    ],
)
def test_the_header_words_the_window(today: date, extended: date | None, expected: tuple[str, str]) -> None:
    assert header_text(Window(2025, DEADLINE, extended), today) == expected


def test_a_late_batch_goes_only_when_every_application_is_covered() -> None:
    late = DEADLINE + timedelta(days=1)
    assert new_batch_refusal(Window(2025, DEADLINE), late, all_covered=True) is None
    assert "不能提交省注协" in (new_batch_refusal(Window(2025, DEADLINE), late, all_covered=False) or "")
    assert new_batch_refusal(Window(2025, DEADLINE), DEADLINE, all_covered=False) is None


@pytest.mark.parametrize(
    ("until", "reason", "words"),
    [
        (DEADLINE, "x", "必须晚于申请截止日期"),
        (DEADLINE + timedelta(days=400), "x", "不能超过"),
        (DEADLINE + timedelta(days=5), " ", "请填写延期原因"),
        (DEADLINE + timedelta(days=5), "长" * 501, "不能超过 500 个字"),
    ],
)
def test_extensions_are_checked(until: date, reason: str, words: str) -> None:
    with pytest.raises(InvalidInput, match=words):
        check_extension(DEADLINE, DEADLINE, until, reason)


def test_an_extension_may_not_end_in_the_past() -> None:
    with pytest.raises(InvalidInput, match="不能早于今天"):
        check_extension(DEADLINE, DEADLINE + timedelta(days=9), DEADLINE + timedelta(days=5), "x")
    assert check_extension(DEADLINE, DEADLINE, DEADLINE + timedelta(days=5), " 出国\u202e ").reason == "出国"


def test_identity_checks_are_checked_and_worded_for_the_trail() -> None:
    today = date(2026, 11, 29)
    check = check_identity_check(today, today, "护照", "  本人到会  ")
    assert trail_note(check, "王敏") == "线下人工核验（王敏，2026-11-29，护照）；本人到会"
    for day, document, note in (
        (today + timedelta(days=1), "护照", None),
        (today - timedelta(days=400), "护照", None),
        (today, "驾驶证", None),
        (today, "护照", "长" * 501),
    ):
        with pytest.raises(InvalidInput):
            check_identity_check(day, today, document, note)


def test_red_flags_refuse_naming_each_cpa_yellow_ones_do_not() -> None:
    red = ReadinessFlag(FlagLevel.RED, "training_hours", "培训学时 20 低于要求的 40 学时")
    yellow = ReadinessFlag(FlagLevel.YELLOW, "age_70", "年满 70 周岁（72 岁），注协将重点审核")
    check_no_red_flags([FlaggedApplication(1, "甲", "500100280001", (yellow,))])
    with pytest.raises(RedFlagsRefused) as refused:
        check_no_red_flags(
            [
                FlaggedApplication(1, "甲", "500100280001", (yellow,)),
                FlaggedApplication(2, "乙", "500100280002", (red, yellow)),
            ]
        )
    assert refused.value.code == "red_flags"
    assert refused.value.message.endswith("乙（500100280002）：培训学时 20 低于要求的 40 学时")
    assert refused.value.extra["applications"] == [
        {
            "application_id": 2,
            "name": "乙",
            "cert_no": "500100280002",
            "flags": [{"level": "red", "code": "training_hours", "message": "培训学时 20 低于要求的 40 学时"}],
        }
    ]
