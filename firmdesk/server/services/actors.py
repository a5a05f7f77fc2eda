"""Who is acting: the signed-in person for an organisation, or the system (auto-review)."""

from __future__ import annotations

from dataclasses import dataclass

from firmdesk.domain.states import Role
from firmdesk.server.db.models import Account, Cpa, Firm, Institute


@dataclass(frozen=True)
class Actor:
    """The author of an event: the organisation (role, member number, name) and the person acting for it.

    `name` is the organisation's name (what the trail and the CPA's messages show); `account_id` and
    `person_name` name the person, or are None when no person acts (the system, e.g. auto-review).
    """

    role: Role
    member_no: str
    name: str
    account_id: int | None = None
    person_name: str | None = None

    @property
    def display_person(self) -> str:
        """Who acted, as the change feed's `updated_by` names them: the person, else the organisation."""
        return self.person_name or self.name

    @property
    def principal_key(self) -> str:
        """Identifies the principal for Idempotency-Key scoping, e.g. `firm:50010028`."""
        return f"{self.role.value}:{self.member_no}"


def _person(account: Account | None) -> tuple[int | None, str | None]:
    return (account.id, account.person_name) if account is not None else (None, None)


def firm_actor(firm: Firm, account: Account | None = None) -> Actor:
    """The firm, acting through `account` (None: no person, e.g. a script)."""
    return Actor(Role.FIRM, firm.number, firm.name, *_person(account))


def cpa_actor(cpa: Cpa, account: Account | None = None) -> Actor:
    """The CPA, whose own account (`account`, else looked up) is the person."""
    return Actor(Role.CPA, cpa.cert_no, cpa.name, *_person(account or cpa.account))


def institute_actor(institute: Institute, account: Account | None = None) -> Actor:
    """The institute, acting through `account` (None: the system, e.g. auto-review)."""
    return Actor(Role.INSTITUTE, institute.code, institute.name, *_person(account))
