"""Loopback HTTP for the client tests: a transport that counts requests, and small plain HTTP servers that
are not CMIS (a web page, another JSON service, a sink for uploads)."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx


class CountingTransport(httpx.HTTPTransport):
    """The real transport, counting each request by `METHOD path` (the path without `/api/v1`)."""

    def __init__(self) -> None:
        super().__init__()
        self.counts: Counter[str] = Counter()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.counts[f"{request.method} {request.url.path.removeprefix('/api/v1')}"] += 1
        return super().handle_request(request)

    @property
    def calls(self) -> int:
        """How many requests were sent."""
        return self.total()

    def total(self) -> int:
        return sum(self.counts.values())

    def reset(self) -> None:
        self.counts.clear()


class PlainSite(BaseHTTPRequestHandler):
    """Answers every GET like an ordinary web site would: an HTML page."""

    def do_GET(self) -> None:
        body = "<html><body>路由器管理页面</body></html>".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


class OtherJsonService(PlainSite):
    """A JSON service with a /healthz of its own, but not CMIS."""

    def do_GET(self) -> None:
        body = b'{"status": "ok", "service": "grafana"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class UploadSink(PlainSite):
    """Reads a POST body in chunks, records how much arrived, then answers 201 with a minimal batch."""

    received: list[int]

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        got = 0
        try:
            while got < length:
                chunk = self.rfile.read(min(65536, length - got))
                if not chunk:
                    break
                got += len(chunk)
        finally:
            self.server.received.append(got)  # type: ignore[attr-defined]
        if got == length:
            body = json.dumps(
                {
                    "batch": {"id": 1, "number": "50010028-2025-1", "year": 2025, "state": "submitted"},
                    "applications": [],
                }
            ).encode()
            self.send_response(201)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)


def serve(handler: type[BaseHTTPRequestHandler]) -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.received = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def url_of(server: ThreadingHTTPServer) -> str:
    host, port = server.server_address[:2]
    return f"http://{host}:{port}"


def received(server: ThreadingHTTPServer, count: int = 1, timeout: float = 5) -> list[int]:
    """The body sizes the sink saw, once `count` requests have ended (its handlers run in threads)."""
    deadline = time.monotonic() + timeout
    while len(server.received) < count and time.monotonic() < deadline:  # type: ignore[attr-defined]
        time.sleep(0.01)
    return list(server.received)  # type: ignore[attr-defined]
