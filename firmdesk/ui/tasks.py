"""Runs blocking work (network, disk, keyring) on a thread pool and delivers results on the UI thread.

Widgets start their work as an `Op` (`firmdesk.ui.ops`): `runner.op(owner, work, key=...)`; `run` is the
plain layer beneath it (no owner, no key), for work whose answer every caller wants.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal, Slot

from firmdesk.ui.ops import Op

T = TypeVar("T")

log = logging.getLogger(__name__)

SuccessCallback = Callable[[Any], None]
ErrorCallback = Callable[[BaseException], None]
Outcome = tuple[bool, Any]  # (True, result) or (False, exception)


class _TaskSignals(QObject):
    """Lives on the UI thread; the worker emits through it, so delivery is a queued call.

    Only the task id crosses threads through Qt; the outcome waits in a plain dict. (Python objects
    carried by queued signals have given us reference-count crashes at interpreter exit.)
    """

    finished = Signal(int)


class _Task(QRunnable):
    def __init__(
        self,
        task_id: int,
        fn: Callable[[], Any],
        signals: _TaskSignals,
        outcomes: dict[int, Outcome],
        lock: threading.Lock,
    ) -> None:
        super().__init__()
        self._task_id = task_id
        self._fn: Callable[[], Any] | None = fn
        self._signals = signals
        self._outcomes = outcomes
        self._lock = lock

    def run(self) -> None:
        fn, self._fn = self._fn, None
        assert fn is not None
        try:
            outcome: Outcome = (True, fn())
        except BaseException as exc:  # every failure goes back to the UI thread
            outcome = (False, exc)
        with self._lock:
            self._outcomes[self._task_id] = outcome
        self._signals.finished.emit(self._task_id)


@dataclass
class _Pending:
    on_success: SuccessCallback | None
    on_error: ErrorCallback | None
    signals: _TaskSignals
    cancelled: bool = False


class TaskHandle:
    """What `TaskRunner.run` returns: lets the caller drop the callbacks of a task it no longer wants."""

    def __init__(self, runner: TaskRunner, task_id: int) -> None:
        self._runner = runner
        self.task_id = task_id

    def cancel(self) -> None:
        """The work still runs to its end, but neither callback is called."""
        self._runner._cancel(self.task_id)


class TaskRunner(QObject):
    """`run(fn, on_success, on_error)`: `fn` runs on a worker thread, the callbacks on the UI thread.

    An error without `on_error` goes to the `failed` signal, so a window can show it in one place.
    `op(owner, work, key=...)` is the same with the `Op` rules: nothing for a deleted owner, the newest
    op of a key wins.
    """

    failed = Signal(object)  # an exception no caller handled
    busy_changed = Signal(bool)
    idle = Signal()

    def __init__(self, parent: QObject | None = None, *, max_threads: int = 4) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(max_threads)
        self._ids = itertools.count(1)
        self._pending: dict[int, _Pending] = {}
        self._outcomes: dict[int, Outcome] = {}
        self._lock = threading.Lock()
        self._keyed: dict[tuple[int, Hashable], Op[Any]] = {}

    @property
    def pending_count(self) -> int:
        return len(self._pending)

    def run(
        self,
        fn: Callable[[], Any],
        on_success: SuccessCallback | None = None,
        on_error: ErrorCallback | None = None,
    ) -> TaskHandle:
        """Work whose answer is always wanted (no owner); work for a widget is an `op(owner, fn)`."""
        return self.start(fn, on_success, on_error)

    def start(
        self,
        fn: Callable[[], Any],
        on_success: SuccessCallback | None = None,
        on_error: ErrorCallback | None = None,
    ) -> TaskHandle:
        """`run` without an owner: the layer `Op` is built on."""
        task_id = next(self._ids)
        # Parented to the runner (UI thread), deleted with deleteLater once delivered.
        signals = _TaskSignals(self)
        signals.finished.connect(self._deliver, Qt.ConnectionType.QueuedConnection)
        self._pending[task_id] = _Pending(on_success, on_error, signals)
        if len(self._pending) == 1:
            self.busy_changed.emit(True)
        self._pool.start(_Task(task_id, fn, signals, self._outcomes, self._lock))
        return TaskHandle(self, task_id)

    def op(self, owner: QObject, work: Callable[[], T], *, key: Hashable | None = None) -> Op[T]:
        """An `Op` of `owner` on this runner (call `.success(...)`, `.failure(...)`, then `.run()`)."""
        return Op(owner, work, runner=self, key=key)

    # The ops running under a key, for `Op.run` to supersede (keyed by the owner's identity: a deleted
    # owner's entry goes when its op is answered).
    def keyed_op(self, owner: QObject, key: Hashable) -> Op[Any] | None:
        return self._keyed.get((id(owner), key))

    def register_keyed_op(self, op: Op[Any]) -> None:
        self._keyed[(id(op.owner), op.key)] = op

    def unregister_keyed_op(self, op: Op[Any]) -> None:
        slot = (id(op.owner), op.key)
        if self._keyed.get(slot) is op:
            del self._keyed[slot]

    def wait_for_done(self, msecs: int = 5000) -> bool:
        """Blocks until the workers are done (at shutdown only)."""
        return self._pool.waitForDone(msecs)

    def _cancel(self, task_id: int) -> None:
        pending = self._pending.get(task_id)
        if pending is not None:
            pending.cancelled = True

    @Slot(int)
    def _deliver(self, task_id: int) -> None:
        pending = self._pending.pop(task_id, None)
        with self._lock:
            outcome = self._outcomes.pop(task_id, None)
        if pending is None:
            return
        try:
            if outcome is None or pending.cancelled:
                return
            ok, payload = outcome
            if ok:
                if pending.on_success is not None:
                    pending.on_success(payload)
            else:
                if not isinstance(payload, Exception):
                    log.error("worker task %s raised %r", task_id, payload)
                if pending.on_error is not None:
                    pending.on_error(payload)
                else:
                    self.failed.emit(payload)
        finally:
            pending.signals.deleteLater()
            if not self._pending:
                self.busy_changed.emit(False)
                self.idle.emit()
