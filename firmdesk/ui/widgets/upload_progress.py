"""The progress bar and 取消上传 button of an upload, reading the upload's `ProgressState` (as the exports do)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QProgressBar, QPushButton, QWidget

from firmdesk.services.progress import TaskState

CANCELLING_TEXT = "正在取消上传…"


class UploadProgress(QWidget):
    """Hidden until `set_active(True)`; then busy until the upload's first progress report.

    `state` is the `ProgressState` to give the upload (`client.submit_batch(..., state=...)`), a fresh one
    for every upload: the worker reports the bytes sent to it (`progressed(sent, total)` on the UI thread)
    and polls it for a cancel. `cancel_button.clicked` is for the dialog to connect (it also says so in its
    banner); `cancel()` cancels `state`."""

    progressed = Signal(int, int)  # sent, total bytes; emitted on the worker, delivered queued

    def __init__(self, bar_name: str, cancel_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.active = False
        self.state = TaskState(on_progress=self.progressed.emit)
        self.progressed.connect(self._on_progress, Qt.ConnectionType.QueuedConnection)
        self.bar = QProgressBar(self)
        self.bar.setObjectName(bar_name)
        self.bar.setFormat("上传中 %p%")
        self.cancel_button = QPushButton("取消上传", self)
        self.cancel_button.setObjectName(cancel_name)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.bar, 1)
        layout.addWidget(self.cancel_button)
        self.hide()

    def set_active(self, active: bool) -> None:
        if active:
            self.state = TaskState(on_progress=self.progressed.emit)
            self.bar.setRange(0, 0)  # busy until the first progress report
        self.active = active
        self.setVisible(active)
        self.cancel_button.setEnabled(active)

    def _on_progress(self, sent: int, total: int) -> None:
        if self.active and total > 0:
            self.bar.setRange(0, 1000)
            self.bar.setValue(int(sent * 1000 / total))

    def cancel(self) -> bool:
        """Ask the upload to stop; False when none is under way."""
        if not self.active:
            return False
        self.state.cancel()
        self.cancel_button.setEnabled(False)
        return True
