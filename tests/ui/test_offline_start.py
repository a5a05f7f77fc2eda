# ruff: noqa: F811  (the fixtures imported from offline_fixtures are parameters of the tests)
"""The issue's scenario with a real process: online → server stops → drafts typed → the client is killed →
started again with no server (离线打开 on the cache, drafts there) → the server is back → each draft arrives once."""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from firmdesk.domain.states import Action
from firmdesk.services.api_client import CmisClient
from firmdesk.services.credentials import CredentialStore
from firmdesk.services.drafts import DraftState
from firmdesk.services.offline_access import WRONG_PASSWORD
from firmdesk.services.session import FirmSession
from firmdesk.ui.login_dialog import LoginDialog
from firmdesk.ui.main_window import MainWindow
from firmdesk.ui.shell import Shell
from firmdesk.ui.tasks import TaskRunner
from firmdesk.ui.ui_settings import UiSettings
from tests.helpers.offline import (  # noqa: F401  (fixtures)
    DEMO_FIRM,
    DEMO_PASSWORD,
    RestartableServer,
    demo_server_settings,
    restartable_server,
)

ROOT = Path(__file__).resolve().parents[2]
REASON = "执业情况说明未盖章，请补充"

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")

# The first client: logs in online, says how many rows it has, waits for the parent to stop the server, goes
# offline with F5, drafts a return for two CPAs in the real draft editor, and is killed once it was autosaved.
FIRST_CLIENT = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from PySide6.QtCore import QSettings, QTimer
    from PySide6.QtWidgets import QApplication
    from firmdesk.services.credentials import CredentialStore
    from firmdesk.services.session import FirmSession
    from firmdesk.ui.shell import Shell
    from firmdesk.ui.tasks import TaskRunner
    from firmdesk.ui.ui_settings import UiSettings

    server, root, go, reason = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4]
    app = QApplication([])
    credentials = CredentialStore()
    runner = TaskRunner(app)
    settings = UiSettings(QSettings(str(root / "first.ini"), QSettings.Format.IniFormat))
    shell = Shell(
        lambda s, m, p, r: FirmSession.login(s, m, p, r, credentials=credentials),
        credentials, runner, settings, offline_root=root,
    )
    state = {"step": "login", "window": None}
    shell.window_opened.connect(lambda window: state.update(window=window))
    shell.show_login().fill("50010028", "demo1234", server)
    shell.dialog.login_button.click()

    def drafted(editor):
        editor.saved.connect(lambda _uuid: (print("drafted", editor.draft.uuid, flush=True),
                                            os.kill(os.getpid(), signal.SIGKILL)))
        editor.reason_edit.insertPlainText(reason)

    def step():
        window = state["window"]
        if window is None or window.sync is None:
            return
        sync, pending = window.sync, window.pending_tab
        if state["step"] == "login" and sync.last_sync is not None and sync.online:
            print("synced", pending.total_count(), flush=True)
            state["step"] = "wait"
        elif state["step"] == "wait" and go.exists():
            state["step"] = "offline"
            window.refresh()
        elif state["step"] == "offline" and not sync.online:
            state["step"] = "draft"
            pending.model.set_checked([0, 1], True)
            window.actions.opened.connect(drafted)
            pending.action_bar.action("return").trigger()

    timer = QTimer(interval=100, timeout=step)
    timer.start()
    app.exec()
    """
)


def _line(process: subprocess.Popen[str], timeout: float = 60) -> str:
    assert process.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        if not selector.select(timeout):
            process.kill()
            raise AssertionError(f"the first client said nothing for {timeout} s")
    return process.stdout.readline().strip()


@pytest.fixture
def first_client(restartable_server: RestartableServer, tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], Path]]:
    root, go = tmp_path / "data", tmp_path / "go"
    root.mkdir()
    process = subprocess.Popen(
        [sys.executable, "-c", FIRST_CLIENT, restartable_server.base_url, str(root), str(go), REASON],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"},
    )
    yield process, go
    if process.poll() is None:
        process.kill()
    process.wait(10)


def test_killed_offline_then_started_without_the_server_then_every_draft_arrives_once(
    qtbot: Any,
    qapp: Any,
    runner: TaskRunner,
    ui_settings: UiSettings,
    restartable_server: RestartableServer,
    first_client: tuple[subprocess.Popen[str], Path],
    tmp_path: Path,
) -> None:
    from firmdesk.ui.resources import apply_look

    apply_look(qapp)
    process, go = first_client
    said = _line(process)
    assert said.startswith("synced "), process.stderr.read() if process.stderr else said
    rows_seen = int(said.split()[1])
    restartable_server.stop()
    go.touch()
    drafted = _line(process)
    assert drafted.startswith("drafted "), drafted
    uuid = drafted.split()[1]
    assert process.wait(30) == -signal.SIGKILL  # no clean exit

    # -- started again, the server still away: the login offers 离线打开 ------------------------------
    credentials = CredentialStore()

    def login(server: str, member_no: str, password: str, remember: bool) -> FirmSession:
        return FirmSession.login(server, member_no, password, remember, credentials=credentials)

    shell = Shell(login, credentials, runner, ui_settings, offline_root=tmp_path / "data")
    try:
        dialog: LoginDialog = shell.show_login()
        qtbot.addWidget(dialog)
        dialog.fill(DEMO_FIRM, DEMO_PASSWORD, restartable_server.base_url)
        with qtbot.waitSignal(dialog.login_failed, timeout=20000) as failed:
            dialog.login_button.click()
        assert failed.args[0].startswith("无法连接服务器")
        qtbot.waitUntil(dialog.offline_offered, timeout=5000)
        assert "可离线打开本机缓存的数据（最后同步 " in dialog.message()
        shots = Path(os.environ.get("FIRMDESK_SCREENSHOTS") or tmp_path)  # docs/screenshots/offline_login.png
        shots.mkdir(parents=True, exist_ok=True)
        assert dialog.grab().save(str(shots / "offline_login.png"))

        dialog.password_edit.setText("not-the-password")
        with qtbot.waitSignal(dialog.login_failed, timeout=10000) as refused:
            dialog.offline_button.click()
        assert refused.args[0] == WRONG_PASSWORD and dialog.isVisible() and dialog.offline_offered()
        assert dialog.member_no_edit.text() == DEMO_FIRM  # nothing typed is lost

        dialog.password_edit.setText(DEMO_PASSWORD)
        with qtbot.waitSignal(shell.window_opened, timeout=10000) as opened:
            dialog.offline_button.click()
        window: MainWindow = opened.args[0]
        qtbot.addWidget(window)
        sync = window.sync
        assert sync is not None and shell.session.opened_offline
        assert window.online_label.text() == "● 离线"  # from the first paint (离线打开 is not 在线 正在同步…)
        qtbot.waitUntil(lambda: window.pending_tab.total_count() == rows_seen, timeout=2000)  # the cache, at once
        assert window.tab_widget.tabText(5) == "草稿 (1)"
        [draft] = sync.drafts.all()
        assert draft.uuid == uuid and draft.reason == REASON and draft.send_on_reconnect
        application_ids = {item.application_id for item in draft.items}
        assert len(application_ids) == 2

        # -- the server is back: the client logs in by itself, syncs and sends the draft --------------
        restartable_server.start()
        with qtbot.waitSignal(sync.drafts_sent, timeout=30000) as sent:
            pass  # the retry timer, no F5
        assert [d.uuid for d in sent.args[0]] == [uuid]
        assert window.online_label.text() == "● 在线" and shell.session.client.token
        assert sync.drafts.require(uuid).state is DraftState.SENT
        time.sleep(0.5)  # a second send (it must not happen) would have arrived by now
    finally:
        if shell.window is not None:
            shell.window.close()
        shell.shutdown()

    client = CmisClient(restartable_server.base_url)
    client.login("firm", DEMO_FIRM, DEMO_PASSWORD)
    try:
        for application_id in application_ids:
            returns = [e for e in client.trail(application_id) if e.action == Action.FIRM_RETURN.value]
            assert [e.reason for e in returns] == [REASON]
    finally:
        client.close()
