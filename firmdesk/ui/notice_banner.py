"""A non-blocking notice strip that floats over the bottom of the window's content: showing or hiding it never
moves the tables (a strip inserted above the tabs shifted them under the mouse and caused misclicks)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QFrame, QGraphicsDropShadowEffect, QHBoxLayout, QLabel, QToolButton, QWidget

from firmdesk.ui.palette import NOTICE_COLOURS

LEVELS = tuple(NOTICE_COLOURS)
MARGIN = 12  # from the host's edges


def notice_style(level: str) -> str:
    text, background, border = NOTICE_COLOURS.get(level, NOTICE_COLOURS["error"])
    return (
        f"QFrame#notice_banner {{ background: {background}; border: 1px solid {border}; border-radius: 6px; }}"
        f" QLabel#notice_text {{ color: {text}; background: transparent; }}"
        f" QToolButton#notice_close {{ color: {text}; border: none; background: transparent; font-size: 16px; }}"
    )


class NoticeBanner(QFrame):
    """`show_message(text, level, timeout_ms)`; levels "info", "success", "warning", "error".

    Floats over its parent (the host): placed along the host's bottom edge, above everything in it, and
    follows the host's size. It takes no room in any layout.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("notice_banner")
        self.label = QLabel(self)
        self.label.setObjectName("notice_text")
        self.label.setWordWrap(True)
        self.close_button = QToolButton(self)
        self.close_button.setObjectName("notice_close")
        self.close_button.setText("×")
        self.close_button.setToolTip("关闭提示")
        self.close_button.clicked.connect(self.hide)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 8, 6, 8)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.close_button)
        shadow = QGraphicsDropShadowEffect(self)
        shadow.setBlurRadius(16)
        shadow.setOffset(0, 2)
        self.setGraphicsEffect(shadow)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.hide)
        self.setProperty("level", "error")
        self.setStyleSheet(notice_style("error"))
        if parent is not None:
            parent.installEventFilter(self)
        self.hide()

    def show_message(self, text: str, level: str = "error", timeout_ms: int = 0) -> None:
        """0 ms: stays until closed."""
        self.label.setText(text)
        self.setProperty("level", level)
        self.setStyleSheet(notice_style(level))
        self._place()
        self.show()
        self.raise_()
        if timeout_ms:
            self._timer.start(timeout_ms)
        else:
            self._timer.stop()

    def text(self) -> str:
        return self.label.text() if self.isVisible() else ""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.parent() and event.type() == QEvent.Type.Resize and self.isVisible():
            self._place()
        return False

    def _place(self) -> None:
        host = self.parentWidget()
        if host is None:
            return
        width = max(200, host.width() - 2 * MARGIN)
        layout = self.layout()
        height = layout.heightForWidth(width) if layout is not None and layout.hasHeightForWidth() else -1
        height = max(height, self.sizeHint().height())
        self.setGeometry(MARGIN, host.height() - height - MARGIN, width, height)
