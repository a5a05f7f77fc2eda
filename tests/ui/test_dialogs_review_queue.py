"""Keyboard review queue against the real server: J/K and PgDn/PgUp, A attachments, R return, Space mark."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QApplication

from firmdesk.services.attachment_cache import AttachmentCache
from firmdesk.services.common_reasons import CommonReasons
from firmdesk.ui.dialogs.review_queue import ReviewQueueDialog
from firmdesk.ui.tasks import TaskRunner
from tests.helpers.dialog_world import World, make_world


@pytest.fixture
def world(server_builder: Any, live_server: Any) -> Iterator[World]:
    w = make_world(server_builder, live_server, pending=3)
    yield w
    w.close()


@pytest.fixture
def queue(qtbot: Any, world: World, runner: TaskRunner, tmp_path: Path) -> ReviewQueueDialog:
    dialog = ReviewQueueDialog(
        world.client,
        runner,
        AttachmentCache(tmp_path / "cache"),
        CommonReasons(tmp_path / "reasons.json"),
        world.pending_rows(),
        open_external=lambda _p: True,
        choose_folder=lambda *_: None,
    )
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.detail_loaded, timeout=10000):
        dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=5000)
    return dialog


def press(
    qtbot: Any,
    queue: ReviewQueueDialog,
    key: Qt.Key,
    modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier,
    *,
    loads: bool = True,
) -> None:
    target = queue.focusWidget() or queue
    if loads:
        with qtbot.waitSignal(queue.detail_loaded, timeout=10000):
            qtbot.keyClick(target, key, modifier)
    else:
        qtbot.keyClick(target, key, modifier)


def test_j_k_and_page_keys_move_through_the_queue_with_details(
    qtbot: Any, queue: ReviewQueueDialog, world: World
) -> None:
    rows = queue.rows
    assert queue.index == 0 and queue.name_label.text() == rows[0].name
    assert queue.detail is not None and queue.detail.row.application_id == rows[0].application_id
    assert len(queue.panel.attachments) == len(queue.detail.attachments) > 0
    press(qtbot, queue, Qt.Key.Key_J)
    assert queue.index == 1 and queue.name_label.text() == rows[1].name
    assert queue.position_label.text() == "第 2 / 3 份"
    press(qtbot, queue, Qt.Key.Key_PageDown)
    assert queue.index == 2
    press(qtbot, queue, Qt.Key.Key_J, loads=False)  # past the end: stays, says so
    assert queue.index == 2 and "最后一份" in queue.banner.text()
    press(qtbot, queue, Qt.Key.Key_K)
    press(qtbot, queue, Qt.Key.Key_PageUp)
    assert queue.index == 0
    assert queue.detail is not None and queue.detail.row.application_id == rows[0].application_id


def test_space_marks_for_the_batch_and_ctrl_enter_asks_to_submit_them(qtbot: Any, queue: ReviewQueueDialog) -> None:
    rows = queue.rows
    with qtbot.waitSignal(queue.marked_changed) as blocker:
        press(qtbot, queue, Qt.Key.Key_Space, loads=False)
    assert blocker.args[0] == [rows[0].application_id]
    assert "已标记" in queue.mark_label.text()
    press(qtbot, queue, Qt.Key.Key_J)
    press(qtbot, queue, Qt.Key.Key_J)
    press(qtbot, queue, Qt.Key.Key_Space, loads=False)
    press(qtbot, queue, Qt.Key.Key_K)
    press(qtbot, queue, Qt.Key.Key_Space, loads=False)
    press(qtbot, queue, Qt.Key.Key_Space, loads=False)  # twice: unmarked again
    assert queue.marked() == [rows[0].application_id, rows[2].application_id]
    assert queue.marked_count_label.text() == "已标记 2 人"
    with qtbot.waitSignal(queue.submit_requested) as blocker:
        press(qtbot, queue, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier, loads=False)
    assert [r.application_id for r in blocker.args[0]] == [rows[0].application_id, rows[2].application_id]
    assert not queue.isVisible()


def test_a_opens_the_attachments_of_the_current_application(qtbot: Any, queue: ReviewQueueDialog) -> None:
    press(qtbot, queue, Qt.Key.Key_A, loads=False)
    dialog = queue.attachments_dialog
    assert dialog is not None and dialog.isVisible()
    assert queue.detail is not None
    assert [a.id for a in dialog.panel.attachments] == [a.id for a in queue.detail.attachments]
    press(qtbot, queue, Qt.Key.Key_J, loads=False)  # the queue waits while the attachments are open
    assert queue.index == 0
    dialog.reject()


def test_r_returns_the_current_application_without_the_mouse(
    qtbot: Any, queue: ReviewQueueDialog, world: World
) -> None:
    first = queue.rows[0]
    press(qtbot, queue, Qt.Key.Key_Space, loads=False)  # marked, then returned: no longer marked
    press(qtbot, queue, Qt.Key.Key_R, loads=False)
    dialog = queue.return_dialog
    assert dialog is not None and dialog.isVisible()
    assert [r.application_id for r in dialog.rows] == [first.application_id]
    qtbot.waitUntil(dialog.isActiveWindow, timeout=5000)  # the window manager gives it the keyboard
    commit = QInputMethodEvent()  # typed with a pinyin input method
    commit.setCommitString("培训学时不足")
    QApplication.sendEvent(dialog.reason_edit, commit)
    with qtbot.waitSignal(queue.returned, timeout=10000):
        qtbot.keyClick(dialog.reason_edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: queue.detail is not None and queue.index == 1, timeout=10000)
    assert queue.rows[0].status == "firm_returned"
    assert queue.marked() == []
    assert world.client.application(first.application_id).row.reason == "培训学时不足"
    # Back on the returned one: R and Space now only explain.
    press(qtbot, queue, Qt.Key.Key_K)
    press(qtbot, queue, Qt.Key.Key_R, loads=False)
    assert queue.return_dialog is None or not queue.return_dialog.isVisible()
    assert "不能退回" in queue.banner.text()
