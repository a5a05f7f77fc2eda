"""The client's cycle: log in through the dialog, the main window opens, 注销 goes back to the login dialog."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from firmdesk.services.credentials import CredentialStore
from firmdesk.services.session import FirmSession
from firmdesk.ui.login_dialog import LoginDialog
from firmdesk.ui.main_window import MainWindow
from firmdesk.ui.shell import Shell
from firmdesk.ui.tasks import TaskRunner
from firmdesk.ui.ui_settings import UiSettings
from tests.helpers.demo import DEMO_FIRM, DEMO_PASSWORD


def _logged_in(qtbot: Any, runner: TaskRunner, settings: UiSettings, url: str, root: Path) -> tuple[Shell, MainWindow]:
    """A shell, logged in as the demo firm through its dialog; the window once its first load is done."""
    credentials = CredentialStore()

    def login(server: str, member_no: str, password: str, remember: bool) -> FirmSession:
        return FirmSession.login(server, member_no, password, remember, credentials=credentials)

    shell = Shell(login, credentials, runner, settings, offline_root=root)
    dialog = shell.show_login()
    qtbot.addWidget(dialog)
    dialog.fill(DEMO_FIRM, DEMO_PASSWORD, url)
    with qtbot.waitSignal(shell.window_opened, timeout=20000) as opened:
        dialog.login_button.click()
    window: MainWindow = opened.args[0]
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: not window.sync.busy, timeout=20000)
    return shell, window


def test_login_opens_the_window_and_logout_returns_to_the_dialog(
    qtbot: Any, runner: TaskRunner, ui_settings: UiSettings, demo_server: Any, tmp_path: Path
) -> None:
    shell, window = _logged_in(qtbot, runner, ui_settings, demo_server.base_url, tmp_path)
    assert window.isVisible()
    token = shell.session.client.token

    with qtbot.waitSignal(shell.login_opened, timeout=5000) as reopened:
        window.logout_action.trigger()
    again: LoginDialog = reopened.args[0]
    qtbot.addWidget(again)
    assert again.isVisible()
    assert again.member_no_edit.text() == DEMO_FIRM
    assert shell.window is None and shell.session is None

    def revoked() -> bool:
        answer = httpx.get(f"{demo_server.base_url}/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
        return answer.status_code == 401

    qtbot.waitUntil(lambda: runner.pending_count == 0, timeout=10000)
    assert revoked()


def test_an_expired_session_goes_back_to_login_and_says_why(
    qtbot: Any, runner: TaskRunner, ui_settings: UiSettings, demo_server: Any, tmp_path: Path
) -> None:
    shell, window = _logged_in(qtbot, runner, ui_settings, demo_server.base_url, tmp_path)

    # The token is revoked behind the client's back (as when it expires).
    token = shell.session.client.token
    httpx.post(f"{demo_server.base_url}/api/v1/auth/logout", headers={"Authorization": f"Bearer {token}"})
    with qtbot.waitSignal(shell.login_opened, timeout=20000) as reopened:
        window.refresh()
    again: LoginDialog = reopened.args[0]
    qtbot.addWidget(again)
    assert again.message() == "登录已过期，请重新登录"
    qtbot.waitUntil(lambda: runner.pending_count == 0, timeout=10000)
