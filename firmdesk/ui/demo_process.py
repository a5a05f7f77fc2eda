"""The demo's server in a process of its own: its imports and seeding run on the other core while Qt starts.

In a thread, the server's ~1 s of imports (FastAPI, SQLAlchemy, Alembic, the routes) had to finish before the
UI thread imported Qt (shiboken6 probes every module imported after PySide6 is loaded, and its probe of a
half-imported pydantic on another thread failed 3 start-ups in 25), and then shared the GIL with it. A "spawn"
process imports only what it needs (this module has no Qt and imports nothing of the server until it runs),
answers once on a pipe, and serves until the app says stop or the app's end of the pipe closes (the app
quit or died): a demo server is never left behind.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import multiprocessing
import shutil
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

STOP = "stop"


@dataclass
class DemoServer:
    base_url: str
    data_dir: Path
    thread: Any  # firmdesk.server.runner.ServerThread, or demo_process.DemoProcess: what `stop()` stops
    seeded_now: bool
    #: What `firmdesk demo` prints (`demo_note`), made where the server runs: the app imports nothing of it.
    note: str = ""

    def stop(self) -> None:
        self.thread.stop()

    def portal_note(self) -> str:
        return self.note


def demo_note(base_url: str) -> str:
    """Where the demo's CPAs and institute staff sign in with a browser and how, and where its mails are shown."""
    from firmdesk.domain.portal import cpa_portal_url, workbench_url
    from firmdesk.server.demo import (
        CPA_PASSWORD,
        DEMO_FIRM_NUMBER,
        DEMO_INSTITUTE_CODE,
        DEMO_INSTITUTE_STAFF,
        INSTITUTE_PASSWORD,
    )
    from firmdesk.server.web.demo_mail import DEMO_MAIL_PATH

    staff = "、".join(login for login, _person in DEMO_INSTITUTE_STAFF[DEMO_INSTITUTE_CODE])
    return (
        f"注册会计师网页端：{cpa_portal_url(base_url)}\n"
        f"  演示注师的证书编号为 {DEMO_FIRM_NUMBER} 加四位序号（如 {DEMO_FIRM_NUMBER}0001），密码 {CPA_PASSWORD}\n"
        f"地方注协年检工作台：{workbench_url(base_url)}\n"
        f"  登录账号 {DEMO_INSTITUTE_CODE}（主管理员）或 {staff}，密码 {INSTITUTE_PASSWORD}\n"
        f"演示邮箱（忘记密码的验证码、提醒邮件）：{base_url.rstrip('/')}{DEMO_MAIL_PATH}"
    )


def start_demo_server(data_dir: Path, *, reset: bool = False, fast_hashes: bool = False) -> DemoServer:
    """Server data in `data_dir` (created and seeded on first use, kept after; `reset` starts it over);
    the institute's auto-review is on so that submitted batches get decided while the demo runs."""
    from firmdesk.server.config import Settings, fast_test_settings
    from firmdesk.server.runner import ServerThread

    if reset and data_dir.exists():
        shutil.rmtree(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    if fast_hashes:
        settings = fast_test_settings(data_dir, auto_review=True, demo_mail_page=True)
    else:
        settings = Settings(data_dir=data_dir, auto_review=True, demo_mail_page=True)
    seeded_now = _seed_if_empty(settings)
    # The demo's QR codes point at its loopback address on purpose (CMIS_PUBLIC_BASE_URL = that address).
    thread = ServerThread(settings, host="127.0.0.1", port=0, public_at_bind_address=True)
    thread.start()  # blocks until the server answers /healthz
    log.info("demo server at %s (data in %s)", thread.base_url, data_dir)
    return DemoServer(thread.base_url, data_dir, thread, seeded_now, demo_note(thread.base_url))


def _seed_if_empty(settings: Any) -> bool:
    """Migrate and seed a new database; an existing demo database is kept as it is (False).

    The demo's accounts are hashed at argon2's lowest cost: their passwords are printed for everyone, so a
    costly hash protects nothing, and it was a third of a second of every fresh demo start (and of each demo
    login). Passwords set later (a reset, a new 审核员) get the server's full cost as everywhere."""
    from argon2 import PasswordHasher

    from firmdesk.server.demo import seed_demo

    try:
        seed_demo(settings, hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    except ValueError:  # the demo institute exists already: the data of earlier runs stays
        return False
    return True


def serve_demo(data_dir: str, reset: bool, fast_hashes: bool, answers: Connection) -> None:
    """The process's target: start the demo server, say ("ok", base_url, seeded_now, note) or ("error", text)."""
    gc.enable()  # a server runs for hours; the app's entry module may have turned the collector off
    try:
        server = start_demo_server(Path(data_dir), reset=reset, fast_hashes=fast_hashes)
    except BaseException as exc:
        with contextlib.suppress(OSError):  # the app is gone already: nobody to tell
            answers.send(("error", f"{type(exc).__name__}: {exc}"))
        return
    try:
        answers.send(("ok", server.base_url, server.seeded_now, server.note))
        answers.recv()  # STOP, or EOFError once the app's end is closed
    except (EOFError, OSError):  # also the app gone before the answer (e.g. Qt could not start): stop quietly
        pass
    finally:
        server.stop()


@dataclass
class DemoProcess:
    """The app's handle on the server process."""

    process: Any  # multiprocessing.Process (spawn context)
    pipe: Connection

    def stop(self, timeout: float = 10.0) -> None:
        with contextlib.suppress(OSError, ValueError):  # the process is gone already
            self.pipe.send(STOP)
        self.process.join(timeout)
        if self.process.is_alive():
            log.warning("the demo server did not stop within %.0f s: terminated", timeout)
            self.process.terminate()
            self.process.join(timeout)
        self.pipe.close()


class DemoServerFailed(RuntimeError):
    """The demo server process could not start the server (its message says why)."""


def start_demo_process(
    data_dir: Path, *, reset: bool, fast_hashes: bool, timeout: float = 120.0
) -> tuple[DemoProcess, str, bool, str]:
    """Start the process and wait for its answer: (handle, base_url, seeded_now, note)."""
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    process = context.Process(
        target=serve_demo, args=(str(data_dir), reset, fast_hashes, theirs), name="firmdesk-demo-server", daemon=True
    )
    process.start()
    theirs.close()  # the process holds the only other end: when we go, it reads EOF and stops
    handle = DemoProcess(process, ours)
    if not ours.poll(timeout):
        handle.stop(1)
        raise DemoServerFailed(f"演示服务器在 {timeout:.0f} 秒内未启动")
    try:
        answer = ours.recv()
    except EOFError:
        handle.stop(1)
        raise DemoServerFailed(f"演示服务器进程意外退出（退出码 {process.exitcode}）") from None
    if answer[0] != "ok":
        handle.stop(1)
        raise DemoServerFailed(f"演示服务器启动失败：{answer[1]}")
    return handle, answer[1], bool(answer[2]), answer[3]
