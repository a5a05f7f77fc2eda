"""An inline message line (error, warning, success, info) that a dialog shows above its buttons."""

from __future__ import annotations

from enum import StrEnum

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget


class Tone(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    SUCCESS = "success"
    INFO = "info"


_STYLES = {
    Tone.ERROR: "color:#a61e1e; background:#fff1f0; border:1px solid #f5b5b0;",
    Tone.WARNING: "color:#8a5300; background:#fff8e6; border:1px solid #f2d28b;",
    Tone.SUCCESS: "color:#1e6b30; background:#ecf9ef; border:1px solid #a8dcb4;",
    Tone.INFO: "color:#1f4e8c; background:#eef4fd; border:1px solid #b5cdef;",
}


class MessageBanner(QLabel):
    """Hidden while empty; `show_message(text, tone)`; the text is selectable so it can be copied."""

    def __init__(self, object_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.tone = Tone.INFO
        self.hide()

    def show_message(self, text: str, tone: Tone = Tone.ERROR) -> None:
        self.tone = tone
        self.setStyleSheet(f"QLabel {{ {_STYLES[tone]} border-radius:4px; padding:6px 8px; }}")
        self.setText(text)
        self.setVisible(bool(text))

    def clear_message(self) -> None:
        self.setText("")
        self.hide()
