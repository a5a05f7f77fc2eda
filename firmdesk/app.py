"""FirmDesk's entry point: builds the services and hands them to the UI (`firmdesk`, `firmdesk demo`)."""

from __future__ import annotations

import time

#: Taken before any heavy import: `first_paint_s` of the smoke mode counts from here.
STARTED_AT = time.perf_counter()

import gc  # noqa: E402

# Off from the start: start-up allocates a great many objects that all live on, and once Qt runs, the
# collector must run on the UI thread only (ui/gc_guard.py takes over when the application exists).
gc.disable()

import argparse  # noqa: E402
import logging  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import TYPE_CHECKING  # noqa: E402

if TYPE_CHECKING:
    from firmdesk.ui.demo_launcher import DemoServerStarter

log = logging.getLogger("firmdesk")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="firmdesk", description="FirmDesk：会计师事务所注册会计师年检客户端")
    sub = parser.add_subparsers(dest="command")
    demo = sub.add_parser("demo", help="启动内置的演示服务器，并以演示事务所 50010028 登录")
    demo.add_argument("--reset", action="store_true", help="删除并重建演示数据")
    demo.add_argument(
        "--smoke", metavar="DIR", type=Path, help="无界面自检：用全新的演示数据登录、加载各页并截图到 DIR，输出 JSON"
    )
    demo.add_argument("--timeout", type=float, default=60.0, help="自检的最长秒数（默认 60）")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    from firmdesk.ui.crash_dialog import show_error_dialog, start_logging

    log_path = start_logging()
    try:
        return _start(args, log_path)
    except Exception as e:  # never a silent exit: the dialog names the log file
        show_error_dialog(e, log_path)
        return 1


def _start(args: argparse.Namespace, log_path: Path | None) -> int:
    smoke_dir: Path | None = getattr(args, "smoke", None)
    starter: DemoServerStarter | None = None
    if args.command == "demo":
        # The server starts (imports, migrations, seeding) on its own thread while Qt loads below.
        from firmdesk.services.settings import demo_server_dir
        from firmdesk.ui.demo_launcher import DemoServerStarter

        if smoke_dir is not None:
            data_dir = Path(tempfile.mkdtemp(prefix="firmdesk-smoke-")) / "demo-server"
        else:
            data_dir = demo_server_dir()
        starter = DemoServerStarter(data_dir, reset=bool(args.reset), fast_hashes=smoke_dir is not None)
        starter.start()
        # Qt must not be imported while the server's modules are being imported (see import_server).
        starter.imports_done.wait(120)
    if smoke_dir is not None:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    return _run_ui(starter, smoke_dir, args, log_path)


