"""A request that reached the server is never repeated: a slow answer is a timeout, reported once."""

from __future__ import annotations

from pathlib import Path

import pytest

from firmdesk.server.config import fast_test_settings
from firmdesk.server.demo import seed_demo
from firmdesk.server.runner import ServerThread
from firmdesk.services.api_client import CmisClient
from firmdesk.services.errors import ServerUnreachable
from tests.helpers.loopback import CountingTransport


def test_a_slow_server_times_out_without_a_retry(tmp_path: Path) -> None:
    settings = fast_test_settings(tmp_path / "cmis", debug_delay_s=1.0)
    with ServerThread(settings) as server:
        seed_demo(settings)
        transport = CountingTransport()
        with CmisClient(server.base_url, timeout=0.3, transport=transport, retries=3, backoff=0) as client:
            client.login("firm", "50010028", "demo1234")  # /auth is not delayed
            with pytest.raises(ServerUnreachable) as e:
                client.firm()
    assert transport.calls == 2  # the login and one /firm request
    assert e.value.message == f"服务器 {server.base_url} 响应超时，请稍后再试"
