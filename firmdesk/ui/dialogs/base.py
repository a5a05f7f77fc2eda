"""What every review dialog shares: its work runs as `Op`s it watches, dropped when the dialog closes."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QPushButton, QWidget

from firmdesk.services.errors import ServerUnreachable
from firmdesk.ui.ops import Op
from firmdesk.ui.tasks import TaskRunner

T = TypeVar("T")


class ServiceDialog(QDialog):
    """A dialog that runs blocking service calls as ops; `busy`/`busy_changed` while its own ops run.

    `op(owner, work, key=...)` starts the ops of the dialog (owner: the dialog) and of its widgets (owner:
    the preview panel, the materials editor; they are given the dialog as their `OpStarter`). Closing the
    dialog drops them all, so nothing answers into a closed dialog; a deleted owner hears nothing anyway.
    `server_unreachable(exc)` when any of them found no server: the window goes offline on it
    (`ReviewActions` connects it to `SyncController.report_unreachable`), whatever the dialog shows.
    """

    busy_changed = Signal(bool)
    server_unreachable = Signal(object)  # ServerUnreachable

    def __init__(self, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self._ops: list[Op[Any]] = []  # running, the dialog's and its widgets'
        self.finished.connect(self._drop_ops)

    @property
    def busy(self) -> bool:
        """An op of the dialog itself runs (a preview downloading in a panel does not count)."""
        return any(op.owner is self for op in self._ops)

    def op(self, owner: QObject, work: Callable[[], T], *, key: Hashable | None = None) -> Op[T]:
        return Op(owner, work, runner=self.runner, key=key, watcher=self)

    def op_started(self, op: Op[Any]) -> None:
        was_busy = self.busy
        self._ops.append(op)
        if self.busy and not was_busy:
            self.busy_changed.emit(True)

    def op_ended(self, op: Op[Any], error: BaseException | None) -> None:
        was_busy = self.busy
        if op in self._ops:
            self._ops.remove(op)
        if was_busy and not self.busy:
            self.busy_changed.emit(False)
        if isinstance(error, ServerUnreachable):
            self.server_unreachable.emit(error)

    def _drop_ops(self, _result: int = 0) -> None:
        for op in list(self._ops):
            op.cancel()


def mark_danger(button: QWidget) -> None:
    """A main action that undoes someone's work (确认退回): the style sheet's `danger` look, while enabled."""
    button.setProperty("danger", True)
    button.style().unpolish(button)
    button.style().polish(button)


def mark_primary(button: QWidget) -> None:
    """The dialog's main action, in the app style sheet's `primary` look (re-polished: the box already styled it)."""
    button.setProperty("primary", True)
    button.style().unpolish(button)
    button.style().polish(button)


@dataclass
class DialogFooter:
    """The foot of a dialog that sends something: why it cannot yet (the hint), the main button and 关闭."""

    hint_label: QLabel
    buttons: QDialogButtonBox
    submit_button: QPushButton
    close_button: QPushButton

    def layout(self) -> QHBoxLayout:
        bottom = QHBoxLayout()
        bottom.addWidget(self.hint_label, 1)
        bottom.addWidget(self.buttons)
        return bottom


def dialog_footer(dialog: QDialog, submit_text: str, hint_name: str, submit_name: str, close_name: str) -> DialogFooter:
    """`submit_text` as the dialog's primary button (accept: `dialog.submit`), 关闭 (reject), and the hint."""
    hint = QLabel(dialog)
    hint.setObjectName(hint_name)
    hint.setWordWrap(True)
    buttons = QDialogButtonBox(dialog)
    submit = buttons.addButton(submit_text, QDialogButtonBox.ButtonRole.AcceptRole)
    submit.setObjectName(submit_name)
    mark_primary(submit)
    close = buttons.addButton("关闭", QDialogButtonBox.ButtonRole.RejectRole)
    close.setObjectName(close_name)
    buttons.accepted.connect(dialog.submit)  # type: ignore[attr-defined]
    buttons.rejected.connect(dialog.reject)
    return DialogFooter(hint, buttons, submit, close)
