"""One piece of blocking work for a Qt object: `Op(owner, work, runner=r, key=k).success(...).failure(...).run()`.

After Anki's `CollectionOp` (a small object: the work, what to do with its result, what to do with its
failure) and Orange's `ConcurrentMixin` (starting a task cancels the old one). `work` runs on the task
runner's pool; the callbacks run on the UI thread, and only while it still makes sense:

- never once `owner` is deleted (a dialog closed with `WA_DeleteOnClose`, a panel replaced);
- never for an op that was cancelled (`op.cancel()`), or superseded: starting an op with the same
  `(owner, key)` drops the answer of the one before (the newest question wins: a preview, a reload);
- a failure without a `failure` callback goes to the runner's `failed` signal (the window shows it).

The work itself is not interrupted (a thread cannot be): to stop long work early, give it a
`ProgressState` it polls (`firmdesk.services.progress`).

A `watcher` (a `ServiceDialog`) hears when each of its ops starts and ends, to say it is busy and to
drop its ops when it closes.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from PySide6.QtCore import QObject
from shiboken6 import Shiboken

if TYPE_CHECKING:
    from firmdesk.ui.tasks import TaskHandle, TaskRunner

T = TypeVar("T")


class OpWatcher(Protocol):
    """Told when an op starts and when it stops running (before its callback; `error`: the failure, if
    it is delivered)."""

    def op_started(self, op: Op[Any]) -> None: ...

    def op_ended(self, op: Op[Any], error: BaseException | None) -> None: ...


class OpStarter(Protocol):
    """What widgets are given to start their ops: the `TaskRunner` itself, or the dialog they live in
    (whose ops are then dropped when it closes)."""

    def op(self, owner: QObject, work: Callable[[], T], *, key: Hashable | None = None) -> Op[T]: ...


def alive(obj: QObject | None) -> bool:
    """The Qt object behind `obj` still exists."""
    return obj is not None and Shiboken.isValid(obj)


class Op(Generic[T]):
    """`work()` on a worker, its outcome to `success`/`failure` on the UI thread, if `owner` still wants it."""

    def __init__(
        self,
        owner: QObject,
        work: Callable[[], T],
        *,
        runner: TaskRunner,
        key: Hashable | None = None,
        watcher: OpWatcher | None = None,
    ) -> None:
        self.owner = owner
        self.key = key
        self._work = work
        self._runner = runner
        self._watcher = watcher
        self._on_success: Callable[[T], None] | None = None
        self._on_failure: Callable[[BaseException], None] | None = None
        self._handle: TaskHandle | None = None
        self._running = False

    def success(self, on_success: Callable[[T], None]) -> Op[T]:
        self._on_success = on_success
        return self

    def failure(self, on_failure: Callable[[BaseException], None]) -> Op[T]:
        self._on_failure = on_failure
        return self

    @property
    def running(self) -> bool:
        """Started, and neither answered nor cancelled yet."""
        return self._running

    def run(self) -> Op[T]:
        """Start the work; an op of the same owner and key still running is superseded (its answer dropped)."""
        if self._handle is not None:
            raise RuntimeError("an Op runs once")
        if self.key is not None:
            previous = self._runner.keyed_op(self.owner, self.key)
            if previous is not None:
                previous.cancel()
            self._runner.register_keyed_op(self)
        self._running = True
        if self._watcher is not None:
            self._watcher.op_started(self)
        self._handle = self._runner.start(self._work, self._succeeded, self._failed)
        return self

    def cancel(self) -> None:
        """Drop the answer: neither callback will be called (the work still runs to its end)."""
        if not self._running:
            return
        assert self._handle is not None
        self._handle.cancel()
        self._end(None)

    # -- delivery (on the UI thread) --

    def _end(self, error: BaseException | None) -> None:
        self._running = False
        if self.key is not None:
            self._runner.unregister_keyed_op(self)
        watcher = self._watcher
        if watcher is not None and (not isinstance(watcher, QObject) or alive(watcher)):
            watcher.op_ended(self, error)

    def _succeeded(self, result: T) -> None:
        if not self._running:
            return
        if not alive(self.owner):
            self._end(None)
            return
        self._end(None)
        if self._on_success is not None:
            self._on_success(result)

    def _failed(self, error: BaseException) -> None:
        if not self._running:
            return
        if not alive(self.owner):
            self._end(None)
            return
        self._end(error)
        if self._on_failure is not None:
            self._on_failure(error)
        else:
            self._runner.failed.emit(error)

    def __repr__(self) -> str:
        state = "running" if self._running else "idle"
        return f"<Op key={self.key!r} {state}>"
