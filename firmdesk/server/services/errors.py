"""Errors of the server's use cases beyond the domain rules (auth, quotas); mapped to HTTP at the API edge."""

from __future__ import annotations

from typing import Any

from firmdesk.domain.errors import DomainError, Forbidden, InvalidInput, LimitExceeded


class Unauthorized(DomainError):
    """No valid bearer token (missing, expired or revoked): HTTP 401."""

    code = "unauthorized"


class AccountDisabled(Forbidden):
    """Signing in with the right password to a disabled account: HTTP 403 (its tokens get `Unauthorized`)."""

    code = "account_disabled"


class BadCredentials(DomainError):
    """Wrong member number or password: HTTP 401."""

    code = "bad_credentials"


class AccountLocked(DomainError):
    """Too many failed logins on this account: HTTP 429 with `locked_until`, `retry_after` and `Retry-After`."""

    code = "locked"


class TooManyAttempts(AccountLocked):
    """Logins slowed down (too many failures from this address, or overall): HTTP 429 with `retry_after`
    and `Retry-After`; nothing about any account."""

    code = "too_many_attempts"


class FaceQuotaExhausted(DomainError):
    """No face-verification session left today: HTTP 429 with `remaining: 0`."""

    code = "face_quota"


class AttachmentTooLarge(LimitExceeded):
    """An upload is bigger than the limit: HTTP 413 (refused while it streams in)."""


class StorageFull(DomainError):
    """The disk holding attachments (or the database) has no room left: HTTP 507; reads and sign-in go on."""

    code = "storage_full"


class IdempotencyKeyReused(InvalidInput):
    """An Idempotency-Key sent again for another operation or another request: HTTP 422."""

    code = "idempotency_key_reused"


class Replay(Exception):  # not an error: a stored answer to send again
    """A request repeated with the same Idempotency-Key: send the first answer again."""

    def __init__(self, status_code: int, body: Any) -> None:
        super().__init__("idempotent replay")
        self.status_code = status_code
        self.body = body
