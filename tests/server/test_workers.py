"""`firmdesk-server serve --workers 2` as a real child process, on the run's database: what must hold across
workers holds, because it lives in the database. Each request goes over its own TCP connection, and the test
reads from /proc which worker process holds the server side of it, so it knows both workers answered."""

from __future__ import annotations

import functools
import http.client
import json
import os
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from firmdesk.server.config import fast_test_settings
from firmdesk.server.db.models import Application, Cpa
from firmdesk.server.runner import ServerProcess
from tests.helpers.races import race
from tests.helpers.server import CPA_PASSWORD, FIRM_PASSWORD, ServerBuilder, api_login
from tests.helpers.server_world import submit_batch

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not os.path.isdir("/proc/net"), reason="tells the workers apart through /proc (Linux)"),
]

REQUESTS_PER_MINUTE = 5


@dataclass
class Answer:
    status: int
    body: Any
    headers: dict[str, str]
    worker: int


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry))
    return found


def _socket_inode(server_port: int, client_port: int) -> str | None:
    """The inode of the server's end of the loopback connection from `client_port` (/proc/net/tcp)."""
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote, inode = fields[1], fields[2], fields[9]
        if int(local.split(":")[1], 16) == server_port and int(remote.split(":")[1], 16) == client_port:
            return inode
    return None


def _worker_pids(supervisor: int, count: int, timeout: float = 60) -> list[int]:
    """The supervisor's worker processes, once all `count` have started (not multiprocessing's resource tracker)."""
    deadline = time.monotonic() + timeout
    while True:
        pids = []
        for pid in _children(supervisor):
            try:
                command = Path(f"/proc/{pid}/cmdline").read_bytes()
            except OSError:
                continue
            if b"resource_tracker" not in command:
                pids.append(pid)
        if len(pids) >= count or time.monotonic() > deadline:
            return pids
        time.sleep(0.1)


class Workers:
    """Requests to a `ServerProcess`, one new connection each, answered by which worker (its pid)."""

    def __init__(self, server: ServerProcess) -> None:
        self.server = server
        assert server.process is not None
        self.pids = _worker_pids(server.process.pid, server.workers)

    def _worker_of(self, client_port: int) -> int:
        inode = _socket_inode(self.server.port, client_port)
        assert inode is not None
        for pid in self.pids:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                try:
                    if os.readlink(f"/proc/{pid}/fd/{fd}") == f"socket:[{inode}]":
                        return pid
                except OSError:
                    continue
        raise AssertionError(f"no worker of {self.pids} holds the connection from port {client_port}")

    def call(self, method: str, path: str, body: object = None, headers: dict[str, str] | None = None) -> Answer:
        connection = http.client.HTTPConnection(self.server.host, self.server.port, timeout=30)
        try:
            sent = {"Content-Type": "application/json", **(headers or {})}
            connection.request(method, path, body=None if body is None else json.dumps(body), headers=sent)
            response = connection.getresponse()
            data = response.read()
            assert connection.sock is not None
            worker = self._worker_of(connection.sock.getsockname()[1])  # the connection is still open here
            return Answer(response.status, json.loads(data), dict(response.getheaders()), worker)
        finally:
            connection.close()


@dataclass
class Setup:
    workers: Workers
    cpa: Cpa
    applications: list[Application]


@pytest.fixture
def two_workers(tmp_path: Path, new_database_url: Callable[[], str | None]) -> Iterator[Setup]:
    url = new_database_url()
    settings = fast_test_settings(tmp_path / "cmis", database_url=url)
    builder = ServerBuilder(settings)
    firm = builder.firm(builder.institute())
    cpas = builder.cpas(firm, 8)
    applications = [builder.application(c) for c in cpas]
    builder.close()
    env = {
        "CMIS_ARGON2_TIME_COST": "1",
        "CMIS_ARGON2_MEMORY_KIB": "1024",
        "CMIS_ARGON2_PARALLELISM": "1",
        "CMIS_PUBLIC_REQUESTS_PER_MINUTE": str(REQUESTS_PER_MINUTE),
        "CMIS_PUBLIC_MISSES_PER_MINUTE": "0",
        "CMIS_DATABASE_URL": url or "",
    }
    with ServerProcess(settings.data_dir, workers=2, env=env) as server:
        workers = Workers(server)
        assert len(workers.pids) == 2, (workers.pids, server.log())
        yield Setup(workers, cpas[0], applications)
    assert server.process is None


