"""申请 dialog against the real server: readiness badges, the material checks, upload, cancel, the batch number."""

from __future__ import annotations

import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QToolButton, QWidget

from firmdesk.domain.limits import SOCIAL_SECURITY_MATERIAL
from firmdesk.domain.readiness import FlagLevel
from firmdesk.services.models import CpaRow
from firmdesk.ui.dialogs.submit_dialog import SubmitDialog
from firmdesk.ui.tasks import TaskRunner
from firmdesk.ui.widgets.badge import Badge
from firmdesk.ui.widgets.materials_editor import MaterialsEditor
from tests.helpers.dialog_world import YEAR, World, add_cpa, make_world, old_birth_date, slowed_submit
from tests.helpers.files import write_exe, write_pdf, write_png


@pytest.fixture
def world(server_builder: Any, live_server: Any) -> Iterator[World]:
    w = make_world(server_builder, live_server, pending=2)
    yield w
    w.close()


def open_dialog(qtbot: Any, world: World, runner: TaskRunner, rows: list[CpaRow] | None = None) -> SubmitDialog:
    dialog = SubmitDialog(
        world.client, runner, YEAR, rows if rows is not None else world.pending_rows(), pick_files=lambda *_: []
    )
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.readiness_loaded, timeout=10000):
        dialog.show()
    return dialog


def add(qtbot: Any, editor: MaterialsEditor, paths: list[Path], material: str = "其他材料") -> None:
    editor.add_files(paths, material)
    qtbot.waitUntil(lambda: not editor.checking, timeout=5000)


def test_readiness_flags_show_as_badges_and_a_red_row_must_be_removed(
    qtbot: Any, world: World, runner: TaskRunner, tmp_path: Path
) -> None:
    _, low_hours = add_cpa(world, "钱九", training={2025: 12.0})
    _, old = add_cpa(world, "吴十", birth_date=old_birth_date(72))
    dialog = open_dialog(qtbot, world, runner)
    assert len(dialog.rows) == 4

    def badges(app_id: int) -> list[Badge]:
        row = [r.application_id for r in dialog.rows].index(app_id)
        return dialog.table.cellWidget(row, 3).findChildren(Badge)

    assert [b.tone for b in badges(low_hours.id)] == [FlagLevel.RED]
    assert "培训学时" in badges(low_hours.id)[0].text()
    assert [b.tone for b in badges(old.id)] == [FlagLevel.YELLOW]
    assert [b.text() for b in badges(world.applications[0].id)] == ["可提交"]

    add(qtbot, dialog.materials, [write_pdf(tmp_path / "社保.pdf")], SOCIAL_SECURITY_MATERIAL)
    assert not dialog.submit_button.isEnabled()
    assert "钱九" in dialog.hint_label.text() and "红色" in dialog.hint_label.text()

    qtbot.mouseClick(dialog.findChild(QToolButton, f"removeCpaButton{low_hours.id}"), Qt.MouseButton.LeftButton)
    assert low_hours.id not in [r.application_id for r in dialog.rows]
    assert dialog.submit_button.isEnabled()  # a yellow row may go


def test_without_social_security_proof_nothing_is_submitted(
    qtbot: Any, world: World, runner: TaskRunner, tmp_path: Path
) -> None:
    dialog = open_dialog(qtbot, world, runner)
    add(qtbot, dialog.materials, [write_pdf(tmp_path / "人员名单.pdf")])
    assert dialog.materials.count() == 1
    assert not dialog.submit_button.isEnabled()
    assert f"缺少必需的批次材料：{SOCIAL_SECURITY_MATERIAL}" in dialog.hint_label.text()
    dialog.submit()  # e.g. by Enter: refused with the same message
    assert f"缺少必需的批次材料：{SOCIAL_SECURITY_MATERIAL}" in dialog.banner.text()
    assert world.client.batches(YEAR).total == 0
    assert {r.status for r in world.pending_rows()} == {"pending_firm"}


