"""Large dialogs on small screens: `fit_to_screen` keeps each window within the screen's work area.

(a) The helper's arithmetic, on given work areas and on the test's own screen.
(b) Each of the five dialogs (申请, 逐个审核, 批次, 附件, 快捷键) and the main window, opened on the demo data on
a small screen: a child pytest run of this module on an offscreen screen of the size wanted (the offscreen
plugin takes its screens from a JSON `configfile`; it has no taskbar, so its work area is the whole screen:
1366×728 is a 1366×768 screen less a 40 px taskbar, 1920×1035 at 150 % is 1280×690 logical).
With `FIRMDESK_FIT_SHOTS=<folder>` the child runs save how 申请 and 逐个审核 sit on the screen.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, QRect, QSize
from PySide6.QtGui import QColor, QGuiApplication, QPainter, QPixmap
from PySide6.QtWidgets import QApplication, QDialog, QLabel, QPushButton, QWidget

from firmdesk.services.api_client import CmisClient
from firmdesk.services.attachment_cache import AttachmentCache
from firmdesk.services.common_reasons import CommonReasons
from firmdesk.services.credentials import CredentialStore
from firmdesk.services.firm_stores import FirmStores
from firmdesk.ui.dialogs.attachments_dialog import AttachmentsDialog
from firmdesk.ui.dialogs.batch_dialog import BatchDialog
from firmdesk.ui.dialogs.help_dialogs import SHORTCUTS, ShortcutsDialog
from firmdesk.ui.dialogs.review_queue import ReviewQueueDialog
from firmdesk.ui.dialogs.submit_dialog import SubmitDialog
from firmdesk.ui.resources import apply_look
from firmdesk.ui.tasks import TaskRunner
from firmdesk.ui.ui_settings import UiSettings
from firmdesk.ui.widgets.screen_fit import (
    FRAME_MARGIN_HEIGHT,
    FRAME_MARGIN_WIDTH,
    available_geometry,
    fit_to_screen,
    fitted_size,
    is_small_screen,
    keep_on_screen,
    placed_frame,
)
from tests.helpers.demo import demo_firm_client, firm_login
from tests.helpers.main_window import new_window

ROOT = Path(__file__).resolve().parents[2]
MARGIN = QSize(FRAME_MARGIN_WIDTH, FRAME_MARGIN_HEIGHT)
#: Set in the child runs: the logical work area ("1280x690") that the offscreen screen must give.
SMALL_SCREEN = os.environ.get("FIRMDESK_SMALL_SCREEN", "")
SHOTS = os.environ.get("FIRMDESK_FIT_SHOTS", "")
#: The smallest work area the dialogs must fit in (1280×690 at 150 %, less the frame margin).
SMALLEST = QSize(1280, 650)

on_small_screen = pytest.mark.skipif(not SMALL_SCREEN, reason="runs in a child process on a small screen")


# -- (a) the arithmetic ----------------------------------------------------------------------------


def test_fitted_size_keeps_the_wanted_size_when_it_fits() -> None:
    assert fitted_size(1000, 600, QRect(0, 0, 1920, 1040)) == QSize(1000, 600)


def test_fitted_size_is_the_work_area_less_the_frame() -> None:
    # 1366×768 less a 40 px taskbar; 1920×1080 at 150 % less the taskbar.
    assert fitted_size(1000, 800, QRect(0, 0, 1366, 728)) == QSize(1000, 728 - FRAME_MARGIN_HEIGHT)
    assert fitted_size(1180, 760, QRect(0, 0, 1280, 690)) == QSize(1180, 650)
    assert fitted_size(1366, 800, QRect(0, 0, 1280, 690)) == QSize(1280 - FRAME_MARGIN_WIDTH, 650)
    assert fitted_size(500, 500, QRect(0, 0, 10, 10)) == QSize(1, 1)


def test_placed_frame_centres_on_the_work_area_or_the_parent() -> None:
    area = QRect(0, 0, 1366, 728)
    frame = placed_frame(QSize(600, 400), area)
    assert frame.size() == QSize(600 + FRAME_MARGIN_WIDTH, 400 + FRAME_MARGIN_HEIGHT)
    assert abs(frame.center().x() - area.center().x()) <= 1 and abs(frame.center().y() - area.center().y()) <= 1
    parent = QRect(100, 50, 800, 600)
    frame = placed_frame(QSize(400, 300), area, parent)
    assert abs(frame.center().x() - parent.center().x()) <= 1 and abs(frame.center().y() - parent.center().y()) <= 1


def test_placed_frame_never_leaves_the_work_area() -> None:
    area = QRect(0, 0, 1280, 690)
    size = fitted_size(1180, 760, area)
    # The parent sits near the bottom right corner: the dialog is pushed back onto the screen.
    frame = placed_frame(size, area, QRect(900, 500, 600, 400))
    assert area.contains(frame)
    assert frame == QRect(QPoint(1280 - 1180 - FRAME_MARGIN_WIDTH, 0), QSize(1180 + FRAME_MARGIN_WIDTH, 690))
    # A work area that does not start at 0,0 (a second monitor, a taskbar on the left or top).
    area = QRect(1920 + 60, 40, 1306, 728)
    frame = placed_frame(fitted_size(1000, 800, area), area, QRect(-500, -500, 100, 100))
    assert area.contains(frame)
    # Larger than the work area (a minimum size that wins): the top-left corner stays on screen.
    frame = placed_frame(QSize(2000, 1000), QRect(10, 20, 1280, 690))
    assert frame.topLeft() == QPoint(10, 20)


def test_fit_to_screen_resizes_and_moves_a_hidden_window(qtbot: Any) -> None:
    widget = QWidget()
    qtbot.addWidget(widget)
    area = QRect(0, 0, 1280, 690)
    assert fit_to_screen(widget, 1180, 760, available=area) == QSize(1180, 650)
    assert widget.size() == QSize(1180, 650)
    assert area.contains(QRect(widget.pos(), widget.size() + MARGIN))
    assert fit_to_screen(widget, 400, 300, available=area) == QSize(400, 300)
    assert abs(QRect(widget.pos(), widget.size() + MARGIN).center().x() - area.center().x()) <= 1


def test_fit_to_screen_uses_the_screen_of_the_parent_window(qtbot: Any) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    parent.setGeometry(50, 60, 500, 400)
    parent.show()
    qtbot.waitExposed(parent)
    dialog = QDialog(parent)
    qtbot.addWidget(dialog)
    area = parent.screen().availableGeometry()
    assert available_geometry(dialog) == area
    size = fit_to_screen(dialog, 10_000, 10_000)
    assert size == QSize(area.width() - FRAME_MARGIN_WIDTH, area.height() - FRAME_MARGIN_HEIGHT)
    fit_to_screen(dialog, 200, 100)
    dialog.show()
    qtbot.waitExposed(dialog)
    # Centred, give or take the difference between the real frame and the margin counted for it.
    assert abs(dialog.frameGeometry().center().x() - parent.frameGeometry().center().x()) <= FRAME_MARGIN_WIDTH
    assert abs(dialog.frameGeometry().center().y() - parent.frameGeometry().center().y()) <= FRAME_MARGIN_HEIGHT
    assert area.contains(dialog.frameGeometry())


def test_fit_to_screen_without_a_parent_uses_the_primary_screen(qtbot: Any) -> None:
    widget = QWidget()
    qtbot.addWidget(widget)
    primary = QGuiApplication.primaryScreen().availableGeometry()
    assert available_geometry(widget) == primary
    fit_to_screen(widget, 100_000, 300)
    assert widget.size() == QSize(primary.width() - FRAME_MARGIN_WIDTH, 300)


def test_keep_on_screen_shrinks_and_moves_a_window_saved_on_a_larger_monitor(qtbot: Any) -> None:
    widget = QWidget()
    qtbot.addWidget(widget)
    area = QRect(0, 0, 1280, 690)
    widget.setGeometry(600, 300, 1800, 1000)
    assert keep_on_screen(widget, available=area)
    assert widget.size() == QSize(1280 - FRAME_MARGIN_WIDTH, 650)
    assert area.contains(QRect(widget.pos(), widget.size() + MARGIN))
    widget.setGeometry(100, 100, 800, 500)  # fits: left alone
    assert not keep_on_screen(widget, available=area)
    assert widget.geometry() == QRect(100, 100, 800, 500)
    widget.setGeometry(100, 12, 800, 500)  # the client area fits, but the title bar above it would not
    assert keep_on_screen(widget, available=area)
    assert widget.size() == QSize(800, 500)
    assert widget.pos().y() >= 0
    widget.setGeometry(5000, 3000, 800, 500)  # on a monitor that is gone: back, centred
    assert keep_on_screen(widget, available=area)
    assert widget.size() == QSize(800, 500)
    assert area.contains(QRect(widget.pos(), widget.size() + MARGIN))


def test_shortcuts_show_every_text_in_full(qtbot: Any, qapp: QApplication) -> None:
    apply_look(qapp)
    dialog = ShortcutsDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    table = dialog.table
    for column in range(3):
        longest = max(table.fontMetrics().horizontalAdvance(cells[column]) for cells in SHORTCUTS)
        assert longest + 16 <= table.columnWidth(column), (column, longest, table.columnWidth(column))
    assert not table.horizontalScrollBar().isVisible()
    dialog.resize(dialog.minimumWidth(), dialog.height())  # as narrow as it goes: still every text on one line
    qtbot.wait(50)
    longest = max(table.fontMetrics().horizontalAdvance(cells[2]) for cells in SHORTCUTS)
    assert longest + 16 <= table.columnWidth(2), (longest, table.columnWidth(2))


# -- (b) on small screens --------------------------------------------------------------------------

SCREENS = {
    # name: (physical screen size, QT_SCALE_FACTOR, the taskbar height to draw in the screenshots, logical px)
    "1366x768": ((1366, 768), "1", 0),
    "1366x728-work-area": ((1366, 728), "1", 40),
    "1920x1080-150pc": ((1920, 1080), "1.5", 0),
    "1920x1035-150pc-work-area": ((1920, 1035), "1.5", 30),
}


@pytest.mark.slow
@pytest.mark.skipif(bool(SMALL_SCREEN), reason="the parent run only")
@pytest.mark.parametrize("name", list(SCREENS))
def test_dialogs_fit_on_a_small_screen(name: str, tmp_path: Path) -> None:
    (width, height), scale, taskbar = SCREENS[name]
    config = tmp_path / "screen.json"
    screen = {"name": name, "x": 0, "y": 0, "width": width, "height": height}
    screen |= {"logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}
    config.write_text(json.dumps({"screens": [screen]}), encoding="utf-8")
    logical = f"{round(width / float(scale))}x{round(height / float(scale))}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QT_SCALE", "QT_SCREEN", "QT_AUTO_SCREEN"))}
    env |= {
        "QT_QPA_PLATFORM": f"offscreen:configfile={config}",
        "QT_SCALE_FACTOR": scale,
        "FIRMDESK_SMALL_SCREEN": logical,
        "FIRMDESK_SCREEN_NAME": name,
        "FIRMDESK_TASKBAR": str(taskbar),
    }
    command = [sys.executable, "-m", "pytest", __file__, "-q", "-p", "no:cacheprovider", "-k", "on_this_screen"]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-3000:]
    assert "7 passed" in done.stdout, done.stdout[-3000:]


@pytest.fixture
def client(demo_server: Any) -> Iterator[CmisClient]:
    with demo_firm_client(demo_server.base_url) as c:
        yield c


@pytest.fixture
def area(qapp: QApplication) -> QRect:
    """The small screen's work area (checked: the child process really got the screen it was given)."""
    rect = QGuiApplication.primaryScreen().availableGeometry()
    assert f"{rect.width()}x{rect.height()}" == SMALL_SCREEN
    return rect


