"""`Op`: work on the pool, the answer on the UI thread, only to an owner that still exists and still wants it."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from PySide6.QtCore import QObject
from shiboken6 import Shiboken

from firmdesk.ui.ops import Op
from firmdesk.ui.tasks import TaskRunner


class Recorder:
    """An `OpWatcher` that writes down what it hears."""

    def __init__(self) -> None:
        self.heard: list[tuple[str, Any]] = []

    def op_started(self, op: Op[Any]) -> None:
        self.heard.append(("started", op.key))

    def op_ended(self, op: Op[Any], error: BaseException | None) -> None:
        self.heard.append(("ended", type(error).__name__ if error is not None else None))


def _fail(message: str) -> None:
    raise ValueError(message)


def test_the_result_reaches_success_on_the_ui_thread(qtbot: Any, runner: TaskRunner) -> None:
    owner = QObject()
    ui_thread = threading.get_ident()
    seen: dict[str, Any] = {}

    def work() -> int:
        seen["work_thread"] = threading.get_ident()
        return 42

    def done(value: int) -> None:
        seen["value"], seen["callback_thread"] = value, threading.get_ident()

    with qtbot.waitSignal(runner.idle, timeout=5000):
        op = Op(owner, work, runner=runner).success(done).run()
        assert op.running
    assert seen["value"] == 42 and seen["work_thread"] != ui_thread and seen["callback_thread"] == ui_thread
    assert not op.running


def test_a_deleted_owner_hears_nothing(qtbot: Any, runner: TaskRunner) -> None:
    release = threading.Event()
    called: list[object] = []
    owner = QObject()
    runner.op(owner, lambda: release.wait(5)).success(called.append).failure(called.append).run()
    runner.op(owner, lambda: release.wait(5) and _fail("late")).run()  # unhandled: not even to `failed`
    failures: list[BaseException] = []
    runner.failed.connect(failures.append)
    Shiboken.delete(owner)  # e.g. a details dialog closed before its data came
    with qtbot.waitSignal(runner.idle, timeout=5000):
        release.set()
    assert called == [] and failures == []


def test_starting_an_op_with_the_same_key_drops_the_older_answer(qtbot: Any, runner: TaskRunner) -> None:
    owner, other = QObject(), QObject()
    first_may_finish = threading.Event()
    got: list[str] = []
    first = runner.op(owner, lambda: first_may_finish.wait(5) and "first").success(got.append).run()
    with qtbot.waitSignal(runner.idle, timeout=5000):
        runner.op(owner, lambda: "second", key="preview").success(got.append).run()
        runner.op(other, lambda: "other owner", key="preview").success(got.append).run()
        keyed = runner.op(owner, lambda: first_may_finish.wait(5) and "old", key="load").success(got.append).run()
        newest = runner.op(owner, lambda: "new", key="load").success(got.append).run()
        assert not keyed.running and newest.running and first.running
        first_may_finish.set()
    assert sorted(got) == ["first", "new", "other owner", "second"]  # "old" was superseded; no key: no supersede


def test_a_cancelled_op_calls_nothing(qtbot: Any, runner: TaskRunner) -> None:
    release = threading.Event()
    called: list[object] = []
    op = runner.op(QObject(runner), lambda: release.wait(5)).success(called.append).failure(called.append).run()
    op.cancel()
    with qtbot.waitSignal(runner.idle, timeout=5000):
        release.set()
    assert called == [] and not op.running


def test_a_failure_goes_to_its_handler_else_to_the_runners_failed_signal(qtbot: Any, runner: TaskRunner) -> None:
    owner = QObject()
    handled: list[BaseException] = []
    unhandled: list[BaseException] = []
    runner.failed.connect(unhandled.append)
    with qtbot.waitSignal(runner.idle, timeout=5000):
        runner.op(owner, lambda: _fail("mine")).success(lambda _v: pytest.fail("no success")).failure(
            handled.append
        ).run()
    with qtbot.waitSignal(runner.failed, timeout=5000) as blocker:
        runner.op(owner, lambda: _fail("nobody's")).run()
    assert [str(e) for e in handled] == ["mine"]
    assert isinstance(blocker.args[0], ValueError) and str(blocker.args[0]) == "nobody's"
    assert [str(e) for e in unhandled] == ["nobody's"]


def test_the_watcher_hears_start_and_end_before_the_callback(qtbot: Any, runner: TaskRunner) -> None:
    owner = QObject()
    watcher = Recorder()
    release = threading.Event()
    with qtbot.waitSignal(runner.idle, timeout=5000):
        Op(owner, lambda: 1, runner=runner, key="a", watcher=watcher).success(
            lambda _v: watcher.heard.append(("success", None))
        ).run()
    with qtbot.waitSignal(runner.idle, timeout=5000):
        Op(owner, lambda: _fail("x"), runner=runner, watcher=watcher).failure(
            lambda _e: watcher.heard.append(("failure", None))
        ).run()
    superseded = Op(owner, lambda: release.wait(5), runner=runner, key="b", watcher=watcher).run()
    with qtbot.waitSignal(runner.idle, timeout=5000):
        Op(owner, lambda: 2, runner=runner, key="b", watcher=watcher).run()
        release.set()
    assert not superseded.running
    assert watcher.heard == [
        ("started", "a"),
        ("ended", None),
        ("success", None),
        ("started", None),
        ("ended", "ValueError"),
        ("failure", None),
        ("started", "b"),
        ("ended", None),  # the first "b", superseded
        ("started", "b"),
        ("ended", None),
    ]


def test_an_op_runs_once(runner: TaskRunner) -> None:
    op = runner.op(QObject(runner), lambda: 1).run()
    with pytest.raises(RuntimeError):
        op.run()
    runner.wait_for_done(5000)


def test_a_closed_dialog_hears_nothing_from_its_ops_or_its_widgets_ops(qtbot: Any, runner: TaskRunner) -> None:
    from PySide6.QtWidgets import QWidget

    from firmdesk.ui.dialogs.base import ServiceDialog

    dialog = ServiceDialog(runner)
    qtbot.addWidget(dialog)
    panel = QWidget(dialog)  # e.g. the attachments panel, given the dialog as its OpStarter
    release = threading.Event()
    busy: list[bool] = []
    called: list[object] = []
    dialog.busy_changed.connect(busy.append)
    dialog.open()
    dialog.op(dialog, lambda: release.wait(5)).success(called.append).failure(called.append).run()
    dialog.op(panel, lambda: release.wait(5), key="preview").success(called.append).run()
    assert dialog.busy and busy == [True]
    dialog.reject()
    assert not dialog.busy and busy == [True, False]
    with qtbot.waitSignal(runner.idle, timeout=5000):
        release.set()
    assert called == []


def test_a_dialog_is_busy_with_its_own_ops_and_says_when_the_server_is_away(qtbot: Any, runner: TaskRunner) -> None:
    from PySide6.QtWidgets import QWidget

    from firmdesk.services.errors import ServerUnreachable
    from firmdesk.ui.dialogs.base import ServiceDialog

    dialog = ServiceDialog(runner)
    qtbot.addWidget(dialog)
    panel = QWidget(dialog)
    release = threading.Event()
    order: list[str] = []

    def away() -> None:
        raise ServerUnreachable("http://127.0.0.1:9")

    dialog.server_unreachable.connect(lambda _e: order.append("unreachable"))
    dialog.op(panel, lambda: release.wait(5)).run()
    assert not dialog.busy  # a preview downloading does not make the dialog busy
    with qtbot.waitSignal(runner.idle, timeout=5000):
        dialog.op(dialog, away).failure(lambda _e: order.append(f"failure, busy={dialog.busy}")).run()
        assert dialog.busy
        release.set()
    assert order == ["unreachable", "failure, busy=False"]