def test_a_6_mb_file_is_refused_naming_the_file(qtbot: Any, world: World, runner: TaskRunner, tmp_path: Path) -> None:
    dialog = open_dialog(qtbot, world, runner)
    big = write_pdf(tmp_path / "社保证明-扫描.pdf", 6 * 1024 * 1024)
    add(qtbot, dialog.materials, [big], SOCIAL_SECURITY_MATERIAL)
    text = dialog.materials.banner.text()
    assert "社保证明-扫描.pdf" in text and "6.0 MB" in text and "5.0 MB" in text
    assert dialog.materials.count() == 0
    assert not dialog.materials.slot.filled


def test_an_exe_renamed_pdf_is_refused_by_its_content(
    qtbot: Any, world: World, runner: TaskRunner, tmp_path: Path
) -> None:
    dialog = open_dialog(qtbot, world, runner)
    add(qtbot, dialog.materials, [write_exe(tmp_path / "社保证明.pdf")], SOCIAL_SECURITY_MATERIAL)
    text = dialog.materials.banner.text()
    assert "社保证明.pdf" in text and "不是支持的类型" in text
    assert dialog.materials.count() == 0


def test_an_11th_file_is_refused_naming_it(qtbot: Any, world: World, runner: TaskRunner, tmp_path: Path) -> None:
    dialog = open_dialog(qtbot, world, runner)
    editor = dialog.materials
    add(qtbot, editor, [write_pdf(tmp_path / "社保.pdf")], SOCIAL_SECURITY_MATERIAL)
    add(qtbot, editor, [write_pdf(tmp_path / f"材料{i}.pdf") for i in range(2, 11)])
    assert editor.count() == 10
    assert editor.banner.text() == ""
    add(qtbot, editor, [write_pdf(tmp_path / "第十一个.pdf")])
    assert editor.count() == 10
    assert "第十一个.pdf" in editor.banner.text() and "最多 10 个" in editor.banner.text()
    assert dialog.submit_button.isEnabled()  # the ten that are there may still go


