# ruff: noqa: F811  (the fixtures imported from offline_fixtures are parameters of the tests)
"""Offline mode in the UI: cached rows first, offline by itself, drafts typed and kept, sent on reconnect."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QAction, QKeyEvent
from PySide6.QtWidgets import QApplication, QPushButton

from firmdesk.services.api_client import CmisClient
from firmdesk.services.connectivity import BackoffPolicy
from firmdesk.services.drafts import DraftState, DraftStore
from firmdesk.services.local_store import LocalStore
from firmdesk.ui.draft_editor import DraftEditor
from firmdesk.ui.drafts_view import DraftsView
from firmdesk.ui.sync_controller import OFFLINE_ACTION_TOOLTIP, SyncController
from firmdesk.ui.tasks import TaskRunner
from firmdesk.ui.ui_settings import UiSettings
from tests.helpers.offline import (  # noqa: F401  (fixtures)
    DEMO_FIRM,
    DEMO_PASSWORD,
    YEAR,
    CountingTransport,
    RestartableServer,
    counting,
    demo_server_settings,
    offline_folder,
    restartable_server,
)

ROOT = Path(__file__).resolve().parents[2]
QUICK_RETRY = BackoffPolicy(first=0.2, factor=2, maximum=1.0)


@pytest.fixture
def ui_client(restartable_server: RestartableServer, counting: CountingTransport) -> Iterator[CmisClient]:
    client = CmisClient(restartable_server.base_url, transport=counting, retries=0, timeout=10)
    client.login("firm", DEMO_FIRM, DEMO_PASSWORD)
    counting.reset()
    yield client
    client.close()


@pytest.fixture
def stores(offline_folder: Path) -> Iterator[tuple[LocalStore, DraftStore]]:
    store, drafts = LocalStore.open(offline_folder), DraftStore.open(offline_folder)
    yield store, drafts
    store.close()
    drafts.close()


@pytest.fixture
def controller(
    qtbot: Any, ui_client: CmisClient, stores: tuple[LocalStore, DraftStore], runner: TaskRunner
) -> Iterator[SyncController]:
    store, drafts = stores
    sync = SyncController(ui_client, store, drafts, runner, policy=QUICK_RETRY)
    yield sync
    sync.stop()
    runner.wait_for_done(10000)


def _type(editor: DraftEditor, text: str) -> None:
    """Type CJK text key by key, as an input method delivers it (QTest.keyClicks takes Latin-1 only)."""
    for char in text:
        press = QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_unknown, Qt.KeyboardModifier.NoModifier, char)
        QApplication.sendEvent(editor.reason_edit, press)


def _loaded(qtbot: Any, controller: SyncController) -> None:
    with qtbot.waitSignal(controller.finished, timeout=20000) as blocker:
        controller.load(YEAR)
    assert blocker.args == [YEAR, True]


def _go_offline(qtbot: Any, controller: SyncController, server: RestartableServer) -> None:
    server.stop()
    with qtbot.waitSignal(controller.state_changed, timeout=10000) as blocker:
        controller.refresh()
    assert blocker.args == [False]


def test_an_unchanged_refresh_is_one_request_and_says_when_it_synced(
    qtbot: Any, controller: SyncController, counting: CountingTransport
) -> None:
    _loaded(qtbot, controller)
    assert controller.data is not None and len(controller.data.cpas) > 50
    assert controller.summary is not None
    counting.reset()
    with qtbot.waitSignal(controller.synced, timeout=10000):
        controller.refresh()
    assert counting.counts == {"GET /firm/changes": 1}
    assert controller.status_text().startswith("最后同步 ")


def test_full_resync_asks_for_everything_and_a_year_change_shows_that_years_cache(
    qtbot: Any, controller: SyncController, counting: CountingTransport
) -> None:
    _loaded(qtbot, controller)
    counting.reset()
    with qtbot.waitSignal(controller.finished, timeout=20000) as blocker:
        controller.full_resync()
    assert blocker.args == [YEAR, True]
    assert counting.counts == {"GET /firm/changes": 1, "GET /firm/summary": 1}
    with qtbot.waitSignal(controller.finished, timeout=20000):
        controller.load(YEAR - 1)  # another year: its own rows and cursor
    assert controller.year == YEAR - 1 and controller.data is not None and controller.data.year == YEAR - 1
    assert controller.store.cursor(YEAR - 1) > 0 and controller.store.cursor(YEAR) > 0


def test_offline_by_itself_keeps_the_rows_disables_server_actions_and_retries(
    qtbot: Any, controller: SyncController, restartable_server: RestartableServer
) -> None:
    submit = QPushButton("申请")
    submit.setToolTip("将所选注师提交省注协")
    qtbot.addWidget(submit)
    withdraw = QAction("撤回")
    controller.bind_server_action(submit)
    controller.bind_server_action(withdraw)
    _loaded(qtbot, controller)
    rows = controller.data.cpas if controller.data else ()
    notices: list[tuple[str, str]] = []
    controller.notice.connect(lambda text, level: notices.append((text, level)))

    _go_offline(qtbot, controller, restartable_server)

    assert not controller.online and not controller.server_actions_enabled
    assert controller.data is not None and controller.data.cpas == rows  # browsing goes on
    assert not submit.isEnabled() and submit.toolTip() == OFFLINE_ACTION_TOOLTIP
    assert not withdraw.isEnabled() and withdraw.toolTip() == OFFLINE_ACTION_TOOLTIP
    assert 0 <= controller.retry_in_ms <= 250  # 0.2 s, the first step of the backoff
    assert controller.status_text().endswith("（离线，自动重试中）")
    assert notices and "离线模式" in notices[-1][0]

    # A failed retry waits longer (backoff); the server's return is noticed by the next one.
    with qtbot.waitSignal(controller.finished, timeout=5000):
        pass  # the retry timer fires and fails again
    assert controller.connectivity.failures == 1 and controller.retry_in_ms > 250  # then 0.4 s
    restartable_server.start()
    with qtbot.waitSignal(controller.state_changed, timeout=10000) as back:
        pass
    assert back.args == [True]
    assert submit.isEnabled() and submit.toolTip() == "将所选注师提交省注协"
    assert withdraw.isEnabled()


def test_opening_shows_cached_rows_before_any_answer(
    qtbot: Any,
    ui_client: CmisClient,
    stores: tuple[LocalStore, DraftStore],
    runner: TaskRunner,
    restartable_server: RestartableServer,
) -> None:
    from firmdesk.services.sync import Synchronizer

    store, drafts = stores
    Synchronizer(ui_client, store).sync(YEAR)
    restartable_server.stop()  # the next start finds no server
    sync = SyncController(ui_client, store, drafts, runner, policy=QUICK_RETRY)
    shown: list[int] = []
    sync.data_changed.connect(lambda data, part: shown.append(len(data.cpas)))
    with qtbot.waitSignals([sync.state_changed, sync.data_changed], timeout=10000):
        sync.load(YEAR)
    assert not sync.online
    assert shown and shown[0] == store.cpa_count(YEAR)  # the cached rows, both parts (cpas, batches)
    assert sync.summary is not None and sync.last_sync is not None
    sync.stop()


def test_a_cache_read_after_the_failed_start_sync_still_says_when_it_was_synced(
    qtbot: Any,
    ui_client: CmisClient,
    stores: tuple[LocalStore, DraftStore],
    runner: TaskRunner,
    restartable_server: RestartableServer,
    monkeypatch: Any,
) -> None:
    """Under CPU load the start's sync can fail (no server) before the cache is read: the status bar, which
    wrote 尚未同步 at that failure, must still hear the cache's time (`synced`), not keep 尚未同步."""
    import time

    from firmdesk.services.sync import Synchronizer

    store, drafts = stores
    Synchronizer(ui_client, store).sync(YEAR)
    restartable_server.stop()
    read = LocalStore.snapshot

    def slow_snapshot(self: LocalStore, year: int) -> Any:
        time.sleep(1.0)  # the busy machine: the cache answers after the connection was refused
        return read(self, year)

    monkeypatch.setattr(LocalStore, "snapshot", slow_snapshot)
    sync = SyncController(ui_client, store, drafts, runner, policy=BackoffPolicy(first=30, factor=2, maximum=60))
    with qtbot.waitSignal(sync.state_changed, timeout=10000):
        sync.load(YEAR)
    assert sync.status_text() == "尚未同步（离线，自动重试中）"  # what the status bar shows at this moment
    with qtbot.waitSignal(sync.synced, timeout=10000) as told:
        pass  # no retry comes for 30 s: only the cache can say it
    assert told.args[0] == sync.last_sync == store.last_synced(YEAR)
    assert sync.status_text().startswith("最后同步 ")
    sync.stop()


