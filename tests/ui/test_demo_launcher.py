"""`firmdesk demo`'s server: seeded on first use, kept between runs, recreated by --reset."""

from __future__ import annotations

import gc
import multiprocessing
import os
import re
from pathlib import Path

import httpx
import pytest

from firmdesk.services.api_client import CmisClient
from firmdesk.ui.demo_launcher import DEMO_FIRM, DEMO_PASSWORD, DemoCredentials, DemoServerStarter, start_demo_server
from firmdesk.ui.demo_process import DemoServerFailed, serve_demo, start_demo_process
from tests.helpers.memory_keyring import MemoryKeyring


def firm_can_log_in(base_url: str) -> bool:
    answer = httpx.post(
        f"{base_url}/api/v1/auth/login",
        json={"user_type": "firm", "member_no": DEMO_FIRM, "password": DEMO_PASSWORD},
    )
    return answer.status_code == 200


def test_demo_data_is_seeded_once_kept_and_reset(tmp_path: Path) -> None:
    data_dir = tmp_path / "demo-server"
    first = start_demo_server(data_dir, fast_hashes=True)
    try:
        assert first.seeded_now
        assert firm_can_log_in(first.base_url)
    finally:
        first.stop()

    again = start_demo_server(data_dir, fast_hashes=True)
    try:
        assert not again.seeded_now  # the data of the earlier run stays
        assert firm_can_log_in(again.base_url)
    finally:
        again.stop()

    reset = start_demo_server(data_dir, reset=True, fast_hashes=True)
    try:
        assert reset.seeded_now
    finally:
        reset.stop()


def test_the_demo_says_where_its_cpas_sign_in_with_a_browser(tmp_path: Path) -> None:
    server = start_demo_server(tmp_path / "demo-server", fast_hashes=True)
    try:
        note = server.portal_note()
        url = re.search(r"http://\S+/cpa/", note)
        assert url is not None and url.group(0) == f"{server.base_url}/cpa/"
        assert "证书编号" in httpx.get(url.group(0)).text
        cert_no, password = re.search(r"如 (\d{12})）.*密码 (\S+)", note).groups()  # type: ignore[union-attr]
        login = {"user_type": "cpa", "member_no": cert_no, "password": password}
        assert httpx.post(f"{server.base_url}/api/v1/auth/login", json=login).status_code == 200
        workbench = re.search(r"http://\S+/institute/", note)
        assert workbench is not None and workbench.group(0) == f"{server.base_url}/institute/"
        assert "地方注协" in httpx.get(workbench.group(0)).text
        staff, password = re.search(r"或 (\d\d-\d\d)、.*密码 (\S+)$", note, re.MULTILINE).groups()  # type: ignore[union-attr]
        login = {"user_type": "institute", "member_no": staff, "password": password}
        assert httpx.post(f"{server.base_url}/api/v1/auth/login", json=login).status_code == 200
    finally:
        server.stop()


def test_starter_runs_the_server_in_its_own_process_and_stops_it(tmp_path: Path) -> None:
    starter = DemoServerStarter(tmp_path / "demo-server", fast_hashes=True)
    starter.start()
    server = starter.wait()
    process = server.thread.process
    try:
        assert server.base_url.startswith("http://127.0.0.1:") and server.seeded_now
        assert process.is_alive() and process.pid != os.getpid()
        assert f"{server.base_url}/cpa/" in server.portal_note()  # made in the server's process
        client = CmisClient(server.base_url)
        client.login("firm", DEMO_FIRM, DEMO_PASSWORD)
        # The demo sets the public base URL to its own loopback address (issue 10: no Host header involved).
        urls = [row.qr_url for row in client.cpas(client.firm().current_year).items]
        assert urls and all(url and url.startswith(f"{server.base_url}/v/") for url in urls)
        client.close()
    finally:
        server.stop()
    assert not process.is_alive() and process.exitcode == 0


def test_the_server_process_stops_when_the_app_end_of_its_pipe_closes(tmp_path: Path) -> None:
    """An app that dies without saying stop closes its end of the pipe: the server process stops by itself."""
    handle, base_url, _seeded, _note = start_demo_process(tmp_path / "demo-server", reset=False, fast_hashes=True)
    handle.pipe.close()
    handle.process.join(30)
    assert not handle.process.is_alive()
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{base_url}/healthz", timeout=2)


def test_the_server_stops_quietly_when_the_app_died_before_its_answer(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """Qt could not start (no xcb plugin): the app is gone before the server says it is ready. The server
    stops without a traceback (before: BrokenPipeError printed under the app's own message)."""
    ours, theirs = multiprocessing.Pipe()
    ours.close()
    collecting = gc.isenabled()
    try:
        serve_demo(str(tmp_path / "demo-server"), False, True, theirs)  # (it turns the collector on, as a server)
    finally:
        if not collecting:
            gc.disable()  # as this test process had it (tests/ui/test_gc_guard.py checks)
    assert "Traceback" not in capfd.readouterr().err


def test_a_server_that_cannot_start_is_reported(tmp_path: Path) -> None:
    blocker = tmp_path / "demo-server"
    blocker.write_text("a file where the data folder should be")
    starter = DemoServerStarter(blocker, fast_hashes=True)
    starter.start()
    with pytest.raises(DemoServerFailed, match="演示服务器启动失败"):
        starter.wait()


def test_the_demo_never_touches_the_keyring(memory_keyring: MemoryKeyring) -> None:
    credentials = DemoCredentials()
    credentials.forget("http://127.0.0.1:1", DEMO_FIRM)
    assert not credentials.available()
    assert credentials.load("http://127.0.0.1:1", DEMO_FIRM) is None
    assert memory_keyring.items == {}
