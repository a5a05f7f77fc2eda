# ruff: noqa: F811  (the fixtures imported from tests/helpers are parameters of the tests)
"""二维码 (one CPA), 批量下载二维码, 打印标签 and 导出 Excel from the main window, against the real server."""

from __future__ import annotations

import io
import os
import threading
import time
import zipfile
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pytest
import zxingcpp
from PIL import Image
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QColor, QGuiApplication, QPainter

from firmdesk.domain.states import ApplicationState, FirmTab
from firmdesk.services.credentials import CredentialStore
from firmdesk.services.excel_export import FIRST_DATA_ROW
from firmdesk.services.firm_stores import FirmStores
from firmdesk.services.models import CpaRow
from firmdesk.services.progress import TaskCancelled
from firmdesk.services.qr_codes import find_cjk_font
from firmdesk.services.session import FirmSession
from firmdesk.ui.dialogs.export_dialogs import ExportChoice, ExportProgress
from firmdesk.ui.dialogs.qr_dialog import QrDialog
from firmdesk.ui.exports import shown_table
from firmdesk.ui.main_window import MainWindow
from firmdesk.ui.resources import apply_look
from firmdesk.ui.tasks import TaskRunner
from firmdesk.ui.ui_settings import UiSettings
from tests.helpers.demo import firm_login
from tests.helpers.main_window import Answers, answers, desk, open_desk  # noqa: F401  (fixtures: stand-in prompts)

pytestmark = pytest.mark.skipif(find_cjk_font() is None, reason="labels need a font with Chinese glyphs")


@pytest.fixture
def read_only_session(demo_server: Any, credentials: CredentialStore) -> Any:
    firm_session = firm_login(demo_server.base_url, credentials)
    yield firm_session
    firm_session.logout()


@pytest.fixture
def window(
    qtbot: Any,
    read_only_session: FirmSession,
    runner: TaskRunner,
    ui_settings: UiSettings,
    desk: Any,
    stores: FirmStores,
) -> Any:
    return open_desk(qtbot, read_only_session, runner, ui_settings, desk, stores)


def decode(png: bytes | Path) -> list[str]:
    image = Image.open(png if isinstance(png, Path) else io.BytesIO(png)).convert("L")
    return [r.text for r in zxingcpp.read_barcodes(np.asarray(image))]


def filter_status(tab: Any, status: str) -> None:
    combo = tab.status_combo
    combo.setCurrentIndex(combo.findData(status))


def test_qr_dialog_shows_the_code_and_saves_a_png_that_scans_to_the_url(
    qtbot: Any, window: MainWindow, answers: Answers
) -> None:
    query = window.tabs[FirmTab.QUERY]
    query.select_record(lambda r: r.qr_url is not None)
    row: CpaRow = query.current_record()
    with qtbot.waitSignal(window.actions.opened, timeout=5000) as opened:
        query.action_bar.action("qr").trigger()
    dialog = opened.args[0]
    assert isinstance(dialog, QrDialog)
    qtbot.waitUntil(lambda: dialog.png is not None, timeout=10000)
    assert not dialog.image_label.pixmap().isNull()
    assert row.qr_url in dialog.url_label.text()
    assert dialog.save_button.isEnabled() and dialog.copy_button.isEnabled()
    with qtbot.waitSignal(dialog.saved, timeout=10000) as saved:
        dialog.save_button.click()
    path = saved.args[0]
    assert path.name == f"{row.cert_no}_{row.name}.png" and answers.defaults[-1].name == path.name
    assert decode(path) == [row.qr_url]
    dialog.copy_button.click()
    assert not QGuiApplication.clipboard().image().isNull()


def test_qr_dialog_without_a_url_says_why(qtbot: Any, window: MainWindow, runner: TaskRunner) -> None:
    row = window.tabs[FirmTab.QUERY].shown_records()[0]
    dialog = QrDialog(runner, replace(row, qr_url=None))
    qtbot.addWidget(dialog)
    assert not dialog.save_button.isEnabled()
    assert "二维码地址" in dialog.banner.text()


def test_bulk_qr_zip_holds_one_png_per_filtered_row(qtbot: Any, window: MainWindow, answers: Answers) -> None:
    query = window.tabs[FirmTab.QUERY]
    filter_status(query, ApplicationState.APPROVED)
    shown = query.shown_records()
    assert 0 < len(shown) < query.total_count()
    answers.export_choice = ExportChoice(chosen_only=False, target=1)
    with qtbot.waitSignal(window.exports.exports.finished, timeout=60000) as finished:
        query.action_bar.action("bulk_qr").trigger()
    result = finished.args[0]
    assert result.path.suffix == ".zip" and result.path.parent == answers.folder
    with zipfile.ZipFile(result.path) as archive:
        names = archive.namelist()
        first = archive.read(names[0])
    assert names == [f"{r.cert_no}_{r.name}.png" for r in shown]
    assert decode(first) == [shown[0].qr_url]
    assert answers.done and f"已生成 {len(shown)} 个二维码" in answers.done[-1]
    assert "批量下载二维码" not in window.statusBar().currentMessage()  # the result, not the action's name


