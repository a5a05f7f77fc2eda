"""Domain errors: each carries a Chinese message meant for the user and a stable code."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every rule violation; `message` is shown to the user as it is."""

    code = "domain_error"

    def __init__(self, message: str, **extra: object) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra


class TransitionRefused(DomainError):
    """The action does not apply to the record's current state (HTTP 409)."""

    code = "transition_refused"


class VersionConflict(DomainError):
    """Someone else changed the record first (HTTP 409)."""

    code = "version_conflict"


class LimitExceeded(DomainError):
    """A size, count or type limit was broken (HTTP 422, or 413 for size)."""

    code = "limit_exceeded"


class InvalidInput(DomainError):
    """A required value is missing or malformed (HTTP 422)."""

    code = "invalid_input"


class NotFound(DomainError):
    """The record does not exist or is not visible to the caller (HTTP 404)."""

    code = "not_found"


class Forbidden(DomainError):
    """The caller's role may not do this (HTTP 403)."""

    code = "forbidden"
