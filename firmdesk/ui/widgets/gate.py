"""A button that is disabled says why: one helper for the dialogs' buttons (the action bars have their own)."""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractButton


def gate(button: QAbstractButton, why_not: str | None, tooltip: str = "") -> None:
    """Enable `button` when `why_not` is None (its tooltip is then `tooltip`), else disable it saying why."""
    button.setEnabled(why_not is None)
    button.setToolTip(tooltip if why_not is None else why_not)
