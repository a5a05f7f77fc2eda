"""`firmdesk demo`: the bundled reference server, started on a free loopback port with demo data.

This is the only client module that touches the server package, and only lazily: `DemoServerStarter` runs it
in a process of its own (`demo_process`), so that the server's imports and seeding run beside Qt's start-up
instead of before it; `start_demo_server` is the same server in this process (tests, and that process).
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from firmdesk.services.credentials import CredentialStore, StoredCredentials
from firmdesk.services.errors import KeyringUnavailable
from firmdesk.ui.demo_process import DemoServer, start_demo_server

__all__ = ["DEMO_FIRM", "DEMO_PASSWORD", "DemoCredentials", "DemoServer", "DemoServerStarter", "start_demo_server"]

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


class DemoServerStarter(threading.Thread):
    """Starts the server process from a background thread; `wait()` blocks (on a worker) until it answers or
    failed. This process imports nothing of the server."""

    def __init__(self, data_dir: Path, *, reset: bool = False, fast_hashes: bool = False) -> None:
        super().__init__(name="demo-server-starter", daemon=True)
        self.data_dir = data_dir
        self.reset = reset
        self.fast_hashes = fast_hashes
        self.server: DemoServer | None = None
        self.error: BaseException | None = None
        self.took_s = 0.0
        self.cpu_s = 0.0  # CPU time of the starter thread (starting the process, waiting for its answer)

    def run(self) -> None:
        import time

        from firmdesk.ui.demo_process import start_demo_process

        began = time.perf_counter()
        try:
            process, base_url, seeded_now, note = start_demo_process(
                self.data_dir, reset=self.reset, fast_hashes=self.fast_hashes
            )
            self.server = DemoServer(base_url, self.data_dir, process, seeded_now, note)
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
