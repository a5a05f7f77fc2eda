"""The progress bar and 取消上传 button of an upload, with its cancel Event and the worker's progress callback."""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QHBoxLayout, QProgressBar, QPushButton, QWidget

CANCELLING_TEXT = "正在取消上传…"


class ProgressRelay(QObject):
    """Carries `progress(sent, total)` from the uploading worker to the UI thread (a queued signal)."""

    progress = Signal(int, int)


class UploadProgress(QWidget):
    """Hidden until `set_active(True)`; then busy until the worker's first `report(sent, total)`.

    `cancel_button.clicked` is for the dialog to connect (it also says so in its banner); `cancel()` sets
    `cancelled`, the Event the worker polls, which is a fresh one for every upload."""

    def __init__(self, bar_name: str, cancel_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.active = False
        self.cancelled = threading.Event()
        self.relay = ProgressRelay(self)
        self.relay.progress.connect(self._on_progress)
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
            self.cancelled = threading.Event()
            self.bar.setRange(0, 0)  # busy until the first progress report
        self.active = active
        self.setVisible(active)
        self.cancel_button.setEnabled(active)

    def report(self, sent: int, total: int) -> None:
        """The progress callback for the worker thread."""
        self.relay.progress.emit(sent, total)

    def _on_progress(self, sent: int, total: int) -> None:
        if self.active and total > 0:
            self.bar.setRange(0, 1000)
            self.bar.setValue(int(sent * 1000 / total))

    def cancel(self) -> bool:
        """Ask the worker to stop; False when no upload is under way."""
        if not self.active:
            return False
        self.cancelled.set()
        self.cancel_button.setEnabled(False)
        return True
