"""Run the server on a free loopback port: in a daemon thread (tests and `firmdesk demo`), or as
`firmdesk-server serve --workers N` in a child process (tests and benchmarks of several workers)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from pathlib import Path

import uvicorn
from fastapi import FastAPI

from firmdesk.server.config import Settings


class ServerThread:
    """`ServerThread(settings).start()` returns once the server serves; then use `.base_url`; `.stop()`."""

    def __init__(
        self, settings: Settings, host: str = "127.0.0.1", port: int = 0, *, public_at_bind_address: bool = False
    ) -> None:
        """`public_at_bind_address`: QR codes point at this loopback server (`public_base_url` = `base_url`)."""
        self.settings = settings
        self.public_at_bind_address = public_at_bind_address
        self.host = host
        self.port = port
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None
        self._app: FastAPI | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 30) -> ServerThread:
        from firmdesk.server.app import create_app

        # Bind first, so the port is known (port 0: any free one) and nobody can take it meanwhile.
        # proto=IPPROTO_TCP matters: asyncio sets TCP_NODELAY only on sockets that say so; without it
        # every answer waits ~40 ms for a delayed ACK (Nagle).
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        self.port = sock.getsockname()[1]
        self._socket = sock
        if self.public_at_bind_address:
            self.settings = self.settings.model_copy(update={"public_base_url": self.base_url})
        app = create_app(self.settings)
        self._app = app
        # proxy_headers=False: firmdesk.server.client_address judges X-Forwarded-For (CMIS_TRUSTED_PROXIES).
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on", proxy_headers=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, name=f"cmis-server-{self.port}", daemon=True
        )
        self._thread.start()
        self._wait_healthy(timeout)
        return self

    def _wait_healthy(self, timeout: float) -> None:
        """Until uvicorn has run the app's start-up and listens (`Server.started`): the socket was bound before,
        so a request sent from then on is answered. (No HTTP client here: httpx's import was 0.07 s of the
        demo's start.)"""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._thread is not None and not self._thread.is_alive():
                raise RuntimeError("CMIS server thread stopped during start-up")
            if self._server is not None and self._server.started:
                return
            time.sleep(0.005)
        self.stop()
        raise TimeoutError(f"CMIS server did not start within {timeout} s")

    def switch_settings(self, settings: Settings) -> None:
        """Serve other settings (a fresh data folder) without restarting: for test fixtures."""
        from firmdesk.server.app import switch_settings

        if self._app is None:
            raise RuntimeError("the server is not running")
        switch_settings(self._app, settings)
        self.settings = settings

    def stop(self, timeout: float = 10) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
        if self._socket is not None:
            self._socket.close()
        self._server = self._thread = self._socket = None
        self._app = None

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def free_port(host: str = "127.0.0.1") -> int:
    """A port nobody listens on right now (another process could still take it before it is used)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


class ServerProcess:
    """`firmdesk-server serve --workers N` in a child process on a free loopback port; settings through
    `CMIS_*` variables in `env` (the data folder by `data_dir`). `.start()` returns once `/healthz` answers."""

    def __init__(
        self, data_dir: Path, *, workers: int = 2, env: Mapping[str, str] | None = None, host: str = "127.0.0.1"
    ) -> None:
        self.data_dir = data_dir
        self.workers = workers
        self.env = dict(env or {})
        self.host = host
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = data_dir.parent / f"{data_dir.name}-serve.log"

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 90) -> ServerProcess:
        self.port = free_port(self.host)
        argv = [sys.executable, "-m", "firmdesk.server.cli", "serve", "--workers", str(self.workers)]
        argv += ["--host", self.host, "--port", str(self.port), "--data-dir", str(self.data_dir)]
        env = {**os.environ, **self.env}
        env["PYTHONPATH"] = os.pathsep.join(
            filter(None, [str(Path(__file__).resolve().parents[2]), env.get("PYTHONPATH")])
        )
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        import httpx

        deadline = time.monotonic() + timeout
        with httpx.Client(timeout=2) as client:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(f"serve --workers exited with {self.process.returncode}: {self.log()}")
                try:
                    if client.get(f"{self.base_url}/healthz").status_code == 200:
                        return self
                except httpx.HTTPError:
                    pass
                time.sleep(0.1)
        self.stop()
        raise TimeoutError(f"serve --workers did not answer /healthz within {timeout} s: {self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""

    def stop(self, timeout: float = 20) -> None:
        """SIGTERM to the supervisor (it stops its workers); SIGKILL to the whole group if it does not end."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout)
        if hasattr(os, "killpg"):  # a worker the supervisor left behind (its own session: nothing else)
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()
