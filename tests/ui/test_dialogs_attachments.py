"""附件 viewer against the real server: the list, PDF and image previews, Excel outside, fetched once, saving."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from firmdesk.services.attachment_cache import AttachmentCache
from firmdesk.ui.dialogs.attachments_dialog import AttachmentsDialog
from firmdesk.ui.tasks import TaskRunner
from firmdesk.ui.widgets.attachments_panel import PAGE_ERROR, PAGE_EXTERNAL, PAGE_IMAGE, PAGE_PDF
from tests.helpers.dialog_world import World, add_attachment, add_cpa, make_world
from tests.helpers.files import minimal_xlsx, real_pdf, real_png


@pytest.fixture
def world(server_builder: Any, live_server: Any) -> Iterator[World]:
    w = make_world(server_builder, live_server, pending=1, materials=[])
    application = w.applications[0]
    add_attachment(w, application, "社保证明材料", "社保证明.pdf", real_pdf())
    add_attachment(w, application, "离退休证明", "退休证.png", real_png())
    add_attachment(w, application, "人员名单", "名单.xlsx", minimal_xlsx())
    yield w
    w.close()


class Recorder:
    def __init__(self, answer: Any = True) -> None:
        self.calls: list[Any] = []
        self.answer = answer

    def __call__(self, *args: Any) -> Any:
        self.calls.append(args[-1] if len(args) == 1 else args)
        return self.answer


def open_dialog(
    qtbot: Any, world: World, runner: TaskRunner, cache: AttachmentCache, **kwargs: Any
) -> AttachmentsDialog:
    kwargs.setdefault("application_id", world.applications[0].id)
    dialog = AttachmentsDialog(world.client, runner, cache, title="张三", **kwargs)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.loaded, timeout=10000):
        dialog.show()
    return dialog


def row_of(dialog: AttachmentsDialog, name: str) -> int:
    return [a.original_name for a in dialog.panel.attachments].index(name)


def test_the_list_shows_material_type_size_and_time_and_previews_the_pdf(
    qtbot: Any, world: World, runner: TaskRunner, tmp_path: Path
) -> None:
    cache = AttachmentCache(tmp_path / "cache")
    dialog = AttachmentsDialog(world.client, runner, cache, application_id=world.applications[0].id, title="张三")
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.panel.preview_ready, timeout=10000):
        dialog.show()  # the first file is selected and previewed at once
    table = dialog.panel.table
    headers = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    assert headers == ["材料名称", "文件名", "类型", "大小", "上传时间"]
    materials = {table.item(r, 0).text() for r in range(table.rowCount())}
    assert {"社保证明材料", "离退休证明", "人员名单"} <= materials
    pdf_row = row_of(dialog, "社保证明.pdf")
    assert table.item(pdf_row, 2).text() == "PDF"
    assert table.item(pdf_row, 3).text().endswith(("B", "KB"))
    assert table.item(pdf_row, 4).text().startswith("20")
    if pdf_row != 0:
        with qtbot.waitSignal(dialog.panel.preview_ready, timeout=10000):
            dialog.panel.select(pdf_row)
    assert dialog.panel.stack.currentIndex() == PAGE_PDF
    assert dialog.panel.pdf_view.page_count() == 1


def test_an_image_previews_with_zoom_fit_and_rotation(
    qtbot: Any, world: World, runner: TaskRunner, tmp_path: Path
) -> None:
    dialog = open_dialog(qtbot, world, runner, AttachmentCache(tmp_path / "cache"))
    with qtbot.waitSignal(dialog.panel.preview_ready, timeout=10000):
        dialog.panel.select(row_of(dialog, "退休证.png"))
    assert dialog.panel.stack.currentIndex() == PAGE_IMAGE
    view = dialog.panel.image_view
    assert view.canvas.has_image()
    fitted = view.canvas.zoom
    qtbot.mouseClick(view.zoom_in_button, Qt.MouseButton.LeftButton)
    assert view.canvas.zoom == pytest.approx(fitted * 1.25)
    qtbot.mouseClick(view.zoom_out_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(view.zoom_out_button, Qt.MouseButton.LeftButton)
    assert view.canvas.zoom < fitted
    assert view.zoom_label.text() == f"{view.canvas.zoom * 100:.0f}%"
    qtbot.mouseClick(view.rotate_right_button, Qt.MouseButton.LeftButton)
    assert view.canvas.rotation == 90
    qtbot.mouseClick(view.rotate_left_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(view.rotate_left_button, Qt.MouseButton.LeftButton)
    assert view.canvas.rotation == 270
    qtbot.mouseClick(view.fit_button, Qt.MouseButton.LeftButton)
    assert view.canvas.fit_mode


def test_a_spreadsheet_opens_in_the_default_program_and_is_fetched_once(
    qtbot: Any, world: World, runner: TaskRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fetched: list[int] = []
    real_content = world.client.attachment_content

    def counting(attachment_id: int) -> bytes:
        fetched.append(attachment_id)
        return real_content(attachment_id)

    monkeypatch.setattr(world.client, "attachment_content", counting)
    opened = Recorder()
    dialog = open_dialog(qtbot, world, runner, AttachmentCache(tmp_path / "cache"), open_external=opened)
    xlsx_row = row_of(dialog, "名单.xlsx")
    with qtbot.waitSignal(dialog.panel.preview_ready, timeout=10000):
        dialog.panel.select(xlsx_row)
    assert dialog.panel.stack.currentIndex() == PAGE_EXTERNAL
    with qtbot.waitSignal(dialog.panel.opened_external, timeout=10000):
        qtbot.mouseClick(dialog.panel.external_button, Qt.MouseButton.LeftButton)
    path = opened.calls[-1]
    assert path.name == "名单.xlsx"
    assert path.read_bytes() == minimal_xlsx()
    with qtbot.waitSignal(dialog.panel.opened_external, timeout=10000):
        qtbot.mouseClick(dialog.panel.open_button, Qt.MouseButton.LeftButton)
    dialog.panel.table.setFocus()
    with qtbot.waitSignal(dialog.panel.opened_external, timeout=10000):
        qtbot.keyClick(dialog.panel.table, Qt.Key.Key_Return)  # Enter opens, it does not close the dialog
    assert dialog.isVisible()
    xlsx_id = dialog.panel.attachments[xlsx_row].id
    assert fetched.count(xlsx_id) == 1  # preview and three opens: one download


def test_save_one_or_all_to_a_folder(qtbot: Any, world: World, runner: TaskRunner, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    dialog = open_dialog(qtbot, world, runner, AttachmentCache(tmp_path / "cache"), choose_folder=lambda *_: out)
    with qtbot.waitSignal(dialog.panel.saved, timeout=10000) as blocker:
        qtbot.mouseClick(dialog.panel.save_all_button, Qt.MouseButton.LeftButton)
    saved = blocker.args[0]
    assert sorted(p.name for p in saved) == sorted(["社保证明.pdf", "退休证.png", "名单.xlsx"])
    by_name = {a.original_name: a for a in dialog.panel.attachments}
    for path in saved:
        assert hashlib.sha256(path.read_bytes()).hexdigest() == by_name[path.name].sha256
    assert "已保存 3 个文件" in dialog.panel.banner.text()

    dialog.panel.select(row_of(dialog, "社保证明.pdf"))
    with qtbot.waitSignal(dialog.panel.saved, timeout=10000) as blocker:
        qtbot.mouseClick(dialog.panel.save_button, Qt.MouseButton.LeftButton)
    assert [p.name for p in blocker.args[0]] == ["社保证明 (2).pdf"]  # never overwrites


def test_a_broken_pdf_shows_why_it_cannot_be_previewed(
    qtbot: Any, world: World, runner: TaskRunner, tmp_path: Path
) -> None:
    add_attachment(world, world.applications[0], "执业情况说明", "坏文件.pdf", b"%PDF-1.4\n" + b"\x00" * 64)
    dialog = open_dialog(qtbot, world, runner, AttachmentCache(tmp_path / "cache"))
    with qtbot.waitSignal(dialog.panel.preview_failed, timeout=10000) as blocker:
        dialog.panel.select(row_of(dialog, "坏文件.pdf"))
    assert "坏文件.pdf" in blocker.args[1]
    assert dialog.panel.stack.currentIndex() == PAGE_ERROR
    assert dialog.panel.error_label.text() == blocker.args[1]


def test_a_batch_shows_its_materials(qtbot: Any, world: World, runner: TaskRunner, tmp_path: Path) -> None:
    _, complete = add_cpa(world, "材料齐全")  # the server refuses a batch with red flags (materials missing)
    batch = world.submit([complete], tmp_path)
    dialog = open_dialog(
        qtbot, world, runner, AttachmentCache(tmp_path / "cache"), application_id=None, batch_id=batch.batch.id
    )
    assert [a.material for a in dialog.panel.attachments] == ["社保证明材料"]


def test_an_unknown_application_shows_the_servers_message(
    qtbot: Any, world: World, runner: TaskRunner, tmp_path: Path
) -> None:
    dialog = AttachmentsDialog(world.client, runner, AttachmentCache(tmp_path / "cache"), application_id=999999)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.load_failed, timeout=10000) as blocker:
        dialog.show()
    assert blocker.args[0] and dialog.banner.text() == blocker.args[0]
