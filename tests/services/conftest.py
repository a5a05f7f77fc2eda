"""Loopback fixtures for the services tests: a closed port, and small plain HTTP servers that are not CMIS
(tests/helpers/loopback.py holds the servers)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from http.server import ThreadingHTTPServer

import pytest

from tests.helpers.loopback import OtherJsonService, PlainSite, UploadSink, serve, url_of


@pytest.fixture
def closed_port_url() -> str:
    """A loopback URL where nothing listens: connecting is refused at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def plain_site_url() -> Iterator[str]:
    for server in serve(PlainSite):
        yield url_of(server)


@pytest.fixture
def other_json_service_url() -> Iterator[str]:
    for server in serve(OtherJsonService):
        yield url_of(server)


@pytest.fixture
def sink() -> Iterator[ThreadingHTTPServer]:
    yield from serve(UploadSink)