def test_bulk_qr_of_the_selection_into_a_folder(qtbot: Any, window: MainWindow, answers: Answers) -> None:
    query = window.tabs[FirmTab.QUERY]
    query.table.selectRow(0)
    query.table.selectionModel().select(
        query.proxy.index(3, 0),
        QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows,
    )
    chosen = query.chosen_records()
    assert len(chosen) == 2
    answers.export_choice = ExportChoice(chosen_only=True, target=0)
    with qtbot.waitSignal(window.exports.exports.finished, timeout=60000) as finished:
        query.action_bar.action("bulk_qr").trigger()
    assert finished.args[0].count == 2
    assert sorted(p.name for p in answers.folder.iterdir()) == sorted(f"{r.cert_no}_{r.name}.png" for r in chosen)


def test_exporting_loopback_qr_codes_warns_first_and_cancel_exports_nothing(
    qtbot: Any, window: MainWindow, answers: Answers
) -> None:
    # The test server's QR URLs are loopback ones (http://127.0.0.1:port/v/...): no phone could open them.
    query = window.tabs[FirmTab.QUERY]
    assert query.shown_records()[0].qr_url.startswith("http://127.0.0.1:")
    answers.no_to.extend(["这些二维码指向本机地址，打印后手机无法打开"] * 2)  # 取消, twice
    for action in ("bulk_qr", "labels"):
        query.action_bar.action(action).trigger()
        assert not window.exports.exports.busy  # 取消: nothing started
    assert len(answers.asked) == 2 and all("打印后手机无法打开" in text for text in answers.asked)
    assert list(answers.folder.iterdir()) == [] and answers.defaults == []  # not even asked where to save
    with qtbot.waitSignal(window.exports.exports.finished, timeout=60000):  # 仍然导出
        query.action_bar.action("labels").trigger()
    assert len(answers.asked) == 3


def test_the_warning_box_offers_export_anyway_and_cancel(qtbot: Any, window: MainWindow) -> None:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    from firmdesk.services.qr_reach import unreachable_warning
    from firmdesk.ui.dialogs.prompts import ask_confirmation

    warning = unreachable_warning(["http://127.0.0.1:8000/v/abc"])
    assert warning is not None
    seen: dict[str, Any] = {}

    def answer(button_text: str) -> None:
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox)
        seen.setdefault("texts", []).append(box.text())
        seen["buttons"] = sorted(b.text() for b in box.buttons())
        seen["default"] = box.defaultButton().text()
        next(b for b in box.buttons() if b.text() == button_text).click()

    QTimer.singleShot(100, lambda: answer("取消"))
    assert ask_confirmation(window, "批量下载二维码", warning, "仍然导出") is False
    QTimer.singleShot(100, lambda: answer("仍然导出"))
    assert ask_confirmation(window, "批量下载二维码", warning, "仍然导出") is True
    assert seen["buttons"] == sorted(["仍然导出", "取消"]) and seen["default"] == "取消"
    assert all(text.startswith("这些二维码指向本机地址，打印后手机无法打开") for text in seen["texts"])


def test_the_qr_dialog_of_a_loopback_url_says_phones_cannot_open_it(
    qtbot: Any, window: MainWindow, runner: TaskRunner
) -> None:
    row = window.tabs[FirmTab.QUERY].shown_records()[0]
    loopback = QrDialog(runner, row)
    public = QrDialog(runner, replace(row, qr_url="https://cmis.example.cn/v/abc"))
    for dialog in (loopback, public):
        qtbot.addWidget(dialog)
    assert loopback.banner.text().startswith("该二维码指向本机地址，打印后手机无法打开")
    assert public.banner.text() == ""


def test_print_labels_writes_an_a4_pdf(qtbot: Any, window: MainWindow, answers: Answers) -> None:
    query = window.tabs[FirmTab.QUERY]
    with qtbot.waitSignal(window.exports.exports.finished, timeout=60000) as finished:
        query.action_bar.action("labels").trigger()
    path = finished.args[0].path
    assert path.suffix == ".pdf" and path.read_bytes().startswith(b"%PDF")
    assert finished.args[0].count == query.shown_count()


