"""Readiness flags: what the firm sees before submitting, red (must fix) or yellow (the institute looks closely)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from firmdesk.domain.limits import RETIREMENT_PROOF_MATERIAL
from firmdesk.domain.readiness import ApplicationFacts, FlagLevel, ReadinessFlag, age_at_year_end, readiness_flags

WORKING = ("继续教育证明", "执业情况说明")

READY = ApplicationFacts(
    year=2025,
    retired=False,
    birth_date=date(1980, 5, 1),
    training_hours=48,
    uploaded_materials=frozenset(WORKING),
    required_materials=WORKING,
    min_training_hours=40,
)


def test_a_complete_application_has_no_flags() -> None:
    assert readiness_flags(READY) == []


def test_each_missing_required_material_is_red_and_named_in_the_order_required() -> None:
    flags = readiness_flags(replace(READY, uploaded_materials=frozenset()))
    assert flags == [
        ReadinessFlag(FlagLevel.RED, "missing_material", "缺少必需材料：继续教育证明"),
        ReadinessFlag(FlagLevel.RED, "missing_material", "缺少必需材料：执业情况说明"),
    ]


def test_an_extra_material_is_no_substitute_for_a_required_one() -> None:
    facts = replace(READY, uploaded_materials=frozenset({"继续教育证明", "其他材料"}))
    assert readiness_flags(facts) == [ReadinessFlag(FlagLevel.RED, "missing_material", "缺少必需材料：执业情况说明")]


def test_retired_without_the_proof_is_red() -> None:
    assert readiness_flags(replace(READY, retired=True)) == [
        ReadinessFlag(FlagLevel.RED, "retired_without_proof", "已申报离退休，但未上传离退休证明")
    ]


def test_retired_with_the_proof_uploaded_is_ready() -> None:
    facts = replace(READY, retired=True, uploaded_materials=frozenset({*WORKING, RETIREMENT_PROOF_MATERIAL}))
    assert readiness_flags(facts) == []


def test_a_required_retirement_proof_that_is_missing_is_flagged_once() -> None:
    facts = replace(READY, retired=True, required_materials=(RETIREMENT_PROOF_MATERIAL,))
    assert [f.code for f in readiness_flags(facts)] == ["missing_material"]


@pytest.mark.parametrize(("hours", "flagged"), [(40, False), (40.5, False), (39.5, True), (0, True)])
def test_training_hours_below_the_minimum_are_red_and_the_minimum_itself_is_enough(hours: float, flagged: bool) -> None:
    flags = readiness_flags(replace(READY, training_hours=hours))
    expected = ReadinessFlag(FlagLevel.RED, "training_hours", f"培训学时 {hours:g} 低于要求的 40 学时")
    assert flags == ([expected] if flagged else [])


def test_training_hours_are_written_without_trailing_zeros() -> None:
    (flag,) = readiness_flags(replace(READY, training_hours=39.5, min_training_hours=40.0))
    assert flag.message == "培训学时 39.5 低于要求的 40 学时"


@pytest.mark.parametrize(
    ("birth_date", "age"),
    [(date(1955, 12, 31), 70), (date(1955, 1, 1), 70), (date(1950, 6, 1), 75)],
)
def test_a_cpa_aged_70_or_more_at_the_end_of_the_year_is_yellow(birth_date: date, age: int) -> None:
    assert readiness_flags(replace(READY, birth_date=birth_date)) == [
        ReadinessFlag(FlagLevel.YELLOW, "age_70", f"年满 70 周岁（{age} 岁），注协将重点审核")
    ]


def test_a_cpa_who_turns_70_only_next_year_is_not_flagged() -> None:
    assert age_at_year_end(date(1956, 1, 1), 2025) == 69
    assert readiness_flags(replace(READY, birth_date=date(1956, 1, 1))) == []


def test_an_unknown_birth_date_raises_no_age_flag() -> None:
    assert readiness_flags(replace(READY, birth_date=None)) == []


def test_a_move_in_the_year_is_yellow() -> None:
    assert readiness_flags(replace(READY, moved_in_year=True)) == [
        ReadinessFlag(FlagLevel.YELLOW, "moved", "本年度内有转所或跨省转入记录，注协将重点审核")
    ]


def test_all_problems_at_once_come_red_first_then_yellow() -> None:
    facts = replace(
        READY,
        retired=True,
        birth_date=date(1950, 1, 1),
        training_hours=10,
        uploaded_materials=frozenset({"继续教育证明"}),
        moved_in_year=True,
    )
    flags = readiness_flags(facts)
    assert [(f.level, f.code) for f in flags] == [
        (FlagLevel.RED, "missing_material"),
        (FlagLevel.RED, "retired_without_proof"),
        (FlagLevel.RED, "training_hours"),
        (FlagLevel.YELLOW, "age_70"),
        (FlagLevel.YELLOW, "moved"),
    ]
