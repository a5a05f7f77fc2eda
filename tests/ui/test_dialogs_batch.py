"""Batch view against the real server: 查看, 撤回 (confirmed; refused once the institute decided), 再次申请-修改附件."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from firmdesk.domain.limits import SOCIAL_SECURITY_MATERIAL
from firmdesk.domain.materials import MISSING_SOCIAL_SECURITY
from firmdesk.services.attachment_cache import AttachmentCache
from firmdesk.services.models import BatchDetail
from firmdesk.ui.dialogs.batch_dialog import PAGE_RESUBMIT, BatchDialog
from firmdesk.ui.tasks import TaskRunner
from firmdesk.ui.widgets.materials_editor import COL_MATERIAL
from tests.helpers.dialog_world import World, make_world
from tests.helpers.files import write_pdf, write_png


@pytest.fixture
def world(server_builder: Any, live_server: Any) -> Iterator[World]:
    w = make_world(server_builder, live_server, pending=3)
    yield w
    w.close()


@pytest.fixture
def batch(world: World, tmp_path: Path) -> BatchDetail:
    return world.submit(world.applications[:2], tmp_path)


class Confirmations:
    """Stands in for the confirmation box: records the questions, answers as told."""

    def __init__(self, answer: bool) -> None:
        self.answer = answer
        self.asked: list[str] = []

    def __call__(self, _parent: Any, title: str, text: str, ok_text: str) -> bool:
        self.asked.append(f"{title}|{text}|{ok_text}")
        return self.answer


def open_dialog(
    qtbot: Any, world: World, runner: TaskRunner, tmp_path: Path, batch_id: int, **kwargs: Any
) -> BatchDialog:
    dialog = BatchDialog(
        world.client,
        runner,
        AttachmentCache(tmp_path / "cache"),
        batch_id,
        pick_files=lambda *_: [],
        open_external=lambda _p: True,
        **kwargs,
    )
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.loaded, timeout=10000):
        dialog.show()
    return dialog


def test_viewing_a_batch_lists_its_cpas_materials_and_events(
    qtbot: Any, world: World, runner: TaskRunner, tmp_path: Path, batch: BatchDetail
) -> None:
    dialog = open_dialog(qtbot, world, runner, tmp_path, batch.batch.id, confirm=Confirmations(False))
    assert batch.batch.number in dialog.number_label.text()
    assert dialog.state_badge is not None and dialog.state_badge.text() == "待审核"
    names = {dialog.cpa_table.item(r, 1).text() for r in range(dialog.cpa_table.rowCount())}
    assert names == {c.name for c in world.cpas[:2]}
    assert [a.material for a in dialog.attachments.attachments] == [SOCIAL_SECURITY_MATERIAL]
    assert dialog.timeline.entries and dialog.timeline.entries[-1].trail_event.action == "submit_batch"
    assert dialog.withdraw_button.isVisible()
    assert not dialog.resubmit_button.isVisible()


def test_withdraw_asks_first_and_then_sends_the_applications_back(
    qtbot: Any, world: World, runner: TaskRunner, tmp_path: Path, batch: BatchDetail
) -> None:
    confirm = Confirmations(False)
    dialog = open_dialog(qtbot, world, runner, tmp_path, batch.batch.id, confirm=confirm)
    qtbot.mouseClick(dialog.withdraw_button, Qt.MouseButton.LeftButton)
    assert len(confirm.asked) == 1 and batch.batch.number in confirm.asked[0]
    assert world.client.batch(batch.batch.id).batch.state == "submitted"  # said no: nothing happened

    confirm.answer = True
    with qtbot.waitSignal(dialog.withdrawn, timeout=10000):
        qtbot.mouseClick(dialog.withdraw_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.detail is not None and dialog.detail.batch.state == "withdrawn", timeout=10000)
    assert not dialog.withdraw_button.isVisible()
    assert "已撤回" in dialog.banner.text()
    assert {r.application_id for r in world.pending_rows()} == {a.id for a in world.applications}


def test_withdraw_after_the_institute_decided_one_cpa_is_refused_with_the_servers_message(
    qtbot: Any, world: World, runner: TaskRunner, tmp_path: Path, batch: BatchDetail
) -> None:
    dialog = open_dialog(qtbot, world, runner, tmp_path, batch.batch.id, confirm=Confirmations(True))
    assert dialog.withdraw_button.isVisible()
    # The institute approves one CPA while the firm's window is open.
    decision = f"/institute/applications/{world.applications[0].id}/decision"
    answer = world.institute_post(decision, {"decision": "approve"})
    assert answer.status_code == 200, answer.text

    with qtbot.waitSignal(dialog.refused, timeout=10000) as blocker:
        qtbot.mouseClick(dialog.withdraw_button, Qt.MouseButton.LeftButton)
    message = blocker.args[0]
    assert message
    qtbot.waitUntil(lambda: dialog.detail is not None and not dialog.detail.batch.can_withdraw, timeout=10000)
    assert dialog.banner.text() == message  # the refusal stays on screen after the refresh
    assert not dialog.withdraw_button.isVisible()
    assert dialog.isVisible()
    assert world.client.batch(batch.batch.id).batch.state == "reviewing"


def test_resubmitting_a_returned_batch_shows_the_reason_and_replaces_materials(
    qtbot: Any, world: World, runner: TaskRunner, tmp_path: Path, batch: BatchDetail
) -> None:
    answer = world.institute_post(f"/institute/batches/{batch.batch.id}/return", {"reason": "社保证明缺少12月\n请补充"})
    assert answer.status_code == 200, answer.text
    dialog = open_dialog(
        qtbot, world, runner, tmp_path, batch.batch.id, start_resubmit=True, confirm=Confirmations(True)
    )
    assert dialog.pages.currentIndex() == PAGE_RESUBMIT
    assert dialog.resubmit_reason_label.text() == "社保证明缺少12月\n请补充"
    editor = dialog.materials
    assert editor is not None
    assert editor.kept_ids() == [a.id for a in world.client.batch(batch.batch.id).attachments]

    editor.remove_at(0)  # the old 社保证明材料
    assert not dialog.confirm_resubmit_button.isEnabled()
    assert editor.problem() == MISSING_SOCIAL_SECURITY
    editor.add_files([write_pdf(tmp_path / "社保证明-补充12月.pdf")], SOCIAL_SECURITY_MATERIAL)
    editor.add_files([write_png(tmp_path / "说明.png")], "情况说明")
    qtbot.waitUntil(lambda: editor.count() == 2 and not editor.checking, timeout=5000)
    assert dialog.confirm_resubmit_button.isEnabled()
    # A material name cleared in the table: refused in the domain's words, as the upload would refuse it.
    row = editor.materials().index("情况说明")
    editor.table.item(row, COL_MATERIAL).setText(" ")
    assert editor.problem() == "请为每个附件选择材料名称"
    assert not dialog.confirm_resubmit_button.isEnabled()
    editor.table.item(row, COL_MATERIAL).setText("情况说明")
    assert editor.problem() is None and dialog.confirm_resubmit_button.isEnabled()

    with qtbot.waitSignal(dialog.resubmitted, timeout=20000):
        qtbot.mouseClick(dialog.confirm_resubmit_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.detail is not None and dialog.detail.batch.state == "submitted", timeout=10000)
    server = world.client.batch(batch.batch.id)
    assert server.batch.state == "submitted"
    assert sorted(a.original_name for a in server.attachments) == sorted(["社保证明-补充12月.pdf", "说明.png"])
    assert dialog.pages.currentIndex() != PAGE_RESUBMIT


def test_resubmit_checks_files_like_the_submit(
    qtbot: Any, world: World, runner: TaskRunner, tmp_path: Path, batch: BatchDetail
) -> None:
    assert world.institute_post(f"/institute/batches/{batch.batch.id}/return", {"reason": "补充"}).status_code == 200
    dialog = open_dialog(qtbot, world, runner, tmp_path, batch.batch.id, confirm=Confirmations(True))
    assert dialog.resubmit_button.isVisible() and not dialog.withdraw_button.isVisible()
    assert "补充" in dialog.reason_label.text()
    qtbot.mouseClick(dialog.resubmit_button, Qt.MouseButton.LeftButton)
    editor = dialog.materials
    assert editor is not None
    editor.add_files([write_pdf(tmp_path / "太大.pdf", 6 * 1024 * 1024)])
    qtbot.waitUntil(lambda: not editor.checking, timeout=5000)
    assert "太大.pdf" in editor.banner.text()
    assert editor.count() == 1  # only the kept one


def test_a_file_past_the_tenth_is_refused_by_name_in_the_domains_words(
    qtbot: Any, world: World, runner: TaskRunner, tmp_path: Path, batch: BatchDetail
) -> None:
    assert world.institute_post(f"/institute/batches/{batch.batch.id}/return", {"reason": "补充"}).status_code == 200
    dialog = open_dialog(qtbot, world, runner, tmp_path, batch.batch.id, start_resubmit=True)
    editor = dialog.materials
    assert editor is not None and editor.count() == 1  # the kept 社保证明材料
    files = [write_pdf(tmp_path / f"材料{i}.pdf") for i in range(1, 11)]
    editor.add_files(files, "情况说明")
    assert editor.banner.text() == "无法添加“材料10.pdf”：批次材料最多 10 个文件（已有 10 个），请先移除不需要的文件"
    qtbot.waitUntil(lambda: not editor.checking, timeout=10000)
    assert editor.count() == 10 and editor.problem() is None
