"""`firmdesk demo`: the bundled reference server, started in-process on a free loopback port with demo data.

This is the only client module that touches the server package, and it imports it lazily inside the
starter thread, so that importing the server overlaps with importing Qt and building the windows.
"""

from __future__ import annotations

import logging
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from firmdesk.services.credentials import CredentialStore, StoredCredentials
from firmdesk.services.errors import KeyringUnavailable

log = logging.getLogger(__name__)

DEMO_FIRM = "50010028"
DEMO_PASSWORD = "demo1234"


class DemoCredentials(CredentialStore):
    """The demo never remembers a password (its account is public and its server temporary), so it
    leaves the user's keyring alone; that also spares the keyring's start-up at every demo launch."""

    def available(self) -> bool:
        return False

    def load(self, server: str, member_no: str) -> StoredCredentials | None:
        return None

    def save(self, server: str, member_no: str, password: str, token: str | None = None) -> None:
        raise KeyringUnavailable("演示模式不保存密码")

    def save_token(self, server: str, member_no: str, token: str) -> None:
        raise KeyringUnavailable("演示模式不保存密码")

    def forget(self, server: str, member_no: str) -> None:
        pass

    def forget_token(self, server: str, member_no: str) -> None:
        pass


@dataclass
class DemoServer:
    base_url: str
    data_dir: Path
    thread: Any  # firmdesk.server.runner.ServerThread
    seeded_now: bool

    def stop(self) -> None:
        self.thread.stop()

    def portal_note(self) -> str:
        """What `firmdesk demo` prints: where the demo's CPAs sign in with a browser, and how."""
        from firmdesk.domain.portal import cpa_portal_url, workbench_url
        from firmdesk.server.demo import (
            CPA_PASSWORD,
            DEMO_FIRM_NUMBER,
            DEMO_INSTITUTE_CODE,
            DEMO_INSTITUTE_STAFF,
            INSTITUTE_PASSWORD,
        )

        staff = "、".join(login for login, _person in DEMO_INSTITUTE_STAFF[DEMO_INSTITUTE_CODE])
        return (
            f"注册会计师网页端：{cpa_portal_url(self.base_url)}\n"
            f"  演示注师的证书编号为 {DEMO_FIRM_NUMBER} 加四位序号（如 {DEMO_FIRM_NUMBER}0001），密码 {CPA_PASSWORD}\n"
            f"地方注协年检工作台：{workbench_url(self.base_url)}\n"
            f"  登录账号 {DEMO_INSTITUTE_CODE}（主管理员）或 {staff}，密码 {INSTITUTE_PASSWORD}"
        )


class DemoServerStarter(threading.Thread):
    """Starts the server on a background thread; `wait()` blocks (on a worker) until it answers or failed."""

    def __init__(self, data_dir: Path, *, reset: bool = False, fast_hashes: bool = False) -> None:
        super().__init__(name="demo-server-starter", daemon=True)
        self.data_dir = data_dir
        self.reset = reset
        self.fast_hashes = fast_hashes
        self.server: DemoServer | None = None
        self.error: BaseException | None = None
        #: Set once the server's modules are imported (or their import failed): see `import_server`.
        self.imports_done = threading.Event()
        self.took_s = 0.0
        self.cpu_s = 0.0  # CPU time of the starter thread (imports, seeding, start-up)

    def run(self) -> None:
        import time

        began = time.perf_counter()
        try:
            try:
                import_server()
            finally:
                self.imports_done.set()
            self.server = start_demo_server(self.data_dir, reset=self.reset, fast_hashes=self.fast_hashes)
        except BaseException as exc:
            log.exception("the demo server did not start")
            self.error = exc
        self.took_s = time.perf_counter() - began
        self.cpu_s = time.thread_time()

    def wait(self) -> DemoServer:
        self.join()
        if self.error is not None:
            raise self.error
        assert self.server is not None
        return self.server


def import_server() -> None:
    """Import the server's modules, before Qt is imported.

    shiboken6 hooks every import made after PySide6 is loaded and probes each new module with
    `hasattr(module, "__wrapped__")`; on a package with a lazy module `__getattr__` (pydantic) that probe,
    made while the package is half imported on another thread, ends in "ImportError: cannot import name
    'import_string' from partially initialized module" (seen in 3 of 25 demo start-ups). So the server
    imports first, and only then does the UI thread import Qt; seeding and starting still overlap with it.
    """
    import firmdesk.server.app
    import firmdesk.server.config
    import firmdesk.server.demo
    import firmdesk.server.runner  # noqa: F401


def start_demo_server(data_dir: Path, *, reset: bool = False, fast_hashes: bool = False) -> DemoServer:
    """Server data in `data_dir` (created and seeded on first use, kept after; `reset` starts it over);
    the institute's auto-review is on so that submitted batches get decided while the demo runs."""
    from firmdesk.server.config import Settings, fast_test_settings
    from firmdesk.server.runner import ServerThread

    if reset and data_dir.exists():
        shutil.rmtree(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    if fast_hashes:
        settings = fast_test_settings(data_dir, auto_review=True)
    else:
        settings = Settings(data_dir=data_dir, auto_review=True)
    seeded_now = _seed_if_empty(settings)
    # The demo's QR codes point at its loopback address on purpose (CMIS_PUBLIC_BASE_URL = that address).
    thread = ServerThread(settings, host="127.0.0.1", port=0, public_at_bind_address=True)
    thread.start()  # blocks until the server answers /healthz
    log.info("demo server at %s (data in %s)", thread.base_url, data_dir)
    return DemoServer(thread.base_url, data_dir, thread, seeded_now)


def _seed_if_empty(settings: Any) -> bool:
    """Migrate and seed a new database; an existing demo database is kept as it is (False)."""
    from firmdesk.server.demo import seed_demo

    try:
        seed_demo(settings)
    except ValueError:  # the demo institute exists already: the data of earlier runs stays
        return False
    return True
