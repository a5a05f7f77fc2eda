"""What a user asks a use case to do, as plain dataclasses: the API's routers (and the web pages) build them.

A command holds what the user chose (reason, versions, files, ...); the record it acts on is loaded, with
its ownership checked, by the caller (the API's dependencies, or the auto-reviewer) and passed beside it.
The Idempotency-Key's request hash is made from the command and that record's id.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from firmdesk.domain.limits import DEFAULT_MIN_TRAINING_HOURS
from firmdesk.domain.states import Decision
from firmdesk.server.storage import ReadableUpload

# --- the firm ---


@dataclass(frozen=True)
class ReturnApplications:
    """退回 pending applications to their CPAs with one reason; `versions[i]` is what the firm saw of
    `application_ids[i]` (None: not checked)."""

    application_ids: Sequence[int]
    reason: str | None
    versions: Sequence[int | None] = ()

    def items(self) -> list[tuple[int, int | None]]:
        versions = list(self.versions) + [None] * (len(self.application_ids) - len(self.versions))
        return list(zip(self.application_ids, versions, strict=True))


@dataclass(frozen=True)
class SubmitBatch:
    """申请: the applications (ids, repeated or comma-separated) as one batch with its materials."""

    year: int
    application_ids: Sequence[str | int]
    files: Sequence[ReadableUpload] = ()
    materials: Sequence[str] = ()


@dataclass(frozen=True)
class WithdrawBatch:
    """撤回 a batch the institute has not started on."""

    version: int | None = None


@dataclass(frozen=True)
class ResubmitBatch:
    """再次申请-修改附件: keep some attachments of a returned batch, add files, submit it again."""

    keep_attachment_ids: Sequence[str | int] = ()
    files: Sequence[ReadableUpload] = ()
    materials: Sequence[str] = ()
    version: int | None = None


# --- the CPA ---


@dataclass(frozen=True)
class StartApplication:
    """Start this year's application (None: the institute's current year)."""

    year: int | None = None


@dataclass(frozen=True)
class UpdateApplication:
    retired: bool
    version: int | None = None


@dataclass(frozen=True)
class AddAttachment:
    file: ReadableUpload
    material: str


# --- the institute ---


@dataclass(frozen=True)
class ApproveAll:
    """年检通过 for every CPA still in the batch."""

    version: int | None = None


@dataclass(frozen=True)
class ReturnBatch:
    reason: str | None
    version: int | None = None


@dataclass(frozen=True)
class Decide:
    """年检通过 / 暂缓年检 / 年检不予通过 / 退回 for one CPA (all but approve need a reason)."""

    decision: Decision
    reason: str | None = None
    version: int | None = None


@dataclass(frozen=True)
class ConfigureInstitute:
    current_year: int
    window_start: date
    deadline: date
    notice_start: str = ""
    notice_success: str = ""
    materials_working: Sequence[str] = field(default_factory=tuple)
    materials_retired: Sequence[str] = field(default_factory=tuple)
    min_training_hours: float = DEFAULT_MIN_TRAINING_HOURS


@dataclass(frozen=True)
class FileOnBehalf:
    """年检代提请: the firm files `cpa_id`'s application for `year` (None: current) as 在职/离退休, with the
    materials of that status plus the signed 授权委托书."""

    cpa_id: int
    retired: bool
    year: int | None = None
    files: Sequence[ReadableUpload] = ()
    materials: Sequence[str] = ()
