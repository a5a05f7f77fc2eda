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


class MessageBanner(QLabel):
    """Hidden while empty; `show_message(text, tone)`; the text is selectable so it can be copied."""

    def __init__(self, object_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.setProperty("role", "banner")  # its look, by tone: resources/firmdesk.qss
        self.tone = Tone.INFO
        self.hide()

    def show_message(self, text: str, tone: Tone = Tone.ERROR) -> None:
        self.tone = tone
        self.setProperty("tone", str(tone))
        self.style().unpolish(self)
        self.style().polish(self)
        self.setText(text)
        self.setVisible(bool(text))

    def clear_message(self) -> None:
        self.setText("")
        self.hide()
