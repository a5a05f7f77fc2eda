"""Login protection that cannot be turned against users; every count lives in the database (several workers,
one truth). The design is described in docs/security.md; in short, before the password is checked:

1. **Account and address**: 5 failures of one account from one address within 15 minutes lock that account
   *for that address* for 15 minutes. Someone else's failures never lock a firm out of its own office.
2. **Address across accounts** (password spraying): past `login_address_max_failures` failures from one
   address within 15 minutes, that address waits 30 s after its last failure, doubling with each further
   failure (at most 15 minutes): 429 `too_many_attempts` with `Retry-After`.
3. **Account from everywhere** (guessing from many addresses): past `login_account_max_failures` failures of
   one account within 15 minutes, it is locked for 15 minutes, except from its *usual addresses* (an address
   it signed in from within `login_usual_address_days` days), which keep working.
4. **Global ceiling**: past `login_global_max_failures` failures within a minute from anywhere, only usual
   addresses may try; everyone else waits until the minute's count falls (a slowdown, never a lockout).

Everything is keyed by what was typed (organisation kind and login), never by whether the account exists,
so known and unknown accounts get the same answers after the same work.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, and_, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from firmdesk.domain.limits import LOGIN_FAILURE_WINDOW_MINUTES, LOGIN_LOCK_MINUTES, LOGIN_MAX_FAILURES
from firmdesk.server.config import Settings
from firmdesk.server.db.models import LoginAddress, LoginFailure
from firmdesk.server.services.changes import take_write_turn
from firmdesk.server.services.clock import CHINA, iso_utc
from firmdesk.server.services.errors import AccountLocked, TooManyAttempts

#: Failures older than this are deleted (every window is far shorter).
_KEEP_FAILURES = timedelta(days=1)


@dataclass(frozen=True)
class LoginPolicy:
    """The thresholds of the login protection (from `Settings`)."""

    pair_max_failures: int = LOGIN_MAX_FAILURES
    window: timedelta = timedelta(minutes=LOGIN_FAILURE_WINDOW_MINUTES)
    lock: timedelta = timedelta(minutes=LOGIN_LOCK_MINUTES)
    address_max_failures: int = 20
    address_first_wait: timedelta = timedelta(seconds=30)
    account_max_failures: int = 20
    global_max_failures: int = 300
    global_window: timedelta = timedelta(minutes=1)
    usual_address_age: timedelta = timedelta(days=30)

    @classmethod
    def from_settings(cls, settings: Settings) -> LoginPolicy:
        return cls(
            address_max_failures=settings.login_address_max_failures,
            account_max_failures=settings.login_account_max_failures,
            global_max_failures=settings.login_global_max_failures,
            usual_address_age=timedelta(days=settings.login_usual_address_days),
        )


@dataclass(frozen=True)
class Attempt:
    """Who is trying: the typed organisation kind and login, from which client address, when (naive UTC)."""

    role: str
    member_no: str
    client: str
    at: datetime

    @property
    def account_filter(self) -> ColumnElement[bool]:
        return and_(LoginFailure.role == self.role, LoginFailure.member_no == self.member_no)


def admit(session: Session, policy: LoginPolicy, attempt: Attempt) -> int:
    """Refuse the attempt (`AccountLocked` or `TooManyAttempts`) or let its password be checked; returns the
    failures of this account from this address so far (to answer the failure that reaches the lock)."""
    now = attempt.at
    since = now - policy.window
    pair = _failures(session, since, attempt.account_filter, LoginFailure.client == attempt.client)
    pair_until = pair.ends(policy.pair_max_failures, policy.lock, now)
    if pair_until is not None:
        raise locked(pair_until, now)
    from_address = _failures(session, since, LoginFailure.client == attempt.client)
    doublings = min(max(from_address.count - policy.address_max_failures, 0), 16)
    address_until = from_address.ends(
        policy.address_max_failures, min(policy.lock, policy.address_first_wait * 2**doublings), now
    )
    if address_until is not None:
        raise too_many(address_until, now)
    account_until = _failures(session, since, attempt.account_filter).ends(
        policy.account_max_failures, policy.lock, now
    )
    if account_until is not None and not is_usual_address(session, policy, attempt):
        raise locked(account_until, now)
    global_since = now - policy.global_window
    overall = _failures(session, global_since).count
    if overall >= policy.global_max_failures and not is_usual_address(session, policy, attempt):
        # Wait until enough of this minute's failures have aged out to fall below the ceiling.
        oldest_to_expire = session.scalar(
            select(LoginFailure.at)
            .where(LoginFailure.at > global_since)
            .order_by(LoginFailure.at)
            .offset(overall - policy.global_max_failures)
            .limit(1)
        )
        raise too_many((oldest_to_expire or now) + policy.global_window, now)
    return pair.count


def record_failure(session: Session, policy: LoginPolicy, attempt: Attempt, pair_failures: int) -> AccountLocked | None:
    """Count a wrong password (or unknown login); the lock to answer if this failure reached it."""
    take_write_turn(session)
    session.add(LoginFailure(role=attempt.role, member_no=attempt.member_no, client=attempt.client, at=attempt.at))
    session.execute(delete(LoginFailure).where(LoginFailure.at < attempt.at - _KEEP_FAILURES))
    session.commit()
    if pair_failures + 1 >= policy.pair_max_failures:
        return locked(attempt.at + policy.lock, attempt.at)
    return None


def record_success(session: Session, attempt: Attempt) -> None:
    """A signed-in account: this address becomes (or stays) one of its usual ones; its failures here are
    forgiven (not those from elsewhere). Takes the write turn; the caller commits."""
    take_write_turn(session)
    session.execute(delete(LoginFailure).where(attempt.account_filter, LoginFailure.client == attempt.client))
    where = (
        LoginAddress.role == attempt.role,
        LoginAddress.member_no == attempt.member_no,
        LoginAddress.client == attempt.client,
    )
    known = session.scalar(select(LoginAddress).where(*where))
    if known is None:
        try:
            with session.begin_nested():
                known = LoginAddress(
                    role=attempt.role, member_no=attempt.member_no, client=attempt.client, last_success_at=attempt.at
                )
                session.add(known)
        except IntegrityError:  # another worker recorded it at the same moment
            known = session.scalars(select(LoginAddress).where(*where)).one()
    known.last_success_at = attempt.at


def is_usual_address(session: Session, policy: LoginPolicy, attempt: Attempt) -> bool:
    """Whether this account signed in from this address within `usual_address_age`."""
    found = session.scalar(
        select(LoginAddress.id).where(
            LoginAddress.role == attempt.role,
            LoginAddress.member_no == attempt.member_no,
            LoginAddress.client == attempt.client,
            LoginAddress.last_success_at > attempt.at - policy.usual_address_age,
        )
    )
    return found is not None


@dataclass(frozen=True)
class _Failures:
    count: int
    last: datetime | None

    def ends(self, threshold: int, duration: timedelta, now: datetime) -> datetime | None:
        """When the lock (or wait) of `duration` after the last failure ends, if `threshold` is reached and it
        has not ended yet."""
        if self.count < threshold or self.last is None or self.last + duration <= now:
            return None
        return self.last + duration


def _failures(session: Session, since: datetime, *where: ColumnElement[bool]) -> _Failures:
    """How many failures match `where` since `since`, and the latest one."""
    count, last = session.execute(
        select(func.count(), func.max(LoginFailure.at)).where(LoginFailure.at > since, *where)
    ).one()
    return _Failures(int(count), last)


def _seconds(until: datetime, now: datetime) -> int:
    return max(1, math.ceil((until - now).total_seconds()))


def locked(until: datetime, now: datetime) -> AccountLocked:
    local = until.replace(tzinfo=UTC).astimezone(CHINA)
    return AccountLocked(
        f"登录失败次数过多，账户已锁定至 {local:%H:%M}", locked_until=iso_utc(until), retry_after=_seconds(until, now)
    )


def too_many(until: datetime, now: datetime) -> TooManyAttempts:
    wait = _seconds(until, now)
    said = f"{wait} 秒" if wait < 120 else f"{math.ceil(wait / 60)} 分钟"
    return TooManyAttempts(f"登录尝试过于频繁，请 {said}后再试", retry_after=wait)
