"""People who sign in: each account belongs to one organisation (a firm, an institute or a CPA) and has a role in it."""

from __future__ import annotations

from enum import StrEnum


class AccountRole(StrEnum):
    """The account's role within its organisation."""

    #: A firm's or an institute's administrator; the existing login of each organisation is its first one.
    ADMIN = "admin"
    #: A firm's named reviewer (审核员), managed by the 主管理员 (not yet in use).
    REVIEWER = "reviewer"
    #: A CPA's own account: the person is the CPA.
    CPA = "cpa"

    @property
    def label(self) -> str:
        return ACCOUNT_ROLE_LABELS[self]


ACCOUNT_ROLE_LABELS = {
    AccountRole.ADMIN: "主管理员",
    AccountRole.REVIEWER: "审核员",
    AccountRole.CPA: "注册会计师本人",
}

#: Login names are as long as the longest organisation login id may grow (certificate numbers are 12 digits).
LOGIN_MAX_LENGTH = 40
PERSON_NAME_MAX_LENGTH = 100
