"""`firmdesk demo --smoke DIR`: the real app, offscreen, against a fresh demo server; one PNG per tab, one JSON line.

`firmdesk --smoke DIR --server URL --member-no N` (password in `$FIRMDESK_SMOKE_PASSWORD`) does the same against a
running server, with the user's local store (`$FIRMDESK_DATA_DIR`): a second run shows the cached rows first,
which is what `cached_first_paint_s` of benchmarks/startup_bench.py measures.
"""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QObject, QTimer
from PySide6.QtGui import QPixmap

from firmdesk.ui.demo_launcher import DEMO_FIRM, DEMO_PASSWORD, DemoServer, DemoServerStarter
from firmdesk.ui.error_text import error_text
from firmdesk.ui.login_dialog import LoginDialog
from firmdesk.ui.shell import Shell
from firmdesk.ui.tasks import TaskRunner

if TYPE_CHECKING:
    from firmdesk.ui.main_window import MainWindow


def window_size() -> tuple[int, int]:
    """A 1366×768 screen less the taskbar; at 150 % scaling, a 1920×1080 screen's 1280×720 logical pixels."""
    try:
        scale = float(os.environ.get("QT_SCALE_FACTOR") or 1)
    except ValueError:
        scale = 1.0
    return (1366, 740) if scale < 1.25 else (1280, 690)


#: Loaded modules that a client start-up must not import (only `firmdesk demo` starts the bundled server).
SERVER_MODULES = ("firmdesk.server", "fastapi", "sqlalchemy", "uvicorn", "alembic")


def server_modules_loaded() -> list[str]:
    return sorted(m for m in sys.modules if m.split(".")[0] in SERVER_MODULES or m.startswith(SERVER_MODULES[0]))


@dataclass(frozen=True)
class SmokeLogin:
    """A running server to log in to, instead of starting the demo's."""

    server: str
    member_no: str
    password: str