def drop_files(widget: QWidget, paths: list[Path]) -> None:
    """What the window system sends when files are dragged from Explorer onto `widget`."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    buttons, modifiers = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # PySide marks the QPoint overload deprecated
        enter = QDragEnterEvent(QPoint(5, 5), Qt.DropAction.CopyAction, mime, buttons, modifiers)
    QApplication.sendEvent(widget, enter)
    assert enter.isAccepted()
    QApplication.sendEvent(widget, QDropEvent(QPointF(5, 5), Qt.DropAction.CopyAction, mime, buttons, modifiers))


def test_files_dropped_on_the_dialog_join_the_materials(
    qtbot: Any, world: World, runner: TaskRunner, tmp_path: Path
) -> None:
    dialog = open_dialog(qtbot, world, runner)
    editor = dialog.materials
    png = write_png(tmp_path / "社保截图.png")
    drop_files(editor.slot, [png])
    qtbot.waitUntil(lambda: editor.slot.filled, timeout=5000)
    assert editor.new_files() == [(SOCIAL_SECURITY_MATERIAL, png)]
    assert "社保截图.png" in editor.slot.file_label.text()
    others = [write_pdf(tmp_path / "名单.pdf"), write_exe(tmp_path / "setup.pdf")]
    drop_files(editor, others)
    qtbot.waitUntil(lambda: not editor.checking, timeout=5000)
    assert editor.new_files() == [(SOCIAL_SECURITY_MATERIAL, png), ("其他材料", others[0])]
    assert "setup.pdf" in editor.banner.text()  # the bad one is named, the good one kept


def test_materials_keep_the_order_they_were_picked_in_whatever_check_ends_first(
    qtbot: Any, world: World, runner: TaskRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from firmdesk.ui.widgets import materials_editor

    real_check = materials_editor.check_file

    def slow_for_the_first(material: str, path: Path) -> Any:
        if path.name.startswith("1"):
            time.sleep(0.3)  # the first file's check ends last
        return real_check(material, path)

    monkeypatch.setattr(materials_editor, "check_file", slow_for_the_first)
    dialog = open_dialog(qtbot, world, runner)
    editor = dialog.materials
    picked = [write_pdf(tmp_path / f"{i}-材料.pdf") for i in (1, 2, 3)]
    add(qtbot, editor, picked)
    assert [path for _, path in editor.new_files()] == picked


def test_submitting_uploads_the_materials_and_shows_the_batch_number(
    qtbot: Any, world: World, runner: TaskRunner, tmp_path: Path
) -> None:
    dialog = open_dialog(qtbot, world, runner)
    editor = dialog.materials
    add(qtbot, editor, [write_pdf(tmp_path / "社保证明.pdf", 300_000)], SOCIAL_SECURITY_MATERIAL)
    add(qtbot, editor, [write_png(tmp_path / "人员名单.png")])
    editor.table.item(1, 0).setText("在职人员名单")  # the material name is editable
    assert editor.new_files()[1][0] == "在职人员名单"
    progress: list[int] = []
    dialog.upload.progressed.connect(lambda sent, total: progress.append(sent))
    with qtbot.waitSignal(dialog.submitted, timeout=20000) as blocker:
        qtbot.mouseClick(dialog.submit_button, Qt.MouseButton.LeftButton)
    detail = blocker.args[0]
    assert detail.batch.number.startswith(f"{world.firm.number}-{YEAR}-")
    assert detail.batch.number in dialog.success_label.text()
    assert dialog.success_label.isVisible()
    assert not dialog.submit_button.isVisible()
    assert progress and progress[-1] > 300_000
    server = world.client.batch(detail.batch.id)
    assert sorted(a.material for a in server.attachments) == sorted([SOCIAL_SECURITY_MATERIAL, "在职人员名单"])
    assert {r.status for r in server.applications} == {"submitted"}
    assert world.pending_rows() == []


def test_cancelling_the_upload_submits_nothing_and_keeps_the_files(
    qtbot: Any, world: World, runner: TaskRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dialog = open_dialog(qtbot, world, runner)
    add(qtbot, dialog.materials, [write_pdf(tmp_path / "社保证明.pdf", 4 * 1024 * 1024)], SOCIAL_SECURITY_MATERIAL)
    monkeypatch.setattr(world.client, "submit_batch", slowed_submit(world.client))
    with qtbot.waitSignal(dialog.upload.progressed, timeout=10000):
        qtbot.mouseClick(dialog.submit_button, Qt.MouseButton.LeftButton)
    assert dialog.progress.isVisible() and dialog.cancel_upload_button.isVisible()
    qtbot.mouseClick(dialog.cancel_upload_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.progress.isVisible(), timeout=10000)
    assert "已取消上传" in dialog.banner.text()
    assert dialog.isVisible()
    assert dialog.materials.count() == 1 and dialog.submit_button.isEnabled()
    assert world.client.batches(YEAR).total == 0


def test_a_refused_submit_keeps_the_materials_and_marks_the_changed_cpa(
    qtbot: Any, world: World, runner: TaskRunner, tmp_path: Path
) -> None:
    dialog = open_dialog(qtbot, world, runner)
    proof = write_pdf(tmp_path / "社保证明.pdf")
    add(qtbot, dialog.materials, [proof], SOCIAL_SECURITY_MATERIAL)
    # Another administrator returns the first CPA while this dialog is open.
    first = dialog.rows[0]
    world.client.return_applications([(first.application_id, None)], "另一位管理员退回")

    with qtbot.waitSignal(dialog.refused, timeout=10000) as blocker:
        qtbot.mouseClick(dialog.submit_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and dialog.banner.text().startswith(blocker.args[0])
    qtbot.waitUntil(lambda: first.application_id in [r.application_id for r in dialog.red_rows()], timeout=10000)
    assert f"{first.name} 已不在" in dialog.banner.text()
    assert dialog.materials.new_files() == [(SOCIAL_SECURITY_MATERIAL, proof)]
    assert not dialog.submit_button.isEnabled()

    qtbot.mouseClick(dialog.findChild(QToolButton, f"removeCpaButton{first.application_id}"), Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(dialog.submitted, timeout=20000) as blocker:
        qtbot.mouseClick(dialog.submit_button, Qt.MouseButton.LeftButton)
    assert [r.application_id for r in blocker.args[0].applications] == [dialog.rows[0].application_id]
