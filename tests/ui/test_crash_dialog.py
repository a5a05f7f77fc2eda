"""The app never vanishes without a word: an unexpected exception at start, or in a slot that leaves no window,
shows a Chinese error dialog naming the log file and ends with status 1 (the real `firmdesk` in a subprocess)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from firmdesk.ui.crash_dialog import ERROR_DIALOG_MARKER

ROOT = Path(__file__).resolve().parents[2]

# `where`: "start" raises while the login dialog is being built; "slot" raises in a slot once the event loop runs
# and the only window has been closed (as the damaged drafts file did in `DraftsView.reload`).
CLIENT = textwrap.dedent(
    """
    import sys
    from PySide6.QtCore import QTimer
    from firmdesk import app
    from firmdesk.ui.shell import Shell

    where = sys.argv[1]
    show_login = Shell.show_login

    def broken(self):
        if where == "start":
            raise RuntimeError("数据库文件损坏（测试）")
        dialog = show_login(self)

        def fail():
            dialog.hide()
            raise RuntimeError("草稿页加载失败（测试）")

        QTimer.singleShot(200, fail)
        return dialog

    Shell.show_login = broken
    sys.exit(app.main([]))
    """
)


@pytest.mark.parametrize("where", ["start", "slot"])
def test_an_unexpected_error_shows_a_dialog_with_the_log_path_and_exits_1(tmp_path: Path, where: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", CLIENT, where],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "QT_QPA_PLATFORM": "offscreen",
            "FIRMDESK_DATA_DIR": str(tmp_path / "data"),
            "XDG_CONFIG_HOME": str(tmp_path / "config"),
        },
        timeout=60,
    )
    log_file = tmp_path / "data" / "logs" / "firmdesk.log"
    assert done.returncode == 1, done.stderr  # before: 0, no window, no message
    [shown] = [line for line in done.stderr.splitlines() if line.startswith(ERROR_DIALOG_MARKER)]
    assert "FirmDesk 遇到意外错误（RuntimeError" in shown and f"详细信息已写入日志文件： {log_file}" in shown
    logged = log_file.read_text(encoding="utf-8")
    raised = "数据库文件损坏（测试）" if where == "start" else "草稿页加载失败（测试）"
    assert "Traceback" in logged and raised in logged
