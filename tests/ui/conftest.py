"""UI fixtures: a temporary QSettings, the task runner, a logged-in demo firm and its main window."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings
from shiboken6 import Shiboken

from firmdesk.services.credentials import CredentialStore
from firmdesk.services.session import FirmSession
from firmdesk.ui.main_window import MainWindow
from firmdesk.ui.tasks import TaskRunner
from firmdesk.ui.ui_settings import UiSettings

DEMO_FIRM = "50010028"
DEMO_PASSWORD = "demo1234"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # The offscreen platform warns when a top-level window's size constraints change: harmless there.
    for item in items:
        if "tests/ui/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints"))


@pytest.fixture
def ui_settings(tmp_path: Path) -> UiSettings:
    return UiSettings(QSettings(str(tmp_path / "firmdesk.ini"), QSettings.Format.IniFormat))


@pytest.fixture
def runner(qapp: Any) -> Iterator[TaskRunner]:
    task_runner = TaskRunner()
    yield task_runner
    task_runner.wait_for_done(10000)
    # Deleting it drops any answer still queued for widgets that are gone.
    Shiboken.delete(task_runner)


@pytest.fixture
def credentials() -> CredentialStore:
    return CredentialStore()


def firm_login(base_url: str, credentials: CredentialStore, member_no: str = DEMO_FIRM) -> FirmSession:
    return FirmSession.login(base_url, member_no, DEMO_PASSWORD, False, credentials=credentials)


def open_window(qtbot: Any, session: FirmSession, runner: TaskRunner, settings: UiSettings) -> MainWindow:
    window = MainWindow(session.client, session.firm, runner, settings)
    qtbot.addWidget(window)
    window.resize(1366, 740)
    window.show()
    with qtbot.waitSignal(window.data_shown, timeout=20000):
        window.start()
    return window