def assert_fits(qtbot: Any, dialog: QWidget, area: QRect, buttons: list[QPushButton]) -> None:
    qtbot.wait(150)  # layouts settle
    # On screen with its frame (offscreen draws none: count the margin a real one takes).
    frame = QRect(dialog.pos(), dialog.size() + MARGIN)
    assert area.contains(frame), (dialog.objectName(), frame, area)
    assert area.contains(dialog.frameGeometry())
    # The layout can shrink to the smallest supported work area, so nothing forced the window larger.
    hint = dialog.minimumSizeHint()
    assert hint.width() <= SMALLEST.width() - FRAME_MARGIN_WIDTH and hint.height() <= SMALLEST.height(), hint
    assert buttons
    for button in buttons:
        assert button.isVisible(), button.text()
        where = QRect(button.mapTo(dialog, QPoint(0, 0)), button.size())
        assert dialog.rect().contains(where), (button.text(), where, dialog.rect())
        assert button.visibleRegion().boundingRect() == button.rect(), button.text()  # not clipped by a parent
    shot(dialog)


def shot(widget: QWidget) -> None:
    """With FIRMDESK_FIT_SHOTS: the screen as the user sees it, the window (with a drawn frame) on it."""
    if not SHOTS:
        return
    name = {"submitDialog": "submit", "reviewQueueDialog": "review_queue"}.get(widget.objectName())
    if name is None:
        return
    screen = widget.screen()
    area = screen.geometry()
    taskbar = int(os.environ.get("FIRMDESK_TASKBAR", "0"))
    dpr = screen.devicePixelRatio()
    pixmap = QPixmap(QSize(area.width(), area.height() + taskbar) * dpr)
    pixmap.setDevicePixelRatio(dpr)
    pixmap.fill(QColor("#5b7083"))
    painter = QPainter(pixmap)
    half = FRAME_MARGIN_WIDTH // 2
    frame = QRect(widget.pos(), widget.size() + MARGIN)
    painter.fillRect(frame, QColor("#20242a"))
    painter.setPen(QColor("#ffffff"))
    painter.drawText(frame.adjusted(12, 0, 0, 0).topLeft() + QPoint(0, 26), widget.windowTitle())
    painter.drawPixmap(frame.topLeft() + QPoint(half, FRAME_MARGIN_HEIGHT - half), widget.grab())
    if taskbar:
        painter.fillRect(QRect(0, area.height(), area.width(), taskbar), QColor("#1c1f24"))
    painter.end()
    folder = Path(SHOTS)
    folder.mkdir(parents=True, exist_ok=True)
    assert pixmap.save(str(folder / f"{name}_{os.environ.get('FIRMDESK_SCREEN_NAME', SMALL_SCREEN)}.png"))


