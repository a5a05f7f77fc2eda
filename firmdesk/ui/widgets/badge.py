"""A small coloured pill: readiness flags (red / yellow), states. Their colours: resources/firmdesk.qss."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QToolButton, QWidget

from firmdesk.domain.readiness import FlagLevel

#: The badge tones the style sheet knows (`QLabel[role="badge"][tone=…]`); any other shows as "grey".
TONES: frozenset[str] = frozenset({FlagLevel.RED, FlagLevel.YELLOW, "ok", "grey", "blue"})


def _repolish(widget: QWidget) -> None:
    widget.style().unpolish(widget)
    widget.style().polish(widget)


class Badge(QLabel):
    def __init__(self, text: str, tone: str, parent: QWidget | None = None, *, tooltip: str = "") -> None:
        super().__init__(text, parent)
        self.setProperty("role", "badge")
        self.set_tone(tone)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        if tooltip:
            self.setToolTip(tooltip)

    def set_tone(self, tone: str) -> None:
        self.tone = tone
        self.setProperty("tone", str(tone) if tone in TONES else "grey")
        _repolish(self)


def colour_badge(text: str, colour: str, parent: QWidget | None = None) -> QLabel:
    """A pill in an arbitrary colour (the state colours of firmdesk.ui.palette): its shape is in the style
    sheet (`QLabel[role="state_badge"]`), its background the state's colour, chosen at run time."""
    label = QLabel(text, parent)
    label.setProperty("role", "state_badge")
    label.setStyleSheet(f"QLabel {{ background:{colour}; }}")
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    return label


def flag_note(text: str, level: str, parent: QWidget | None = None) -> QLabel:
    """A readiness flag as a wrapped note (a pill cannot wrap): tinted box with a coloured left edge."""
    label = QLabel(text, parent)
    label.setWordWrap(True)
    label.setProperty("role", "flag_note")
    label.setProperty("level", str(level) if level in (FlagLevel.RED, FlagLevel.YELLOW) else "ok")
    return label


def link_button(text: str, object_name: str, parent: QWidget | None = None) -> QToolButton:
    """A small text button for table cells (移除): no frame, so it fits a row whatever the app's style sheet.

    Red (`QToolButton[role="link"]` in the style sheet).
    """
    button = QToolButton(parent)
    button.setObjectName(object_name)
    button.setText(text)
    button.setAutoRaise(True)
    button.setCursor(Qt.CursorShape.PointingHandCursor)
    button.setProperty("role", "link")
    return button
