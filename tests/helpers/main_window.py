"""The main window on the real demo server with stand-in prompts (a user who always says yes): the fixtures
`answers`, `desk`, `session`, `window` (with `demo_live` from tests/helpers/demo.py), and `trigger` to press a
tab's action."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QDialog

from firmdesk.domain.states import FirmTab
from firmdesk.services.attachment_cache import AttachmentCache
from firmdesk.services.common_reasons import CommonReasons
from firmdesk.services.credentials import CredentialStore
from firmdesk.services.firm_stores import FirmStores
from firmdesk.services.qr_images import QrImageCache
from firmdesk.services.session import FirmSession
from firmdesk.ui.desk_services import DeskServices
from firmdesk.ui.dialogs.export_dialogs import ExportChoice, UserPrompts
from firmdesk.ui.main_window import MainWindow
from firmdesk.ui.sync_controller import SyncController
from firmdesk.ui.tasks import TaskRunner
from firmdesk.ui.ui_settings import UiSettings
from tests.helpers.demo import demo_live, demo_server_settings, firm_login
from tests.helpers.server import tiny_pdf

# `session` needs `demo_live`, which needs `demo_server_settings`: a test module that imports `session` or
# `window` imports those two as well.
__all__ = [
    "Answers",
    "answers",
    "demo_live",
    "demo_server_settings",
    "desk",
    "new_window",
    "open_desk",
    "open_window",
    "session",
    "trigger",
    "window",
]


def new_window(
    session: FirmSession,
    runner: TaskRunner,
    settings: UiSettings,
    stores: FirmStores,
    services: DeskServices | None = None,
) -> MainWindow:
    """The main window as the shell builds it: with its sync controller on the firm's stores."""
    sync = SyncController(session.client, stores.cache, stores.drafts, runner)
    return MainWindow(
        session.client, session.firm, runner, settings, sync=sync, services=services, person=session.person
    )


def open_window(
    qtbot: Any,
    session: FirmSession,
    runner: TaskRunner,
    settings: UiSettings,
    stores: FirmStores,
    services: DeskServices | None = None,
) -> MainWindow:
    """`new_window`, shown, once its first load is done."""
    window = new_window(session, runner, settings, stores, services)
    qtbot.addWidget(window)
    window.resize(1366, 740)
    window.show()
    with qtbot.waitSignal(window.data_shown, timeout=20000):
        window.start()
    return window


@dataclass
class Answers:
    """What the stand-in prompts answer (a user who always says yes), and what they were asked."""

    folder: Path
    files: list[Path]
    export_choice: ExportChoice = field(default_factory=lambda: ExportChoice(chosen_only=False, target=0))
    defaults: list[Path] = field(default_factory=list)  # the default paths offered by 保存 dialogs
    done: list[str] = field(default_factory=list)
    save_as: Path | None = None  # None: the default file name, in `folder`
    no_to: list[str] = field(default_factory=list)  # questions answered 取消 once (matched by their text)
    asked: list[str] = field(default_factory=list)  # every confirmation question

    def confirm(self, _parent: Any, _title: str, text: str, _ok_text: str) -> bool:
        self.asked.append(text)
        refused = next((part for part in self.no_to if part in text), None)
        if refused is not None:
            self.no_to.remove(refused)
        return refused is None

    def save_file(self, _parent: Any, _title: str, default: Path, _filter: str) -> Path:
        self.defaults.append(default)
        return self.save_as or self.folder / default.name


@pytest.fixture
def answers(tmp_path: Path) -> Answers:
    proof = tmp_path / "社保证明.pdf"
    proof.write_bytes(tiny_pdf("social security"))
    folder = tmp_path / "out"
    folder.mkdir()
    return Answers(folder, [proof])


@pytest.fixture
def desk(tmp_path: Path, answers: Answers) -> DeskServices:
    prompts = UserPrompts(
        confirm=answers.confirm,
        pick_files=lambda *_args: list(answers.files),
        choose_folder=lambda *_args: answers.folder,
        open_external=lambda _path: True,
        save_file=answers.save_file,
        choose_export=lambda *_args: answers.export_choice,
        show_done=lambda _parent, _title, text, _folder: answers.done.append(text),
    )
    return DeskServices(
        AttachmentCache(tmp_path / "attachments"),
        CommonReasons(tmp_path / "common_reasons.json"),
        QrImageCache(tmp_path / "qr-cache"),
        prompts,
    )


@pytest.fixture
def session(demo_live: Any, credentials: CredentialStore) -> Iterator[FirmSession]:
    firm_session = firm_login(demo_live.base_url, credentials)
    yield firm_session
    firm_session.logout()


def open_desk(
    qtbot: Any, session: FirmSession, runner: TaskRunner, settings: UiSettings, desk: DeskServices, stores: FirmStores
) -> MainWindow:
    return open_window(qtbot, session, runner, settings, stores, desk)


@pytest.fixture
def window(
    qtbot: Any,
    session: FirmSession,
    runner: TaskRunner,
    ui_settings: UiSettings,
    desk: DeskServices,
    stores: FirmStores,
) -> Any:
    return open_desk(qtbot, session, runner, ui_settings, desk, stores)


def trigger(qtbot: Any, window: MainWindow, tab: FirmTab, key: str) -> QDialog:
    """Press the tab's action; the dialog it opens."""
    action = window.tabs[tab].action_bar.action(key)
    assert action.isEnabled(), action.toolTip()
    with qtbot.waitSignal(window.actions.opened, timeout=5000) as opened:
        action.trigger()
    dialog = opened.args[0]
    return dialog
