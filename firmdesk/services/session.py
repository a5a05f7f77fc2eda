"""`FirmSession`: the firm administrator's logged-in state (client with its token, the firm's info)."""

from __future__ import annotations

import logging
from datetime import datetime

import httpx

from firmdesk.domain.states import Role
from firmdesk.services.api_client import CmisClient
from firmdesk.services.credentials import CredentialStore
from firmdesk.services.errors import KeyringUnavailable, ServiceError, SessionExpired
from firmdesk.services.models import FirmInfo
from firmdesk.services.people import SignedInPerson

log = logging.getLogger(__name__)


class FirmSession:
    """Made by `FirmSession.login(...)` (or `resume(...)`); `.client` is authenticated, `.firm` loaded."""

    def __init__(
        self,
        client: CmisClient,
        firm: FirmInfo,
        *,
        member_no: str,
        name: str,
        expires_at: datetime | None = None,
        credentials: CredentialStore | None = None,
        person: SignedInPerson | None = None,
    ) -> None:
        self.client = client
        self.firm = firm
        self.member_no = member_no
        self.name = name
        self.expires_at = expires_at
        self.credentials = credentials or CredentialStore()
        #: Set when 记住密码 was asked but this system cannot keep secrets: the login itself succeeded.
        self.remember_error: KeyringUnavailable | None = None
        #: True for a session opened offline on the cached data (`offline_access.py`): it logs in later.
        self.opened_offline = False
        #: The person signed in (the server says who; offline, the login's form says the role).
        self.person = person or SignedInPerson(member_no)

    def __repr__(self) -> str:
        return f"FirmSession({self.server!r}, member_no={self.member_no!r})"

    @property
    def server(self) -> str:
        return self.client.base_url

    @classmethod
    def login(
        cls,
        server: str,
        member_no: str,
        password: str,
        remember: bool,
        *,
        credentials: CredentialStore | None = None,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 10,
    ) -> FirmSession:
        """Check that `server` is a CMIS server, log in as the firm, load the firm's info.

        Raises `ServerUnreachable`, `NotCmisServer`, `BadCredentials`, `AccountLocked`. With
        `remember` the password and token go to the keyring (if it cannot, `remember_error` says
        so and the session is still returned); without it anything remembered is forgotten.
        """
        member_no = member_no.strip()
        client = CmisClient(server, timeout=timeout, transport=transport)
        try:
            client.health()
            result = client.login(Role.FIRM.value, member_no, password)
            try:
                firm = client.firm()
            except BaseException:
                _quietly_logout(client)  # leave no live token behind
                raise
        except BaseException:
            client.close()
            raise
        session = cls(
            client,
            firm,
            member_no=member_no,
            name=result.name or firm.name,
            expires_at=result.expires_at,
            credentials=credentials,
            person=SignedInPerson(result.login or member_no, result.person_name, result.account_role),
        )
        session.remember_login(password, result.token, remember)
        return session

    @classmethod
    def resume(
        cls,
        server: str,
        member_no: str,
        *,
        credentials: CredentialStore | None = None,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 10,
    ) -> FirmSession | None:
        """A session from the remembered token, or None when there is none or the server no longer accepts it."""
        store = credentials or CredentialStore()
        stored = store.load(server, member_no)
        if stored is None or not stored.token:
            return None
        client = CmisClient(server, token=stored.token, timeout=timeout, transport=transport)
        try:
            client.health()
            me = client.me()
            firm = client.firm()
        except SessionExpired:
            client.close()
            store.forget_token(server, member_no)
            return None
        except BaseException:
            client.close()
            raise
        if me.get("role") != Role.FIRM.value:
            client.close()
            return None
        person = SignedInPerson(me.get("login") or member_no, me.get("person_name") or "", me.get("account_role") or "")
        name = me.get("name") or firm.name
        return cls(client, firm, member_no=member_no, name=name, credentials=store, person=person)

    def remember_login(self, password: str, token: str, remember: bool) -> None:
        """After a login: keep the password and token in the keyring with `remember`, else forget them."""
        try:
            if remember:
                self.credentials.save(self.server, self.member_no, password, token)
            else:
                self.credentials.forget(self.server, self.member_no)
        except KeyringUnavailable as e:
            if remember:
                log.warning("cannot remember the password: the system has no usable keyring")
                self.remember_error = e

    def logout(self, forget_password: bool = False) -> None:
        """Revoke the token on the server, forget it (and the password if asked), close the client.

        Logging out always succeeds locally; a server that cannot be reached is only logged.
        """
        try:
            self.client.logout()
        except ServiceError as e:
            log.warning("logout: the server did not revoke the token: %s", type(e).__name__)
        finally:
            self.client.close()
        try:
            if forget_password:
                self.credentials.forget(self.server, self.member_no)
            else:
                self.credentials.forget_token(self.server, self.member_no)
        except KeyringUnavailable:
            pass  # nothing could have been remembered


def _quietly_logout(client: CmisClient) -> None:
    try:
        client.logout()
    except ServiceError:
        log.warning("could not revoke the token of a failed login")
