"""Size a top-level window to what it wants, but never beyond its screen's work area (taskbar and frame too).

`fit_to_screen(widget, width, height)` replaces a plain `resize(width, height)`: on a 1366×768 screen, or at
150 % scaling (1280×720 logical), a 1000×800 dialog would otherwise put its buttons below the screen edge.
It also centres the window on its parent window (or on the screen) and keeps the whole frame on the screen.
Works before the window is shown: the screen is the parent window's, else the primary screen.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, QSize
from PySide6.QtGui import QGuiApplication, QScreen
from PySide6.QtWidgets import QWidget

#: What the window frame adds around the client area (borders, and the title bar in the height).
FRAME_MARGIN_WIDTH = 16
FRAME_MARGIN_HEIGHT = 40


def screen_of(widget: QWidget) -> QScreen | None:
    """The screen the window is (or will be) on: its own once shown, else its parent window's, else the primary."""
    if widget.isVisible():
        return widget.screen()
    parent = widget.parentWidget()
    if parent is not None:
        return parent.window().screen()
    return QGuiApplication.primaryScreen()


def available_geometry(widget: QWidget) -> QRect:
    """The work area (screen less taskbar/dock) of `screen_of(widget)`; a huge rectangle without any screen."""
    screen = screen_of(widget)
    return screen.availableGeometry() if screen is not None else QRect(0, 0, 100_000, 100_000)


def fitted_size(
    width: int,
    height: int,
    available: QRect,
    margin: QSize = QSize(FRAME_MARGIN_WIDTH, FRAME_MARGIN_HEIGHT),
) -> QSize:
    """The client size: `width`×`height`, at most the work area less the frame margin (never below 1×1)."""
    return QSize(
        max(1, min(width, available.width() - margin.width())),
        max(1, min(height, available.height() - margin.height())),
    )


def placed_frame(
    size: QSize,
    available: QRect,
    around: QRect | None = None,
    margin: QSize = QSize(FRAME_MARGIN_WIDTH, FRAME_MARGIN_HEIGHT),
) -> QRect:
    """The frame rectangle of a client area of `size`: centred on `around` (default: the work area), then
    moved inside the work area (its top-left corner wins when the frame is larger than the work area)."""
    frame = QSize(size.width() + margin.width(), size.height() + margin.height())
    centre = (around if around is not None and around.isValid() else available).center()
    x = centre.x() - frame.width() // 2
    y = centre.y() - frame.height() // 2
    x = max(available.left(), min(x, available.left() + available.width() - frame.width()))
    y = max(available.top(), min(y, available.top() + available.height() - frame.height()))
    return QRect(QPoint(x, y), frame)


def fit_to_screen(
    widget: QWidget,
    width: int,
    height: int,
    *,
    available: QRect | None = None,
    centre: bool = True,
) -> QSize:
    """Resize the top-level `widget` to `width`×`height`, or less to fit its screen's work area, and (with
    `centre`) move it over its parent window, or the middle of the screen, wholly on screen.

    `available`: the work area to fit into (default: the one of the widget's screen). Returns the size set.
    The minimum size of the widget's layout still wins: keep it within the smallest supported screen.
    """
    area = available if available is not None else available_geometry(widget)
    size = fitted_size(width, height, area)
    widget.resize(size)
    if centre:
        parent = widget.parentWidget()
        around: QRect | None = None
        if parent is not None and parent.window().isVisible():
            around = parent.window().frameGeometry()
        frame = placed_frame(widget.size(), area, around)
        widget.move(frame.topLeft())  # a window's position is that of its frame
    return size


def keep_on_screen(widget: QWidget, *, available: QRect | None = None) -> bool:
    """A window restored from saved geometry (maybe of a larger or missing monitor): shrink it and bring it
    back onto its screen if any part is off it. Maximized or full-screen windows are left alone.
    Returns whether it was changed."""
    if widget.isMaximized() or widget.isFullScreen():
        return False
    area = available if available is not None else available_geometry(widget)
    current = widget.frameGeometry() if widget.isVisible() else _frame_of(widget)
    if area.contains(current):
        return False
    size = fitted_size(widget.width(), widget.height(), area)
    widget.resize(size)
    around = current if area.intersects(current) else None
    widget.move(placed_frame(size, area, around).topLeft())
    return True


def _frame_of(widget: QWidget) -> QRect:
    """The frame a hidden window will get around its client area (restored geometry is the client's): the
    real frame is only known once shown, so count the frame margin, the title bar on top."""
    half = FRAME_MARGIN_WIDTH // 2
    return widget.geometry().adjusted(-half, half - FRAME_MARGIN_HEIGHT, half, half)


#: A main window opens maximised on a work area smaller than this (a 1366×768 laptop, 1280×720 at 150 %).
SMALL_SCREEN = QSize(1600, 900)


def is_small_screen(widget: QWidget) -> bool:
    """True when the window's work area is smaller than `SMALL_SCREEN` either way."""
    area = available_geometry(widget)
    return area.width() < SMALL_SCREEN.width() or area.height() < SMALL_SCREEN.height()
