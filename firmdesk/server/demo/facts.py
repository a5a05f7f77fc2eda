"""The demo world's fixed facts: who exists and their passwords, the inspected year and its window,
the institute's notices and materials, and the reasons the demo's returns and decisions give.

Dates rule: the inspected year is fixed at 2025 (so batch numbers in docs/api.md stay valid), and the
window is the spec's 2026-01-05 .. 2026-04-30 stretched to cover at least the last 60 days and the
next 90 days: the deadline is always in the future and this year's activity (spread over the last
weeks, never later than now) always falls inside the window. Times are stored as naive UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from firmdesk.domain.limits import (
    DEFAULT_MIN_TRAINING_HOURS,
    FACE_SESSIONS_PER_DAY,
    RETIREMENT_PROOF_MATERIAL,
    SOCIAL_SECURITY_MATERIAL,
)

DEMO_INSTITUTE_CODE = "50"
DEMO_INSTITUTE_NAME = "重庆市注册会计师协会"
DEMO_FIRM_NUMBER = "50010028"
DEMO_FIRM_NAME = "重庆正宏会计师事务所有限责任公司"
SECOND_FIRM_NUMBER = "50010031"
SECOND_FIRM_NAME = "重庆明信会计师事务所（普通合伙）"
#: The second institute (四川), with a firm of its own: what institute 50 must never see.
SICHUAN_INSTITUTE_CODE = "51"
SICHUAN_INSTITUTE_NAME = "四川省注册会计师协会"
SICHUAN_FIRM_NUMBER = "51010001"
SICHUAN_FIRM_NAME = "四川蜀信会计师事务所（特殊普通合伙）"
INSTITUTE_PASSWORD = "demo-institute"
FIRM_PASSWORD = "demo1234"
CPA_PASSWORD = "cpa12345"
CURRENT_YEAR = 2025
PAST_YEARS = (2023, 2024)
SPEC_WINDOW_START = date(2026, 1, 5)
SPEC_DEADLINE = date(2026, 4, 30)
CONTINUING_EDUCATION_MATERIAL = "继续教育证明"
MATERIALS_WORKING = [CONTINUING_EDUCATION_MATERIAL, "执业情况说明"]
MATERIALS_RETIRED = [RETIREMENT_PROOF_MATERIAL, CONTINUING_EDUCATION_MATERIAL]

NOTICE_START = (
    "各位注册会计师：\n"
    f"1. {CURRENT_YEAR}年度注册会计师任职资格检查（年检）申请截止时间以系统公告为准，请在截止日前完成申请。\n"
    "2. 请核对个人信息，如需修改请到“注册会计师行业统一监管平台（https://acc.mof.gov.cn/）”修改，"
    "修改完成后等待系统自动同步。\n"
    f"3. 在职注册会计师请上传{'和'.join(MATERIALS_WORKING)}；离退休注册会计师请上传{'和'.join(MATERIALS_RETIRED)}。\n"
    f"4. 本年度培训学时不得少于{DEFAULT_MIN_TRAINING_HOURS}学时。\n"
    f"5. 确认申请后需进行人脸认证，每天最多可进行{FACE_SESSIONS_PER_DAY}次。如有疑问请联系{DEMO_INSTITUTE_NAME}。"
)
NOTICE_SUCCESS = (
    f"您的年检申请已提交事务所审核。事务所审核通过后将统一提交{DEMO_INSTITUTE_NAME}，"
    "请留意审核进度；如被退回，请根据退回原因修改后再次申请（无需再次人脸认证）。"
)

FIRM_RETURN_REASONS = (
    "继续教育证明不清晰，请重新上传盖章扫描件",
    "执业情况说明缺少本人签字，请补充后再次申请",
    "培训学时与继续教育证明不一致，请核对",
    "上传的继续教育证明为2024年度，请上传2025年度证明",
    "离退休证明缺少单位公章",
)
INSTITUTE_RETURN_REASONS = (
    f"本年度培训学时不足{DEFAULT_MIN_TRAINING_HOURS}学时，请补足学时后再次申请",
    "执业情况说明未写明本年度签字项目，请补充",
    "年满70周岁，请补充近期体检证明并说明执业情况",
    "本年度内转所，请补充原事务所出具的离所证明",
)
BATCH_RETURN_REASONS = (
    f"{SOCIAL_SECURITY_MATERIAL}不完整：缺少2025年10月至12月的缴费记录，请补充后再次申请",
    f"{SOCIAL_SECURITY_MATERIAL}未加盖社保经办机构公章，请重新上传",
)
DEFER_REASONS = (
    "被立案调查尚未结案，暂缓年检",
    "本年度培训学时不足且未说明原因，暂缓年检",
)
FAIL_REASONS = (
    "本年度未在事务所实际执业，且未按要求说明情况",
    "连续两年培训学时不足，年检不予通过",
)


@dataclass(frozen=True)
class DemoWindow:
    """The institute's current year and window, as the dates rule in the module docstring gives them."""

    current_year: int
    window_start: date
    deadline: date
    #: This year's activity happens between these two times.
    activity_start: datetime
    activity_end: datetime


def demo_window(now: datetime) -> DemoWindow:
    today = now.date()
    window_start = min(SPEC_WINDOW_START, today - timedelta(days=60))
    deadline = max(SPEC_DEADLINE, today + timedelta(days=90))
    # The window starts 60 days back at the latest, so 45 days of activity always fit in it.
    return DemoWindow(CURRENT_YEAR, window_start, deadline, now - timedelta(days=45), now - timedelta(minutes=30))