@on_small_screen
def test_submit_on_this_screen(
    qtbot: Any, look: None, area: QRect, client: CmisClient, runner: TaskRunner, tmp_path: Path
) -> None:
    year = client.firm().current_year
    rows = list(client.cpas(year, tab="pending_review").items)
    flags = client.readiness([r.application_id for r in rows if r.application_id])
    rows.sort(key=lambda r: (not flags.get(r.application_id or 0), r.cert_no))  # flagged ones first
    dialog = SubmitDialog(client, runner, year, rows[:8], institute_name="重庆市注册会计师协会")
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.readiness_loaded, timeout=10000):
        dialog.show()
    assert_fits(qtbot, dialog, area, [dialog.submit_button, dialog.close_button])


@on_small_screen
def test_review_queue_on_this_screen(
    qtbot: Any, look: None, area: QRect, client: CmisClient, runner: TaskRunner, tmp_path: Path
) -> None:
    rows = list(client.cpas(client.firm().current_year, tab="pending_review").items)
    dialog = ReviewQueueDialog(
        client, runner, AttachmentCache(tmp_path / "c"), CommonReasons(tmp_path / "r.json"), rows
    )
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.panel.preview_ready, timeout=10000):
        dialog.show()
    buttons = [b for b in dialog.findChildren(QPushButton) if b.objectName().startswith("queue")]
    assert dialog.submit_button in buttons and dialog.close_button in buttons
    assert_fits(qtbot, dialog, area, buttons)
    help_label = dialog.findChild(QLabel, "queueKeyHelp")
    assert dialog.rect().contains(QRect(help_label.mapTo(dialog, QPoint(0, 0)), help_label.size()))


