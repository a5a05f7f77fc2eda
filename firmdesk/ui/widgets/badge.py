"""A small coloured pill: readiness flags (red / yellow), states."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

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
