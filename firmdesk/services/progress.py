"""Progress, cancellation and write errors of long work (bulk QR, Excel, uploads): what `run(args, state)` reports to.

The shape follows Orange's `concurrent.py`: the work is a plain function that calls
`state.set_progress(done, total)` and polls `state.is_cancelled()`; it knows nothing of Qt. The UI passes
an object that forwards progress to a signal; tests and benchmarks pass `TaskState` or `NO_STATE`.
"""

from __future__ import annotations

import errno
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from firmdesk.services.errors import ServiceError


class ProgressState(Protocol):
    """What a long task needs from its caller."""

    def set_progress(self, done: int, total: int) -> None: ...

    def is_cancelled(self) -> bool: ...


class TaskCancelled(ServiceError):
    """The user cancelled; the task left nothing half-written behind."""

    def __init__(self, message: str = "已取消，未生成不完整的文件") -> None:
        super().__init__(message)


class ExportWriteFailed(ServiceError):
    """A file of an export could not be written (no permission, disk full, open in another program)."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"无法写入文件 {path}：{reason}")
        self.path = path


def write_failed(path: object, error: OSError) -> ExportWriteFailed:
    """The user's message for an `OSError` met while writing the export `path` (a file, or the folder of a
    folder export): it names the user's file, never the temporary one beside it, and says why in Chinese; the
    system's own text follows in brackets."""
    named = Path(str(error.filename)) if error.filename else None
    inside = named is not None and named.parent == Path(str(path)) and not named.name.startswith(".")
    return ExportWriteFailed(str(named if inside else path), _why(error))


_ERRNO_REASONS = {
    errno.ENOSPC: "磁盘空间不足",
    errno.EROFS: "该位置只读，不能保存",
    errno.ENAMETOOLONG: "文件名或路径太长",
    errno.ENOENT: "所在文件夹不存在或已被移走",
}


def _why(error: OSError) -> str:
    if isinstance(error, IsADirectoryError):
        reason = "已有同名的文件夹，请换一个文件名"
    elif isinstance(error, FileExistsError | NotADirectoryError):
        reason = "已有同名的文件，不能用作文件夹，请另选位置"
    elif isinstance(error, PermissionError):
        reason = "文件正被其他程序（如 Excel）打开，或没有写入权限；请关闭该文件或换一个位置后重试"
    else:
        reason = _ERRNO_REASONS.get(error.errno or 0, "系统无法写入")
    detail = error.strerror or ""
    return f"{reason}（{detail}）" if detail else reason


class TaskState:
    """A thread-safe `ProgressState`: `cancel()` from any thread; `on_progress` is called on the worker."""

    def __init__(self, on_progress: Callable[[int, int], None] | None = None) -> None:
        self._cancel = threading.Event()
        self._lock = threading.Lock()
        self._on_progress = on_progress
        self.done = 0
        self.total = 0

    def set_progress(self, done: int, total: int) -> None:
        with self._lock:
            self.done, self.total = done, total
        if self._on_progress is not None:
            self._on_progress(done, total)

    def is_cancelled(self) -> bool:
        return self._cancel.is_set()

    def cancel(self) -> None:
        self._cancel.set()


class _NoState:
    """For callers that neither watch progress nor cancel."""

    def set_progress(self, done: int, total: int) -> None:
        pass

    def is_cancelled(self) -> bool:
        return False


NO_STATE: ProgressState = _NoState()


def check_cancelled(state: ProgressState) -> None:
    """Raises `TaskCancelled` if the caller asked to stop."""
    if state.is_cancelled():
        raise TaskCancelled()
