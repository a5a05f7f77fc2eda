# ruff: noqa: F811  (the fixtures imported from tests/helpers are parameters of the tests)
"""The real window keeps the reviewer's attachments after its sync; with the server stopped, 附件 opens them, and
a row whose attachments are not kept has 附件 disabled with the reason (button, menu, status tip)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QMenu

from firmdesk.domain.states import FirmTab
from firmdesk.services.offline_attachments import NOT_KEPT_APPLICATION, KeptAttachments
from firmdesk.ui.dialogs.attachments_dialog import AttachmentsDialog
from firmdesk.ui.shell import Shell
from firmdesk.ui.widgets.attachments_panel import PAGE_ERROR, PAGE_EXTERNAL, PAGE_IMAGE, PAGE_PDF
from tests.helpers.offline import (  # noqa: F401  (fixtures)
    RestartableServer,
    demo_server_settings,
    restartable_server,
)
from tests.helpers.offline_window import go_offline, log_in, shell  # noqa: F401  (shell: a fixture)

SHOTS = os.environ.get("FIRMDESK_SCREENSHOTS")


def wait_kept(qtbot: Any, window: Any) -> KeptAttachments:
    qtbot.waitUntil(lambda: window.keeper.kept is not None and not window.keeper.running, timeout=30000)
    kept = window.keeper.kept
    assert isinstance(kept, KeptAttachments)
    return kept


def test_kept_attachments_open_offline_and_the_others_say_why_not(
    qtbot: Any, shell: Shell, restartable_server: RestartableServer, tmp_path: Path
) -> None:
    window = log_in(qtbot, shell, restartable_server.base_url)
    kept = wait_kept(qtbot, window)
    pending = window.pending_tab
    assert kept.kept == kept.wanted >= pending.total_count() > 0
    label = window.status.attachments_label
    assert label.isVisible() and label.text() == f"附件离线可用 {kept.kept}/{kept.wanted}"

    go_offline(qtbot, window, restartable_server)

    # A pending CPA: 附件 enabled, the list from the local store, each file from the kept copy.
    pending.table.selectRow(0)
    attachments = pending.action_bar.action("attachments")
    assert attachments.isEnabled()
    with qtbot.waitSignal(window.actions.opened, timeout=5000) as opened:
        attachments.trigger()
    dialog = opened.args[0]
    assert isinstance(dialog, AttachmentsDialog)
    qtbot.waitUntil(lambda: len(dialog.panel.attachments) > 0, timeout=10000)
    assert not dialog.banner.text()
    dialog.panel.select(0)
    loaded = (PAGE_IMAGE, PAGE_PDF, PAGE_EXTERNAL, PAGE_ERROR)
    qtbot.waitUntil(lambda: dialog.panel.stack.currentIndex() in loaded, timeout=10000)
    assert dialog.panel.stack.currentIndex() != PAGE_ERROR  # previewed from the disk
    if SHOTS:
        dialog.grab().save(str(Path(SHOTS) / "offline_attachments.png"))
    dialog.close()

    # A CPA whose attachments were never kept (年检信息查询, already approved): 附件 disabled with the reason.
    query = window.tabs[FirmTab.QUERY]
    window.tab_widget.setCurrentWidget(query)
    assert query.select_record(lambda r: r.application_id is not None and r.status == "approved")
    action = query.action_bar.action("attachments")
    assert not action.isEnabled()
    assert NOT_KEPT_APPLICATION in action.toolTip() and NOT_KEPT_APPLICATION in action.statusTip()
    rect = query.table.visualRect(query.table.currentIndex())
    menu = query.context_menu_at(QPoint(rect.center()))
    assert isinstance(menu, QMenu)
    [item] = [a for a in menu.actions() if a.text() == "附件"]
    assert not item.isEnabled() and NOT_KEPT_APPLICATION in item.toolTip()
    if SHOTS:  # the menu as drawn (a popup would need a window system that grabs the keyboard)
        menu.adjustSize()
        menu.grab().save(str(Path(SHOTS) / "offline_attachments_menu.png"))
        window.grab().save(str(Path(SHOTS) / "offline_attachments_window.png"))
    menu.close()


def test_the_disk_budget_is_a_setting_applied_at_once(
    qtbot: Any, shell: Shell, restartable_server: RestartableServer, tmp_path: Path
) -> None:
    window = log_in(qtbot, shell, restartable_server.base_url)
    kept = wait_kept(qtbot, window)
    cache = window.services.attachments
    assert kept.kept > 0 and cache.files()
    assert "离线附件空间上限…" in [a.text() for a in window.menuBar().actions()[0].menu().actions()]

    window.set_offline_attachments_limit(0)  # 文件 → 离线附件空间上限…: 0 MB

    assert window.settings.offline_attachments_limit_mb() == 0
    qtbot.waitUntil(lambda: not window.keeper.running and window.keeper.kept is not None, timeout=30000)
    qtbot.waitUntil(lambda: window.keeper.kept is not None and window.keeper.kept.kept == 0, timeout=30000)
    assert cache.files() == [] and window.status.attachments_label.text().startswith("附件离线可用 0/")