class SmokeRun(QObject):
    """Logs in through the dialog (fields filled, button clicked), waits for the data, grabs each tab."""

    def __init__(
        self,
        shell: Shell,
        starter: DemoServerStarter | None,
        runner: TaskRunner,
        out_dir: Path,
        *,
        started_at: float,
        timeout_s: float = 60.0,
        login: SmokeLogin | None = None,
    ) -> None:
        super().__init__(shell)
        self._shell = shell
        self._starter = starter
        self._runner = runner
        self._out_dir = out_dir
        self._started_at = started_at
        self._timeout_s = timeout_s
        self._login = login
        self._server_modules: list[str] = []
        self._dialog: LoginDialog | None = None
        self._window: MainWindow | None = None
        self._first_paint_s: float | None = None
        self._first_paint_at: float | None = None  # epoch seconds: a launcher counts from the process's start
        self._finished = False
        self.exit_code = 1
        self.counts: dict[str, int] = {}
        self.milestones: dict[str, float] = {}
        self._shots: list[tuple[str, QPixmap]] = []

    def _mark(self, name: str) -> None:
        """Seconds since process start at each step; printed to stderr with FIRMDESK_SMOKE_TRACE=1."""
        self.milestones[name] = round(time.perf_counter() - self._started_at, 3)
        self.milestones[f"{name}_cpu"] = round(time.process_time(), 3)
        self.milestones[f"{name}_ui_cpu"] = round(time.thread_time(), 3)

    def start(self) -> None:
        self._mark("ui_built")
        self._out_dir.mkdir(parents=True, exist_ok=True)
        QTimer.singleShot(int(self._timeout_s * 1000), self._timed_out)
        self._shell.window_opened.connect(self._window_opened)
        dialog = self._shell.show_login()
        dialog.login_failed.connect(lambda message: self._fail(f"login failed: {message}"))
        self._dialog = dialog
        if self._starter is None:
            assert self._login is not None
            self._log_in(self._login)
            return
        dialog.show_progress("正在启动演示服务器…")
        self._runner.run(self._starter.wait, self._server_ready, lambda exc: self._fail(error_text(exc)))

    def _server_ready(self, server: DemoServer) -> None:
        self._mark("server_ready")
        assert self._dialog is not None
        self._dialog.end_progress()
        self._log_in(SmokeLogin(server.base_url, DEMO_FIRM, DEMO_PASSWORD))

    def _log_in(self, login: SmokeLogin) -> None:
        dialog = self._dialog
        assert dialog is not None
        dialog.fill(login.member_no, login.password, login.server, remember=False)
        # Grabbed now, written at the end: PNG encoding stays off the way to the first paint.
        self._shots.append(("0-login.png", dialog.grab()))
        dialog.login_button.click()

    def _window_opened(self, window: MainWindow) -> None:
        self._mark("logged_in")
        self._window = window
        window.resize(*window_size())
        window.first_data_painted.connect(self._first_painted)
        window.sync.part_failed.connect(lambda exc: self._fail(f"loading failed: {error_text(exc)}"))
        window.data_shown.connect(self._data_shown)

    def _first_painted(self) -> None:
        if self._first_paint_s is None:
            self._first_paint_s = time.perf_counter() - self._started_at
            self._first_paint_at = time.time()
            self._mark("first_paint")
            self._server_modules = server_modules_loaded()

    def _data_shown(self, year: int) -> None:
        if self._window is None or self._finished:
            return
        if not all(tab.loaded for tab in self._window.tabs.values()):
            # A sync that found nothing new can end before the local store's rows are read: wait for them.
            QTimer.singleShot(20, lambda: self._data_shown(year))
            return
        self._shoot(0)

    def _shoot(self, index: int) -> None:
        window = self._window
        assert window is not None
        tabs = list(window.tabs.values())
        if index >= len(tabs):
            self._done()
            return
        tab = tabs[index]
        window.tab_widget.setCurrentWidget(tab)
        if not tab.loaded:
            self._fail(f"tab {tab.tab.label} has no data")
            return
        self.counts[tab.tab.label] = tab.total_count()
        # Let the tab switch lay out before grabbing it.
        QTimer.singleShot(0, lambda: self._grab_and_next(index))

    def _grab_and_next(self, index: int) -> None:
        window = self._window
        assert window is not None
        tab = list(window.tabs.values())[index]
        window.grab().save(str(self._out_dir / f"{index + 1}-{tab.tab.value}.png"))
        QTimer.singleShot(0, lambda: self._shoot(index + 1))

    def _done(self) -> None:
        if self._finished:
            return
        self._finished = True
        for name, pixmap in self._shots:
            pixmap.save(str(self._out_dir / name))
        result: dict[str, object] = dict(self.counts)
        result["first_paint_s"] = round(self._first_paint_s or -1.0, 3)
        result["first_paint_at"] = round(self._first_paint_at or -1.0, 3)
        result["first_paint_cpu_s"] = self.milestones.get("first_paint_cpu", -1.0)  # this process, all threads
        result["server_modules_at_first_paint"] = len(self._server_modules)
        if self._starter is None and self._server_modules:
            print(f"smoke: server modules loaded: {self._server_modules[:10]}", file=sys.stderr, flush=True)
        self._mark("done")
        if self._starter is not None:
            self.milestones["server_thread_s"] = round(self._starter.took_s, 3)
            self.milestones["server_thread_cpu"] = round(self._starter.cpu_s, 3)
        if os.environ.get("FIRMDESK_SMOKE_TRACE"):
            print(f"smoke milestones (s): {self.milestones}", file=sys.stderr, flush=True)
        print(json.dumps(result, ensure_ascii=False), flush=True)
        self.exit_code = 0
        self._close_and_quit()

    def _fail(self, message: str) -> None:
        if self._finished:
            return
        self._finished = True
        print(f"smoke: {message}", file=sys.stderr, flush=True)
        self.exit_code = 1
        self._close_and_quit()

    def _timed_out(self) -> None:
        self._fail(f"timed out after {self._timeout_s:g} s")

    def _close_and_quit(self) -> None:
        if self._window is not None:
            self._window.close()
        QCoreApplication.exit(self.exit_code)
