"""Sign-in use cases: login with lockout, bearer tokens (only their sha256 stored), logout."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, joinedload

from firmdesk.domain.limits import LOGIN_FAILURE_WINDOW_MINUTES, LOGIN_LOCK_MINUTES, LOGIN_MAX_FAILURES
from firmdesk.domain.states import Role
from firmdesk.server.db.models import Account, AuthToken, Cpa, Firm, Institute, LoginFailure
from firmdesk.server.security import dummy_hash, new_token, token_hash, verify_password
from firmdesk.server.services.clock import CHINA, iso_utc, utcnow
from firmdesk.server.services.errors import AccountDisabled, AccountLocked, BadCredentials, Unauthorized
from firmdesk.server.services.schemas import LoginResult, Me

#: What an account signs in for: a CPA, a firm or an institute.
Organisation = Cpa | Firm | Institute

ACCOUNT_DISABLED = "该账户已停用，请联系管理员"


def member_no_of(organisation: Organisation) -> str:
    """The organisation's own number (certificate number, firm number, institute code)."""
    if isinstance(organisation, Cpa):
        return organisation.cert_no
    if isinstance(organisation, Firm):
        return organisation.number
    return organisation.code


def find_account(session: Session, role: Role, login: str) -> Account | None:
    """The account that signs in as `login` for a `role` organisation."""
    return session.scalar(select(Account).where(Account.org_kind == role.value, Account.login == login))


@dataclass
class Authenticator:
    """Checks passwords with the configured argon2 cost and hands out tokens."""

    hasher: PasswordHasher
    token_hours: float

    def __post_init__(self) -> None:
        self._dummy = dummy_hash(self.hasher)

    def login(self, session: Session, user_type: str, member_no: str, password: str) -> LoginResult:
        role = Role(user_type)
        member_no = member_no.strip()
        now = utcnow()
        window_start = now - timedelta(minutes=LOGIN_FAILURE_WINDOW_MINUTES)
        recent = session.execute(
            select(func.count(), func.max(LoginFailure.at)).where(
                LoginFailure.role == role.value, LoginFailure.member_no == member_no, LoginFailure.at > window_start
            )
        ).one()
        failures, last_failure = recent[0], recent[1]
        if failures >= LOGIN_MAX_FAILURES and last_failure is not None:
            locked_until = last_failure + timedelta(minutes=LOGIN_LOCK_MINUTES)
            if locked_until > now:
                raise _locked(locked_until)
        account = find_account(session, role, member_no)
        session.commit()  # argon2 is slow on purpose: do not hold SQLite's write lock meanwhile
        ok = verify_password(account.password_hash if account else self._dummy, password, self.hasher)
        if account is None or not ok:
            session.add(LoginFailure(role=role.value, member_no=member_no, at=now))
            session.commit()
            if failures + 1 >= LOGIN_MAX_FAILURES:
                raise _locked(now + timedelta(minutes=LOGIN_LOCK_MINUTES))
            raise BadCredentials("会员编号或密码错误")
        if account.disabled:  # told only to whoever knows the password
            raise AccountDisabled(ACCOUNT_DISABLED)
        session.execute(
            delete(LoginFailure).where(LoginFailure.role == role.value, LoginFailure.member_no == member_no)
        )
        token = new_token()
        expires_at = now + timedelta(hours=self.token_hours)
        session.add(
            AuthToken(token_hash=token_hash(token), account_id=account.id, created_at=now, expires_at=expires_at)
        )
        organisation = account.organisation
        session.commit()
        return LoginResult(
            token=token,
            expires_at=expires_at,
            role=role.value,
            member_no=member_no_of(organisation),
            name=organisation.name,
        )


def _locked(locked_until: datetime) -> AccountLocked:
    local = locked_until.replace(tzinfo=UTC).astimezone(CHINA)
    return AccountLocked(f"登录失败次数过多，账户已锁定至 {local:%H:%M}", locked_until=iso_utc(locked_until))


@dataclass(frozen=True)
class Principal:
    """The signed-in account behind a bearer token, and the organisation it acts for."""

    account: Account
    organisation: Organisation
    token_hash: str

    @property
    def role(self) -> Role:
        return self.account.role

    @property
    def me(self) -> Me:
        return Me(role=self.role.value, member_no=member_no_of(self.organisation), name=self.organisation.name)


def resolve_token(session: Session, token: str | None) -> Principal:
    """The principal of a valid token, else `Unauthorized` (missing, unknown, expired or revoked)."""
    if not token:
        raise Unauthorized("请先登录")
    digest = token_hash(token)
    account_and_organisation = joinedload(AuthToken.account)
    row = session.scalar(
        select(AuthToken)
        .where(AuthToken.token_hash == digest)
        .options(
            account_and_organisation.joinedload(Account.firm),
            account_and_organisation.joinedload(Account.institute),
            account_and_organisation.joinedload(Account.cpa),
        )
    )
    if row is None or row.revoked_at is not None:
        raise Unauthorized("登录已失效，请重新登录")
    if row.expires_at <= utcnow():
        raise Unauthorized("登录已过期，请重新登录")
    account = row.account
    if account.disabled:
        raise Unauthorized(ACCOUNT_DISABLED)
    return Principal(account=account, organisation=account.organisation, token_hash=digest)


def logout(session: Session, principal: Principal) -> None:
    row = session.scalar(select(AuthToken).where(AuthToken.token_hash == principal.token_hash))
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()
    session.commit()
