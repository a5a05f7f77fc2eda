"""Remembered passwords and session tokens, kept in the operating system's keyring and nowhere else.

When the system has no usable keyring (headless Linux, a backend that silently stores nothing or stores
plain text) every call raises `KeyringUnavailable`: the client never falls back to a file.
Nothing secret is ever logged.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from types import ModuleType
from typing import TYPE_CHECKING

from firmdesk.services.api_client import normalize_server_url
from firmdesk.services.errors import KeyringUnavailable

if TYPE_CHECKING:
    import keyring.backend

log = logging.getLogger(__name__)


def _keyring() -> ModuleType:
    """`keyring`, imported at its first use: its backends cost ~60 ms, off the way to the login dialog
    (the remembered password is looked up on a worker; the demo and smoke runs never use it)."""
    import keyring
    import keyring.errors

    return keyring


#: Backends that do not keep a secret safely: they store nothing, refuse, or write plain text.
_UNSAFE_BACKEND_MODULES = ("keyring.backends.fail", "keyring.backends.null", "keyrings.alt")


@dataclass(frozen=True)
class StoredCredentials:
    server: str
    member_no: str
    password: str | None = field(default=None, repr=False)
    token: str | None = field(default=None, repr=False)


def _backend_is_safe(backend: keyring.backend.KeyringBackend) -> bool:
    from keyring.backends.chainer import ChainerBackend

    if isinstance(backend, ChainerBackend):
        # The chainer writes into its first backend: that one decides.
        chained = backend.backends
        return bool(chained) and _backend_is_safe(chained[0])
    module = type(backend).__module__
    return not module.startswith(_UNSAFE_BACKEND_MODULES)


class CredentialStore:
    """The firm's password and session token per (server, firm number)."""

    def __init__(self, service_name: str = "FirmDesk") -> None:
        self.service_name = service_name

    def available(self) -> bool:
        """Whether this system can remember a password (the UI disables 记住密码 otherwise)."""
        keyring = _keyring()
        try:
            return _backend_is_safe(keyring.get_keyring())
        except keyring.errors.KeyringError:
            return False

    def save(self, server: str, member_no: str, password: str, token: str | None = None) -> None:
        """Remember the password, and the token if given (a stale token of an earlier login is dropped)."""
        self._require_backend()
        self._set(self._password_key(server, member_no), password)
        if token:
            self._set(self._token_key(server, member_no), token)
        else:
            self._delete(self._token_key(server, member_no))
        log.info("remembered the credentials of %s on %s", member_no, normalize_server_url(server))

    def save_token(self, server: str, member_no: str, token: str) -> None:
        self._require_backend()
        self._set(self._token_key(server, member_no), token)

    def load(self, server: str, member_no: str) -> StoredCredentials | None:
        """What is remembered for this firm on this server, or None."""
        self._require_backend()
        password = self._get(self._password_key(server, member_no))
        token = self._get(self._token_key(server, member_no))
        if password is None and token is None:
            return None
        return StoredCredentials(normalize_server_url(server), member_no, password, token)

    def forget(self, server: str, member_no: str) -> None:
        """Forget both the password and the token."""
        self._require_backend()
        self._delete(self._password_key(server, member_no))
        self._delete(self._token_key(server, member_no))
        log.info("forgot the credentials of %s on %s", member_no, normalize_server_url(server))

    def forget_token(self, server: str, member_no: str) -> None:
        self._require_backend()
        self._delete(self._token_key(server, member_no))

    # -- keyring access -------------------------------------------------------------------------

    def _password_key(self, server: str, member_no: str) -> str:
        return f"{member_no}@{normalize_server_url(server)}"

    def _token_key(self, server: str, member_no: str) -> str:
        return f"{self._password_key(server, member_no)}#token"

    def _require_backend(self) -> None:
        if not self.available():
            raise KeyringUnavailable()

    def _set(self, username: str, secret: str) -> None:
        keyring = _keyring()
        try:
            keyring.set_password(self.service_name, username, secret)
            # A backend may accept the secret and keep nothing (the chainer with no backend behind it).
            stored = keyring.get_password(self.service_name, username)
        except keyring.errors.KeyringError as e:
            log.warning("keyring refused to store a secret: %s", type(e).__name__)
            raise KeyringUnavailable() from None
        if stored != secret:
            raise KeyringUnavailable()

    def _get(self, username: str) -> str | None:
        keyring = _keyring()
        try:
            secret: str | None = keyring.get_password(self.service_name, username)
        except keyring.errors.KeyringError as e:
            log.warning("keyring refused to read a secret: %s", type(e).__name__)
            raise KeyringUnavailable() from None
        return secret

    def _delete(self, username: str) -> None:
        keyring = _keyring()
        try:
            keyring.delete_password(self.service_name, username)
        except keyring.errors.PasswordDeleteError:
            pass  # nothing was stored
        except keyring.errors.KeyringError as e:
            log.warning("keyring refused to delete a secret: %s", type(e).__name__)
            raise KeyringUnavailable() from None
