"""The public shapes of docs/contract.md (pydantic): what the use cases return and the routes send."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

from firmdesk.domain.limits import MAX_RECORD_ID
from firmdesk.server.services.clock import iso_utc

#: A stored naive-UTC time, sent as ISO 8601 with `Z`.
UtcTime = Annotated[datetime, PlainSerializer(iso_utc, return_type=str)]

T = TypeVar("T")

#: A record's id as a client sends it: a positive 64-bit integer (larger ones are refused with 422, never 500).
RecordId = Annotated[int, Field(ge=1, le=MAX_RECORD_ID)]
#: A record's version as a client sends it back (optimistic concurrency).
Version = Annotated[int, Field(ge=0, le=MAX_RECORD_ID)]


class ErrorBody(BaseModel):
    """Every error answer: a Chinese message for the user and a stable code (plus extras per code)."""

    model_config = ConfigDict(extra="allow")
    detail: str = Field(examples=["只有待事务所审核的年检申请可以退回（当前状态：已提交省注协）"])
    code: str = Field(examples=["transition_refused"])


class Health(BaseModel):
    status: str = "ok"
    service: str = "cmis"
    version: str


class LoginRequest(BaseModel):
    user_type: Literal["cpa", "firm", "institute"]
    member_no: str = Field(min_length=1, max_length=20)
    password: str = Field(min_length=1, max_length=200)


class LoginResult(BaseModel):
    token: str
    expires_at: UtcTime
    role: str
    member_no: str
    name: str


class Me(BaseModel):
    role: str
    member_no: str
    name: str


#: What the signed-in role may do with a row now: action name -> null (allowed) or the Chinese reason it is not.
ACTIONS_DESCRIPTION = (
    "What the signed-in role may do with this row now, computed by the domain's availability rules: "
    "each action name maps to null when it applies, or to the Chinese reason why not "
    '(e.g. `{"withdraw": "省注协已开始审核，不能撤回（当前状态：审核中）", "resubmit": ...}`).'
)


class CpaRow(BaseModel):
    """One CPA for one year: the unit of the firm's tabs and of the change feed."""

    cpa_id: int
    cert_no: str
    name: str
    gender: str
    birth_date: date | None
    year: int
    application_id: int | None
    status: str
    status_label: str
    retired: bool
    training_hours: float
    batch_id: int | None
    batch_number: str | None
    reason: str | None
    submitted_at: UtcTime | None
    decided_at: UtcTime | None
    updated_at: UtcTime | None
    attachment_count: int
    version: int | None
    qr_url: str | None = Field(
        default=None,
        description="The CPA's public verification URL (public base URL + `/v/` + its QR token, which never "
        "changes): what the CPA's QR code encodes. Null only outside a request (background jobs).",
    )
    actions: dict[str, str | None] = Field(default_factory=dict, description=ACTIONS_DESCRIPTION)


class BatchRow(BaseModel):
    id: int
    number: str
    firm_number: str
    firm_name: str
    year: int
    submitted_at: UtcTime
    updated_at: UtcTime
    state: str
    state_label: str
    cpa_count: int
    return_reason: str | None
    can_withdraw: bool = Field(description="Shorthand for `actions.withdraw is null`.")
    version: int
    actions: dict[str, str | None] = Field(default_factory=dict, description=ACTIONS_DESCRIPTION)


class AttachmentPublic(BaseModel):
    id: int
    material: str
    original_name: str
    file_type: str
    size: int
    sha256: str
    uploaded_at: UtcTime


class EventPublic(BaseModel):
    id: int
    at: UtcTime
    actor_role: str
    actor_role_label: str
    actor_id: str
    actor_name: str
    actor_person: str | None = Field(
        default=None,
        description="The person who acted for the organisation `actor_name` (None: the system, or not recorded)",
    )
    action: str
    action_label: str
    reason: str | None
    from_state: str | None
    to_state: str | None
    from_label: str | None
    to_label: str | None
    batch_number: str | None


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    page: int
    page_size: int


class Profile(BaseModel):
    name: str
    ethnicity: str
    gender: str
    birth_date: date | None
    id_type: str
    id_number: str
    native_place: str
    region: str
    hukou: str
    political_status: str


class FirmInfo(BaseModel):
    number: str
    name: str
    institute_code: str
    institute_name: str
    current_year: int
    window_start: date
    deadline: date
    years: list[int]


class FirmSummary(BaseModel):
    year: int
    deadline: date | None
    days_left: int | None
    total: int
    approved: int
    submitted: int
    pending: int
    not_applied: int
    returned: int = Field(description="CPAs whose application is in a batch the institute returned whole")
    returned_batches: int = Field(description="Batches of the year in state `returned` (the 已退回 tab)")
    deferred: int
    failed: int
    by_status: dict[str, int]
    extended_until: date | None = Field(
        default=None, description="The firm's extension (延期) of the window, while in force (current year only)"
    )
    late_submittable: list[int] | None = Field(
        default=None,
        description="None while the firm may submit batches of the year; after the deadline (no firm extension), "
        "the ids of its pending applications that may still go (corrections, CPAs with an extension)",
    )


