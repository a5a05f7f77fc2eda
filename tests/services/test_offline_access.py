# ruff: noqa: F811  (the fixtures imported from offline_fixtures are parameters of the tests)
"""离线打开: the password is checked against the last online login's hash; the session logs in by itself later."""

from __future__ import annotations

from pathlib import Path

import pytest
from argon2 import PasswordHasher

from firmdesk.services.credentials import CredentialStore
from firmdesk.services.errors import OfflineOpenRefused, ServerUnreachable, SessionExpired
from firmdesk.services.local_store import CACHE_FILE, LocalStore
from firmdesk.services.offline_access import NO_CACHE, WRONG_PASSWORD, OfflineAccess
from firmdesk.services.session import FirmSession
from firmdesk.services.sync import Synchronizer
from tests.helpers.offline import (  # noqa: F401  (fixtures)
    DEMO_FIRM,
    DEMO_PASSWORD,
    YEAR,
    RestartableServer,
    demo_server_settings,
    restartable_server,
)

CHEAP = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture
def access(tmp_path: Path) -> OfflineAccess:
    return OfflineAccess(tmp_path / "data", hasher=CHEAP)


def _online(server: RestartableServer, access: OfflineAccess, password: str = DEMO_PASSWORD) -> FirmSession:
    session = FirmSession.login(server.base_url, DEMO_FIRM, DEMO_PASSWORD, False)
    access.remember(session, password)
    return session


def test_nothing_to_open_before_an_online_login(access: OfflineAccess, restartable_server: RestartableServer) -> None:
    url = restartable_server.base_url
    assert access.cached(url, DEMO_FIRM) is None
    assert not (access.folder(url, DEMO_FIRM) / CACHE_FILE).exists()  # looking does not create a cache
    with pytest.raises(OfflineOpenRefused) as e:
        access.open(url, DEMO_FIRM, DEMO_PASSWORD, remember=False, credentials=CredentialStore())
    assert e.value.message == NO_CACHE


def test_the_cache_keeps_a_hash_never_the_password(
    access: OfflineAccess, restartable_server: RestartableServer
) -> None:
    session = _online(restartable_server, access)
    folder = access.folder(restartable_server.base_url, DEMO_FIRM)
    store = LocalStore.open(folder)
    try:
        verifier = store.password_verifier()
        assert verifier is not None and verifier.startswith("$argon2id$")
        Synchronizer(session.client, store).sync(YEAR)
    finally:
        store.close()
    session.logout()
    for file in folder.iterdir():
        assert DEMO_PASSWORD.encode() not in file.read_bytes()
    cache = access.cached(restartable_server.base_url, DEMO_FIRM)
    assert cache is not None and cache.firm.number == DEMO_FIRM and cache.last_sync is not None


def test_another_password_is_refused(access: OfflineAccess, restartable_server: RestartableServer) -> None:
    _online(restartable_server, access).logout()
    restartable_server.stop()
    with pytest.raises(OfflineOpenRefused) as e:
        access.open(restartable_server.base_url, DEMO_FIRM, "wrong-one", remember=False, credentials=CredentialStore())
    assert e.value.message == WRONG_PASSWORD


def test_a_session_opened_offline_logs_in_at_the_first_call_that_reaches_the_server(
    access: OfflineAccess, restartable_server: RestartableServer
) -> None:
    _online(restartable_server, access).logout()
    restartable_server.stop()
    credentials = CredentialStore()
    session = access.open(restartable_server.base_url, DEMO_FIRM, DEMO_PASSWORD, remember=True, credentials=credentials)
    assert session.opened_offline and session.firm.number == DEMO_FIRM
    assert session.client.token is None and session.client.login_pending
    assert "demo1234" not in repr(session.client) + repr(session)
    with pytest.raises(ServerUnreachable):
        session.client.summary(YEAR)
    assert session.client.login_pending  # still waiting for the server

    restartable_server.start()
    summary = session.client.summary(YEAR)
    assert summary.year == YEAR
    assert session.client.token and not session.client.login_pending and session.expires_at is not None
    stored = credentials.load(restartable_server.base_url, DEMO_FIRM)  # 记住密码 was ticked
    assert stored is not None and stored.password == DEMO_PASSWORD and stored.token == session.client.token
    session.logout()


def test_a_password_changed_on_the_server_meanwhile_ends_the_session_and_says_why(
    access: OfflineAccess, restartable_server: RestartableServer
) -> None:
    # The cache knows an older password: the server no longer accepts it.
    _online(restartable_server, access, password="old-password").logout()
    session = access.open(
        restartable_server.base_url, DEMO_FIRM, "old-password", remember=False, credentials=CredentialStore()
    )
    with pytest.raises(SessionExpired) as e:
        session.client.summary(YEAR)
    assert e.value.message == "服务器上的密码已更改，请用新密码重新登录"
    assert not session.client.login_pending and session.client.token is None
    session.client.close()
