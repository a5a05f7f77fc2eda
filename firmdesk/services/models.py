"""Records the client receives from the CMIS server, as frozen dataclasses (shapes of docs/contract.md).

Dates become `datetime.date`, times aware `datetime` (UTC as the server sends them), lists become
tuples so that the records stay immutable. Each record has `from_json(data)`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from types import MappingProxyType
from typing import Any, Generic, Self, TypeVar

from firmdesk.domain import readiness as domain_readiness
from firmdesk.domain.availability import Availability, RowAction, application_actions, batch_actions, refusal
from firmdesk.domain.readiness import FlagLevel
from firmdesk.domain.window import Window, new_batch_refusal

JSON = Mapping[str, Any]
T = TypeVar("T")


def parse_date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def parse_time(value: str | None) -> datetime | None:
    """An ISO 8601 time as an aware datetime; a time without offset is taken as UTC."""
    if not value:
        return None
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _required_time(value: str) -> datetime:
    moment = parse_time(value)
    if moment is None:
        raise ValueError("missing time")
    return moment


def _actions(value: Any) -> Availability:
    return MappingProxyType({str(k): (None if v is None else str(v)) for k, v in (value or {}).items()})


def _derived(actions_of: Callable[[str], Availability], state: str) -> Availability:
    try:
        return actions_of(state)
    except ValueError:  # a state this client does not know: nothing is offered
        return MappingProxyType({})


def _float(value: Any) -> float:
    return float(value) if value is not None else 0.0


@dataclass(frozen=True)
class CpaRow:
    """One CPA for one year: the row of the firm's tabs and of the change feed."""

    cpa_id: int
    cert_no: str
    name: str
    gender: str
    birth_date: date | None
    year: int
    application_id: int | None
    status: str  # an ApplicationState value, or "none" (no application)
    status_label: str
    retired: bool
    training_hours: float
    batch_id: int | None
    batch_number: str | None
    reason: str | None
    submitted_at: datetime | None
    decided_at: datetime | None
    updated_at: datetime | None
    attachment_count: int
    version: int | None
    #: The CPA's public verification URL, what its QR code encodes (None in data from before the field).
    qr_url: str | None = None
    #: What the firm may do with the row now (action -> None, or why not), as the server computed it.
    actions: Availability = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        if not self.actions:  # cached before the field (or made in a test): the domain's rule for the status
            object.__setattr__(self, "actions", _derived(application_actions, self.status))

    def refusal(self, action: str) -> str | None:
        """Why `action` does not apply to this row now (None: it does)."""
        return refusal(self.actions, action)

    @classmethod
    def from_json(cls, data: JSON) -> Self:
        return cls(
            cpa_id=data["cpa_id"],
            cert_no=data["cert_no"],
            name=data["name"],
            gender=data.get("gender") or "",
            birth_date=parse_date(data.get("birth_date")),
            year=data["year"],
            application_id=data.get("application_id"),
            status=data["status"],
            status_label=data.get("status_label") or "",
            retired=bool(data.get("retired")),
            training_hours=_float(data.get("training_hours")),
            batch_id=data.get("batch_id"),
            batch_number=data.get("batch_number"),
            reason=data.get("reason"),
            submitted_at=parse_time(data.get("submitted_at")),
            decided_at=parse_time(data.get("decided_at")),
            updated_at=parse_time(data.get("updated_at")),
            attachment_count=data.get("attachment_count") or 0,
            version=data.get("version"),
            qr_url=data.get("qr_url"),
            actions=_actions(data.get("actions")),
        )


@dataclass(frozen=True)
class BatchRow:
    id: int
    number: str
    firm_number: str
    firm_name: str
    year: int
    submitted_at: datetime | None
    updated_at: datetime | None
    state: str  # a BatchState value
    state_label: str
    cpa_count: int
    return_reason: str | None
    version: int
    #: What the firm may do with the batch now (action -> None, or why not), as the server computed it.
    actions: Availability = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        if not self.actions:  # as for `CpaRow.actions`
            object.__setattr__(self, "actions", _derived(batch_actions, self.state))

    def refusal(self, action: str) -> str | None:
        """Why `action` does not apply to this batch now (None: it does)."""
        return refusal(self.actions, action)

    @property
    def can_withdraw(self) -> bool:
        """撤回 applies now (the server's `can_withdraw` field says the same; the client reads `actions`)."""
        return self.refusal(RowAction.WITHDRAW) is None

    @classmethod
    def from_json(cls, data: JSON) -> Self:
        return cls(
            id=data["id"],
            number=data["number"],
            firm_number=data.get("firm_number") or "",
            firm_name=data.get("firm_name") or "",
            year=data["year"],
            submitted_at=parse_time(data.get("submitted_at")),
            updated_at=parse_time(data.get("updated_at")),
            state=data["state"],
            state_label=data.get("state_label") or "",
            cpa_count=data.get("cpa_count") or 0,
            return_reason=data.get("return_reason"),
            version=data.get("version") or 0,
            actions=_actions(data.get("actions")),
        )