def test_excel_export_is_the_filtered_sorted_table_with_typed_values(
    qtbot: Any, window: MainWindow, answers: Answers
) -> None:
    query = window.tabs[FirmTab.QUERY]
    filter_status(query, ApplicationState.APPROVED)
    hours = [c.key for c in query.model.columns].index("training_hours") + query.model.column_offset
    query.table.sortByColumn(hours, Qt.SortOrder.DescendingOrder)
    query.table.horizontalHeader().moveSection(2, 1)  # 姓名 before 证书编号
    with qtbot.waitSignal(window.exports.exports.finished, timeout=30000) as finished:
        query.action_bar.action("excel").trigger()
    path: Path = finished.args[0]
    assert path.name == f"年检信息查询_{window.year()}_{date.today():%Y%m%d}.xlsx"
    sheet = openpyxl.load_workbook(path).active
    values = list(sheet.iter_rows(values_only=True))
    title, headers, rows = values[0], values[1], values[FIRST_DATA_ROW - 1 :]
    assert "年检信息查询" in title[0] and window.firm.name in title[0] and "年检通过" in title[0]
    assert list(headers) == [
        "序号",
        "姓名",
        "证书编号",
        "性别",
        "在职状态",
        "培训学时",
        "审批状态",
        "提请方式",  # 本人申请 or 代提请 (年检代提请)
        "年检批次编号",
        "最后操作人",
        "审批时间",
        "退回/审批原因",
    ]
    shown = query.shown_records()
    assert [r[2] for r in rows] == [r.cert_no for r in shown]
    assert [r[0] for r in rows] == list(range(1, len(shown) + 1))
    assert [r[5] for r in rows] == [r.training_hours for r in shown]
    assert all(isinstance(r[5], (int, float)) for r in rows)
    assert all(isinstance(r[10], datetime) for r in rows)
    assert {r[7] for r in rows} <= {"本人申请", "代提请"}
    assert shown_table(query).rows[0][2] == shown[0].cert_no


def test_excel_export_of_pending_review_has_dates_and_skips_the_check_boxes(
    qtbot: Any, window: MainWindow, answers: Answers
) -> None:
    pending = window.tabs[FirmTab.PENDING_REVIEW]
    with qtbot.waitSignal(window.exports.exports.finished, timeout=30000) as finished:
        pending.action_bar.action("excel").trigger()
    sheet = openpyxl.load_workbook(finished.args[0]).active
    headers = [c.value for c in sheet[2]]
    assert headers[0] == "序号" and "出生日期" in headers
    birth = headers.index("出生日期")
    births = [row[birth] for row in sheet.iter_rows(min_row=FIRST_DATA_ROW, values_only=True)]
    assert births and all(isinstance(b, (date, datetime)) for b in births)
    assert births[0].date() if isinstance(births[0], datetime) else births[0] == pending.shown_records()[0].birth_date


def test_cancel_in_the_progress_stops_the_export_and_says_so(qtbot: Any, window: MainWindow) -> None:
    started = threading.Event()

    def work(state: Any) -> None:
        started.set()
        while not state.is_cancelled():
            time.sleep(0.01)
        raise TaskCancelled()

    exports = window.exports.exports
    progress = exports.start("导出 Excel", "正在导出", work, lambda _r: None, lambda _e: None)
    assert started.wait(5)
    with qtbot.waitSignal(exports.failed, timeout=5000) as failed:
        progress.canceled.emit()  # the 取消 button
    assert failed.args[0] == "已取消，未生成不完整的文件"
    assert exports.progress is None and not exports.busy


# -- screenshots for docs/user-guide.md: FIRMDESK_SCREENSHOTS=docs/screenshots pytest tests/ui/test_qr_excel_ui.py ----

SHOTS = os.environ.get("FIRMDESK_SCREENSHOTS", "")


@pytest.mark.skipif(not SHOTS, reason="set FIRMDESK_SCREENSHOTS=<folder> to take the screenshots")
def test_screenshots_of_qr_and_excel(qtbot: Any, qapp: Any, window: MainWindow, answers: Answers) -> None:
    apply_look(qapp)
    folder = Path(SHOTS)
    folder.mkdir(parents=True, exist_ok=True)
    query = window.tabs[FirmTab.QUERY]
    window.tab_widget.setCurrentWidget(query)

    query.select_record(lambda r: r.status == ApplicationState.APPROVED)
    with qtbot.waitSignal(window.actions.opened, timeout=5000) as opened:
        query.action_bar.action("qr").trigger()
    dialog = opened.args[0]
    qtbot.waitUntil(lambda: dialog.png is not None, timeout=10000)
    qtbot.wait(200)
    assert dialog.grab().save(str(folder / "qr_dialog.png"))
    dialog.close()

    # The progress of a large export, over the window (the dialog is its own top-level window).
    progress = ExportProgress("批量下载二维码", "正在生成 1200 个二维码", window)
    progress.show()
    progress._show_progress(380, 1200)
    qtbot.wait(200)
    shot = window.grab()
    painter = QPainter(shot)
    over = progress.grab()
    left, top = (shot.width() - over.width()) // 2, (shot.height() - over.height()) // 2
    painter.drawPixmap(left, top, over)
    painter.setPen(QColor("#8a94a6"))
    painter.drawRect(left - 1, top - 1, over.width() + 1, over.height() + 1)  # offscreen windows have no frame
    painter.end()
    assert shot.save(str(folder / "qr_bulk.png"))
    progress.close()

    filter_status(query, ApplicationState.APPROVED)
    hours = [c.key for c in query.model.columns].index("training_hours") + query.model.column_offset
    query.table.sortByColumn(hours, Qt.SortOrder.DescendingOrder)
    query.table.selectRow(0)
    with qtbot.waitSignal(window.exports.exports.finished, timeout=30000):
        query.action_bar.action("excel").trigger()
    qtbot.wait(200)
    assert window.grab().save(str(folder / "excel_export.png"))
