"""The shell and its real main window for the offline tests: log in through the login dialog, take the window
offline by stopping the server, type as an input method does."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication

from firmdesk.services.attachment_cache import AttachmentCache
from firmdesk.services.common_reasons import CommonReasons
from firmdesk.services.credentials import CredentialStore
from firmdesk.services.session import FirmSession
from firmdesk.ui.desk_services import DeskServices
from firmdesk.ui.main_window import MainWindow
from firmdesk.ui.shell import Shell
from firmdesk.ui.sync_controller import SyncController
from firmdesk.ui.tasks import TaskRunner
from firmdesk.ui.ui_settings import UiSettings
from tests.helpers.offline import DEMO_FIRM, DEMO_PASSWORD, RestartableServer


def type_text(widget: Any, text: str) -> None:
    """Type CJK text key by key, as an input method delivers it (QTest.keyClicks takes Latin-1 only)."""
    for char in text:
        press = QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_unknown, Qt.KeyboardModifier.NoModifier, char)
        QApplication.sendEvent(widget, press)


def desk_services(folder: Path) -> DeskServices:
    """The attachment cache (kept attachments) and the common reasons in the test's folder, not the user's."""
    return DeskServices(AttachmentCache(folder / "attachments"), CommonReasons(folder / "reasons.json"))


@pytest.fixture
def shell(
    qtbot: Any,
    runner: TaskRunner,
    ui_settings: UiSettings,
    tmp_path: Path,
    credentials: CredentialStore,
) -> Iterator[Shell]:
    def login(server: str, member_no: str, password: str, remember: bool) -> FirmSession:
        return FirmSession.login(server, member_no, password, remember, credentials=credentials)

    the_shell = Shell(
        login, credentials, runner, ui_settings, offline_root=tmp_path / "data", services=desk_services(tmp_path)
    )
    yield the_shell
    if the_shell.window is not None:
        the_shell.window.close()
    the_shell.shutdown()


def log_in(qtbot: Any, shell: Shell, server_url: str, *, synced: bool = True, member_no: str = DEMO_FIRM) -> MainWindow:
    """Through the login dialog, as the demo firm's 主管理员 (or `member_no`, e.g. a 审核员 `50010028-02`)."""
    dialog = shell.show_login()  # deleted by the shell once logged in
    dialog.fill(member_no, DEMO_PASSWORD, server_url)
    with qtbot.waitSignal(shell.window_opened, timeout=20000) as opened:
        dialog.login_button.click()
    window: MainWindow = opened.args[0]
    qtbot.addWidget(window)
    window.resize(1366, 740)
    if synced:
        qtbot.waitUntil(lambda: window.sync_label.text().startswith("最后同步"), timeout=20000)
    return window


def go_offline(qtbot: Any, window: MainWindow, server: RestartableServer) -> SyncController:
    sync = window.sync
    assert sync is not None
    server.stop()
    with qtbot.waitSignal(sync.state_changed, timeout=20000) as blocker:
        window.refresh_action.trigger()  # F5
    assert blocker.args == [False]
    return sync