def test_a_reason_typed_offline_is_autosaved_and_sent_once_back_online(
    qtbot: Any,
    controller: SyncController,
    stores: tuple[LocalStore, DraftStore],
    restartable_server: RestartableServer,
) -> None:
    _loaded(qtbot, controller)
    assert controller.data is not None
    pending = [r for r in controller.data.cpas if r.status == "pending_firm"][:2]
    _go_offline(qtbot, controller, restartable_server)
    _, drafts = stores

    editor = DraftEditor.new(drafts, YEAR, pending, controller)
    qtbot.addWidget(editor)
    editor.show()
    assert editor.send_on_reconnect.isChecked() and not editor.send_button.isEnabled()
    assert editor.offline_hint.isVisible()
    _type(editor, "继续教育学时不足")
    with qtbot.waitSignal(editor.saved, timeout=2000):
        pass  # 300 ms after the last keystroke
    assert drafts.require(editor.draft.uuid).reason == "继续教育学时不足"

    restartable_server.start()
    with qtbot.waitSignal(controller.drafts_sent, timeout=15000) as sent:
        controller.refresh()
    assert [d.uuid for d in sent.args[0]] == [editor.draft.uuid]
    assert drafts.require(editor.draft.uuid).state is DraftState.SENT
    qtbot.waitUntil(lambda: editor.banner.text().startswith("已发送"), timeout=5000)

    def returned() -> bool:
        data = controller.data
        return data is not None and all(
            r.status == "firm_returned" for r in data.cpas if r.application_id in {p.application_id for p in pending}
        )

    qtbot.waitUntil(returned, timeout=10000)  # the tabs show the new state without another F5


