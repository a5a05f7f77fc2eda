"""The last word on an unexpected error: a Chinese dialog naming the log file, never a silent exit.

`start_logging()` sends warnings and errors to `<data dir>/logs/firmdesk.log` (rotated at 2 MB, 3 kept) as
well as stderr. `CrashReporter.install()` makes it `sys.excepthook`, which PySide calls for an exception
that escapes a slot: the error and its traceback go to the log, the dialog says what happened and where the
log is; when no window is left open afterwards the program ends with status 1. Each dialog's text is also
printed to stderr after `ERROR_DIALOG_MARKER` (tests and support scripts read it); on the offscreen
platform, where nobody can press OK, the dialog closes itself.
"""

from __future__ import annotations

import logging
import sys
from logging.handlers import RotatingFileHandler
from pathlib import Path
from types import TracebackType

log = logging.getLogger(__name__)

ERROR_DIALOG_MARKER = "FIRMDESK_ERROR_DIALOG:"
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_OFFSCREEN_CLOSE_MS = 300


def start_logging(folder: Path | None = None) -> Path | None:
    """Log to stderr and to `<folder or data dir>/logs/firmdesk.log`; returns the file (None: it cannot be
    written, then stderr only)."""
    logging.basicConfig(level=logging.WARNING, format=LOG_FORMAT)
    try:
        if folder is None:
            from firmdesk.services.settings import data_dir

            folder = data_dir()
        path = folder / "logs" / "firmdesk.log"
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = RotatingFileHandler(path, maxBytes=2_000_000, backupCount=3, encoding="utf-8")
    except OSError as e:
        log.warning("cannot write the log file: %s", e)
        return None
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    handler.setLevel(logging.WARNING)
    logging.getLogger().addHandler(handler)
    return path


def error_message(exc: BaseException, log_path: Path | None) -> str:
    if log_path is not None:
        where = f"详细信息已写入日志文件：\n{log_path}"
    else:
        where = "日志文件无法写入，详细信息见控制台输出。"
    return (
        f"FirmDesk 遇到意外错误（{type(exc).__name__}：{exc}）。\n\n"
        f"{where}\n\n如问题反复出现，请把该日志文件发给技术支持。草稿保存在本机，不会因此丢失。"
    )


def show_error_dialog(exc: BaseException, log_path: Path | None) -> None:
    """Log `exc` and show the dialog (a QApplication is made if there is none yet)."""
    from PySide6.QtCore import QTimer
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication, QMessageBox

    log.critical("unexpected error", exc_info=exc)
    text = error_message(exc, log_path)
    print(ERROR_DIALOG_MARKER, text.replace("\n", " "), file=sys.stderr, flush=True)
    if QApplication.instance() is None:
        QApplication(sys.argv[:1])
    box = QMessageBox(QMessageBox.Icon.Critical, "FirmDesk 出错", text)
    box.setObjectName("error_dialog")
    if QGuiApplication.platformName() == "offscreen":
        QTimer.singleShot(_OFFSCREEN_CLOSE_MS, box.accept)
    box.exec()


class CrashReporter:
    """`sys.excepthook` while the UI runs; `failed` tells `app.py` to end with status 1."""

    def __init__(self, log_path: Path | None) -> None:
        self.log_path = log_path
        self.failed = False
        self._showing = False

    def install(self) -> None:
        sys.excepthook = self.report

    def report(self, kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        self.failed = True
        if self._showing:  # an error while the dialog is up: logged only
            log.critical("unexpected error", exc_info=(kind, exc, tb))
            return
        self._showing = True
        try:
            show_error_dialog(exc.with_traceback(tb), self.log_path)
        finally:
            self._showing = False
        from PySide6.QtCore import QTimer

        QTimer.singleShot(0, self._quit_if_no_window)  # after the slot that failed has returned

    @staticmethod
    def _quit_if_no_window() -> None:
        from PySide6.QtWidgets import QApplication

        app = QApplication.instance()
        if isinstance(app, QApplication) and not any(w.isVisible() for w in app.topLevelWidgets()):
            app.exit(1)
