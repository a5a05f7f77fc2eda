"""A small coloured pill: readiness flags (red / yellow), states."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QToolButton, QWidget

from firmdesk.domain.readiness import FlagLevel

#: (text colour, background, border) of each badge tone.
TONES: dict[str, tuple[str, str, str]] = {
    FlagLevel.RED: ("#ffffff", "#d63a3a", "#c02d2d"),
    FlagLevel.YELLOW: ("#5c4200", "#ffd766", "#e8bb2e"),
    "ok": ("#ffffff", "#2f9e44", "#2b8a3e"),
    "grey": ("#495057", "#e9ecef", "#ced4da"),
    "blue": ("#ffffff", "#1f6feb", "#1a5fd0"),
}


def badge_style(tone: str) -> str:
    fg, bg, border = TONES.get(tone, TONES["grey"])
    return (
        f"QLabel {{ color:{fg}; background:{bg}; border:1px solid {border}; border-radius:9px;"
        " padding:1px 8px; font-size:12px; }"
    )


class Badge(QLabel):
    def __init__(self, text: str, tone: str, parent: QWidget | None = None, *, tooltip: str = "") -> None:
        super().__init__(text, parent)
        self.tone = tone
        self.setStyleSheet(badge_style(tone))
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        if tooltip:
            self.setToolTip(tooltip)

    def set_tone(self, tone: str) -> None:
        self.tone = tone
        self.setStyleSheet(badge_style(tone))


def colour_badge(text: str, colour: str, parent: QWidget | None = None) -> QLabel:
    """A pill in an arbitrary colour (the state colours of firmdesk.ui.formatting)."""
    label = QLabel(text, parent)
    label.setStyleSheet(
        f"QLabel {{ color:#ffffff; background:{colour}; border-radius:9px; padding:1px 8px; font-size:12px; }}"
    )
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    return label


def flag_note(text: str, level: str, parent: QWidget | None = None) -> QLabel:
    """A readiness flag as a wrapped note (a pill cannot wrap): tinted box with a coloured left edge."""
    edge, background, colour = {
        FlagLevel.RED: ("#d63a3a", "#fff1f0", "#a61e1e"),
        FlagLevel.YELLOW: ("#e8bb2e", "#fff8e1", "#6b4d00"),
    }.get(level, ("#2f9e44", "#ebfbee", "#1e6b30"))
    label = QLabel(text, parent)
    label.setWordWrap(True)
    label.setStyleSheet(
        f"QLabel {{ color:{colour}; background:{background}; border-left:3px solid {edge};"
        " border-radius:3px; padding:3px 6px; }"
    )
    return label


def link_button(text: str, object_name: str, parent: QWidget | None = None, *, colour: str = "#c92a2a") -> QToolButton:
    """A small text button for table cells (移除): no frame, so it fits a row whatever the app's style sheet."""
    button = QToolButton(parent)
    button.setObjectName(object_name)
    button.setText(text)
    button.setAutoRaise(True)
    button.setCursor(Qt.CursorShape.PointingHandCursor)
    button.setStyleSheet(
        f"QToolButton {{ color:{colour}; border:none; background:transparent; padding:2px 8px; }}"
        " QToolButton:hover { text-decoration: underline; }"
    )
    return button
