"""Fixtures for the offline tests: the seeded demo server that can be stopped and started again on the same
database and port, a firm client whose requests are counted, and the client's offline folder."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from firmdesk.server.config import Settings
from firmdesk.server.runner import ServerThread
from firmdesk.services.api_client import CmisClient

DEMO_FIRM = "50010028"
DEMO_PASSWORD = "demo1234"
YEAR = 2025


class CountingTransport(httpx.BaseTransport):
    """The real transport, counting each request by `METHOD path`."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.counts: Counter[str] = Counter()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.counts[f"{request.method} {request.url.path.removeprefix('/api/v1')}"] += 1
        return self.inner.handle_request(request)

    def total(self) -> int:
        return sum(self.counts.values())

    def reset(self) -> None:
        self.counts.clear()

    def close(self) -> None:
        self.inner.close()


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
def demo_server_settings(server_settings: Settings) -> Settings:
    from firmdesk.server.demo import seed_demo

    seed_demo(server_settings)
    return server_settings


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
