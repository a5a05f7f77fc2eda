# ruff: noqa: F811  (the fixtures imported from tests/helpers are parameters of the tests)
"""Offscreen screenshots of logging in and of losing the server: `FIRMDESK_SCREENSHOTS=docs/screenshots`.

Skipped unless the variable names a folder: `login.png` (记住密码 ticked, about to log in), `login-error.png`
(after a wrong password), and `offline-notice.png` (F5 with the server gone: the rows stay, the notice strip and
the status bar say why), with the app's look.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QWidget

from firmdesk.services.credentials import CredentialStore
from firmdesk.services.session import FirmSession
from firmdesk.ui.login_dialog import LoginDialog
from firmdesk.ui.shell import Shell
from firmdesk.ui.tasks import TaskRunner
from firmdesk.ui.ui_settings import UiSettings
from tests.helpers.demo import DEMO_FIRM, DEMO_PASSWORD
from tests.helpers.offline import RestartableServer, demo_server_settings, restartable_server  # noqa: F401
from tests.helpers.offline_window import go_offline, log_in, shell  # noqa: F401  (shell: a fixture)

OUT = os.environ.get("FIRMDESK_SCREENSHOTS", "")
pytestmark = pytest.mark.skipif(not OUT, reason="set FIRMDESK_SCREENSHOTS=<folder> to take the screenshots")


def login(server: str, member_no: str, password: str, remember: bool) -> FirmSession:
    return FirmSession.login(server, member_no, password, remember, credentials=CredentialStore())


def save(qtbot: Any, widget: QWidget, name: str) -> None:
    folder = Path(OUT)
    folder.mkdir(parents=True, exist_ok=True)
    qtbot.wait(250)  # let the layout settle
    assert widget.grab().save(str(folder / name))


def test_screenshots_of_the_login_dialog(
    qtbot: Any, look: None, runner: TaskRunner, ui_settings: UiSettings, demo_server: Any
) -> None:
    dialog = LoginDialog(login, CredentialStore(), runner, ui_settings)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: not runner.pending_count, timeout=5000)  # the keyring look-up is done
    dialog.fill(DEMO_FIRM, DEMO_PASSWORD, demo_server.base_url, remember=True)
    dialog.password_edit.setFocus()
    save(qtbot, dialog, "login.png")

    dialog.fill(DEMO_FIRM, "wrong", demo_server.base_url, remember=False)
    with qtbot.waitSignal(dialog.login_failed, timeout=20000):
        dialog.login_button.click()
    assert dialog.message() == "事务所编号或密码错误"
    save(qtbot, dialog, "login-error.png")


def test_screenshot_of_the_window_that_lost_its_server(
    qtbot: Any, look: None, shell: Shell, restartable_server: RestartableServer
) -> None:
    window = log_in(qtbot, shell, restartable_server.base_url)
    go_offline(qtbot, window, restartable_server)
    assert window.online_label.text() == "● 离线" and "离线模式" in window.notice.text()
    save(qtbot, window, "offline-notice.png")