@on_small_screen
def test_batch_on_this_screen(
    qtbot: Any, look: None, area: QRect, client: CmisClient, runner: TaskRunner, tmp_path: Path
) -> None:
    batches = list(client.batches(client.firm().current_year).items)
    cache = AttachmentCache(tmp_path / "c")
    dialog = BatchDialog(client, runner, cache, next(b for b in batches if b.can_withdraw).id)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.loaded, timeout=10000):
        dialog.show()
    assert_fits(qtbot, dialog, area, [dialog.withdraw_button, dialog.close_button])
    returned = next(b for b in batches if b.state == "returned")
    dialog = BatchDialog(client, runner, cache, returned.id, start_resubmit=True)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.loaded, timeout=10000):
        dialog.show()
    assert_fits(qtbot, dialog, area, [dialog.confirm_resubmit_button, dialog.back_button, dialog.close_button])


@on_small_screen
def test_attachments_on_this_screen(
    qtbot: Any, look: None, area: QRect, client: CmisClient, runner: TaskRunner, tmp_path: Path
) -> None:
    year = client.firm().current_year
    row = next(r for r in client.cpas(year).items if r.retired and r.attachment_count >= 2 and r.application_id)
    dialog = AttachmentsDialog(
        client, runner, AttachmentCache(tmp_path / "c"), application_id=row.application_id, title=row.name
    )
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.panel.preview_ready, timeout=10000):
        dialog.show()
    assert_fits(qtbot, dialog, area, [b for b in dialog.findChildren(QPushButton) if b.text() == "关闭"])


