"""The task runner: work runs on a pool thread, results and errors come back on the UI thread."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from firmdesk.ui.tasks import TaskRunner


def test_result_is_delivered_on_the_ui_thread(qtbot: Any, runner: TaskRunner) -> None:
    ui_thread = threading.get_ident()
    seen: dict[str, Any] = {}

    def work() -> int:
        seen["work_thread"] = threading.get_ident()
        return 42

    def done(value: int) -> None:
        seen["value"] = value
        seen["callback_thread"] = threading.get_ident()

    with qtbot.waitSignal(runner.idle, timeout=5000):
        runner.run(work, done)
    assert seen["value"] == 42
    assert seen["work_thread"] != ui_thread
    assert seen["callback_thread"] == ui_thread


def test_error_goes_to_on_error(qtbot: Any, runner: TaskRunner) -> None:
    errors: list[BaseException] = []

    def work() -> None:
        raise ValueError("boom")

    with qtbot.waitSignal(runner.idle, timeout=5000):
        runner.run(work, lambda _v: pytest.fail("no success expected"), errors.append)
    assert len(errors) == 1 and isinstance(errors[0], ValueError)


def test_unhandled_error_goes_to_the_failed_signal(qtbot: Any, runner: TaskRunner) -> None:
    def work() -> None:
        raise RuntimeError("nobody handles me")

    with qtbot.waitSignal(runner.failed, timeout=5000) as blocker:
        runner.run(work)
    assert isinstance(blocker.args[0], RuntimeError)


def test_cancelled_task_calls_no_callback(qtbot: Any, runner: TaskRunner) -> None:
    release = threading.Event()
    called: list[object] = []
    handle = runner.run(lambda: release.wait(5), called.append, called.append)
    handle.cancel()
    with qtbot.waitSignal(runner.idle, timeout=5000):
        release.set()
    assert called == []


def test_busy_changes_once_for_overlapping_tasks(qtbot: Any, runner: TaskRunner) -> None:
    states: list[bool] = []
    runner.busy_changed.connect(states.append)
    with qtbot.waitSignal(runner.idle, timeout=5000):
        runner.run(lambda: 1)
        runner.run(lambda: 2)
    assert states == [True, False]
    assert runner.pending_count == 0
