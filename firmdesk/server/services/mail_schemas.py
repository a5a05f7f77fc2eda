"""The public shapes of password reset and reminders (pydantic): what those use cases return and take."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from firmdesk.domain.reminders import TEMPLATE_MAX_CHARS
from firmdesk.server.services.schemas import RecordId, UtcTime

# --- password reset ---


class ResetCodeRequest(BaseModel):
    user_type: Literal["cpa"] = Field(default="cpa", description="Only CPAs reset their password by e-mail")
    member_no: str = Field(min_length=1, max_length=20, description="证书编号")


class ResetCodeRequested(BaseModel):
    detail: str = Field(examples=["若该账户登记了邮箱，验证码已发送，请在 15 分钟内使用"])
    expires_in_minutes: int


class ResetConfirm(BaseModel):
    user_type: Literal["cpa"] = "cpa"
    member_no: str = Field(min_length=1, max_length=20)
    code: str = Field(min_length=1, max_length=12, description="The 6-digit code from the e-mail")
    new_password: str = Field(min_length=1, max_length=200)


class ResetDone(BaseModel):
    detail: str = Field(examples=["密码已重置，请使用新密码登录"])


# --- reminders ---


class ReminderSettingsOut(BaseModel):
    template: str
    auto_enabled: bool = Field(description="Automatic reminders 30, 14, 7 and 3 days before the deadline")
    default_template: str
    placeholders: dict[str, str] = Field(description="Placeholder -> what it stands for")
    auto_day_marks: list[int]


class ReminderSettingsIn(BaseModel):
    template: str | None = Field(default=None, max_length=TEMPLATE_MAX_CHARS * 2)
    auto_enabled: bool | None = None


class ReminderPreviewRequest(BaseModel):
    cpa_id: RecordId
    template: str | None = Field(
        default=None, max_length=TEMPLATE_MAX_CHARS * 2, description="An unsaved template; default the firm's"
    )


class ReminderPreview(BaseModel):
    cpa_id: int
    name: str
    email: str
    title: str
    body: str
    days_left: int
    refusal: str | None = Field(description="Why this CPA would not be reminded now (e.g. 今天已提醒过), or null")


class ReminderSend(BaseModel):
    cpa_ids: list[RecordId] = Field(default_factory=list, max_length=10000)
    all_not_applied: bool = Field(default=False, description="Every CPA of 注师待申请 instead of `cpa_ids`")


class ReminderOutcome(BaseModel):
    cpa_id: int
    cert_no: str | None
    name: str | None
    outcome: Literal["sent", "skipped"]
    emailed: bool
    detail: str | None = Field(description="Why skipped (今天已提醒过, ...), or that no e-mail is registered")


class ReminderResult(BaseModel):
    sent: int
    emailed: int
    no_email: int
    skipped_today: int
    skipped: int = Field(description="All skipped, today's included")
    items: list[ReminderOutcome]


class ContactRow(BaseModel):
    """A CPA of 注师待申请 with what a firm needs to phone or write to them (导出联系名单)."""

    cpa_id: int
    name: str
    cert_no: str
    phone: str
    email: str
    status: str
    status_label: str
    last_reminded_at: UtcTime | None
    reminder_count: int


class MailOut(BaseModel):
    """A mail of the outbox, as the demo page lists it."""

    id: int
    kind: str
    to_address: str
    subject: str
    body: str
    state: str
    state_label: str
    attempts: int
    last_error: str | None
    created_at: UtcTime
    sent_at: UtcTime | None
