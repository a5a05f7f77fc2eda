"""Run the server in a daemon thread on a free loopback port (tests and `firmdesk demo`)."""

from __future__ import annotations

import socket
import threading
import time

import httpx
import uvicorn
from fastapi import FastAPI

from firmdesk.server.config import Settings


class ServerThread:
    """`ServerThread(settings).start()` returns once `/healthz` answers; then use `.base_url`; `.stop()`."""

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
        deadline = time.monotonic() + timeout
        with httpx.Client(timeout=1, verify=False) as client:
            while time.monotonic() < deadline:
                if self._thread is not None and not self._thread.is_alive():
                    raise RuntimeError("CMIS server thread stopped during start-up")
                try:
                    if client.get(f"{self.base_url}/healthz").status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                time.sleep(0.01)
        self.stop()
        raise TimeoutError(f"CMIS server did not answer /healthz within {timeout} s")

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