def _until_both_workers(call: Callable[[], Answer], at_least: int, *, total: int = 1, most: int = 300) -> list[Answer]:
    """Call until each of the two workers has answered `at_least` times (the kernel picks the worker), and
    `total` calls at least."""
    answers: list[Answer] = []
    while len(answers) < most:
        answers.append(call())
        served = Counter(a.worker for a in answers)
        if len(served) >= 2 and min(served.values()) >= at_least and len(answers) >= total:
            return answers
    raise AssertionError(f"one worker took every connection: {Counter(a.worker for a in answers)}")


def test_the_public_page_rate_limit_holds_across_workers(two_workers: Setup) -> None:
    """Per-process buckets would let each worker allow the limit: here the address gets it once in total."""
    path = f"/v/{two_workers.cpa.qr_token}.json"
    started = time.monotonic()
    call = functools.partial(two_workers.workers.call, "GET", path)
    answers = _until_both_workers(call, at_least=REQUESTS_PER_MINUTE, total=4 * REQUESTS_PER_MINUTE)
    elapsed = time.monotonic() - started
    allowed = [a for a in answers if a.status == 200]
    refused = [a for a in answers if a.status == 429]
    assert len(allowed) + len(refused) == len(answers), Counter(a.status for a in answers)
    refilled = int(elapsed * REQUESTS_PER_MINUTE / 60)  # one more token every 12 s
    assert REQUESTS_PER_MINUTE <= len(allowed) <= REQUESTS_PER_MINUTE + refilled, (len(allowed), elapsed)
    assert answers[:REQUESTS_PER_MINUTE] == allowed[:REQUESTS_PER_MINUTE]  # the first five, whichever worker
    assert all(a.body["code"] == "rate_limited" and int(a.headers["retry-after"]) >= 1 for a in refused)


def test_an_idempotent_retry_replays_on_the_other_worker(two_workers: Setup) -> None:
    workers = two_workers.workers
    login = workers.call(
        "POST", "/api/v1/auth/login", {"user_type": "firm", "member_no": "50010028", "password": FIRM_PASSWORD}
    )
    assert login.status == 200, login.body
    auth = {"Authorization": f"Bearer {login.body['token']}"}
    key = {"Idempotency-Key": str(uuid.uuid4()), **auth}
    first_app, second_app = two_workers.applications[:2]
    body = {"items": [{"application_id": first_app.id}], "reason": "请补充继续教育证明"}
    first = workers.call("POST", "/api/v1/firm/returns", body, key)
    assert first.status == 200, first.body

    retries = _until_both_workers(lambda: workers.call("POST", "/api/v1/firm/returns", body, key), at_least=1)
    assert {a.worker for a in retries} | {first.worker} == set(a.worker for a in retries)  # both, first's too
    for retry in retries:
        assert (retry.status, retry.body) == (200, first.body)
        assert retry.headers.get("idempotent-replayed") == "true"
    # The same key for another request is refused by either worker.
    other = {"items": [{"application_id": second_app.id}], "reason": "请补充继续教育证明"}
    reused = _until_both_workers(lambda: workers.call("POST", "/api/v1/firm/returns", other, key), at_least=1)
    assert {(a.status, a.body["code"]) for a in reused} == {(422, "idempotency_key_reused")}
    # One return, one message: the retries changed nothing.
    cpa_login = workers.call(
        "POST",
        "/api/v1/auth/login",
        {"user_type": "cpa", "member_no": two_workers.cpa.cert_no, "password": CPA_PASSWORD},
    )
    messages = workers.call(
        "GET", "/api/v1/cpa/messages", headers={"Authorization": f"Bearer {cpa_login.body['token']}"}
    )
    assert len(messages.body) == 1
    status = workers.call("GET", f"/api/v1/firm/applications/{second_app.id}", headers=auth).body["row"]["status"]
    assert status == "pending_firm"


def test_submits_racing_on_both_workers_number_batches_once_each(two_workers: Setup) -> None:
    """Batch numbers come from the database under the firm's lock, whichever process takes the request."""
    base_url = two_workers.workers.server.base_url
    firms = [api_login(base_url, "firm", "50010028", FIRM_PASSWORD) for _ in range(6)]
    try:
        first, *others = [a.id for a in two_workers.applications[2:]]
        same = race(*(functools.partial(submit_batch, f, [first]) for f in firms))
        assert sorted(a.status_code for a in same) == [201] + [409] * 5, [a.text[:200] for a in same]
        different = race(*(functools.partial(submit_batch, f, [i]) for f, i in zip(firms, others, strict=False)))
        assert [a.status_code for a in different] == [201] * len(others), [a.text[:200] for a in different]
        numbers = sorted(a.json()["batch"]["number"] for a in [*same, *different] if a.status_code == 201)
        assert numbers == sorted(f"50010028-2025-{n}" for n in range(1, len(others) + 2))
    finally:
        for firm in firms:
            firm.close()