class ApplicationDetail(BaseModel):
    """The firm's view of one application."""

    row: CpaRow
    profile: Profile
    attachments: list[AttachmentPublic]
    batches: list[BatchRow]


class ReadinessFlagOut(BaseModel):
    level: Literal["red", "yellow"]
    code: str
    message: str


class ReadinessResult(BaseModel):
    application_id: int
    flags: list[ReadinessFlagOut]


class ReadinessRequest(BaseModel):
    application_ids: list[RecordId] = Field(max_length=10000)


class ReadinessResults(BaseModel):
    results: list[ReadinessResult]


class VersionedItem(BaseModel):
    application_id: RecordId
    version: Version | None = None


class ReturnRequest(BaseModel):
    items: list[VersionedItem] = Field(min_length=1, max_length=10000)
    reason: str = ""


class ReturnResult(BaseModel):
    returned: list[CpaRow]


class BatchWithApplications(BaseModel):
    batch: BatchRow
    applications: list[CpaRow]


class BatchDetail(BaseModel):
    batch: BatchRow
    applications: list[CpaRow]
    attachments: list[AttachmentPublic]
    events: list[EventPublic]


class VersionBody(BaseModel):
    version: Version | None = None


class ChangeSet(BaseModel):
    cursor: int
    full: bool
    cpas: list[CpaRow]
    batches: list[BatchRow]


# --- CPA ---


class CpaProfile(Profile):
    cert_no: str
    firm_number: str
    firm_name: str
    retired: bool
    training_hours: dict[str, float]


class Notice(BaseModel):
    year: int
    notice: str
    materials_working: list[str]
    materials_retired: list[str]
    deadline: date | None = Field(default=None, description="The institute's deadline for the year (China date)")
    extended_until: date | None = Field(default=None, description="The CPA's (or its firm's) extension in force")
    window_refusal: str | None = Field(
        default=None,
        description="Why the CPA can no longer start or submit (the deadline passed, no extension); null while open",
    )


class StartApplication(BaseModel):
    year: int | None = Field(default=None, ge=2000, le=2100)


class UpdateApplication(BaseModel):
    retired: bool
    version: Version | None = None


class CpaApplication(BaseModel):
    id: int
    year: int
    status: str
    status_label: str
    retired: bool
    reason: str | None
    version: int
    batch_number: str | None
    submitted_at: UtcTime | None
    decided_at: UtcTime | None
    updated_at: UtcTime
    attachments: list[AttachmentPublic]
    required_materials: list[str]
    events: list[EventPublic]


class FaceSessionStarted(BaseModel):
    session_id: int
    token: str
    url: str
    remaining_today: int


class FaceSessionStatus(BaseModel):
    session_id: int
    status: Literal["pending", "passed", "failed"]
    remaining_today: int


class FaceResultRequest(BaseModel):
    passed: bool


class FaceResult(BaseModel):
    status: Literal["passed", "failed"]
    application_status: str
    notice: str | None = None


class MessageOut(BaseModel):
    id: int
    title: str
    body: str
    created_at: UtcTime
    read: bool
    application_id: int | None = None


class QrOut(BaseModel):
    token: str
    url: str


# --- Public verification page (/v/{token}) ---


class VerificationYear(BaseModel):
    """One inspection year of the CPA, as the public may see it."""

    year: int
    result: Literal["approved", "deferred", "failed", "in_progress", "not_applied"] = Field(
        description="approved 年检通过, deferred 暂缓年检, failed 年检不予通过, in_progress 审核中 "
        "(with the firm or the institute), not_applied 未申请 (no application, or not yet sent to the firm)"
    )
    result_label: str = Field(examples=["年检通过"])
    decided_at: UtcTime | None = Field(description="When the institute decided (final results only)")
    decided_on: date | None = Field(description="`decided_at` as a calendar day in China time (UTC+8)")


class Verification(BaseModel):
    """What a CPA's QR code shows anyone: no ID number, birth date, phone, hukou or other private data."""

    name: str
    cert_no: str
    firm_name: str
    institute_name: str
    years: list[VerificationYear] = Field(
        description="Newest first: every year with an application, and the institute's current year"
    )
    generated_at: UtcTime


# --- Institute ---

#: The longest notice an institute may set (a page of text).
NOTICE_MAX_CHARS = 5000


class InstituteConfig(BaseModel):
    current_year: int = Field(ge=2000, le=2100)
    window_start: date
    deadline: date
    notice_start: str = Field(default="", max_length=NOTICE_MAX_CHARS)
    notice_success: str = Field(default="", max_length=NOTICE_MAX_CHARS)
    materials_working: list[str] = Field(default_factory=list, max_length=20)
    materials_retired: list[str] = Field(default_factory=list, max_length=20)
    min_training_hours: float = Field(default=40, ge=0, le=1000)


class ReasonBody(BaseModel):
    reason: str = ""
    version: Version | None = None


class DecisionBody(BaseModel):
    decision: Literal["approve", "defer", "fail", "return"]
    reason: str | None = None
    version: Version | None = None
