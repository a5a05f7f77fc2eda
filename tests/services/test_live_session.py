"""Logging in to the real server: success, wrong password, lockout, remembered credentials, logout."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import keyring
import pytest
from keyring.backends import fail

from firmdesk.domain.limits import LOGIN_MAX_FAILURES
from firmdesk.server.demo import seed_demo
from firmdesk.server.runner import ServerThread
from firmdesk.services.api_client import CmisClient
from firmdesk.services.credentials import CredentialStore
from firmdesk.services.errors import AccountLocked, BadCredentials, SessionExpired
from firmdesk.services.session import FirmSession
from tests.helpers.memory_keyring import MemoryKeyring

FIRM, PASSWORD = "50010028", "demo1234"


@pytest.fixture
def demo_server(live_server: ServerThread) -> ServerThread:
    seed_demo(live_server.settings)
    return live_server


@pytest.fixture
def session(demo_server: ServerThread) -> Iterator[FirmSession]:
    session = FirmSession.login(demo_server.base_url, FIRM, PASSWORD, remember=False)
    yield session
    session.client.close()


def test_login_loads_the_firm(session: FirmSession) -> None:
    assert session.firm.number == FIRM
    assert session.firm.name == "重庆正宏会计师事务所有限责任公司"
    assert session.firm.current_year in session.firm.years
    assert session.expires_at is not None and session.expires_at.tzinfo is not None
    assert session.client.summary(session.firm.current_year).total == 60


def test_a_wrong_password_says_so_in_chinese(demo_server: ServerThread) -> None:
    with pytest.raises(BadCredentials) as e:
        FirmSession.login(demo_server.base_url, FIRM, "wrong", remember=False)
    assert e.value.message == "事务所编号或密码错误"


def test_repeated_failures_lock_the_account_until_a_time_shown_as_hh_mm(demo_server: ServerThread) -> None:
    failures = 0
    with pytest.raises(AccountLocked) as e:
        while failures < 2 * LOGIN_MAX_FAILURES:
            try:
                FirmSession.login(demo_server.base_url, FIRM, "wrong", remember=False)
            except BadCredentials:
                failures += 1
    assert failures < LOGIN_MAX_FAILURES  # the 5th failure is answered with the lock
    locked = e.value
    assert locked.locked_until.tzinfo is not None
    assert locked.message == f"登录失败次数过多，账户已锁定，请于 {locked.locked_until.astimezone():%H:%M} 后再试"
    with pytest.raises(AccountLocked):  # even the right password, while locked
        FirmSession.login(demo_server.base_url, FIRM, PASSWORD, remember=False)


def test_remember_keeps_password_and_token_in_the_keyring(
    demo_server: ServerThread, memory_keyring: MemoryKeyring
) -> None:
    session = FirmSession.login(demo_server.base_url, FIRM, PASSWORD, remember=True)
    stored = CredentialStore().load(demo_server.base_url, FIRM)
    assert stored is not None and stored.password == PASSWORD and stored.token == session.client.token
    assert session.remember_error is None

    resumed = FirmSession.resume(demo_server.base_url, FIRM)
    assert resumed is not None and resumed.firm.number == FIRM
    resumed.client.close()

    token = session.client.token
    session.logout()
    with CmisClient(demo_server.base_url, token=token) as old, pytest.raises(SessionExpired) as e:
        old.firm()  # revoked on the server
    assert e.value.message == "登录已过期，请重新登录"
    stored = CredentialStore().load(demo_server.base_url, FIRM)
    assert stored is not None and stored.password == PASSWORD and stored.token is None
    assert FirmSession.resume(demo_server.base_url, FIRM) is None


def test_logout_can_forget_the_password_too(demo_server: ServerThread) -> None:
    FirmSession.login(demo_server.base_url, FIRM, PASSWORD, remember=True).logout(forget_password=True)
    assert CredentialStore().load(demo_server.base_url, FIRM) is None


def test_login_without_remember_forgets_what_was_remembered(demo_server: ServerThread) -> None:
    FirmSession.login(demo_server.base_url, FIRM, PASSWORD, remember=True).client.close()
    FirmSession.login(demo_server.base_url, FIRM, PASSWORD, remember=False).client.close()
    assert CredentialStore().load(demo_server.base_url, FIRM) is None


def test_no_keyring_still_logs_in_and_says_the_password_is_not_remembered(demo_server: ServerThread) -> None:
    keyring.set_keyring(fail.Keyring())
    session = FirmSession.login(demo_server.base_url, FIRM, PASSWORD, remember=True)
    assert session.firm.number == FIRM
    assert session.remember_error is not None
    assert session.remember_error.message == "本系统没有可用的密码保管服务，无法记住密码"
    session.logout()


def test_neither_password_nor_token_reaches_the_logs(
    demo_server: ServerThread, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    session = FirmSession.login(demo_server.base_url, FIRM, PASSWORD, remember=True)
    token = session.client.token or ""
    session.client.summary(session.firm.current_year)
    assert token and token not in repr(session) and token not in repr(session.client)
    session.logout(forget_password=True)
    assert caplog.records  # httpx, httpcore and the services did log
    assert PASSWORD not in caplog.text and token not in caplog.text