def test_a_draft_that_conflicts_on_reconnect_is_kept_and_reported(
    qtbot: Any,
    controller: SyncController,
    stores: tuple[LocalStore, DraftStore],
    restartable_server: RestartableServer,
    ui_client: CmisClient,
) -> None:
    _loaded(qtbot, controller)
    assert controller.data is not None
    a, b = [r for r in controller.data.cpas if r.status == "pending_firm"][:2]
    _, drafts = stores
    draft = drafts.create(YEAR, [a, b], "离线时写的原因", send_on_reconnect=True)
    ui_client.return_applications([(a.application_id or 0, a.version)], "同事已退回")  # meanwhile, elsewhere
    _go_offline(qtbot, controller, restartable_server)
    notices: list[tuple[str, str]] = []
    controller.notice.connect(lambda text, level: notices.append((text, level)))

    restartable_server.start()
    with qtbot.waitSignal(controller.conflicts, timeout=15000) as blocker:
        controller.refresh()
    [conflict] = blocker.args[0]
    assert conflict.uuid == draft.uuid and conflict.state is DraftState.CONFLICT
    assert drafts.require(draft.uuid).reason == "离线时写的原因"
    assert any("冲突" in text and level == "warning" for text, level in notices)


def test_drafts_view_marks_sends_resolves_and_deletes(
    qtbot: Any,
    controller: SyncController,
    stores: tuple[LocalStore, DraftStore],
    restartable_server: RestartableServer,
    ui_client: CmisClient,
) -> None:
    _loaded(qtbot, controller)
    assert controller.data is not None
    a, b, c = [r for r in controller.data.cpas if r.status == "pending_firm"][:3]
    _, drafts = stores
    plain = drafts.create(YEAR, [c], "证明材料过期")
    torn = drafts.create(YEAR, [a, b], "两人的附件都不清晰")
    view = DraftsView(drafts, controller)
    qtbot.addWidget(view)
    view.show()
    view.table.clearSelection()
    for button in (view.edit_button, view.send_button, view.reconnect_button, view.delete_button):
        assert not button.isEnabled() and button.toolTip() == "请先在列表中选择草稿"  # disabled, and says why
    counts: list[int] = []
    view.count_changed.connect(counts.append)

    _go_offline(qtbot, controller, restartable_server)
    assert not view.send_button.isEnabled() and not view.send_all_button.isEnabled()
    view.table.selectRow(1)  # the older one: `plain`
    assert view.selected()[0].uuid == plain.uuid
    view.reconnect_button.click()
    assert drafts.require(plain.uuid).send_on_reconnect
    assert view.model.data(view.model.index(1, 4)) == "是"

    ui_client_rows = [(a.application_id or 0, a.version)]
    restartable_server.start()
    ui_client.return_applications(ui_client_rows, "同事已退回")  # `a` changes while we were away
    with qtbot.waitSignal(controller.drafts_sent, timeout=15000):
        controller.refresh()  # reconnect: `plain` goes by itself
    qtbot.waitUntil(lambda: view.model.draft(1).state is DraftState.SENT, timeout=5000)

    view.table.selectRow(0)
    with qtbot.waitSignal(controller.conflicts, timeout=15000):
        view.send_button.click()
    qtbot.waitUntil(lambda: view.model.draft(0).state is DraftState.CONFLICT, timeout=5000)
    view.table.selectRow(0)
    assert view.conflict_banner.isVisible() and a.name in view.conflict_banner.text()
    assert view.rebase_button.isEnabled()
    view.rebase_button.click()
    rebased = drafts.require(torn.uuid)
    assert rebased.state is DraftState.DRAFT and [i.application_id for i in rebased.items] == [b.application_id]

    view.table.selectRow(0)
    view.confirm = lambda text: "尚未发送" in text
    view.delete_button.click()
    assert drafts.get(torn.uuid) is None and counts[-1] == 0


