"""The firm's people as the client reads them: its accounts (主管理员, 审核员) and the 操作日志's entries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Self

from firmdesk.domain.accounts import AccountRole, FirmPermission, permission_refusal, role_of_login
from firmdesk.services.models import JSON, parse_time


@dataclass(frozen=True)
class FirmAccount:
    id: int
    login: str
    person_name: str
    account_role: str  # admin (主管理员) or reviewer (审核员)
    account_role_label: str
    disabled: bool
    created_at: datetime | None

    @property
    def is_admin(self) -> bool:
        return self.account_role == "admin"

    @property
    def state_label(self) -> str:
        return "已停用" if self.disabled else "正常"

    @classmethod
    def from_json(cls, data: JSON) -> Self:
        return cls(
            id=data["id"],
            login=data["login"],
            person_name=data.get("person_name") or "",
            account_role=data.get("account_role") or "",
            account_role_label=data.get("account_role_label") or "",
            disabled=bool(data.get("disabled")),
            created_at=parse_time(data.get("created_at")),
        )


@dataclass(frozen=True)
class OperationLogEntry:
    """Who of the firm did what, when, on which CPA or batch (or account)."""

    id: int
    at: datetime | None
    account_id: int | None
    login: str | None
    person_name: str | None
    action: str
    action_label: str
    cert_no: str | None
    cpa_name: str | None
    batch_number: str | None
    subject_login: str | None
    reason: str | None
    from_label: str | None
    to_label: str | None

    @property
    def person(self) -> str:
        """姓名（登录名）, or 系统 when no person acted."""
        if not self.person_name:
            return "—"
        return f"{self.person_name}（{self.login}）" if self.login else self.person_name

    @property
    def target(self) -> str:
        """What the action was about: the CPA, the batch or the account."""
        if self.subject_login:
            return self.subject_login
        parts = [f"{self.cpa_name}（{self.cert_no}）" if self.cpa_name else "", self.batch_number or ""]
        return "，".join(p for p in parts if p)

    @property
    def change(self) -> str:
        if self.from_label and self.to_label:
            return f"{self.from_label} → {self.to_label}"
        return self.to_label or ""

    @classmethod
    def from_json(cls, data: JSON) -> Self:
        return cls(
            id=data["id"],
            at=parse_time(data.get("at")),
            account_id=data.get("account_id"),
            login=data.get("login"),
            person_name=data.get("person_name"),
            action=data["action"],
            action_label=data.get("action_label") or "",
            cert_no=data.get("cert_no"),
            cpa_name=data.get("cpa_name"),
            batch_number=data.get("batch_number"),
            subject_login=data.get("subject_login"),
            reason=data.get("reason"),
            from_label=data.get("from_label"),
            to_label=data.get("to_label"),
        )


@dataclass(frozen=True)
class SignedInPerson:
    """Who uses the client: their login, name and role in the firm (主管理员 or 审核员)."""

    login: str
    name: str = ""
    role: str = ""

    def __post_init__(self) -> None:
        if not self.role:  # an offline session: the login's form says the role (`50010028-02`: a 审核员)
            object.__setattr__(self, "role", role_of_login(self.login).value)

    @property
    def role_label(self) -> str:
        return AccountRole(self.role).label

    @property
    def is_admin(self) -> bool:
        return self.role == AccountRole.ADMIN.value

    @property
    def text(self) -> str:
        """张丽（主管理员）, or the login when the name is not known (offline)."""
        return f"{self.name or self.login}（{self.role_label}）"

    def refusal(self, permission: FirmPermission) -> str | None:
        return permission_refusal(self.role, permission)
