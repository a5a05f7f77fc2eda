"""Fixtures for the offline tests: the seeded demo server that can be stopped and started again on the same
database and port, a firm client whose requests are counted, and the client's offline folder."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from firmdesk.server.config import Settings
from firmdesk.server.runner import ServerThread
from firmdesk.services.api_client import CmisClient
from tests.helpers.demo import DEMO_FIRM, DEMO_PASSWORD, YEAR, demo_server_settings
from tests.helpers.loopback import CountingTransport

# The demo account and the seeded settings come along: `restartable_server` needs `demo_server_settings` in the
# test module too, and the offline tests sign in as the demo firm.
__all__ = [
    "DEMO_FIRM",
    "DEMO_PASSWORD",
    "YEAR",
    "CountingTransport",
    "RestartableServer",
    "counting",
    "demo_server_settings",
    "firm_client",
    "offline_folder",
    "restartable_server",
]


@dataclass
class RestartableServer:
    """The demo server; `stop()` and `start()` again keep its database and its port."""

    settings: Settings
    port: int = 0
    thread: ServerThread | None = field(default=None, repr=False)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> RestartableServer:
        self.thread = ServerThread(self.settings, port=self.port).start()
        self.port = self.thread.port
        return self

    def stop(self) -> None:
        if self.thread is not None:
            self.thread.stop()
            self.thread = None


@pytest.fixture
def restartable_server(demo_server_settings: Settings) -> Iterator[RestartableServer]:
    server = RestartableServer(demo_server_settings).start()
    yield server
    server.stop()


@pytest.fixture
def counting() -> Iterator[CountingTransport]:
    transport = CountingTransport()
    yield transport
    transport.close()


@pytest.fixture
def firm_client(restartable_server: RestartableServer, counting: CountingTransport) -> Iterator[CmisClient]:
    # Short waits: a stopped server is noticed in a fraction of a second.
    client = CmisClient(restartable_server.base_url, transport=counting, retries=1, backoff=0.05, timeout=10)
    client.login("firm", DEMO_FIRM, DEMO_PASSWORD)
    counting.reset()
    yield client
    client.close()


@pytest.fixture
def offline_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "client" / "offline" / DEMO_FIRM
    folder.mkdir(parents=True)
    return folder
