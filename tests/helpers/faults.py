"""Network faults between the client and the real server: a small threaded TCP proxy that speaks just enough HTTP.

`FaultyProxy(upstream_port)` listens on 127.0.0.1; point a `CmisClient` at `proxy.base_url`. Each HTTP request
the client sends is read whole (head + `Content-Length` body), then, by the first matching `FaultRule`:

- `Fault.PASS`: forwarded on a fresh upstream connection (`Connection: close`), the answer relayed back;
- `Fault.DROP_AFTER_FORWARD`: forwarded, the server's answer read and thrown away, the client's
  connection reset: the server acted, the client never hears it (the case an Idempotency-Key exists for);
- `Fault.RESET`: the client's connection is reset before anything is forwarded (the server sees nothing);
- `Fault.STALL`: nothing is forwarded and nothing answered until the proxy closes (the client times out);
- `Fault.STALL_AFTER_FORWARD`: forwarded, the answer held back until the proxy closes (the server acted;
  the client waits: the moment to kill it).

Every request is recorded in `proxy.log` as `(method, path, fault)`; `proxy.answered` lists the requests
whose answer came back from the server (relayed or not). A proxy with no rule passes everything;
`proxy.fail_all(fault)` is a rule for every request (the office network gone flaky).
"""

from __future__ import annotations

import contextlib
import enum
import socket
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


class Fault(enum.Enum):
    PASS = "pass"
    DROP_AFTER_FORWARD = "drop_after_forward"
    RESET = "reset"
    STALL = "stall"
    STALL_AFTER_FORWARD = "stall_after_forward"


@dataclass
class FaultRule:
    """`fault` for requests whose method is `method` (None: any) and whose path contains `path` (None: any),
    `times` times (None: for ever)."""

    fault: Fault
    method: str | None = None
    path: str | None = None
    times: int | None = None

    def matches(self, method: str, path: str) -> bool:
        if self.times is not None and self.times <= 0:
            return False
        return (self.method is None or self.method == method) and (self.path is None or self.path in path)


@dataclass
class FaultyProxy:
    upstream_port: int
    rules: list[FaultRule] = field(default_factory=list)
    log: list[tuple[str, str, Fault]] = field(default_factory=list)
    answered: list[tuple[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)  # `close()` is noticed within this
        self.port: int = self._listener.getsockname()[1]
        self._clients: set[socket.socket] = set()
        self._thread = threading.Thread(target=self._accept, name="faulty-proxy", daemon=True)
        self._thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def add(self, fault: Fault, method: str | None = None, path: str | None = None, times: int | None = 1) -> None:
        with self._lock:
            self.rules.append(FaultRule(fault, method, path, times))

    def fail_all(self, fault: Fault) -> None:
        with self._lock:
            self.rules = [FaultRule(fault)]

    def heal(self) -> None:
        """No more faults (requests stalled so far stay stalled)."""
        with self._lock:
            self.rules = []

    def requests(self, method: str, path: str) -> list[Fault]:
        """What happened to each request of `method` whose path contains `path`, in order."""
        with self._lock:
            return [f for m, p, f in self.log if m == method and path in p]

    def close(self) -> None:
        self._closing.set()
        self._thread.join(5)
        self._listener.close()
        with self._lock:
            clients = list(self._clients)
        for conn in clients:
            _close(conn)

    # -- the proxy --

    def _decide(self, method: str, path: str) -> Fault:
        with self._lock:
            fault = Fault.PASS
            for rule in self.rules:
                if rule.matches(method, path):
                    if rule.times is not None:
                        rule.times -= 1
                    fault = rule.fault
                    break
            self.log.append((method, path, fault))
            return fault

    def _accept(self) -> None:
        while not self._closing.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.settimeout(None)
            with self._lock:
                self._clients.add(conn)
            threading.Thread(target=self._serve, args=(conn,), name="faulty-proxy-conn", daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            reader = conn.makefile("rb")
            while not self._closing.is_set():
                request = _read_request(reader)
                if request is None:
                    return
                method, path, raw = request
                fault = self._decide(method, path)
                if fault is Fault.RESET:
                    _reset(conn)
                    return
                if fault is Fault.STALL:
                    self._closing.wait()
                    return
                answer = self._forward(raw)
                if answer is not None:
                    with self._lock:
                        self.answered.append((method, path))
                if fault is Fault.STALL_AFTER_FORWARD:
                    self._closing.wait()
                    return
                if fault is Fault.DROP_AFTER_FORWARD or answer is None:
                    _reset(conn)
                    return
                conn.sendall(answer)
                return  # the answer says `Connection: close`: the client opens a new connection
        except OSError:
            return
        finally:
            with self._lock:
                self._clients.discard(conn)
            _close(conn)

    def _forward(self, raw: bytes) -> bytes | None:
        """The server's whole answer to `raw` (read until the server closes), or None if it could not be had."""
        try:
            with socket.create_connection(("127.0.0.1", self.upstream_port), timeout=60) as upstream:
                upstream.sendall(raw)
                chunks = []
                while chunk := upstream.recv(65536):
                    chunks.append(chunk)
            return b"".join(chunks)
        except OSError:
            return None


def _read_request(reader: object) -> tuple[str, str, bytes] | None:
    """One request from the client, rewritten to `Connection: close`; None once the client closed."""
    head_lines: list[bytes] = []
    while True:
        line = reader.readline(65536)  # type: ignore[attr-defined]
        if not line:
            return None
        if line in (b"\r\n", b"\n"):
            break
        head_lines.append(line)
    if not head_lines:
        return None
    method, path = head_lines[0].decode("latin-1").split(" ")[:2]
    length = 0
    kept = [head_lines[0]]
    for line in head_lines[1:]:
        name, _, value = line.decode("latin-1").partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
        if name.strip().lower() in ("connection", "keep-alive"):
            continue
        kept.append(line)
    kept.append(b"Connection: close\r\n\r\n")
    body = reader.read(length) if length else b""  # type: ignore[attr-defined]
    return method, path, b"".join(kept) + body


def _reset(conn: socket.socket) -> None:
    """Close with a TCP reset (SO_LINGER 0), as a dropped line or a crashed middlebox does."""
    with contextlib.suppress(OSError):
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    _close(conn)


def _close(conn: socket.socket) -> None:
    with contextlib.suppress(OSError):
        conn.close()


@contextmanager
def faulty_proxy(upstream_port: int) -> Iterator[FaultyProxy]:
    """A proxy in front of the server on `upstream_port`, closed afterwards (stalled requests released)."""
    proxy = FaultyProxy(upstream_port)
    try:
        yield proxy
    finally:
        proxy.close()
