"""The login dialog against the real server: success, each failure's message, 记住密码 through the keyring."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import keyring
import pytest
from keyring.backends import fail

from firmdesk.services.credentials import CredentialStore
from firmdesk.services.session import FirmSession
from firmdesk.ui.login_dialog import KEYRING_MISSING, LoginDialog, LoginResult
from firmdesk.ui.tasks import TaskRunner
from firmdesk.ui.ui_settings import UiSettings
from tests.helpers.demo import DEMO_FIRM, DEMO_PASSWORD


def login(server: str, member_no: str, password: str, remember: bool) -> FirmSession:
    return FirmSession.login(server, member_no, password, remember, credentials=CredentialStore())


def make_dialog(qtbot: Any, runner: TaskRunner, settings: UiSettings) -> LoginDialog:
    dialog = LoginDialog(login, CredentialStore(), runner, settings)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: not runner.pending_count, timeout=5000)  # the keyring look-up is done
    return dialog


def attempt(qtbot: Any, dialog: LoginDialog, member_no: str, password: str, server: str) -> str:
    """Fill the fields, click 登录, return the message shown."""
    dialog.fill(member_no, password, server)
    with qtbot.waitSignal(dialog.login_failed, timeout=20000) as blocker:
        dialog.login_button.click()
    assert dialog.message() == blocker.args[0]
    assert dialog.login_button.isEnabled()  # ready for another try
    return str(blocker.args[0])


def test_login_succeeds_and_remembers_server_and_firm(
    qtbot: Any, runner: TaskRunner, ui_settings: UiSettings, demo_server: Any
) -> None:
    dialog = make_dialog(qtbot, runner, ui_settings)
    dialog.fill(DEMO_FIRM, DEMO_PASSWORD, demo_server.base_url)
    with qtbot.waitSignal(dialog.logged_in, timeout=20000) as blocker:
        dialog.login_button.click()
    result: LoginResult = blocker.args[0]
    assert result.session.firm.number == DEMO_FIRM
    assert result.warning is None
    assert not dialog.isVisible()
    assert ui_settings.server() == demo_server.base_url
    assert ui_settings.member_no() == DEMO_FIRM
    result.session.logout()


def test_wrong_password_says_so(qtbot: Any, runner: TaskRunner, ui_settings: UiSettings, demo_server: Any) -> None:
    dialog = make_dialog(qtbot, runner, ui_settings)
    message = attempt(qtbot, dialog, "50010031", "not-the-password", demo_server.base_url)
    assert message == "事务所编号或密码错误"
    assert dialog.isVisible()


def test_locked_account_shows_the_unlock_time(
    qtbot: Any, runner: TaskRunner, ui_settings: UiSettings, fresh_server: Any
) -> None:
    for _ in range(5):
        httpx.post(
            f"{fresh_server.base_url}/api/v1/auth/login",
            json={"user_type": "firm", "member_no": DEMO_FIRM, "password": "wrong"},
        )
    dialog = make_dialog(qtbot, runner, ui_settings)
    message = attempt(qtbot, dialog, DEMO_FIRM, DEMO_PASSWORD, fresh_server.base_url)
    assert "已锁定" in message
    assert "后再试" in message and ":" in message  # 请于 HH:MM 后再试


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_unreachable_server_says_so(qtbot: Any, runner: TaskRunner, ui_settings: UiSettings) -> None:
    dialog = make_dialog(qtbot, runner, ui_settings)
    message = attempt(qtbot, dialog, DEMO_FIRM, DEMO_PASSWORD, f"http://127.0.0.1:{_free_port()}")
    assert "无法连接服务器" in message
    assert not dialog.offline_offered()  # a dialog without 离线打开 (the demo's)


def test_offline_open_is_offered_only_for_a_cached_firm_and_only_while_the_fields_stay(
    qtbot: Any, runner: TaskRunner, ui_settings: UiSettings
) -> None:
    from firmdesk.services.models import FirmInfo
    from firmdesk.services.offline_access import OfflineCache
    from firmdesk.ui.login_dialog import OfflineLogin

    url = f"http://127.0.0.1:{_free_port()}"
    firm = FirmInfo(DEMO_FIRM, "演示会计师事务所", "", "", 2025, None, None, (2025,))
    cached = {(url, DEMO_FIRM): OfflineCache(firm, None)}
    opened: list[tuple[str, str, str, bool]] = []
    offline = OfflineLogin(lambda s, m: cached.get((s, m)), lambda *args: opened.append(args))
    dialog = LoginDialog(login, CredentialStore(), runner, ui_settings, offline=offline)
    qtbot.addWidget(dialog)
    dialog.show()

    attempt(qtbot, dialog, "50010031", DEMO_PASSWORD, url)  # another firm: nothing cached
    qtbot.waitUntil(lambda: not runner.pending_count, timeout=5000)
    assert not dialog.offline_offered() and not opened

    attempt(qtbot, dialog, DEMO_FIRM, DEMO_PASSWORD, url)
    qtbot.waitUntil(dialog.offline_offered, timeout=5000)
    assert dialog.message().endswith("可离线打开本机缓存的数据（尚未同步），联网后自动登录并同步。")
    dialog.member_no_edit.setText("5001002")
    dialog.member_no_edit.textEdited.emit("5001002")  # as typing does
    assert not dialog.offline_offered()

    attempt(qtbot, dialog, DEMO_FIRM, DEMO_PASSWORD, url)
    qtbot.waitUntil(dialog.offline_offered, timeout=5000)
    dialog.password_edit.clear()
    dialog.offline_button.click()
    assert dialog.message() == "请输入密码（与上次联网登录时的密码相同）" and not opened
    dialog.password_edit.setText(DEMO_PASSWORD)
    with qtbot.waitSignal(dialog.logged_in, timeout=5000) as blocker:
        dialog.offline_button.click()
    assert opened == [(url, DEMO_FIRM, DEMO_PASSWORD, False)]
    assert blocker.args[0].member_no == DEMO_FIRM and not dialog.isVisible()


class _NotCmis(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = json.dumps({"status": "ok", "service": "something-else"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def other_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _NotCmis)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_server_that_is_not_cmis_says_so(
    qtbot: Any, runner: TaskRunner, ui_settings: UiSettings, other_server: str
) -> None:
    dialog = make_dialog(qtbot, runner, ui_settings)
    message = attempt(qtbot, dialog, DEMO_FIRM, DEMO_PASSWORD, other_server)
    assert "不是" in message and "CMIS" in message


def test_a_firm_number_typed_full_width_or_pasted_with_spaces_logs_in(
    qtbot: Any, runner: TaskRunner, ui_settings: UiSettings, demo_server: Any
) -> None:
    dialog = make_dialog(qtbot, runner, ui_settings)
    for typed in ("５００１００２８", " 5001 0028 "):
        dialog.fill(typed, DEMO_PASSWORD, demo_server.base_url)
        assert dialog.member_no() == DEMO_FIRM
    with qtbot.waitSignal(dialog.logged_in, timeout=20000) as blocker:
        dialog.login_button.click()
    assert blocker.args[0].member_no == DEMO_FIRM
    blocker.args[0].session.logout()


def test_firm_number_is_checked_before_sending(qtbot: Any, runner: TaskRunner, ui_settings: UiSettings) -> None:
    dialog = make_dialog(qtbot, runner, ui_settings)
    dialog.fill("1234", DEMO_PASSWORD, "http://127.0.0.1:9")
    with qtbot.waitSignal(dialog.login_failed, timeout=1000) as blocker:
        dialog.login_button.click()
    assert blocker.args[0] == "登录名为 8 位事务所编号（如 50010028），审核员为编号加两位序号（如 50010028-02）"
    assert runner.pending_count == 0


def test_remembered_password_is_filled_in_next_time(
    qtbot: Any, runner: TaskRunner, ui_settings: UiSettings, demo_server: Any, memory_keyring: Any
) -> None:
    first = make_dialog(qtbot, runner, ui_settings)
    first.fill(DEMO_FIRM, DEMO_PASSWORD, demo_server.base_url, remember=True)
    with qtbot.waitSignal(first.logged_in, timeout=20000) as blocker:
        first.login_button.click()
    session = blocker.args[0].session
    assert DEMO_PASSWORD in memory_keyring.items.values()  # in the keyring, nowhere else
    ui_settings.sync()
    assert DEMO_PASSWORD not in Path(ui_settings.qsettings.fileName()).read_text(encoding="utf-8")

    second = LoginDialog(login, CredentialStore(), runner, ui_settings)
    qtbot.addWidget(second)
    with qtbot.waitSignal(second.prefilled, timeout=5000):
        second.show()
    assert second.member_no_edit.text() == DEMO_FIRM
    assert second.server() == demo_server.base_url
    assert second.remember_check.isChecked()
    assert second.password_edit.text() == DEMO_PASSWORD

    # Unticking 记住密码 forgets it at the next login.
    second.remember_check.setChecked(False)
    with qtbot.waitSignal(second.logged_in, timeout=20000) as blocker2:
        second.login_button.click()
    assert DEMO_PASSWORD not in memory_keyring.items.values()
    session.logout()
    blocker2.args[0].session.logout()


def test_without_a_keyring_remember_is_disabled_and_login_still_works(
    qtbot: Any, runner: TaskRunner, ui_settings: UiSettings, demo_server: Any
) -> None:
    keyring.set_keyring(fail.Keyring())  # what a headless Linux has; the autouse fixture restores it
    dialog = LoginDialog(login, CredentialStore(), runner, ui_settings)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.prefilled, timeout=5000):
        dialog.show()
    assert not dialog.remember_check.isEnabled()
    assert dialog.remember_check.toolTip() == KEYRING_MISSING

    # Asked anyway (a setting from another machine): the login works and says why nothing was kept.
    dialog.fill(DEMO_FIRM, DEMO_PASSWORD, demo_server.base_url, remember=True)
    with qtbot.waitSignal(dialog.logged_in, timeout=20000) as blocker:
        dialog.login_button.click()
    result: LoginResult = blocker.args[0]
    assert result.warning is not None and KEYRING_MISSING in result.warning
    result.session.logout()
