"""Sign-in use cases: login with lockout, bearer tokens (only their sha256 stored), logout."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from firmdesk.domain.limits import LOGIN_FAILURE_WINDOW_MINUTES, LOGIN_LOCK_MINUTES, LOGIN_MAX_FAILURES
from firmdesk.domain.states import Role
from firmdesk.server.db.models import AuthToken, Cpa, Firm, Institute, LoginFailure
from firmdesk.server.security import dummy_hash, new_token, token_hash, verify_password
from firmdesk.server.services.clock import CHINA, iso_utc, utcnow
from firmdesk.server.services.errors import AccountLocked, BadCredentials, Unauthorized
from firmdesk.server.services.schemas import LoginResult, Me

Account = Cpa | Firm | Institute

_MODELS: dict[Role, type[Cpa] | type[Firm] | type[Institute]] = {
    Role.CPA: Cpa,
    Role.FIRM: Firm,
    Role.INSTITUTE: Institute,
}


def member_no_of(account: Account) -> str:
    if isinstance(account, Cpa):
        return account.cert_no
    if isinstance(account, Firm):
        return account.number
    return account.code


def find_account(session: Session, role: Role, member_no: str) -> Account | None:
    if role is Role.CPA:
        return session.scalar(select(Cpa).where(Cpa.cert_no == member_no))
    if role is Role.FIRM:
        return session.scalar(select(Firm).where(Firm.number == member_no))
    return session.scalar(select(Institute).where(Institute.code == member_no))


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
        session.execute(
            delete(LoginFailure).where(LoginFailure.role == role.value, LoginFailure.member_no == member_no)
        )
        token = new_token()
        expires_at = now + timedelta(hours=self.token_hours)
        session.add(
            AuthToken(
                token_hash=token_hash(token),
                role=role.value,
                subject_id=account.id,
                created_at=now,
                expires_at=expires_at,
            )
        )
        session.commit()
        return LoginResult(token=token, expires_at=expires_at, role=role.value, member_no=member_no, name=account.name)


def _locked(locked_until: datetime) -> AccountLocked:
    local = locked_until.replace(tzinfo=UTC).astimezone(CHINA)
    return AccountLocked(f"登录失败次数过多，账户已锁定至 {local:%H:%M}", locked_until=iso_utc(locked_until))


@dataclass(frozen=True)
class Principal:
    """The signed-in account behind a bearer token."""

    role: Role
    account: Account
    token_hash: str

    @property
    def me(self) -> Me:
        return Me(role=self.role.value, member_no=member_no_of(self.account), name=self.account.name)


def resolve_token(session: Session, token: str | None) -> Principal:
    """The principal of a valid token, else `Unauthorized` (missing, unknown, expired or revoked)."""
    if not token:
        raise Unauthorized("请先登录")
    digest = token_hash(token)
    row = session.scalar(select(AuthToken).where(AuthToken.token_hash == digest))
    if row is None or row.revoked_at is not None:
        raise Unauthorized("登录已失效，请重新登录")
    if row.expires_at <= utcnow():
        raise Unauthorized("登录已过期，请重新登录")
    role = Role(row.role)
    account = session.get(_MODELS[role], row.subject_id)
    if account is None:
        raise Unauthorized("登录已失效，请重新登录")
    return Principal(role=role, account=account, token_hash=digest)


def logout(session: Session, principal: Principal) -> None:
    row = session.scalar(select(AuthToken).where(AuthToken.token_hash == principal.token_hash))
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()
    session.commit()
