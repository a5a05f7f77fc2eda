"""Waiting drafts go out on every path to online, and every retried action is done once, under real faults.

The real `SyncController` and `BatchDialog` on a real server, reached through a faulty TCP proxy
(`tests/helpers/faults.py`); a real client process killed with SIGKILL right after it made a draft.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from firmdesk.domain.states import Action
from firmdesk.services.api_client import CmisClient
from firmdesk.services.attachment_cache import AttachmentCache
from firmdesk.services.connectivity import BackoffPolicy
from firmdesk.services.drafts import DraftState, DraftStore
from firmdesk.services.local_store import LocalStore, to_json
from firmdesk.ui.dialogs.batch_dialog import BatchDialog
from firmdesk.ui.draft_editor import DraftEditor
from firmdesk.ui.sync_controller import SyncController
from firmdesk.ui.tasks import TaskRunner
from tests.helpers.dialog_world import FIRM_NUMBER, YEAR, World, make_world
from tests.helpers.faults import Fault, FaultyProxy, faulty_proxy
from tests.helpers.server import FIRM_PASSWORD

ROOT = Path(__file__).resolve().parents[2]
QUICK_RETRY = BackoffPolicy(first=0.2, factor=2, maximum=1.0)
REASON = "执业情况说明未盖章，请补充"


@pytest.fixture
def world(server_builder: Any, live_server: Any, request: pytest.FixtureRequest) -> Iterator[World]:
    w = make_world(server_builder, live_server, pending=getattr(request, "param", 3))
    yield w
    w.close()


@pytest.fixture
def proxy(world: World, live_server: Any) -> Iterator[FaultyProxy]:
    with faulty_proxy(live_server.port) as proxy:
        yield proxy


@pytest.fixture
def flaky(proxy: FaultyProxy) -> Iterator[CmisClient]:
    client = CmisClient(proxy.base_url, retries=1, backoff=0.05, timeout=5)
    client.login("firm", FIRM_NUMBER, FIRM_PASSWORD)
    yield client
    client.close()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    path = tmp_path / "offline" / FIRM_NUMBER
    path.mkdir(parents=True)
    return path


@pytest.fixture
def stores(folder: Path, runner: TaskRunner) -> Iterator[tuple[LocalStore, DraftStore]]:
    store, drafts = LocalStore.open(folder), DraftStore.open(folder)
    yield store, drafts
    runner.wait_for_done(10000)
    store.close()
    drafts.close()


def _controller(flaky: CmisClient, stores: tuple[LocalStore, DraftStore], runner: TaskRunner) -> SyncController:
    return SyncController(flaky, *stores, runner, policy=QUICK_RETRY)


def _returns(world: World, application_id: int) -> list[str | None]:
    return [e.reason for e in world.client.trail(application_id) if e.action == Action.FIRM_RETURN.value]


@pytest.mark.parametrize("world", [30], indirect=True, ids=["30 pending"])
def test_thirty_waiting_drafts_and_those_left_sending_all_go_out_at_start_once_each(
    qtbot: Any, world: World, flaky: CmisClient, stores: tuple[LocalStore, DraftStore], runner: TaskRunner
) -> None:
    drafts = stores[1]
    rows = world.pending_rows()
    assert len(rows) == 30
    for row in rows[:25]:  # marked 联网后发送 offline in an earlier session
        drafts.create(YEAR, [row], REASON, send_on_reconnect=True)
    for row in rows[25:]:  # a crash while sending: three of the five had reached the server
        draft = drafts.create(YEAR, [row], REASON, sending=True)
        if row is not rows[-1] and row is not rows[-2]:
            world.client.return_applications([(row.application_id or 0, row.version)], REASON, draft.uuid)

    sync = _controller(flaky, stores, runner)
    notices: list[str] = []
    sync.notice.connect(lambda text, _level: notices.append(text))
    started = time.monotonic()
    with qtbot.waitSignal(sync.drafts_sent, timeout=20000) as sent:
        sync.load(YEAR)  # the app starts online: no offline→online flip ever happens
    seconds = time.monotonic() - started
    sync.stop()

    assert len(sent.args[0]) == 30, seconds
    assert all(d.state is DraftState.SENT for d in drafts.all())
    for row in rows:
        assert _returns(world, row.application_id or 0) == [REASON]  # each exactly once
    assert any("已发送 30 份退回草稿" in n for n in notices)


def test_a_lost_sync_right_before_sending_leaves_the_draft_waiting_and_it_goes_on_reconnect(
    qtbot: Any,
    world: World,
    proxy: FaultyProxy,
    flaky: CmisClient,
    stores: tuple[LocalStore, DraftStore],
    runner: TaskRunner,
) -> None:
    drafts = stores[1]
    sync = _controller(flaky, stores, runner)
    with qtbot.waitSignal(sync.finished, timeout=20000):
        sync.load(YEAR)
    row = world.pending_rows()[0]
    draft = drafts.create(YEAR, [row], REASON)  # written online, not marked 联网后发送

    editor = DraftEditor(drafts, draft, sync)
    qtbot.addWidget(editor)
    editor.show()
    assert not editor.send_on_reconnect.isChecked()

    proxy.add(Fault.DROP_AFTER_FORWARD, "GET", "/firm/changes", times=None)
    with qtbot.waitSignal(sync.state_changed, timeout=20000) as went:
        qtbot.mouseClick(editor.send_button, Qt.MouseButton.LeftButton)  # the sync before the checks is lost
    assert went.args == [False]
    kept = drafts.require(draft.uuid)
    assert kept.state is DraftState.DRAFT and kept.send_on_reconnect  # not forgotten
    qtbot.waitUntil(editor.send_on_reconnect.isChecked, timeout=5000)  # and the editor says so
    assert [d.uuid for d in drafts.waiting_to_send()] == [draft.uuid]

    proxy.heal()
    with qtbot.waitSignal(sync.drafts_sent, timeout=20000) as sent:
        pass  # the retry timer brings it back online
    sync.stop()
    assert [d.uuid for d in sent.args[0]] == [draft.uuid]
    assert _returns(world, row.application_id or 0) == [REASON]


def test_a_withdraw_whose_answer_is_lost_is_shown_as_the_success_it_was(
    qtbot: Any, world: World, proxy: FaultyProxy, flaky: CmisClient, runner: TaskRunner, tmp_path: Path
) -> None:
    batch = world.submit(world.applications[:2], tmp_path).batch
    dialog = BatchDialog(flaky, runner, AttachmentCache(tmp_path / "cache"), batch.id, confirm=lambda *_a: True)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.loaded, timeout=10000):
        dialog.show()
    refusals: list[str] = []
    dialog.refused.connect(refusals.append)

    proxy.add(Fault.DROP_AFTER_FORWARD, "POST", "/withdraw")
    with qtbot.waitSignal(dialog.withdrawn, timeout=10000) as withdrawn:
        qtbot.mouseClick(dialog.withdraw_button, Qt.MouseButton.LeftButton)
    assert withdrawn.args[0].batch.state == "withdrawn"
    qtbot.waitUntil(lambda: "已撤回年检批次" in dialog.banner.text(), timeout=10000)
    assert refusals == []  # not "不能撤回（当前状态：已撤回）"
    assert proxy.requests("POST", "/withdraw") == [Fault.DROP_AFTER_FORWARD, Fault.PASS]
    events = [e.action for e in world.client.batch(batch.id).events]
    assert events.count(Action.WITHDRAW_BATCH.value) == 1


def test_a_withdraw_whose_every_answer_is_lost_is_still_shown_as_done_once_the_batch_says_so(
    qtbot: Any, world: World, proxy: FaultyProxy, flaky: CmisClient, runner: TaskRunner, tmp_path: Path
) -> None:
    batch = world.submit(world.applications[:2], tmp_path).batch
    dialog = BatchDialog(flaky, runner, AttachmentCache(tmp_path / "cache"), batch.id, confirm=lambda *_a: True)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.loaded, timeout=10000):
        dialog.show()
    refusals: list[str] = []
    dialog.refused.connect(refusals.append)

    proxy.add(Fault.DROP_AFTER_FORWARD, "POST", "/withdraw", times=None)  # the try and its repeat: all lost
    with qtbot.waitSignal(dialog.withdrawn, timeout=10000):
        qtbot.mouseClick(dialog.withdraw_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "已撤回年检批次" in dialog.banner.text(), timeout=10000)
    assert refusals == [] and not dialog.withdraw_button.isVisible()
    assert proxy.requests("POST", "/withdraw") == [Fault.DROP_AFTER_FORWARD] * 2
    events = [e.action for e in world.client.batch(batch.id).events]
    assert events.count(Action.WITHDRAW_BATCH.value) == 1


# A real client process: opens the drafts offline, presses 退回 in the real editor (a new, empty draft marked
# 联网后发送) and is killed before anything is typed.
KILLED_EDITOR = textwrap.dedent(
    """
    import json, os, signal, sys
    from pathlib import Path
    from PySide6.QtWidgets import QApplication
    from firmdesk.services.drafts import DraftStore
    from firmdesk.services.models import CpaRow
    from firmdesk.ui.draft_editor import DraftEditor

    folder, year, row = Path(sys.argv[1]), int(sys.argv[2]), CpaRow.from_json(json.loads(sys.argv[3]))
    app = QApplication([])
    drafts = DraftStore.open(folder)

    class Offline:  # the editor asks only whether the controller is online, and listens to two signals
        online = False
        class _Signal:
            def connect(self, _slot): pass
        state_changed = drafts_changed = _Signal()

    editor = DraftEditor.new(drafts, year, [row], Offline())
    editor.show()
    print("created", editor.draft.uuid, flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
    """
)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_a_kill_right_after_a_draft_was_made_leaves_nothing_to_nag_about(
    qtbot: Any,
    world: World,
    proxy: FaultyProxy,
    flaky: CmisClient,
    folder: Path,
    runner: TaskRunner,
) -> None:
    row = world.pending_rows()[0]
    process = subprocess.run(
        [sys.executable, "-c", KILLED_EDITOR, str(folder), str(YEAR), json.dumps(to_json(row))],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"},
        timeout=60,
    )
    assert process.returncode == -signal.SIGKILL, process.stderr
    assert process.stdout.startswith("created ")
    left = DraftStore.open(folder)
    try:
        [empty] = left.all()
        assert empty.reason == "" and empty.send_on_reconnect  # what the kill left behind
    finally:
        left.close()

    store, drafts = LocalStore.open(folder), DraftStore.open(folder)
    try:
        sync = SyncController(flaky, store, drafts, runner, policy=QUICK_RETRY)
        notices: list[str] = []
        sync.notice.connect(lambda text, _level: notices.append(text))
        with qtbot.waitSignal(sync.finished, timeout=20000):
            sync.load(YEAR)
        proxy.fail_all(Fault.RESET)
        with qtbot.waitSignal(sync.state_changed, timeout=20000):
            sync.refresh()
        proxy.heal()
        with qtbot.waitSignal(sync.state_changed, timeout=20000) as back:
            pass
        assert back.args == [True]
        runner.wait_for_done(10000)
        qtbot.wait(200)
        sync.stop()
        assert not [n for n in notices if "请填写退回原因" in n]
        assert drafts.all() == []  # removed at start
    finally:
        runner.wait_for_done(10000)
        store.close()
        drafts.close()


# The real client's services in a process: log in through the proxy, write a draft and press 发送 (the same
# `DraftSender.send_many(asked=True)` the window runs); the proxy forwards the return and holds its answer.
KILLED_WHILE_SENDING = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    from firmdesk.services.api_client import CmisClient
    from firmdesk.services.drafts import DraftSender, DraftStore
    from firmdesk.services.local_store import LocalStore
    from firmdesk.services.models import CpaRow
    from firmdesk.services.sync import Synchronizer

    server, folder, year, reason = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    row = CpaRow.from_json(json.loads(sys.argv[5]))
    client = CmisClient(server, timeout=120)
    client.login("firm", sys.argv[6], sys.argv[7])
    store, drafts = LocalStore.open(folder), DraftStore.open(folder)
    draft = drafts.create(year, [row], reason)
    print("sending", draft.uuid, flush=True)
    DraftSender(client, drafts, Synchronizer(client, store)).send_many([draft.uuid], asked=True)
    print("answered", flush=True)  # never: the process is killed while it waits
    """
)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_a_client_killed_while_its_return_was_on_the_way_resends_it_at_start_under_the_same_key(
    qtbot: Any, world: World, proxy: FaultyProxy, folder: Path, runner: TaskRunner
) -> None:
    row = world.pending_rows()[0]
    proxy.add(Fault.STALL_AFTER_FORWARD, "POST", "/firm/returns")
    args = [proxy.base_url, str(folder), str(YEAR), REASON, json.dumps(to_json(row)), FIRM_NUMBER, FIRM_PASSWORD]
    process = subprocess.Popen(
        [sys.executable, "-c", KILLED_WHILE_SENDING, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        qtbot.waitUntil(lambda: ("POST", "/api/v1/firm/returns") in proxy.answered, timeout=30000)
        process.send_signal(signal.SIGKILL)  # the server returned it; the client never heard
        assert process.wait(10) == -signal.SIGKILL
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
    assert process.stdout is not None and process.stdout.readline().startswith("sending ")
    assert _returns(world, row.application_id or 0) == [REASON]

    store, drafts = LocalStore.open(folder), DraftStore.open(folder)
    try:
        [left] = drafts.all()
        assert left.state is DraftState.SENDING  # what the kill left: the outcome unknown to the client
        client = CmisClient(world.base_url, retries=0)  # the next start, online
        client.login("firm", FIRM_NUMBER, FIRM_PASSWORD)
        sync = SyncController(client, store, drafts, runner, policy=QUICK_RETRY)
        with qtbot.waitSignal(sync.drafts_sent, timeout=20000) as sent:
            sync.load(YEAR)
        sync.stop()
        runner.wait_for_done(10000)
        client.close()
        assert [d.uuid for d in sent.args[0]] == [left.uuid]
        assert drafts.require(left.uuid).state is DraftState.SENT
    finally:
        store.close()
        drafts.close()
    assert _returns(world, row.application_id or 0) == [REASON]  # replayed, not returned twice
