"""Who is acting: the signed-in principal of a request, or the system (auto-review)."""

from __future__ import annotations

from dataclasses import dataclass

from firmdesk.domain.states import Role
from firmdesk.server.db.models import Cpa, Firm, Institute


@dataclass(frozen=True)
class Actor:
    """The author of an event: role, member number (login id) and display name."""

    role: Role
    member_no: str
    name: str

    @property
    def principal_key(self) -> str:
        """Identifies the principal for Idempotency-Key scoping, e.g. `firm:50010028`."""
        return f"{self.role.value}:{self.member_no}"


def firm_actor(firm: Firm) -> Actor:
    return Actor(Role.FIRM, firm.number, firm.name)


def cpa_actor(cpa: Cpa) -> Actor:
    return Actor(Role.CPA, cpa.cert_no, cpa.name)


def institute_actor(institute: Institute) -> Actor:
    return Actor(Role.INSTITUTE, institute.code, institute.name)
