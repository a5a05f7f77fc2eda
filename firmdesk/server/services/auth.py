"""Sign-in use cases: login behind the login protection (`login_protection`), bearer tokens (only their
sha256 stored), logout."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from argon2 import PasswordHasher
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from firmdesk.domain.accounts import AccountRole
from firmdesk.domain.states import Role
from firmdesk.server.db.models import Account, AuthToken, Cpa, Firm, Institute
from firmdesk.server.security import dummy_hash, new_token, token_hash, verify_password
from firmdesk.server.services.changes import take_write_turn
from firmdesk.server.services.clock import utcnow
from firmdesk.server.services.errors import AccountDisabled, BadCredentials, Unauthorized
from firmdesk.server.services.login_protection import Attempt, LoginPolicy, admit, record_failure, record_success
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


def identity_of(account: Account) -> dict[str, str]:
    """The person's part of a login answer and of `/auth/me` (`AccountIdentity`)."""
    role = AccountRole(account.org_role)
    return {
        "login": account.login,
        "person_name": account.person_name,
        "account_role": role.value,
        "account_role_label": role.label,
    }


@dataclass
class Authenticator:
    """Checks passwords with the configured argon2 cost and hands out tokens."""

    hasher: PasswordHasher
    token_hours: float
    policy: LoginPolicy = field(default_factory=LoginPolicy)

    def __post_init__(self) -> None:
        self._dummy = dummy_hash(self.hasher)

    def login(self, session: Session, user_type: str, member_no: str, password: str, client: str) -> LoginResult:
        """Sign in from the client address `client`, unless the login protection refuses the attempt first."""
        role = Role(user_type)
        member_no = member_no.strip()
        now = utcnow()
        attempt = Attempt(role.value, member_no, client, now)
        pair_failures = admit(session, self.policy, attempt)
        account = find_account(session, role, member_no)
        session.commit()  # argon2 is slow on purpose: do not hold SQLite's write lock meanwhile
        ok = verify_password(account.password_hash if account else self._dummy, password, self.hasher)
        if account is None or not ok:
            lock = record_failure(session, self.policy, attempt, pair_failures)
            raise lock or BadCredentials("会员编号或密码错误")
        if account.disabled:  # told only to whoever knows the password
            raise AccountDisabled(ACCOUNT_DISABLED)
        record_success(session, attempt)
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
            **identity_of(account),
        )


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
        return Me(
            role=self.role.value,
            member_no=member_no_of(self.organisation),
            name=self.organisation.name,
            **identity_of(self.account),
        )


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
    if row is None:
        raise Unauthorized("登录已失效，请重新登录")
    account = row.account
    if account.disabled:  # said first: disabling also revokes the tokens, and the person should hear why
        raise Unauthorized(ACCOUNT_DISABLED)
    if row.revoked_at is not None:
        raise Unauthorized("登录已失效，请重新登录")
    if row.expires_at <= utcnow():
        raise Unauthorized("登录已过期，请重新登录")
    return Principal(account=account, organisation=account.organisation, token_hash=digest)


def logout(session: Session, principal: Principal) -> None:
    take_write_turn(session)
    row = session.scalar(select(AuthToken).where(AuthToken.token_hash == principal.token_hash))
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()
    session.commit()