@dataclass(frozen=True)
class Attachment:
    id: int
    material: str
    original_name: str
    file_type: str
    size: int
    sha256: str
    uploaded_at: datetime | None

    @classmethod
    def from_json(cls, data: JSON) -> Self:
        return cls(
            id=data["id"],
            material=data.get("material") or "",
            original_name=data.get("original_name") or "",
            file_type=data.get("file_type") or "",
            size=data.get("size") or 0,
            sha256=data.get("sha256") or "",
            uploaded_at=parse_time(data.get("uploaded_at")),
        )


@dataclass(frozen=True)
class TrailEvent:
    """One immutable event of the approval trail (审批流程)."""

    id: int
    at: datetime
    actor_role: str
    actor_role_label: str
    actor_id: str | None
    actor_name: str | None
    action: str
    action_label: str
    reason: str | None
    from_state: str | None
    to_state: str | None
    from_label: str | None
    to_label: str | None
    batch_number: str | None
    #: The person who acted for the organisation (not shown yet; None from older servers).
    actor_person: str | None = None

    @classmethod
    def from_json(cls, data: JSON) -> Self:
        actor_id = data.get("actor_id")
        return cls(
            id=data["id"],
            at=_required_time(data["at"]),
            actor_role=data.get("actor_role") or "",
            actor_role_label=data.get("actor_role_label") or "",
            actor_id=str(actor_id) if actor_id is not None else None,
            actor_name=data.get("actor_name"),
            action=data["action"],
            action_label=data.get("action_label") or "",
            reason=data.get("reason"),
            from_state=data.get("from_state"),
            to_state=data.get("to_state"),
            from_label=data.get("from_label"),
            to_label=data.get("to_label"),
            batch_number=data.get("batch_number"),
            actor_person=data.get("actor_person"),
        )


@dataclass(frozen=True)
class ReadinessFlag(domain_readiness.ReadinessFlag):
    """The domain's readiness flag (red: must fix, yellow: may submit), as received from the server."""

    @classmethod
    def from_json(cls, data: JSON) -> Self:
        return cls(level=FlagLevel(data["level"]), code=data["code"], message=data["message"])


@dataclass(frozen=True)
class FirmInfo:
    number: str
    name: str
    institute_code: str
    institute_name: str
    current_year: int
    window_start: date | None
    deadline: date | None
    years: tuple[int, ...]

    @classmethod
    def from_json(cls, data: JSON) -> Self:
        return cls(
            number=data["number"],
            name=data["name"],
            institute_code=str(data.get("institute_code") or ""),
            institute_name=data.get("institute_name") or "",
            current_year=data["current_year"],
            window_start=parse_date(data.get("window_start")),
            deadline=parse_date(data.get("deadline")),
            years=tuple(sorted(data.get("years") or [data["current_year"]])),
        )


@dataclass(frozen=True)
class FirmSummary:
    """Counts for one year; `not_applied` = none + draft + firm_returned + institute_returned."""

    year: int
    deadline: date | None
    days_left: int | None
    total: int
    approved: int
    submitted: int
    pending: int
    not_applied: int
    returned: int
    deferred: int
    failed: int
    by_status: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    #: The firm's extension (延期) in force, if any (current year only).
    extended_until: date | None = None
    #: None while any batch may go; after the deadline, the pending applications that may still go.
    late_submittable: tuple[int, ...] | None = None

    @property
    def server_today(self) -> date | None:
        """The server's China date when it answered (the deadline less the days left)."""
        if self.deadline is None or self.days_left is None:
            return None
        return self.deadline - timedelta(days=self.days_left)

    @property
    def window(self) -> Window | None:
        """The firm's window for the year (None: an earlier year, no deadline)."""
        if self.deadline is None:
            return None
        return Window(self.year, self.deadline, self.extended_until)

    def submit_refusal(self, application_ids: Iterable[int | None]) -> str | None:
        """Why these applications cannot go in a new batch now (the domain's window rule), or None."""
        window, today = self.window, self.server_today
        if window is None or today is None:
            return None
        covered = self.late_submittable is None or all(i in self.late_submittable for i in application_ids)
        return new_batch_refusal(window, today, covered)

    @classmethod
    def from_json(cls, data: JSON) -> Self:
        return cls(
            year=data["year"],
            deadline=parse_date(data.get("deadline")),
            days_left=data.get("days_left"),
            total=data.get("total", 0),
            approved=data.get("approved", 0),
            submitted=data.get("submitted", 0),
            pending=data.get("pending", 0),
            not_applied=data.get("not_applied", 0),
            returned=data.get("returned", 0),
            deferred=data.get("deferred", 0),
            failed=data.get("failed", 0),
            by_status=MappingProxyType(dict(data.get("by_status") or {})),
            extended_until=parse_date(data.get("extended_until")),
            late_submittable=(tuple(data["late_submittable"]) if data.get("late_submittable") is not None else None),
        )


