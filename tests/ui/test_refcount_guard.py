"""The shield against shiboken6 6.12 over-releasing None on CPython 3.11 (see firmdesk/ui/refcount_guard.py)."""

from __future__ import annotations

import sys
from typing import Any

from PySide6.QtWidgets import QLabel

from firmdesk.ui import refcount_guard


def test_importing_the_ui_applies_the_guard_where_needed() -> None:
    assert refcount_guard.apply() == refcount_guard.needs_guard()


def test_many_void_qt_calls_do_not_use_up_none(qapp: Any) -> None:
    label = QLabel()
    calls = 50_000  # more than None's own references after start-up (about 12,000)
    for i in range(calls):
        label.setText("甲" if i % 2 else "乙")  # each call released one reference to None it never took
    # Without the guard the loop aborts the process ("Fatal Python error: none_dealloc").
    assert sys.getrefcount(None) > calls
