"""Reminders to CPAs who have not applied (提醒): who may be reminded, how often, the text and its placeholders,
and the day-marks of the automatic reminders. Server and client both judge by these rules."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from firmdesk.domain.errors import InvalidInput
from firmdesk.domain.states import FirmTab, status_label
from firmdesk.domain.tabs import cpa_in_tab

#: The placeholders a template may use, each with what it stands for.
PLACEHOLDERS: dict[str, str] = {
    "{姓名}": "注册会计师姓名",
    "{年度}": "年检年度",
    "{截止日期}": "年检申请截止日期",
    "{剩余天数}": "距截止日期的天数（中国日期）",
    "{事务所}": "事务所名称",
}
DEFAULT_TEMPLATE = (
    "{姓名}您好：\n"
    "{年度}年度注册会计师年检申请将于{截止日期}截止，距截止还有{剩余天数}天。"
    "系统显示您尚未完成年检申请，请尽快登录 CMIS 系统，在“年检申请”中提交申请。\n"
    "如已申请，请忽略本提醒。\n"
    "{事务所}"
)
TEMPLATE_MAX_CHARS = 2000
#: Days before the deadline at which the automatic reminders go out (when the firm switched them on).
AUTO_DAY_MARKS = (30, 14, 7, 3)

ALREADY_TODAY = "今天已提醒过"
NO_EMAIL = "未登记邮箱，仅发送站内消息"
NOT_FOUND = "未找到该注册会计师"
AFTER_DEADLINE = "年检申请已截止（{deadline}），不再发送提醒"
OFFLINE_REFUSAL = "离线时不能发送提醒：提醒需要服务器立即发送站内消息和邮件，请恢复连接后再试"


def reminder_title(year: int) -> str:
    """The title of the reminder (the inbox message's title and the mail's subject)."""
    return f"{year}年度注册会计师年检申请提醒"


def in_scope(status: str) -> bool:
    """Whether a CPA of this status may be reminded: those 注师待申请 lists (not applied, draft, returned)."""
    return cpa_in_tab(FirmTab.NOT_APPLIED, status)


def refusal(status: str, reminded_today: bool) -> str | None:
    """Why this CPA is not reminded now, or None."""
    if not in_scope(status):
        return f"已提交年检申请，无需提醒（当前状态：{status_label(status)}）"
    if reminded_today:
        return ALREADY_TODAY
    return None


def days_left(deadline: date, today: date) -> int:
    """Days from `today` (China date) to the deadline: 0 on the deadline day itself."""
    return (deadline - today).days


def after_deadline(deadline: date, today: date) -> str | None:
    """The refusal of every reminder once the deadline has passed, or None."""
    return AFTER_DEADLINE.format(deadline=deadline.isoformat()) if days_left(deadline, today) < 0 else None


def auto_day_mark(deadline: date, today: date) -> int | None:
    """The day-mark the automatic reminders are at: the smallest of 30/14/7/3 not below the days left (so a day
    missed while the server was down is caught up the next day, once); None before 30 days and after the
    deadline."""
    left = days_left(deadline, today)
    if left < 0:
        return None
    marks = [mark for mark in AUTO_DAY_MARKS if left <= mark]
    return min(marks) if marks else None


def check_template(template: str) -> str:
    """The template, stripped; `InvalidInput` when empty, too long or using an unknown placeholder."""
    text = template.strip()
    if not text:
        raise InvalidInput("提醒内容不能为空")
    if len(text) > TEMPLATE_MAX_CHARS:
        raise InvalidInput(f"提醒内容不能超过 {TEMPLATE_MAX_CHARS} 字")
    rest = text
    for placeholder in PLACEHOLDERS:
        rest = rest.replace(placeholder, "")
    start = rest.find("{")
    if start >= 0:
        end = rest.find("}", start)
        unknown = rest[start : end + 1] if end > start else rest[start : start + 10]
        known = "、".join(PLACEHOLDERS)
        raise InvalidInput(f"提醒内容中的占位符 {unknown} 无法识别，可用的占位符：{known}")
    return text


@dataclass(frozen=True)
class ReminderValues:
    """What the placeholders stand for, for one CPA."""

    name: str
    year: int
    deadline: date
    days_left: int
    firm_name: str

    def as_placeholders(self) -> dict[str, str]:
        return {
            "{姓名}": self.name,
            "{年度}": str(self.year),
            "{截止日期}": f"{self.deadline.year}年{self.deadline.month}月{self.deadline.day}日",
            "{剩余天数}": str(max(self.days_left, 0)),
            "{事务所}": self.firm_name,
        }


def render(template: str, values: ReminderValues) -> str:
    """The template with its placeholders filled in, in one pass (a value is never read as a placeholder)."""
    filled = values.as_placeholders()
    return _PLACEHOLDER_PATTERN.sub(lambda match: filled[match.group(0)], check_template(template))


_PLACEHOLDER_PATTERN = re.compile("|".join(re.escape(p) for p in PLACEHOLDERS))