@dataclass(frozen=True)
class CpaProfile:
    """Personal info of a CPA, read-only (synced from the MOF platform)."""

    name: str
    ethnicity: str | None
    gender: str | None
    birth_date: date | None
    id_type: str | None
    id_number: str | None
    native_place: str | None
    region: str | None
    hukou: str | None
    political_status: str | None

    @classmethod
    def from_json(cls, data: JSON) -> Self:
        return cls(
            name=data.get("name") or "",
            ethnicity=data.get("ethnicity"),
            gender=data.get("gender"),
            birth_date=parse_date(data.get("birth_date")),
            id_type=data.get("id_type"),
            id_number=data.get("id_number"),
            native_place=data.get("native_place"),
            region=data.get("region"),
            hukou=data.get("hukou"),
            political_status=data.get("political_status"),
        )


@dataclass(frozen=True)
class ApplicationDetail:
    row: CpaRow
    profile: CpaProfile
    attachments: tuple[Attachment, ...]
    batches: tuple[BatchRow, ...]

    @classmethod
    def from_json(cls, data: JSON) -> Self:
        return cls(
            row=CpaRow.from_json(data["row"]),
            profile=CpaProfile.from_json(data.get("profile") or {}),
            attachments=tuple(Attachment.from_json(a) for a in data.get("attachments") or ()),
            batches=tuple(BatchRow.from_json(b) for b in data.get("batches") or ()),
        )


@dataclass(frozen=True)
class BatchDetail:
    """A batch with its CPAs; `attachments` and `events` are empty when the answer did not carry them
    (the answers to submit, withdraw and resubmit carry only the batch and its applications)."""

    batch: BatchRow
    applications: tuple[CpaRow, ...]
    attachments: tuple[Attachment, ...] = ()
    events: tuple[TrailEvent, ...] = ()

    @classmethod
    def from_json(cls, data: JSON) -> Self:
        return cls(
            batch=BatchRow.from_json(data["batch"]),
            applications=tuple(CpaRow.from_json(r) for r in data.get("applications") or ()),
            attachments=tuple(Attachment.from_json(a) for a in data.get("attachments") or ()),
            events=tuple(TrailEvent.from_json(e) for e in data.get("events") or ()),
        )


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a listing; `page` counts from 1."""

    items: tuple[T, ...]
    total: int
    page: int
    page_size: int

    @classmethod
    def from_json(cls, data: JSON, item: Callable[[JSON], T]) -> Page[T]:
        return cls(
            items=tuple(item(i) for i in data.get("items") or ()),
            total=data.get("total", 0),
            page=data.get("page", 1),
            page_size=data.get("page_size", 0),
        )


@dataclass(frozen=True)
class ChangeSet:
    """What changed since a cursor; `full` means every row of the year (a full sync, since=0)."""

    cursor: int
    full: bool
    cpas: tuple[CpaRow, ...]
    batches: tuple[BatchRow, ...]

    @classmethod
    def from_json(cls, data: JSON) -> Self:
        return cls(
            cursor=data["cursor"],
            full=bool(data.get("full")),
            cpas=tuple(CpaRow.from_json(r) for r in data.get("cpas") or ()),
            batches=tuple(BatchRow.from_json(b) for b in data.get("batches") or ()),
        )


@dataclass(frozen=True)
class LoginResult:
    token: str = field(repr=False)  # a secret: kept out of reprs and logs
    expires_at: datetime | None
    role: str
    member_no: str
    name: str

    @classmethod
    def from_json(cls, data: JSON) -> Self:
        return cls(
            token=data["token"],
            expires_at=parse_time(data.get("expires_at")),
            role=data.get("role") or "",
            member_no=str(data.get("member_no") or ""),
            name=data.get("name") or "",
        )
