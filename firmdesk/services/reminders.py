"""The client's side of reminders (提醒): the records the server answers, sending in chunks with progress and
exactly-once retries, and the contact list (导出联系名单) as an Excel table. No Qt."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any

from firmdesk.services.excel_export import ExcelTable
from firmdesk.services.models import JSON, parse_time
from firmdesk.services.progress import NO_STATE, ProgressState, check_cancelled

#: CPAs per request: a progress step and a cancel point between two.
CHUNK = 50
CONTACT_HEADERS = ("姓名", "证书编号", "联系电话", "电子邮箱", "审批状态", "最近提醒", "提醒次数")


@dataclass(frozen=True)
class ReminderSettings:
    template: str
    auto_enabled: bool
    default_template: str
    placeholders: Mapping[str, str]  # placeholder -> what it stands for
    auto_day_marks: tuple[int, ...]

    @classmethod
    def from_json(cls, data: JSON) -> ReminderSettings:
        return cls(
            template=data["template"],
            auto_enabled=bool(data.get("auto_enabled")),
            default_template=data.get("default_template") or data["template"],
            placeholders=MappingProxyType(dict(data.get("placeholders") or {})),
            auto_day_marks=tuple(data.get("auto_day_marks") or ()),
        )


@dataclass(frozen=True)
class ReminderPreview:
    cpa_id: int
    name: str
    email: str
    title: str
    body: str
    days_left: int
    refusal: str | None

    @classmethod
    def from_json(cls, data: JSON) -> ReminderPreview:
        return cls(
            cpa_id=data["cpa_id"],
            name=data["name"],
            email=data.get("email") or "",
            title=data["title"],
            body=data["body"],
            days_left=int(data.get("days_left") or 0),
            refusal=data.get("refusal"),
        )


@dataclass(frozen=True)
class ReminderOutcome:
    cpa_id: int
    cert_no: str | None
    name: str | None
    outcome: str  # sent, skipped
    emailed: bool
    detail: str | None

    @classmethod
    def from_json(cls, data: JSON) -> ReminderOutcome:
        return cls(
            cpa_id=data["cpa_id"],
            cert_no=data.get("cert_no"),
            name=data.get("name"),
            outcome=data["outcome"],
            emailed=bool(data.get("emailed")),
            detail=data.get("detail"),
        )


@dataclass(frozen=True)
class ReminderResult:
    """The summary of one or several send requests."""

    sent: int = 0
    emailed: int = 0
    no_email: int = 0
    skipped_today: int = 0
    skipped: int = 0
    items: tuple[ReminderOutcome, ...] = field(default_factory=tuple)

    @classmethod
    def from_json(cls, data: JSON) -> ReminderResult:
        return cls(
            sent=data["sent"],
            emailed=data["emailed"],
            no_email=data["no_email"],
            skipped_today=data["skipped_today"],
            skipped=data["skipped"],
            items=tuple(ReminderOutcome.from_json(i) for i in data.get("items") or ()),
        )

    def __add__(self, other: ReminderResult) -> ReminderResult:
        return ReminderResult(
            self.sent + other.sent,
            self.emailed + other.emailed,
            self.no_email + other.no_email,
            self.skipped_today + other.skipped_today,
            self.skipped + other.skipped,
            self.items + other.items,
        )

    @property
    def summary(self) -> str:
        """已发送 3 人（2 人同时发送邮件，1 人未登记邮箱），今天已提醒过 1 人，另有 1 人未提醒."""
        text = f"已发送 {self.sent} 人"
        if self.sent:
            text += f"（{self.emailed} 人同时发送邮件，{self.no_email} 人未登记邮箱，仅站内消息）"
        if self.skipped_today:
            text += f"；今天已提醒过 {self.skipped_today} 人"
        others = self.skipped - self.skipped_today
        if others:
            text += f"；另有 {others} 人未提醒"
        return text

    @property
    def skipped_items(self) -> list[ReminderOutcome]:
        return [i for i in self.items if i.outcome == "skipped"]


@dataclass(frozen=True)
class Contact:
    cpa_id: int
    name: str
    cert_no: str
    phone: str
    email: str
    status: str
    status_label: str
    last_reminded_at: datetime | None
    reminder_count: int

    @classmethod
    def from_json(cls, data: JSON) -> Contact:
        return cls(
            cpa_id=data["cpa_id"],
            name=data["name"],
            cert_no=data["cert_no"],
            phone=data.get("phone") or "",
            email=data.get("email") or "",
            status=data["status"],
            status_label=data.get("status_label") or "",
            last_reminded_at=parse_time(data.get("last_reminded_at")),
            reminder_count=int(data.get("reminder_count") or 0),
        )


def contact_table(contacts: Sequence[Contact], firm_name: str, year: int) -> ExcelTable:
    """导出联系名单: name, certificate number, phone, e-mail, state, last reminded (and how often)."""
    rows: list[list[Any]] = [
        [c.name, c.cert_no, c.phone, c.email, c.status_label, c.last_reminded_at, c.reminder_count] for c in contacts
    ]
    return ExcelTable(CONTACT_HEADERS, rows, firm_name, year, sheet_title="未申请注册会计师联系名单")


#: Sends one chunk: (cpa ids, idempotency key) -> the server's answer.
SendChunk = Callable[[Sequence[int], str], ReminderResult]


def send_in_chunks(
    send: SendChunk, cpa_ids: Sequence[int], key: str, state: ProgressState = NO_STATE
) -> ReminderResult:
    """Send reminders `CHUNK` CPAs at a time, reporting progress and stopping between chunks when cancelled.

    Chunk *n* goes under the key `{key}-{n}`: repeating the whole send (after a lost answer) replays the
    chunks that arrived instead of reminding anyone twice."""
    total = ReminderResult()
    chunks = [cpa_ids[i : i + CHUNK] for i in range(0, len(cpa_ids), CHUNK)]
    for number, chunk in enumerate(chunks):
        check_cancelled(state)
        total = total + send(chunk, f"{key}-{number}")
        state.set_progress(number + 1, len(chunks))
    return total