def test_a_conflict_found_while_sending_online_shows_the_new_states_and_can_be_resolved(
    qtbot: Any,
    controller: SyncController,
    stores: tuple[LocalStore, DraftStore],
    restartable_server: RestartableServer,
) -> None:
    _loaded(qtbot, controller)
    assert controller.data is not None
    a, b = [r for r in controller.data.cpas if r.status == "pending_firm"][:2]
    _, drafts = stores
    draft = drafts.create(YEAR, [a, b], "两人的附件都不清晰")
    colleague = CmisClient(restartable_server.base_url)  # another administrator of the firm, elsewhere
    colleague.login("firm", DEMO_FIRM, DEMO_PASSWORD)
    colleague.return_applications([(a.application_id or 0, a.version)], "同事已退回")
    colleague.close()
    view = DraftsView(drafts, controller)
    qtbot.addWidget(view)

    with qtbot.waitSignal(controller.conflicts, timeout=15000):
        controller.send_drafts([draft.uuid])  # online, no F5 before: the sender's own sync finds the change

    def shown_status(application_id: int | None) -> str | None:
        rows = controller.data.cpas if controller.data is not None else ()
        return next((r.status for r in rows if r.application_id == application_id), None)

    qtbot.waitUntil(lambda: shown_status(a.application_id) == "firm_returned", timeout=5000)  # no F5 needed
    assert shown_status(b.application_id) == "pending_firm"
    view.table.selectRow(0)
    view.rebase_button.click()
    rebased = drafts.require(draft.uuid)
    assert rebased.state is DraftState.DRAFT and [i.application_id for i in rebased.items] == [b.application_id]


def test_drafts_model_passes_the_model_tester(qtmodeltester: Any, stores: tuple[LocalStore, DraftStore]) -> None:
    from firmdesk.services.models import CpaRow
    from firmdesk.ui.drafts_view import DraftsModel

    _, drafts = stores
    row = CpaRow(
        1, "500100280001", "王芳", "女", None, YEAR, 11, "pending_firm", "待事务所审核", False, 48.0, None, None,
        None, None, None, None, 2, 1,
    )  # fmt: skip
    drafts.create(YEAR, [row], "原因一")
    drafts.create(YEAR, [row], "原因二", send_on_reconnect=True)
    model = DraftsModel()
    model.set_drafts(drafts.all())
    qtmodeltester.check(model)


