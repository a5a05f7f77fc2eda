"""Trusted inputs only (issue 10, item 7): QR and face URLs never come from a request header, and
`X-Forwarded-For` counts only when the direct peer is a configured trusted proxy."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from firmdesk.server.client_address import TrustedProxies, client_from
from firmdesk.server.config import Settings, fast_test_settings
from firmdesk.server.runner import ServerThread
from tests.helpers.server import CPA_PASSWORD, FIRM_PASSWORD, ServerBuilder, api_login
from tests.helpers.server_world import World


def from_address(source: str, **kwargs: object) -> httpx.Client:
    """A client whose connections leave from `source` (any 127.x.y.z works on Linux loopback)."""
    return httpx.Client(transport=httpx.HTTPTransport(local_address=source), timeout=30, **kwargs)  # type: ignore[arg-type]


def test_the_host_header_never_reaches_qr_urls(world: World) -> None:
    cpa = world.cpas[0]
    firm = world.firm_client()
    me = world.cpa_client(cpa)
    evil = {"Host": "evil.example"}
    rows = firm.get("/firm/cpas", params={"year": 2025}, headers=evil).json()["items"]
    qr = me.get("/cpa/qr", headers=evil).json()
    # Without CMIS_PUBLIC_BASE_URL: the address the server listens on, never what the request claims.
    assert {r["qr_url"].rsplit("/v/", 1)[0] for r in rows} == {world.server.base_url}
    assert qr["url"] == f"{world.server.base_url}/v/{qr['token']}"
    forwarded = {"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https", "Forwarded": "host=evil.example"}
    again = me.get("/cpa/qr", headers=forwarded).json()
    assert again == qr


def test_with_a_public_base_url_the_host_header_changes_nothing(tmp_path: Path) -> None:
    settings = fast_test_settings(tmp_path / "cmis", public_base_url="https://verify.example.cn")
    builder = ServerBuilder(settings)
    try:
        cpa = builder.cpa(builder.firm(builder.institute()))
        with (
            ServerThread(settings) as server,
            contextlib.closing(api_login(server.base_url, "cpa", cpa.cert_no, CPA_PASSWORD)) as me,
        ):
            url = me.get("/cpa/qr", headers={"Host": "evil.example"}).json()["url"]
    finally:
        builder.close()
    assert url == f"https://verify.example.cn/v/{cpa.qr_token}"


def test_forwarded_for_from_an_untrusted_peer_does_not_bypass_the_public_rate_limit(world: World) -> None:
    # Default: 30 requests a minute per address, no trusted proxy. A new X-Forwarded-For each time used to
    # make every request a new client (uvicorn trusted it from loopback).
    token = world.builder.cpa(world.firm).qr_token
    page = f"{world.server.base_url}/v/{token}.json"
    with httpx.Client() as client:
        statuses = [client.get(page, headers={"X-Forwarded-For": f"203.0.113.{i}"}).status_code for i in range(40)]
    assert statuses[:30] == [200] * 30
    # The bucket refills by one every 2 s, so a slow run may see a 200 among the rest; never mostly 200s.
    assert statuses[30:].count(429) >= 7


@pytest.fixture
def proxied(server_settings: Settings) -> Iterator[tuple[ServerThread, str]]:
    """A server behind a trusted proxy at 127.0.0.1 with a tiny public rate limit (3 a minute)."""
    settings = server_settings.model_copy(update={"trusted_proxies": "127.0.0.1", "public_requests_per_minute": 3})
    builder = ServerBuilder(settings)
    token = builder.cpa(builder.firm(builder.institute())).qr_token
    builder.close()
    with ServerThread(settings) as server:
        yield server, f"{server.base_url}/v/{token}.json"


def test_forwarded_for_counts_only_from_a_trusted_proxy(proxied: tuple[ServerThread, str]) -> None:
    _server, page = proxied

    def status(client: httpx.Client, forwarded_for: str) -> int:
        return client.get(page, headers={"X-Forwarded-For": forwarded_for}).status_code

    with from_address("127.0.0.1") as proxy, from_address("127.0.0.2") as direct:
        # Through the trusted proxy: each visitor has its own limit.
        assert [status(proxy, "203.0.113.5") for _ in range(4)] == [200, 200, 200, 429]
        assert status(proxy, "203.0.113.6") == 200
        # A forged entry left of the real one changes nothing: the proxy appended the real address.
        assert status(proxy, "198.51.100.1, 203.0.113.5") == 429
        # Straight from an untrusted peer, the header is ignored: all of these are 127.0.0.2.
        assert [status(direct, f"198.51.100.{i}") for i in range(4)] == [200, 200, 200, 429]


@pytest.mark.parametrize(
    ("peer", "header", "trusted", "expected"),
    [
        ("203.0.113.9", "1.2.3.4", "", "203.0.113.9"),  # nobody trusted: the peer
        ("127.0.0.1", "1.2.3.4", "", "127.0.0.1"),  # not even loopback
        ("10.0.0.2", "1.2.3.4", "10.0.0.0/8", "1.2.3.4"),
        ("10.0.0.2", "6.6.6.6, 1.2.3.4", "10.0.0.0/8", "1.2.3.4"),  # a forged left entry is ignored
        ("10.0.0.2", "1.2.3.4, 10.0.0.7", "10.0.0.0/8", "1.2.3.4"),  # two proxies of ours
        ("10.0.0.2", "10.0.0.9, 10.0.0.7", "10.0.0.0/8", "10.0.0.9"),  # all ours: the farthest
        ("10.0.0.2", "not-an-ip", "10.0.0.0/8", "10.0.0.2"),
        ("10.0.0.2", "", "10.0.0.0/8", "10.0.0.2"),
        ("10.0.0.2", None, "10.0.0.0/8", "10.0.0.2"),
        ("::1", "2001:db8::5", "::1", "2001:db8::5"),
        ("10.0.0.2", "[2001:db8::5]:443, 1.2.3.4:5678", "10.0.0.0/8", "1.2.3.4"),
        (None, "1.2.3.4", "10.0.0.0/8", "unknown"),
    ],
)
def test_client_address(peer: str | None, header: str | None, trusted: str, expected: str) -> None:
    assert client_from(peer, header, TrustedProxies.parse(trusted)) == expected


def test_trusted_proxies_setting_is_checked() -> None:
    assert TrustedProxies.parse(" 10.0.0.1, 192.168.0.0/16 ,, ::1 ").contains("192.168.4.4")
    with pytest.raises(ValueError, match="CMIS_TRUSTED_PROXIES"):
        Settings(trusted_proxies="10.0.0.1, proxy.local")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve_log(tmp_path: Path, **env: str) -> str:
    """What `firmdesk-server serve` writes on start-up, once it answers."""
    port = _free_port()
    inherited = {k: v for k, v in os.environ.items() if k != "CMIS_PUBLIC_BASE_URL"}
    environment = {**inherited, "CMIS_ARGON2_TIME_COST": "1", "CMIS_ARGON2_MEMORY_KIB": "1024", **env}
    command = [sys.executable, "-m", "firmdesk.server.cli", "serve", "--data-dir", str(tmp_path), "--port", str(port)]
    process = subprocess.Popen(command, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            time.sleep(0.1)
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=30)
    return output


def test_serve_warns_at_start_without_a_public_base_url(tmp_path: Path) -> None:
    output = _serve_log(tmp_path / "a")
    assert "CMIS_PUBLIC_BASE_URL" in output and "未设置" in output
    quiet = _serve_log(tmp_path / "b", CMIS_PUBLIC_BASE_URL="https://verify.example.cn")
    assert "CMIS_PUBLIC_BASE_URL" not in quiet


def test_firm_login_needs_no_public_base_url(world: World) -> None:
    # The default stays usable for a single machine: the rows still carry working URLs.
    client = api_login(world.server.base_url, "firm", world.firm.number, FIRM_PASSWORD)
    url = client.get("/firm/cpas").json()["items"][0]["qr_url"]
    client.close()
    assert httpx.get(f"{url}.json").status_code == 200
