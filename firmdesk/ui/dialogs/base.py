"""What every review dialog shares: work on the task runner, tracked so that a closed dialog gets no callbacks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QDialog, QWidget

from firmdesk.services.errors import ServerUnreachable


class TaskHandleLike(Protocol):
    def cancel(self) -> None: ...


class Runner(Protocol):
    """The UI's task runner (`firmdesk.ui.tasks.TaskRunner`): `fn` on a worker, callbacks on the UI thread."""

    def run(
        self,
        fn: Callable[[], Any],
        on_success: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> TaskHandleLike: ...


class _Liveness:
    """Shared by a group's callbacks; flipped when the group's QObject is destroyed (never touches Qt)."""

    def __init__(self) -> None:
        self.alive = True

    def die(self, *_args: object) -> None:
        self.alive = False


class TaskGroup(QObject):
    """The tasks one widget started: `busy_changed` as they come and go; `cancel_all()` when it closes.

    If the owner is deleted without closing (its parent went away), the answers still on their way are
    dropped too: the callbacks check a flag that the `destroyed` signal clears.
    """

    busy_changed = Signal(bool)
    failed = Signal(object)  # every failure of a task of the group (before its own error callback)

    def __init__(self, runner: Runner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self._handles: dict[int, TaskHandleLike] = {}
        self._next_id = 0
        self._liveness = _Liveness()
        self.destroyed.connect(self._liveness.die)

    @property
    def busy(self) -> bool:
        return bool(self._handles)

    def run(
        self,
        fn: Callable[[], Any],
        on_success: Callable[[Any], None],
        on_error: Callable[[BaseException], None],
    ) -> None:
        self._next_id += 1
        task_id = self._next_id
        liveness = self._liveness

        def finish() -> None:
            self._handles.pop(task_id, None)
            if not self._handles:
                self.busy_changed.emit(False)

        def ok(result: Any) -> None:
            if liveness.alive:
                finish()
                on_success(result)

        def failed(exc: BaseException) -> None:
            if liveness.alive:
                finish()
                self.failed.emit(exc)
                on_error(exc)

        was_idle = not self._handles
        self._handles[task_id] = self.runner.run(fn, ok, failed)
        if was_idle:
            self.busy_changed.emit(True)

    def cancel_all(self) -> None:
        """The work may still finish on its worker; its callbacks are dropped."""
        was_busy = self.busy
        for handle in self._handles.values():
            handle.cancel()
        self._handles.clear()
        if was_busy:
            self.busy_changed.emit(False)


class ServiceDialog(QDialog):
    """A dialog that runs blocking service calls on the runner; `busy_changed` tells when it waits.

    `server_unreachable(exc)` when any of its calls found no server: the window goes offline on it
    (`ReviewActions` connects it to `SyncController.report_unreachable`), whatever the dialog shows.
    """

    busy_changed = Signal(bool)
    server_unreachable = Signal(object)  # ServerUnreachable

    def __init__(self, runner: Runner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.tasks = TaskGroup(runner, self)
        self.tasks.busy_changed.connect(self.busy_changed)
        self.tasks.failed.connect(self._task_failed)
        self._groups: list[TaskGroup] = [self.tasks]

    @property
    def busy(self) -> bool:
        return any(g.busy for g in self._groups)

    def task_group(self) -> TaskGroup:
        """A group for a child widget (preview, materials), cancelled with the dialog."""
        group = TaskGroup(self.runner, self)
        group.failed.connect(self._task_failed)
        self._groups.append(group)
        return group

    def _task_failed(self, exc: BaseException) -> None:
        if isinstance(exc, ServerUnreachable):
            self.server_unreachable.emit(exc)

    def start_task(
        self,
        fn: Callable[[], Any],
        on_success: Callable[[Any], None],
        on_error: Callable[[BaseException], None],
    ) -> None:
        self.tasks.run(fn, on_success, on_error)

    def done(self, result: int) -> None:
        # Callbacks of work still running must not touch a closed (possibly deleted) dialog.
        for group in self._groups:
            group.cancel_all()
        super().done(result)


def mark_primary(button: QWidget) -> None:
    """The dialog's main action, in the app style sheet's `primary` look (re-polished: the box already styled it)."""
    button.setProperty("primary", True)
    button.style().unpolish(button)
    button.style().polish(button)