@on_small_screen
def test_shortcuts_on_this_screen(qtbot: Any, look: None, area: QRect) -> None:
    dialog = ShortcutsDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert_fits(qtbot, dialog, area, [b for b in dialog.findChildren(QPushButton) if b.text() == "关闭"])
    table = dialog.table
    for column in range(3):  # every text whole on one line (the table scrolls down if it must)
        longest = max(table.fontMetrics().horizontalAdvance(cells[column]) for cells in SHORTCUTS)
        assert longest + 16 <= table.columnWidth(column)


@on_small_screen
def test_main_window_on_this_screen(
    qtbot: Any,
    look: None,
    area: QRect,
    demo_server: Any,
    credentials: CredentialStore,
    runner: TaskRunner,
    ui_settings: UiSettings,
    stores: FirmStores,
) -> None:
    session = firm_login(demo_server.base_url, credentials)
    try:
        window = new_window(session, runner, ui_settings, stores)  # no saved geometry
        qtbot.addWidget(window)
        assert window.size() == fitted_size(1280, 720, area)  # its size once un-maximised
        assert window.isMaximized() == is_small_screen(window)  # every pixel is wanted on 1366×768 or at 150 %
        window.show()
        with qtbot.waitSignal(window.data_shown, timeout=20000):
            window.start()
        qtbot.wait(150)
        if window.isMaximized():
            assert area.contains(window.geometry())
        else:
            assert area.contains(QRect(window.pos(), window.size() + MARGIN))
        hint = window.minimumSizeHint()
        assert hint.width() <= SMALLEST.width() - FRAME_MARGIN_WIDTH and hint.height() <= SMALLEST.height(), hint
        # Saved on a larger monitor: brought back within this screen.
        window.setGeometry(400, 300, 2400, 1400)
        window.close()
        again = new_window(session, runner, ui_settings, stores)
        qtbot.addWidget(again)
        again.show()
        qtbot.waitExposed(again)
        assert area.contains(again.frameGeometry())
        assert again.width() <= area.width() - FRAME_MARGIN_WIDTH
        again.close()
    finally:
        session.logout()


@on_small_screen
def test_the_wanted_sizes_only_shrink_on_this_screen(area: QRect) -> None:
    """The sizes the dialogs ask for, on this screen (the arithmetic the other tests see in the windows)."""
    for wanted in ((1000, 800), (1180, 760), (1060, 720), (1180, 700)):
        got = fitted_size(*wanted, area)
        assert got.width() <= wanted[0] and got.height() <= wanted[1]
        assert got.height() <= area.height() - FRAME_MARGIN_HEIGHT
