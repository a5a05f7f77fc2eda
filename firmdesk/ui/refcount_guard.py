"""Shields CPython 3.11 from a reference-count bug of shiboken6 6.12 (None/True/False over-released).

Measured here (PySide6-Essentials 6.12.0, CPython 3.11.7): every call of a Qt method returning void
(`QLabel.setText`, `QWidget.update`, `QCoreApplication.processEvents`, ...) and every `None` converted
from a QVariant releases one reference to `None` that it never took. Python 3.12 made None, True and
False immortal, so the bug is invisible there; on 3.11 `None`'s count (about 12,000 after start-up)
runs out within seconds of painting tables, and the process aborts with
"Fatal Python error: none_dealloc" (or corrupts memory first). We give these three singletons the
immortality 3.12 gives them: a count no program can run down. Nothing changes on 3.12 and later.
"""

from __future__ import annotations

import sys

_IMMORTAL_COUNT = 1 << 40  # ~10^12 releases: far more than any session makes
_applied = False


def needs_guard() -> bool:
    return (
        sys.implementation.name == "cpython"
        and sys.version_info < (3, 12)
        and not hasattr(sys, "gettotalrefcount")  # a debug build lays objects out differently
    )


def apply() -> bool:
    """Raise the counts once (idempotent); True if this interpreter needed it."""
    global _applied
    if _applied or not needs_guard():
        return _applied
    import ctypes

    for singleton in (None, True, False):
        # ob_refcnt is the first field of every object in a release build of CPython 3.11.
        ctypes.c_ssize_t.from_address(id(singleton)).value += _IMMORTAL_COUNT
    _applied = True
    return True
