"""Password hashes (argon2) and bearer tokens (random; only their sha256 is stored)."""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from firmdesk.server.config import Settings


def password_hasher(settings: Settings | None = None) -> PasswordHasher:
    """The argon2 hasher with the settings' cost (verification works for hashes of any cost)."""
    settings = settings or Settings()
    return PasswordHasher(
        time_cost=settings.argon2_time_cost,
        memory_cost=settings.argon2_memory_kib,
        parallelism=settings.argon2_parallelism,
    )


def hash_password(password: str, settings: Settings | None = None) -> str:
    return password_hasher(settings).hash(password)


def verify_password(password_hash: str, password: str, hasher: PasswordHasher | None = None) -> bool:
    try:
        return (hasher or PasswordHasher()).verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


#: A valid hash of a password nobody knows: verified against when the account does not exist,
#: so that a wrong member number costs as much time as a wrong password.
_DUMMY_PASSWORD = secrets.token_hex(16)


def dummy_hash(hasher: PasswordHasher) -> str:
    return hasher.hash(_DUMMY_PASSWORD)


def new_token() -> str:
    """A new random secret (bearer tokens, face-session tokens, QR tokens)."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
