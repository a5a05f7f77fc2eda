"""UI fixtures: a temporary QSettings, the task runner, a logged-in demo firm and its main window."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings
from shiboken6 import Shiboken

from firmdesk.services.credentials import CredentialStore
from firmdesk.services.firm_stores import FirmStores
from firmdesk.ui.gc_guard import MainThreadGarbageCollector
from firmdesk.ui.tasks import TaskRunner
from firmdesk.ui.ui_settings import UiSettings


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # The offscreen platform warns when a top-level window's size constraints change: harmless there.
    for item in items:
        if "tests/ui/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints"))


@pytest.fixture(scope="session")
def _ui_thread_gc(qapp: Any) -> Iterator[None]:
    collector = MainThreadGarbageCollector(qapp)
    yield
    collector.stop()


@pytest.fixture(autouse=True)
def ui_thread_gc(_ui_thread_gc: None) -> None:
    """As in the app: Python's cyclic collector runs on the UI thread only (see firmdesk/ui/gc_guard.py)."""


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
def look(qapp: Any) -> None:
    """The app's look (fonts, style sheet), for screenshots and size checks."""
    from firmdesk.ui.resources import apply_look

    apply_look(qapp)


@pytest.fixture
def credentials() -> CredentialStore:
    return CredentialStore()


@pytest.fixture
def stores(tmp_path: Path, runner: TaskRunner) -> Iterator[FirmStores]:
    """The firm's cache and drafts on disk, as the shell opens them; closed once the last worker is done."""
    firm_stores = FirmStores.open(tmp_path / "offline")
    yield firm_stores
    runner.wait_for_done(10000)
    firm_stores.close()


# -- servers ---------------------------------------------------------------------------------------
# The real reference server in-process over real HTTP, with the demo data.


def _start_demo_server(data_dir: Path, **overrides: Any) -> Any:
    from firmdesk.server.config import fast_test_settings
    from firmdesk.server.demo import seed_demo
    from firmdesk.server.runner import ServerThread

    settings = fast_test_settings(data_dir, **overrides)
    seed_demo(settings)
    server = ServerThread(settings)
    server.start()
    return server


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Shared by the tests that only read; a test that changes data uses `fresh_server`."""
    server = _start_demo_server(tmp_path_factory.mktemp("demo-server"))
    yield server
    server.stop()


@pytest.fixture
def fresh_server(server_settings: Any) -> Iterator[Any]:
    """A demo server of its own (the server engineer's `live_server`, seeded): for tests that change data."""
    from firmdesk.server.demo import seed_demo

    seed_demo(server_settings)
    yield from _live(server_settings)


@pytest.fixture
def slow_server(server_settings: Any) -> Iterator[Any]:
    """Every /firm request sleeps 0.6 s (the server's `debug_delay_s`): the UI must keep running meanwhile."""
    from firmdesk.server.demo import seed_demo

    seed_demo(server_settings)
    yield from _live(server_settings.model_copy(update={"debug_delay_s": 0.6}))


def _live(settings: Any) -> Iterator[Any]:
    from firmdesk.server.runner import ServerThread

    server = ServerThread(settings)
    server.start()
    try:
        yield server
    finally:
        server.stop()
