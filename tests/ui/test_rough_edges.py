# ruff: noqa: F811  (the fixtures imported from tests/helpers are parameters of the tests)
"""The rough edges of issue 15, each pinned on the real window and the real demo server: a notice never moves
the table, accessible notice colours, 替换 replaces the uploaded proof, disabled menu items say why, the tabs
follow the server's answers at once, Qt's own dialogs in Chinese, the export choice fits its title, one
FirmDesk in the title, maximised on a small screen."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from PySide6.QtCore import QPoint, QRect
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QFileDialog, QMessageBox, QPushButton, QWidget

from firmdesk.domain.limits import SOCIAL_SECURITY_MATERIAL
from firmdesk.domain.states import BatchState, FirmTab
from firmdesk.server.demo.facts import INSTITUTE_PASSWORD
from firmdesk.services.models import BatchRow
from firmdesk.services.session import FirmSession
from firmdesk.ui.dialogs.batch_dialog import PAGE_RESUBMIT, BatchDialog
from firmdesk.ui.dialogs.export_dialogs import ExportChoiceDialog
from firmdesk.ui.dialogs.submit_dialog import SubmitDialog
from firmdesk.ui.main_window import MainWindow
from firmdesk.ui.notice_banner import LEVELS, NoticeBanner
from firmdesk.ui.palette import NOTICE_COLOURS
from firmdesk.ui.resources import install_qt_translations
from firmdesk.ui.widgets.materials_editor import COL_REMOVE, COL_STATE, KeptMaterial
from firmdesk.ui.widgets.screen_fit import SMALL_SCREEN
from tests.helpers.main_window import (  # noqa: F401  (fixtures)
    Answers,
    answers,
    demo_live,
    demo_server_settings,
    desk,
    session,
    trigger,
    window,
)
from tests.helpers.server import api_login

SHOTS = os.environ.get("FIRMDESK_SCREENSHOTS")


def geometry_in_window(window: MainWindow) -> QRect:
    table = window.current_tab().table
    return QRect(table.mapTo(window, QPoint(0, 0)), table.size())


def test_a_notice_never_moves_the_table(qtbot: Any, window: MainWindow) -> None:
    QApplication.processEvents()
    before = geometry_in_window(window)
    window.notice.show_message("已退回 张三、李四 的年检申请，已移至“注师待申请”" * 3, "success", 15000)
    QApplication.processEvents()
    assert window.notice.isVisible() and window.notice.text()
    assert geometry_in_window(window) == before
    # Floats over the bottom of the content, inside the window, above the tables.
    central = window.centralWidget()
    assert central.rect().contains(window.notice.geometry())
    if SHOTS:
        window.grab().save(str(Path(SHOTS) / "notice_overlay.png"))
    window.notice.close_button.click()
    QApplication.processEvents()
    assert not window.notice.isVisible() and geometry_in_window(window) == before
    window.resize(1200, 700)  # it follows the window's size
    window.notice.show_message("无法连接服务器", "error")
    QApplication.processEvents()
    assert window.notice.geometry().bottom() < central.height() and window.notice.width() < central.width()


def _luminance(colour: str) -> float:
    def channel(value: float) -> float:
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    c = QColor(colour)
    return 0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) + 0.0722 * channel(c.blueF())


def contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_notice_levels_have_distinct_accessible_colours(qtbot: Any) -> None:
    assert set(LEVELS) == {"info", "success", "warning", "error"}
    for text, background, _border in NOTICE_COLOURS.values():
        assert contrast(text, background) >= 4.5
    assert len({colours[0] for colours in NOTICE_COLOURS.values()}) == 4
    assert len({colours[1] for colours in NOTICE_COLOURS.values()}) == 4
    # Drawn with its level's colours (the success text is green, not the error's red).
    host = QWidget()
    qtbot.addWidget(host)
    host.resize(600, 200)
    host.show()
    banner = NoticeBanner(host)
    banner.setGraphicsEffect(None)  # the shadow, drawn outside: sampled without it
    samples = {
        "info": "正在同步…",
        "success": "已提交省注协，批次编号 50010028-2025-7（3 名注册会计师）",
        "warning": "无法连接服务器，已切换到离线模式：可继续浏览上次同步的数据、起草退回原因；联网后将自动同步。",
        "error": "不能撤回：省注协已开始审核（当前状态：审核中）",
    }
    images = []
    for level, (text, background, _border) in NOTICE_COLOURS.items():
        banner.show_message(samples[level], level)
        QApplication.processEvents()
        image = banner.grab().toImage()
        images.append(image)
        pixels = [image.pixelColor(x, y) for x in range(0, image.width(), 2) for y in range(image.height())]
        assert background in {c.name() for c in pixels}, level
        assert min(_distance(c, QColor(text)) for c in pixels) < 24, level  # the glyphs (anti-aliased)
    if SHOTS:  # the four levels, one above the other
        sheet = QImage(max(i.width() for i in images), sum(i.height() + 8 for i in images), QImage.Format.Format_RGB32)
        sheet.fill(QColor("#f3f5f9"))
        painter = QPainter(sheet)
        y = 0
        for image in images:
            painter.drawImage(0, y, image)
            y += image.height() + 8
        painter.end()
        sheet.save(str(Path(SHOTS) / "notice_levels.png"))


def _distance(a: QColor, b: QColor) -> int:
    return abs(a.red() - b.red()) + abs(a.green() - b.green()) + abs(a.blue() - b.blue())


def test_replace_swaps_the_uploaded_social_security_proof(
    qtbot: Any, window: MainWindow, session: FirmSession, answers: Answers
) -> None:
    returned = window.tabs[FirmTab.RETURNED]
    assert returned.select_record(lambda b: True)
    batch: BatchRow = returned.current_record()
    dialog = trigger(qtbot, window, FirmTab.RETURNED, "resubmit")
    assert isinstance(dialog, BatchDialog)
    qtbot.waitUntil(
        lambda: dialog.pages.currentIndex() == PAGE_RESUBMIT and dialog.materials is not None, timeout=10000
    )
    editor = dialog.materials
    assert editor is not None
    count = editor.count()
    assert editor.slot.pick_button.text() == "替换"
    editor.slot.pick_requested.emit()  # 替换: the picker answers 社保证明.pdf
    qtbot.waitUntil(
        lambda: not editor.checking and any(name.endswith("社保证明.pdf") for name in _names(editor)), timeout=5000
    )
    assert editor.count() == count  # replaced, not added
    assert editor.materials().count(SOCIAL_SECURITY_MATERIAL) == 1
    assert not any(
        isinstance(e, KeptMaterial) and e.attachment.material == SOCIAL_SECURITY_MATERIAL for e in editor.entries
    )
    with qtbot.waitSignal(dialog.resubmitted, timeout=20000):
        dialog.confirm_resubmit_button.click()
    proofs = [a for a in session.client.batch(batch.id).attachments if a.material == SOCIAL_SECURITY_MATERIAL]
    assert [a.original_name for a in proofs] == ["社保证明.pdf"]


def _names(editor: Any) -> list[str]:
    return [editor.table.item(r, 1).text() for r in range(editor.table.rowCount())]


def test_a_disabled_menu_item_looks_disabled_and_says_why(qtbot: Any, window: MainWindow) -> None:
    submitted = window.tabs[FirmTab.SUBMITTED]
    window.tab_widget.setCurrentWidget(submitted)
    assert submitted.select_record(lambda b: b.state == BatchState.REVIEWING)
    rect = submitted.table.visualRect(submitted.table.currentIndex())
    menu = submitted.context_menu_at(rect.center())
    [withdraw] = [a for a in menu.actions() if a.text() == "撤回"]
    why = "省注协已开始审核，不能撤回"
    assert not withdraw.isEnabled() and why in withdraw.toolTip() and why in withdraw.statusTip()
    assert menu.toolTipsVisible()
    # Drawn greyed: the item's text is lighter than an enabled item's.
    menu.adjustSize()
    image = menu.grab().toImage()
    enabled_rect = menu.actionGeometry(next(a for a in menu.actions() if a.text() == "查看"))
    disabled_rect = menu.actionGeometry(withdraw)

    def darkest(r: QRect) -> int:
        return min(
            image.pixelColor(x, y).lightness() for x in range(r.left(), r.right()) for y in range(r.top(), r.bottom())
        )

    assert darkest(disabled_rect) > darkest(enabled_rect) + 60
    if SHOTS:
        image.save(str(Path(SHOTS) / "menu_disabled_item.png"))
    menu.close()


def test_after_a_submit_the_files_say_uploaded_and_cannot_be_removed(
    qtbot: Any, window: MainWindow, answers: Answers
) -> None:
    pending = window.tabs[FirmTab.PENDING_REVIEW]
    pending.model.set_checked([0, 1, 2], True)
    dialog = trigger(qtbot, window, FirmTab.PENDING_REVIEW, "submit")
    assert isinstance(dialog, SubmitDialog)
    qtbot.waitUntil(lambda: dialog._flags is not None, timeout=10000)
    for row in dialog.red_rows():
        dialog.remove_application(row.application_id)
    dialog.materials.slot.pick_requested.emit()
    qtbot.waitUntil(lambda: dialog.submit_button.isEnabled(), timeout=10000)
    table = dialog.materials.table
    assert table.item(0, COL_STATE).text() == "待上传" and table.cellWidget(0, COL_REMOVE) is not None
    with qtbot.waitSignal(dialog.submitted, timeout=20000) as done:
        dialog.submit_button.click()
    assert [table.item(r, COL_STATE).text() for r in range(table.rowCount())] == ["已上传"] * table.rowCount()
    assert all(table.cellWidget(r, COL_REMOVE) is None for r in range(table.rowCount()))
    # The tabs show the server's answer at once: the batch is listed, its CPAs left 注师待审核.
    batch = done.args[0].batch
    qtbot.waitUntil(lambda: batch.id in {b.id for b in window.submitted_tab.shown_records()}, timeout=3000)


def test_a_batch_view_updates_the_batch_list_at_once(
    qtbot: Any, window: MainWindow, demo_live: Any, session: FirmSession
) -> None:
    submitted = window.tabs[FirmTab.SUBMITTED]
    window.tab_widget.setCurrentWidget(submitted)
    assert submitted.select_record(lambda b: b.state == BatchState.SUBMITTED)
    batch: BatchRow = submitted.current_record()
    institute = api_login(demo_live.base_url, "institute", "50", INSTITUTE_PASSWORD)
    try:
        institute.post(f"/institute/batches/{batch.id}/return", json={"reason": "社保证明不清晰"}).raise_for_status()
    finally:
        institute.close()
    window.sync.stop()  # no periodic sync may help: only the batch view's answer
    dialog = trigger(qtbot, window, FirmTab.SUBMITTED, "view")
    assert isinstance(dialog, BatchDialog)
    qtbot.waitUntil(lambda: dialog.detail is not None, timeout=10000)
    assert dialog.detail is not None and dialog.detail.batch.state == BatchState.RETURNED
    qtbot.waitUntil(lambda: batch.id in {b.id for b in window.returned_tab.shown_records()}, timeout=3000)
    assert batch.id not in {b.id for b in submitted.shown_records()}


def test_qt_dialogs_speak_chinese(qtbot: Any, qapp: Any) -> None:
    assert install_qt_translations(qapp)
    box = QMessageBox(
        QMessageBox.Icon.Question, "t", "x", QMessageBox.StandardButton.Open | QMessageBox.StandardButton.Cancel
    )
    qtbot.addWidget(box)
    assert box.button(QMessageBox.StandardButton.Cancel).text() == "取消"
    assert box.button(QMessageBox.StandardButton.Open).text() == "打开"
    dialog = QFileDialog(None, "选择文件")
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
    qtbot.addWidget(dialog)
    buttons = dialog.findChild(QDialogButtonBox)
    assert buttons is not None
    texts = {b.text().replace("&", "") for b in buttons.findChildren(QPushButton)}
    assert "取消" in texts and ("打开" in texts or "打开(O)" in texts), texts


def test_the_export_choice_fits_its_title(qtbot: Any) -> None:
    dialog = ExportChoiceDialog("批量下载二维码", 3, 60, ["保存到文件夹", "保存为 .zip 文件"])
    qtbot.addWidget(dialog)
    dialog.show()
    title_width = dialog.fontMetrics().horizontalAdvance(dialog.windowTitle())
    assert dialog.width() >= 400 and dialog.width() > title_width + 150
    if SHOTS:
        dialog.grab().save(str(Path(SHOTS) / "bulk_qr_choice.png"))


def test_one_firmdesk_in_the_title_and_maximised_on_a_small_screen(window: MainWindow, qapp: Any) -> None:
    # Qt adds the display name the app sets ("FirmDesk") to every title: the titles must not say it again.
    assert "FirmDesk" not in window.windowTitle() and window.windowTitle().endswith("注册会计师年检")
    area = window.screen().availableGeometry()
    small = area.width() < SMALL_SCREEN.width() or area.height() < SMALL_SCREEN.height()
    # The offscreen test screen is 800×800 (or 1920×1080 for screenshots): maximised when small, else fitted.
    assert window.isMaximized() == small or not small


def test_the_draft_editor_offers_the_common_reasons(qtbot: Any, window: MainWindow) -> None:
    row = window.pending_tab.model.records()[0]
    editor = window.actions.draft([row])
    assert editor is not None
    qtbot.addWidget(editor)
    reasons = window.services.reasons.all()
    assert reasons and editor.common_list.count() == len(reasons) and editor.common_list.isVisibleTo(editor)
    editor.common_list.itemDoubleClicked.emit(editor.common_list.item(1))
    assert editor.reason_edit.toPlainText() == reasons[1]
    editor.close()
