"""A non-blocking notice strip that floats over the bottom of the window's content: showing or hiding it never
moves the tables (a strip inserted above the tabs shifted them under the mouse and caused misclicks)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QFrame, QGraphicsDropShadowEffect, QHBoxLayout, QLabel, QToolButton, QWidget

from firmdesk.ui.palette import NOTICE_COLOURS

LEVELS = tuple(NOTICE_COLOURS)
MARGIN = 12  # from the host's edges


def _colours(level: str) -> tuple[str, str, str]:
    return NOTICE_COLOURS.get(level, NOTICE_COLOURS["error"])


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
        self._apply_colours("error")
        if parent is not None:
            parent.installEventFilter(self)
        self.hide()

    def show_message(self, text: str, level: str = "error", timeout_ms: int = 0) -> None:
        """0 ms: stays until closed."""
        self.label.setText(text)
        self._apply_colours(level)
        self._place()
        self.show()
        self.raise_()
        if timeout_ms:
            self._timer.start(timeout_ms)
        else:
            self._timer.stop()

    def _apply_colours(self, level: str) -> None:
        # Each widget gets its own style sheet: a changed parent sheet does not reach already polished children.
        text, background, border = _colours(level)
        self.setProperty("level", level)
        self.setStyleSheet(
            f"QFrame#notice_banner {{ background: {background}; border: 1px solid {border}; border-radius: 6px; }}"
        )
        self.label.setStyleSheet(f"color: {text}; background: transparent;")
        self.close_button.setStyleSheet(f"color: {text}; border: none; background: transparent; font-size: 16px;")

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
        margins = self.contentsMargins()
        inner = self.layout().contentsMargins() if self.layout() is not None else margins
        text_width = width - inner.left() - inner.right() - self.close_button.sizeHint().width() - 6
        text_height = max(self.label.heightForWidth(text_width), self.label.fontMetrics().height())
        height = max(text_height, self.close_button.sizeHint().height()) + inner.top() + inner.bottom()
        self.setGeometry(MARGIN, host.height() - height - MARGIN, width, height)
