"""The firm's named administrators: the 主管理员 lists, creates, disables, enables and resets 审核员 accounts.

Only the 主管理员 may (`domain.accounts.require_permission`); each change is an event of the firm (the 操作日志
shows it). Disabling or resetting a password ends the 审核员's sessions at once (their tokens are revoked).
Passwords are hashed before the write turn: argon2 is slow on purpose and must not hold the write lock.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from firmdesk.domain.accounts import (
    AccountRole,
    FirmPermission,
    LoginTaken,
    check_new_password,
    check_person_name,
    check_reviewer_login,
    login_taken_message,
    require_permission,
)
from firmdesk.domain.errors import NotFound, TransitionRefused
from firmdesk.domain.states import Action, Role
from firmdesk.server.db.models import Account, AuthToken, Firm
from firmdesk.server.services.actors import Actor
from firmdesk.server.services.changes import Change
from firmdesk.server.services.idempotency import Operation, scope
from firmdesk.server.services.schemas import FirmAccountCreate, FirmAccountOut


def to_account(account: Account) -> FirmAccountOut:
    role = AccountRole(account.org_role)
    return FirmAccountOut(
        id=account.id,
        login=account.login,
        person_name=account.person_name,
        account_role=role.value,
        account_role_label=role.label,
        disabled=account.disabled,
        created_at=account.created_at,
    )


def list_accounts(session: Session, firm: Firm, acting: Account) -> list[FirmAccountOut]:
    """The firm's accounts, the 主管理员 first (the 主管理员 only)."""
    require_permission(acting.org_role, FirmPermission.MANAGE_ACCOUNTS)
    accounts = session.scalars(
        select(Account).where(Account.org_kind == Role.FIRM.value, Account.firm_id == firm.id).order_by(Account.id)
    )
    return [to_account(a) for a in accounts]


def create_reviewer(
    session: Session,
    hasher: PasswordHasher,
    firm: Firm,
    acting: Account,
    actor: Actor,
    body: FirmAccountCreate,
    idempotency_key: str | None = None,
) -> FirmAccountOut:
    """A new 审核员 of the firm signing in as `{firm number}-NN`; a login in use is refused (409)."""
    require_permission(acting.org_role, FirmPermission.MANAGE_ACCOUNTS)
    login = check_reviewer_login(firm.number, body.login)
    name = check_person_name(body.person_name)
    password_hash = hasher.hash(check_new_password(body.password))
    session.commit()  # the sign-in check's reading transaction ends before the slow hash's result is written
    command = {"login": login, "person_name": name}  # what the key's hash is made of: never the password
    change = Change(session, actor, scope(actor, idempotency_key, Operation.FIRM_ACCOUNT_CREATE, command))
    if session.scalar(select(Account.id).where(Account.org_kind == Role.FIRM.value, Account.login == login)):
        raise LoginTaken(login_taken_message(login), login=login)
    account = Account(
        org_kind=Role.FIRM.value,
        firm_id=firm.id,
        login=login,
        person_name=name,
        password_hash=password_hash,
        org_role=AccountRole.REVIEWER.value,
        disabled=False,
        created_at=change.now,
    )
    session.add(account)
    try:
        session.flush()
    except IntegrityError:  # another worker made it between the check and here: still one winner
        session.rollback()
        raise LoginTaken(login_taken_message(login), login=login) from None
    change.event(Action.ACCOUNT_CREATE, subject_account_id=account.id)
    result = to_account(account)
    change.commit(result, status_code=201)
    return result


def _reviewer(session: Session, firm: Firm, account_id: int) -> Account:
    """One of the firm's accounts (another firm's: 404); the 主管理员 itself cannot be changed here."""
    account = session.get(Account, account_id)
    if account is None or account.org_kind != Role.FIRM.value or account.firm_id != firm.id:
        raise NotFound("未找到该账户", account_id=account_id)
    if AccountRole(account.org_role) is not AccountRole.REVIEWER:
        raise TransitionRefused("主管理员账户不能在此停用或重置密码", account_id=account_id)
    return account


def _revoke_tokens(change: Change, account: Account) -> None:
    change.session.execute(
        update(AuthToken)
        .where(AuthToken.account_id == account.id, AuthToken.revoked_at.is_(None))
        .values(revoked_at=change.now)
    )


def set_disabled(
    session: Session, firm: Firm, acting: Account, actor: Actor, account_id: int, disabled: bool
) -> FirmAccountOut:
    """停用 (its sessions end at once) or 启用 a 审核员; doing what is already so changes nothing."""
    require_permission(acting.org_role, FirmPermission.MANAGE_ACCOUNTS)
    change = Change(session, actor)
    account = _reviewer(session, firm, account_id)
    if account.disabled != disabled:
        account.disabled = disabled
        if disabled:
            _revoke_tokens(change, account)
        action = Action.ACCOUNT_DISABLE if disabled else Action.ACCOUNT_ENABLE
        change.event(action, subject_account_id=account.id)
    result = to_account(account)
    change.commit()
    return result


def reset_password(
    session: Session, hasher: PasswordHasher, firm: Firm, acting: Account, actor: Actor, account_id: int, password: str
) -> FirmAccountOut:
    """A new password for a 审核员; every session of theirs ends (they sign in with the new one)."""
    require_permission(acting.org_role, FirmPermission.MANAGE_ACCOUNTS)
    password_hash = hasher.hash(check_new_password(password))
    session.commit()
    change = Change(session, actor)
    account = _reviewer(session, firm, account_id)
    account.password_hash = password_hash
    _revoke_tokens(change, account)
    change.event(Action.ACCOUNT_RESET_PASSWORD, subject_account_id=account.id)
    result = to_account(account)
    change.commit()
    return result
