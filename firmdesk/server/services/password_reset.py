"""忘记密码 for CPAs: a one-time code by e-mail, then a new password.

- **Request** (证书编号): always the same answer, whether or not the account exists or has an address; when it
  has one, a 6-digit code (kept only as a salted hash) valid 15 minutes goes out through the outbox, in the
  same transaction. Earlier unused codes of the account die with it.
- **Confirm** (证书编号, code, new password): the code is single-use and dies after 5 wrong tries; the new
  password must follow `password_problem`; it is hashed (argon2) outside any write transaction; then, in one
  write turn, the code is used up (one winner), the password replaced and every token of the account revoked.
- **Rate limits**, counted in the database (`password_reset_attempts`, so they hold across workers), keyed by
  what was typed and by client address: past 3 requests an hour for one 证书编号 no further code is sent (the
  answer stays the same); past 10 requests or 20 wrong codes in 15 minutes from one address, that address is
  refused (429 `too_many_attempts`), which says nothing about any account.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from firmdesk.domain.errors import InvalidInput
from firmdesk.domain.states import Role
from firmdesk.server.db.models import Account, AuthToken, Cpa, PasswordResetAttempt, PasswordResetCode
from firmdesk.server.services.auth import find_account
from firmdesk.server.services.changes import take_write_turn
from firmdesk.server.services.clock import utcnow
from firmdesk.server.services.errors import TooManyAttempts
from firmdesk.server.services.mail_schemas import ResetCodeRequested, ResetDone
from firmdesk.server.services.outbox import MailKind, enqueue

CODE_DIGITS = 6
CODE_LIFETIME = timedelta(minutes=15)
MAX_WRONG_CODES = 5
ACCOUNT_CODES_PER_HOUR = 3
ADDRESS_WINDOW = timedelta(minutes=15)
ADDRESS_MAX_REQUESTS = 10
ADDRESS_MAX_WRONG_CODES = 20
PASSWORD_MIN_LENGTH = 8
PASSWORD_MAX_LENGTH = 128
PASSWORD_RULES = f"至少 {PASSWORD_MIN_LENGTH} 位，须同时包含字母和数字，不能包含证书编号"

REQUESTED = "若该账户登记了邮箱，验证码已发送，请在 15 分钟内使用"
RESET_DONE = "密码已重置，请使用新密码登录"
CODE_INVALID = "验证码错误或已失效，请重新获取验证码"
MAIL_SUBJECT = "CMIS 重置密码验证码"

_REQUEST = "request"
_WRONG_CODE = "wrong_code"
_KEEP_ATTEMPTS = timedelta(days=1)


class ResetCodeInvalid(InvalidInput):
    """A wrong, expired, used-up or unknown code (the same answer for an unknown 证书编号): HTTP 422."""

    code = "reset_code_invalid"


def password_problem(password: str, login: str) -> str | None:
    """Why a new password is refused, or None: 8 to 128 characters, letters and digits, not the 证书编号."""
    if len(password) < PASSWORD_MIN_LENGTH:
        return f"新密码至少 {PASSWORD_MIN_LENGTH} 位"
    if len(password) > PASSWORD_MAX_LENGTH:
        return f"新密码不能超过 {PASSWORD_MAX_LENGTH} 位"
    if not any(ch.isalpha() for ch in password) or not any(ch.isdigit() for ch in password):
        return "新密码须同时包含字母和数字"
    if login and login in password:
        return "新密码不能包含证书编号"
    return None


def _code_hash(code: str, salt: str | None = None) -> str:
    salt = salt or secrets.token_hex(8)
    digest = hashlib.sha256(f"{salt}:{code}".encode()).hexdigest()
    return f"{salt}${digest}"


def _code_matches(code: str, stored: str) -> bool:
    salt, _, _digest = stored.partition("$")
    return hmac.compare_digest(_code_hash(code, salt), stored)


def new_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def mail_body(name: str, code: str) -> str:
    return (
        f"{name}您好：\n"
        f"您正在重置 CMIS 注册会计师年检系统的登录密码，验证码为：{code}\n"
        f"验证码 {int(CODE_LIFETIME.total_seconds() // 60)} 分钟内有效，只能使用一次。"
        "如非本人操作，请忽略本邮件，您的密码不会改变。"
    )


def _count(session: Session, kind: str, since: datetime, **where: str) -> tuple[int, datetime | None]:
    conditions = [PasswordResetAttempt.kind == kind, PasswordResetAttempt.at > since]
    conditions += [getattr(PasswordResetAttempt, name) == value for name, value in where.items()]
    count, last = session.execute(select(func.count(), func.min(PasswordResetAttempt.at)).where(*conditions)).one()
    return int(count), last


def _admit_address(session: Session, kind: str, client: str, limit: int, now: datetime) -> None:
    """Refuse the client address past `limit` attempts of `kind` within the window (429 with Retry-After)."""
    count, oldest = _count(session, kind, now - ADDRESS_WINDOW, client=client)
    if count >= limit:
        wait = max(1, math.ceil(((oldest or now) + ADDRESS_WINDOW - now).total_seconds()))
        said = f"{wait} 秒" if wait < 120 else f"{math.ceil(wait / 60)} 分钟"
        raise TooManyAttempts(f"操作过于频繁，请 {said}后再试", retry_after=wait)


def _record(session: Session, kind: str, login: str, client: str, now: datetime) -> None:
    session.add(PasswordResetAttempt(kind=kind, login=login[:40], client=client[:64], at=now))
    session.execute(delete(PasswordResetAttempt).where(PasswordResetAttempt.at < now - _KEEP_ATTEMPTS))


def request_code(session: Session, member_no: str, client: str) -> ResetCodeRequested:
    """Send a code to the CPA's registered address, if there is one; the answer never tells."""
    login = member_no.strip()
    now = utcnow()
    take_write_turn(session)
    _admit_address(session, _REQUEST, client, ADDRESS_MAX_REQUESTS, now)
    recent, _ = _count(session, _REQUEST, now - timedelta(hours=1), login=login)
    _record(session, _REQUEST, login, client, now)
    account = find_account(session, Role.CPA, login)
    cpa = session.get(Cpa, account.cpa_id) if account is not None and account.cpa_id is not None else None
    if (
        account is not None
        and not account.disabled
        and cpa is not None
        and cpa.email
        and recent < ACCOUNT_CODES_PER_HOUR
    ):
        _retire_codes(session, account.id, now)
        code = new_code()
        session.add(
            PasswordResetCode(
                account_id=account.id,
                code_hash=_code_hash(code),
                created_at=now,
                expires_at=now + CODE_LIFETIME,
                attempts=0,
            )
        )
        enqueue(session, cpa.email, MAIL_SUBJECT, mail_body(cpa.name, code), MailKind.PASSWORD_RESET)
    session.commit()
    return ResetCodeRequested(detail=REQUESTED, expires_in_minutes=int(CODE_LIFETIME.total_seconds() // 60))


def _retire_codes(session: Session, account_id: int, now: datetime) -> None:
    session.execute(
        update(PasswordResetCode)
        .where(PasswordResetCode.account_id == account_id, PasswordResetCode.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )


@dataclass(frozen=True)
class _LiveCode:
    id: int
    account_id: int


def _live_code(session: Session, account: Account | None, now: datetime) -> PasswordResetCode | None:
    if account is None:
        return None
    return session.scalar(
        select(PasswordResetCode)
        .where(
            PasswordResetCode.account_id == account.id,
            PasswordResetCode.used_at.is_(None),
            PasswordResetCode.expires_at > now,
            PasswordResetCode.attempts < MAX_WRONG_CODES,
        )
        .order_by(PasswordResetCode.id.desc())
        .limit(1)
    )


def confirm(
    session: Session, hasher: PasswordHasher, member_no: str, code: str, new_password: str, client: str
) -> ResetDone:
    """Set the new password if the code is right; every token of the account is revoked."""
    login = member_no.strip()
    code = code.strip()
    now = utcnow()
    _admit_address(session, _WRONG_CODE, client, ADDRESS_MAX_WRONG_CODES, now)
    problem = password_problem(new_password, login)
    if problem:  # judged before the code, so that the answer says nothing about the code
        raise InvalidInput(problem)
    account = find_account(session, Role.CPA, login)
    live = _live_code(session, account, now)
    if live is None or not _code_matches(code, live.code_hash):
        take_write_turn(session)
        _record(session, _WRONG_CODE, login, client, now)
        if live is not None:
            session.execute(
                update(PasswordResetCode)
                .where(PasswordResetCode.id == live.id)
                .values(attempts=PasswordResetCode.attempts + 1)
                .execution_options(synchronize_session=False)
            )
        session.commit()
        raise ResetCodeInvalid(CODE_INVALID)
    assert account is not None
    target = _LiveCode(live.id, account.id)
    session.commit()  # argon2 is slow on purpose: no transaction (and no SQLite write lock) meanwhile
    password_hash = hasher.hash(new_password)
    take_write_turn(session)
    used = session.execute(
        update(PasswordResetCode)
        .where(
            PasswordResetCode.id == target.id,
            PasswordResetCode.used_at.is_(None),
            PasswordResetCode.expires_at > utcnow(),
        )
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if used.rowcount != 1:  # type: ignore[attr-defined]  # another request used it first
        session.rollback()
        raise ResetCodeInvalid(CODE_INVALID)
    session.execute(
        update(Account)
        .where(Account.id == target.account_id)
        .values(password_hash=password_hash)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(AuthToken)
        .where(AuthToken.account_id == target.account_id, AuthToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    _retire_codes(session, target.account_id, utcnow())
    session.commit()
    return ResetDone(detail=RESET_DONE)
