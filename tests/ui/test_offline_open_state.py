# ruff: noqa: F811  (the fixtures imported from tests/helpers are parameters of the tests)
"""离线打开 shows the cached rows at once and says 离线 from the first paint (not "● 在线 正在同步…" for seconds)."""

from __future__ import annotations

import time
from typing import Any

from firmdesk.ui.main_window import MainWindow
from firmdesk.ui.shell import Shell
from firmdesk.ui.status_bar import SYNCING
from tests.helpers.offline import (  # noqa: F401  (fixtures)
    DEMO_FIRM,
    DEMO_PASSWORD,
    RestartableServer,
    demo_server_settings,
    restartable_server,
)
from tests.helpers.offline_window import log_in, shell  # noqa: F401  (shell: a fixture)


def test_offline_open_shows_the_cache_at_once_and_says_offline(
    qtbot: Any, shell: Shell, restartable_server: RestartableServer
) -> None:
    window = log_in(qtbot, shell, restartable_server.base_url)
    cached = window.pending_tab.total_count()
    assert cached > 0
    shell.logout()
    restartable_server.stop()
    dialog = shell.dialog
    assert dialog is not None
    dialog.fill(DEMO_FIRM, DEMO_PASSWORD, restartable_server.base_url)
    with qtbot.waitSignal(dialog.login_failed, timeout=20000):
        dialog.login_button.click()
    qtbot.waitUntil(dialog.offline_offered, timeout=5000)

    seen: list[tuple[str, str]] = []

    def opened(new: MainWindow) -> None:  # the very first state the user sees
        seen.append((new.online_label.text(), new.sync_label.text()))

    shell.window_opened.connect(opened)
    with qtbot.waitSignal(shell.window_opened, timeout=10000) as blocker:
        dialog.offline_button.click()
    started = time.monotonic()
    offline: MainWindow = blocker.args[0]
    qtbot.addWidget(offline)
    assert seen and seen[0][0] == "● 离线" and seen[0][1] != SYNCING
    qtbot.waitUntil(lambda: offline.pending_tab.total_count() == cached, timeout=5000)
    shown_after = time.monotonic() - started
    assert shown_after < 1.0, shown_after  # the cache, not after the sync's retries
    assert offline.online_label.text() == "● 离线"
    qtbot.waitUntil(lambda: offline.sync_label.text().startswith("最后同步"), timeout=5000)
    assert offline.sync_label.text().endswith("（离线，自动重试中）")
