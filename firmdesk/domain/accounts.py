"""People who sign in: each account belongs to one organisation (a firm, an institute or a CPA) and has a role in it."""

from __future__ import annotations

import re
from enum import Enum, StrEnum

from firmdesk.domain.errors import Forbidden, InvalidInput, TransitionRefused
from firmdesk.domain.states import Action


class AccountRole(StrEnum):
    """The account's role within its organisation."""

    #: A firm's or an institute's administrator; the existing login of each organisation is its first one.
    ADMIN = "admin"
    #: A firm's named reviewer (审核员), managed by the 主管理员.
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


# --- A firm's named administrators (主管理员 and 审核员) ---

#: A 审核员's login: the firm's number, a hyphen and two digits 02–99 (`50010028-02`), like the member numbers
#: CMIS gives a firm's staff; the 主管理员 keeps the firm's own number (`50010028`). Unique across firms by
#: construction, and a person's login says which firm they act for.
REVIEWER_LOGIN = re.compile(r"^(?P<firm>\d{8})-(?P<seq>0[2-9]|[1-9]\d)$")
FIRM_LOGIN = re.compile(r"^\d{8}(-(0[2-9]|[1-9]\d))?$")
FIRM_LOGIN_HINT = "事务所编号（8 位数字，如 50010028），审核员为编号加两位序号（如 50010028-02）"
#: The 审核员 logins a firm can have (02 … 99).
MAX_REVIEWERS = 98
PASSWORD_MIN_LENGTH = 8
PASSWORD_MAX_LENGTH = 200


def is_firm_login(text: str) -> bool:
    """A login the firm's sign-in accepts: the firm number (主管理员) or a 审核员's `50010028-02`."""
    return FIRM_LOGIN.match(text) is not None


def role_of_login(login: str) -> AccountRole:
    """The role a firm login signs in as: `50010028-02` a 审核员, the firm number its 主管理员."""
    return AccountRole.REVIEWER if REVIEWER_LOGIN.match(login.strip()) else AccountRole.ADMIN


def reviewer_login(firm_number: str, seq: int) -> str:
    return f"{firm_number}-{seq:02d}"


def check_reviewer_login(firm_number: str, login: str) -> str:
    """The 审核员 login `login`, trimmed, if it is of the form `{firm number}-NN`; else `InvalidInput`."""
    login = (login or "").strip()
    match = REVIEWER_LOGIN.match(login)
    if match is None or match.group("firm") != firm_number:
        raise InvalidInput(f"审核员登录名应为“{firm_number}-两位序号”（02–99），如 {reviewer_login(firm_number, 2)}")
    return login


def check_person_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise InvalidInput("请填写姓名")
    if len(name) > PERSON_NAME_MAX_LENGTH:
        raise InvalidInput(f"姓名不能超过 {PERSON_NAME_MAX_LENGTH} 个字")
    return name


def check_new_password(password: str) -> str:
    """A password the 主管理员 sets for a 审核员: 8 to 200 characters, not only blanks."""
    if len(password or "") < PASSWORD_MIN_LENGTH or not password.strip():
        raise InvalidInput(f"密码至少 {PASSWORD_MIN_LENGTH} 位")
    if len(password) > PASSWORD_MAX_LENGTH:
        raise InvalidInput(f"密码不能超过 {PASSWORD_MAX_LENGTH} 位")
    return password


class FirmPermission(Enum):
    """What only some of a firm's administrators may do. Everything else (returns, batches, 代提请, reminders,
    exports) every 主管理员 and 审核员 may do."""

    MANAGE_ACCOUNTS = "manage_accounts"  # 账户管理: create, disable, enable, reset 审核员
    VIEW_OPERATION_LOG = "view_operation_log"  # 操作日志


PERMISSION_LABELS = {
    FirmPermission.MANAGE_ACCOUNTS: "账户管理",
    FirmPermission.VIEW_OPERATION_LOG: "操作日志",
}

#: The rule, kept simple: a 主管理员 may do everything; a 审核员 everything but these two.
ADMIN_ONLY = frozenset(FirmPermission)


class AdminOnly(Forbidden):
    """A 审核员 asked for what only the 主管理员 may do (HTTP 403)."""

    code = "admin_only"


def permission_refusal(role: AccountRole | str, permission: FirmPermission) -> str | None:
    """Why an account of `role` may not do `permission` (None: it may)."""
    if AccountRole(role) is AccountRole.ADMIN or permission not in ADMIN_ONLY:
        return None
    return f"只有主管理员可以使用{PERMISSION_LABELS[permission]}"


def require_permission(role: AccountRole | str, permission: FirmPermission) -> None:
    why = permission_refusal(role, permission)
    if why is not None:
        raise AdminOnly(why, permission=permission.value)


class LoginTaken(TransitionRefused):
    """The login is someone's already (HTTP 409)."""

    code = "login_taken"


def login_taken_message(login: str) -> str:
    return f"登录名 {login} 已被使用，请换一个序号"


#: What a firm's people do, as the 操作日志 lists them (its filter offers these).
FIRM_LOG_ACTIONS = (
    Action.FIRM_RETURN,
    Action.SUBMIT_BATCH,
    Action.WITHDRAW_BATCH,
    Action.RESUBMIT_BATCH,
    Action.ON_BEHALF,
    Action.REMIND,
    Action.ACCOUNT_CREATE,
    Action.ACCOUNT_DISABLE,
    Action.ACCOUNT_ENABLE,
    Action.ACCOUNT_RESET_PASSWORD,
)