def _run_ui(
    starter: DemoServerStarter | None, smoke_dir: Path | None, args: argparse.Namespace, log_path: Path | None
) -> int:
    from PySide6.QtCore import QCoreApplication, QSettings, Qt
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication

    from firmdesk.services.attachment_cache import AttachmentCache
    from firmdesk.services.common_reasons import CommonReasons
    from firmdesk.services.credentials import CredentialStore
    from firmdesk.services.session import FirmSession
    from firmdesk.ui.crash_dialog import CrashReporter
    from firmdesk.ui.desk_services import DeskServices
    from firmdesk.ui.gc_guard import MainThreadGarbageCollector
    from firmdesk.ui.resources import apply_look
    from firmdesk.ui.shell import Shell
    from firmdesk.ui.tasks import TaskRunner
    from firmdesk.ui.ui_settings import UiSettings

    _quiet_offscreen_warning()
    QCoreApplication.setOrganizationName("FirmDesk")
    QCoreApplication.setApplicationName("FirmDesk")
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
    app = QApplication(sys.argv[:1])
    app.setApplicationDisplayName("FirmDesk")
    reporter = CrashReporter(log_path)
    reporter.install()  # an exception escaping a slot shows the error dialog instead of vanishing
    apply_look(app)
    collector = MainThreadGarbageCollector(app, freeze_start_up=True)

    if starter is not None:
        from firmdesk.ui.demo_launcher import DemoCredentials

        credentials: CredentialStore = DemoCredentials()
    else:
        credentials = CredentialStore()
    runner = TaskRunner(app)
    if smoke_dir is not None:
        ini = Path(tempfile.mkdtemp(prefix="firmdesk-smoke-settings-")) / "firmdesk.ini"
        settings = UiSettings(QSettings(str(ini), QSettings.Format.IniFormat))
    else:
        settings = UiSettings.for_user()

    def login(server: str, member_no: str, password: str, remember: bool) -> FirmSession:
        return FirmSession.login(server, member_no, password, remember, credentials=credentials)

    # Built once, shared by every window of the session: the attachment cache and the common return reasons.
    services = DeskServices(AttachmentCache.for_user(), CommonReasons.for_user())
    demo = starter is not None
    # The smoke run's fresh demo server gets a fresh offline store too (nothing of the user's is touched).
    offline_root = Path(tempfile.mkdtemp(prefix="firmdesk-smoke-data-")) if smoke_dir is not None else None
    shell = Shell(
        login,
        credentials,
        runner,
        settings,
        remember_server=not demo,
        offer_remember=not demo,
        services=services,
        offline_root=offline_root,
        offline_server="demo" if demo else None,  # one cache and drafts folder for the demo, whatever its port
        offer_offline=not demo,  # the demo's server runs in the process: never unreachable at login
    )
    shell.quit_requested.connect(app.quit)

    exit_code = 0
    if smoke_dir is not None:
        from firmdesk.ui.smoke import SmokeRun

        assert starter is not None
        smoke = SmokeRun(shell, starter, runner, smoke_dir, started_at=STARTED_AT, timeout_s=args.timeout)
        smoke.start()
        exit_code = app.exec()
        exit_code = smoke.exit_code if exit_code == 0 else exit_code
    else:
        dialog = shell.show_login()
        if starter is not None:
            _log_in_to_demo(dialog, starter, runner)
        exit_code = app.exec()
    shell.shutdown()
    if starter is not None and starter.server is not None:
        starter.server.stop()
    collector.stop()
    return 1 if reporter.failed and exit_code == 0 else exit_code


def _quiet_offscreen_warning() -> None:
    """The offscreen platform (smoke mode, CI) warns "This plugin does not support propagateSizeHints()"
    at every window: harmless there, and it would bury real messages. Everything else passes through."""
    from PySide6.QtCore import QtMsgType, qInstallMessageHandler

    previous = None

    def handler(kind: QtMsgType, context: object, message: str) -> None:
        if "propagateSizeHints" in message:
            return
        if previous is not None:
            previous(kind, context, message)
        else:
            print(message, file=sys.stderr)

    previous = qInstallMessageHandler(handler)


def _log_in_to_demo(dialog: object, starter: DemoServerStarter, runner: object) -> None:
    """Fill the login dialog with the demo firm once the server answers, and press 登录."""
    from firmdesk.ui.demo_launcher import DEMO_FIRM, DEMO_PASSWORD, DemoServer
    from firmdesk.ui.error_text import error_text
    from firmdesk.ui.login_dialog import LoginDialog
    from firmdesk.ui.tasks import TaskRunner

    assert isinstance(dialog, LoginDialog) and isinstance(runner, TaskRunner)
    dialog.show_progress("正在启动演示服务器…")

    def ready(server: DemoServer) -> None:
        print(server.portal_note(), flush=True)  # the CPAs' side of the demo, in a browser
        dialog.end_progress()
        dialog.fill(DEMO_FIRM, DEMO_PASSWORD, server.base_url, remember=False)
        dialog.submit()

    def failed(exc: BaseException) -> None:
        dialog.show_failure(f"演示服务器启动失败：{error_text(exc)}")

    runner.run(starter.wait, ready, failed)


if __name__ == "__main__":
    sys.exit(main())
