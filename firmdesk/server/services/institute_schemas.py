"""The institute's shapes (pydantic): its review queue, a CPA's application as it decides on it, extensions,
线下人工核验 records, 复检 and statistics. The workbench pages show the same shapes the API sends."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from firmdesk.domain.identity_check import IDENTITY_DOCUMENT_TYPES
from firmdesk.domain.limits import REASON_MAX_CHARS
from firmdesk.server.services.schemas import (
    AttachmentPublic,
    BatchRow,
    CpaProfile,
    CpaRow,
    EventPublic,
    Page,
    ReadinessFlagOut,
    UtcTime,
    Version,
)

#: Reasons and notes are checked by the use cases (`require_reason`, 500 characters); the HTTP edge only
#: refuses absurd sizes early.
_TEXT_LIMIT = REASON_MAX_CHARS * 4


class RecordedFlag(ReadinessFlagOut):
    """A readiness flag an application carried when its batch was submitted (kept with the batch)."""

    batch_id: int
    application_id: int
    cert_no: str
    name: str


class BatchCounts(BaseModel):
    """A batch's CPAs by where they stand now."""

    cpas: int = Field(description="Every CPA ever in the batch")
    waiting: int = Field(description="Still submitted in the batch, not yet decided")
    approved: int
    deferred: int
    failed: int
    returned: int = Field(description="Returned alone by the institute (地方注协退回)")


class QueueBatch(BatchRow):
    """A batch in the institute's queue: its counts and the yellow flags it carries."""

    counts: BatchCounts
    yellow_flags: list[RecordedFlag]


class BatchQueue(Page[QueueBatch]):
    by_state: dict[str, int] = Field(description="Batches of the search (state filter aside) by state")


class IdentityCheckOut(BaseModel):
    """A 线下人工核验 record: who checked, when, which document."""

    id: int
    application_id: int
    year: int
    cert_no: str
    name: str
    firm_number: str
    firm_name: str
    checked_on: date
    document_type: str
    note: str | None
    checked_by: str | None = Field(description="The institute staff member who recorded the check")
    created_at: UtcTime


class ExtensionOut(BaseModel):
    """An extension (延期) of the application window for one firm or one CPA."""

    id: int
    year: int
    target: Literal["firm", "cpa"]
    firm_number: str
    firm_name: str
    cert_no: str | None
    cpa_name: str | None
    until: date
    reason: str
    granted_at: UtcTime
    granted_by: str | None
    revoked_at: UtcTime | None
    revoked_by: str | None
    revoke_reason: str | None
    active: bool = Field(description="Not revoked and `until` not yet passed (China date)")
    version: int


class ApplicationReview(BaseModel):
    """One CPA's application as the institute decides on it: everything needed on one page."""

    row: CpaRow
    profile: CpaProfile
    firm_number: str
    firm_name: str
    attachments: list[AttachmentPublic]
    required_materials: list[str]
    flags: list[ReadinessFlagOut] = Field(description="Readiness flags now (red and yellow)")
    recorded_flags: list[ReadinessFlagOut] = Field(description="Flags kept with its batches when submitted")
    trail: list[EventPublic]
    identity_checks: list[IdentityCheckOut]
    extensions: list[ExtensionOut] = Field(description="Extensions in force for the CPA or its firm")
    batches: list[BatchRow]


class InstituteBatchDetail(BaseModel):
    """A batch as the institute reviews it: the firm's materials, each CPA's application, the batch's events."""

    batch: QueueBatch
    applications: list[CpaRow] = Field(description="Every CPA ever in the batch, as in the firm's batch detail")
    attachments: list[AttachmentPublic]
    events: list[EventPublic]
    reviews: list[ApplicationReview] = Field(description="Each CPA's application in full, in `applications` order")


class ExtensionCreate(BaseModel):
    """Exactly one of `firm_number` or `cert_no`."""

    firm_number: str | None = Field(default=None, max_length=20)
    cert_no: str | None = Field(default=None, max_length=20)
    until: date
    reason: str = Field(max_length=_TEXT_LIMIT)


class ExtensionRevoke(BaseModel):
    reason: str | None = Field(default=None, max_length=_TEXT_LIMIT)
    version: Version | None = None


class IdentityCheckCreate(BaseModel):
    checked_on: date = Field(description="The day the CPA was checked in person (China date)")
    document_type: str = Field(max_length=30, description="One of: " + "、".join(IDENTITY_DOCUMENT_TYPES))
    note: str | None = Field(default=None, max_length=_TEXT_LIMIT)
    version: Version | None = None


class IdentityCheckResult(BaseModel):
    check: IdentityCheckOut
    row: CpaRow


class ReinspectionBody(BaseModel):
    outcome: Literal["pass", "fail"]
    reason: str | None = Field(default=None, max_length=_TEXT_LIMIT)
    version: Version | None = None


class StatCounts(BaseModel):
    """CPAs of a firm (or the province) for a year, by where their application stands. They add up:
    cpas = applied + not_applied; applied = pending_firm + returned + submitted + approved + deferred + failed."""

    cpas: int
    applied: int = Field(description="Sent to the firm at least once (every state but 未申请 and 未提交)")
    not_applied: int = Field(description="未申请 or 未提交 (a draft)")
    pending_firm: int = Field(description="待事务所审核")
    returned: int = Field(description="事务所退回 or 地方注协退回, waiting for the CPA")
    submitted: int = Field(description="已提交省注协, not yet decided")
    approved: int
    deferred: int
    failed: int


class FirmStatistics(StatCounts):
    firm_number: str
    firm_name: str


class InstituteStatistics(BaseModel):
    year: int
    window_start: date | None
    deadline: date | None
    days_left: int | None
    province: StatCounts
    firms: list[FirmStatistics]


class StaffOut(BaseModel):
    """A named institute staff account."""

    login: str
    person_name: str
    org_role: str
    org_role_label: str
    disabled: bool