# A client whose editor autosaves what is typed, killed (SIGKILL) right after: the draft must be there.
KILLED_EDITOR = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication
    from firmdesk.services.drafts import DraftStore
    from firmdesk.services.models import CpaRow
    from firmdesk.ui.draft_editor import DraftEditor

    app = QApplication([])
    drafts = DraftStore.open(Path(sys.argv[1]))
    row = CpaRow(7, "500100280007", "张三", "男", None, 2025, 31, "pending_firm", "待事务所审核", False, 48.0,
                 None, None, None, None, None, None, 3, 2)
    editor = DraftEditor.new(drafts, 2025, [row])
    editor.show()
    editor.reason_edit.insertPlainText("附件不清晰，请重新上传")
    print(editor.draft.uuid, flush=True)
    editor.saved.connect(lambda _uuid: os.kill(os.getpid(), signal.SIGKILL))  # no clean exit, no close
    app.exec()
    """
)


def test_a_killed_client_keeps_what_the_editor_autosaved(offline_folder: Path) -> None:
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_EDITOR, str(offline_folder)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"},
        timeout=60,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    drafts = DraftStore.open(offline_folder)
    assert drafts.require(killed.stdout.strip()).reason == "附件不清晰，请重新上传"
    drafts.close()


# -- screenshots -----------------------------------------------------------------------------------


def test_screenshots_of_the_drafts_view_and_the_offline_window(
    qtbot: Any,
    qapp: Any,
    controller: SyncController,
    stores: tuple[LocalStore, DraftStore],
    restartable_server: RestartableServer,
    ui_client: CmisClient,
    runner: TaskRunner,
    ui_settings: UiSettings,
    tmp_path: Path,
) -> None:
    """Saved into $FIRMDESK_SCREENSHOTS when set (docs/screenshots/offline_*.png), else into a temporary folder."""
    from firmdesk.services.models import FirmInfo
    from firmdesk.ui.main_window import MainWindow
    from firmdesk.ui.resources import apply_look

    apply_look(qapp)

    _loaded(qtbot, controller)
    assert controller.data is not None
    _, drafts = stores
    pending = [r for r in controller.data.cpas if r.status == "pending_firm"]
    sent = drafts.create(YEAR, pending[4:5], "培训学时证明与系统登记不一致，请核对后重新提交。")
    drafts.set_state(sent.uuid, DraftState.SENT)
    conflict = drafts.create(YEAR, pending[2:4], "执业情况说明未盖章，请补充盖章版本。")
    drafts.mark_conflict(
        conflict.uuid,
        f"以下申请已在服务器上变化，草稿未发送：\n{pending[2].name}（{pending[2].cert_no}）：状态已变为“已提交省注协”",
        {pending[2].application_id or 0: "状态已变为“已提交省注协”"},
    )
    drafts.create(YEAR, pending[1:2], "社保证明材料缺少近三个月记录。")
    drafts.create(YEAR, pending[0:1], "继续教育学时证明模糊，请重新上传清晰的扫描件。", send_on_reconnect=True)

    # The main window as the shell wires it: the controller is its loader, the 草稿 page its sixth tab.
    firm: FirmInfo = ui_client.firm()
    window = MainWindow(ui_client, firm, runner, ui_settings, sync=controller)
    qtbot.addWidget(window)
    window.resize(1366, 740)
    window.show()
    qtbot.waitExposed(window)
    with qtbot.waitSignal(window.data_shown, timeout=20000):
        window.start()
    view = window.drafts_view
    assert view is not None

    restartable_server.stop()
    with qtbot.waitSignal(controller.state_changed, timeout=10000):
        window.refresh_action.trigger()  # F5
    pending_tab = window.pending_tab
    pending_tab.model.set_checked([0, 1], True)  # 申请 stays disabled offline; 退回 writes a draft
    pending_tab.table.selectRow(0)
    qtbot.wait(50)
    shots = Path(os.environ.get("FIRMDESK_SCREENSHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    assert window.grab().save(str(shots / "offline_window.png"))

    assert not pending_tab.action_bar.action("submit").isEnabled()
    window.tab_widget.setCurrentWidget(view)
    view.table.selectRow(2)  # the conflict: its message shows below the list
    qtbot.wait(50)
    assert window.grab().save(str(shots / "offline_drafts.png"))

    editor = view.edit(view.model.draft(0))
    editor.resize(880, 460)  # the reason, and the common reasons beside it
    qtbot.waitExposed(editor)
    qtbot.wait(50)
    assert editor.grab().save(str(shots / "offline_draft_editor.png"))
    editor.close()
    assert view.table.model().rowCount() == 4
    assert window.online_label.text() == "● 离线"
