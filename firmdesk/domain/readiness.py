"""Readiness flags: what the institute is likely to return, checked by the firm before submitting."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from firmdesk.domain.errors import InvalidInput
from firmdesk.domain.limits import RETIREMENT_PROOF_MATERIAL


class FlagLevel(StrEnum):
    RED = "red"  # must fix before submitting
    YELLOW = "yellow"  # may submit; the institute looks closely


@dataclass(frozen=True)
class ReadinessFlag:
    level: FlagLevel
    code: str
    message: str


@dataclass(frozen=True)
class ApplicationFacts:
    """What the readiness check needs to know of one application."""

    year: int
    retired: bool
    birth_date: date | None
    training_hours: float
    uploaded_materials: frozenset[str]
    required_materials: tuple[str, ...]
    min_training_hours: float
    moved_in_year: bool = False


def age_at_year_end(birth_date: date, year: int) -> int:
    return year - birth_date.year


def readiness_flags(facts: ApplicationFacts) -> list[ReadinessFlag]:
    flags: list[ReadinessFlag] = []
    for material in facts.required_materials:
        if material not in facts.uploaded_materials:
            flags.append(ReadinessFlag(FlagLevel.RED, "missing_material", f"缺少必需材料：{material}"))
    if (
        facts.retired
        and RETIREMENT_PROOF_MATERIAL not in facts.uploaded_materials
        and (RETIREMENT_PROOF_MATERIAL not in facts.required_materials)
    ):
        flags.append(ReadinessFlag(FlagLevel.RED, "retired_without_proof", "已申报离退休，但未上传离退休证明"))
    if facts.training_hours < facts.min_training_hours:
        flags.append(
            ReadinessFlag(
                FlagLevel.RED,
                "training_hours",
                f"培训学时 {facts.training_hours:g} 低于要求的 {facts.min_training_hours:g} 学时",
            )
        )
    if facts.birth_date is not None and age_at_year_end(facts.birth_date, facts.year) >= 70:
        flags.append(
            ReadinessFlag(
                FlagLevel.YELLOW,
                "age_70",
                f"年满 70 周岁（{age_at_year_end(facts.birth_date, facts.year)} 岁），注协将重点审核",
            )
        )
    if facts.moved_in_year:
        flags.append(ReadinessFlag(FlagLevel.YELLOW, "moved", "本年度内有转所或跨省转入记录，注协将重点审核"))
    return flags


# --- the server refuses red flags on a batch submit ---


@dataclass(frozen=True)
class FlaggedApplication:
    """One application's flags, named for the message (the CPA's name and certificate number)."""

    application_id: int
    name: str
    cert_no: str
    flags: tuple[ReadinessFlag, ...]

    @property
    def red(self) -> tuple[ReadinessFlag, ...]:
        return tuple(f for f in self.flags if f.level is FlagLevel.RED)

    @property
    def yellow(self) -> tuple[ReadinessFlag, ...]:
        return tuple(f for f in self.flags if f.level is FlagLevel.YELLOW)


class RedFlagsRefused(InvalidInput):
    """A batch carries applications with red flags (HTTP 422, code `red_flags`, `applications` lists why)."""

    code = "red_flags"


def check_no_red_flags(applications: list[FlaggedApplication]) -> None:
    """Refuse the batch, naming each CPA and why, when any application has a red flag."""
    red = [a for a in applications if a.red]
    if not red:
        return
    lines = "；".join(f"{a.name}（{a.cert_no}）：{'，'.join(f.message for f in a.red)}" for a in red)
    raise RedFlagsRefused(
        f"以下 {len(red)} 名注册会计师有红色提示，须先处理才能提交省注协：{lines}",
        applications=[
            {
                "application_id": a.application_id,
                "name": a.name,
                "cert_no": a.cert_no,
                "flags": [{"level": f.level.value, "code": f.code, "message": f.message} for f in a.red],
            }
            for a in red
        ],
    )
