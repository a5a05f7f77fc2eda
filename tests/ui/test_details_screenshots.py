# ruff: noqa: F811  (the fixtures imported from tests/helpers are parameters of the tests)
"""Offscreen screenshots of what a double-click opens, on the demo data: `FIRMDESK_SCREENSHOTS=docs/screenshots`.

Skipped unless the variable names a folder. The main window runs as users run it (sync controller, the app's
look); a double-click on 熊娟玲 (500100280002) in 年检信息查询 opens her details, saved page by page as
`details-cpa.png`, `details-cpa-attachments.png` and `details-cpa-trail.png`; a double-click on the 已退回
batch opens the batch dialog, saved as `details-batch.png`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from firmdesk.domain.states import FirmTab
from firmdesk.services.models import BatchRow, CpaRow
from firmdesk.ui.details_dialog import CpaDetailsDialog
from firmdesk.ui.dialogs.batch_dialog import BatchDialog
from firmdesk.ui.main_window import MainWindow
from firmdesk.ui.tabs.record_tab import RecordTab
from tests.helpers.main_window import (  # noqa: F401  (fixtures)
    answers,
    demo_live,
    demo_server_settings,
    desk,
    session,
    window,
)

OUT = os.environ.get("FIRMDESK_SCREENSHOTS", "")
pytestmark = pytest.mark.skipif(not OUT, reason="set FIRMDESK_SCREENSHOTS=<folder> to take the screenshots")

CPA_CERT_NO = "500100280002"


def save(qtbot: Any, widget: QWidget, name: str) -> None:
    folder = Path(OUT)
    folder.mkdir(parents=True, exist_ok=True)
    qtbot.wait(250)  # let layouts, previews and scroll areas settle
    assert widget.grab().save(str(folder / name))


def double_click(qtbot: Any, window: MainWindow, tab: FirmTab, predicate: Any) -> None:
    window.tab_widget.setCurrentWidget(window.tabs[tab])
    record_tab: RecordTab[Any] = window.tabs[tab]
    assert record_tab.select_record(predicate)
    index = record_tab.table.currentIndex()
    rect = record_tab.table.visualRect(index)
    # A real double-click starts with a click: the view acts on a double-click of the row it saw pressed.
    qtbot.mouseClick(record_tab.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(record_tab.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_screenshots_of_a_cpas_details(qtbot: Any, look: None, window: MainWindow) -> None:
    double_click(qtbot, window, FirmTab.QUERY, lambda r: isinstance(r, CpaRow) and r.cert_no == CPA_CERT_NO)
    dialog = window.findChild(CpaDetailsDialog, "cpa_details_dialog")
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.tabs.count() == 4, timeout=10000)
    save(qtbot, dialog, "details-cpa.png")
    dialog.tabs.setCurrentWidget(dialog.attachments_panel)
    qtbot.waitUntil(lambda: dialog.attachments_panel.table.rowCount() > 0, timeout=10000)
    save(qtbot, dialog, "details-cpa-attachments.png")
    dialog.tabs.setCurrentWidget(dialog.timeline)
    save(qtbot, dialog, "details-cpa-trail.png")
    dialog.close()


def test_screenshot_of_a_returned_batch(qtbot: Any, look: None, window: MainWindow) -> None:
    double_click(qtbot, window, FirmTab.RETURNED, lambda b: isinstance(b, BatchRow))
    dialog = window.findChild(BatchDialog)
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.detail is not None, timeout=10000)
    save(qtbot, dialog, "details-batch.png")
    dialog.close()
