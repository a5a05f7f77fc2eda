"""SQLite under write load: 50 clients at once over real HTTP, about one request in ten a write (sign-ins,
CPA edits, firm returns, submits with a 1 MB file), get no 5xx and no dropped connection: writers wait their
turn (busy timeout, short transactions) instead of failing with "database is locked"."""

from __future__ import annotations

import random
import threading
import uuid
from collections import Counter

import httpx

from firmdesk.domain.limits import SOCIAL_SECURITY_MATERIAL
from firmdesk.domain.states import ApplicationState
from tests.helpers.server import CPA_PASSWORD, FIRM_PASSWORD, api_login, tiny_pdf
from tests.helpers.server_world import World

CLIENTS = 50
REQUESTS_EACH = 20
WRITE_SHARE = 0.1


def test_fifty_clients_with_a_tenth_writes_get_no_5xx(world: World) -> None:
    cpas = world.builder.cpas(world.firm, CLIENTS)
    drafts = [world.builder.application(c, ApplicationState.DRAFT) for c in cpas]
    pending = [world.builder.application(c) for c in world.builder.cpas(world.firm, CLIENTS)]
    submitted = [world.builder.application(c) for c in world.builder.cpas(world.firm, CLIENTS)]
    base = world.server.base_url
    firm_number = world.firm.number
    statuses: Counter[int] = Counter()
    failures: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(CLIENTS)

    def client_run(index: int) -> None:
        rng = random.Random(index)
        cpa_client = api_login(base, "cpa", cpas[index].cert_no, CPA_PASSWORD)
        firm_client = api_login(base, "firm", firm_number, FIRM_PASSWORD)
        start.wait()
        try:
            for step in range(REQUESTS_EACH):
                try:
                    if rng.random() < WRITE_SHARE:
                        kind = step % 4
                        if kind == 0:
                            answer = httpx.post(
                                f"{base}/api/v1/auth/login",
                                json={"user_type": "cpa", "member_no": cpas[index].cert_no, "password": CPA_PASSWORD},
                                timeout=60,
                            )
                        elif kind == 1:
                            answer = cpa_client.put(
                                f"/cpa/applications/{drafts[index].id}", json={"retired": bool(step % 2)}
                            )
                        elif kind == 2:
                            big = tiny_pdf(str(index)) + b"0" * 1_000_000  # file I/O that must not hold the lock
                            answer = firm_client.post(
                                "/firm/batches",
                                headers={"Idempotency-Key": str(uuid.uuid4())},
                                data={
                                    "year": "2025",
                                    "application_ids": str(submitted[index].id),
                                    "materials": SOCIAL_SECURITY_MATERIAL,
                                },
                                files={"files": ("社保.pdf", big, "application/pdf")},
                            )
                        else:
                            answer = firm_client.post(
                                "/firm/returns",
                                json={"items": [{"application_id": pending[index].id}], "reason": "材料不全"},
                            )
                    else:
                        path = rng.choice(["/firm/changes", "/firm/cpas", "/firm/summary", "/firm/batches"])
                        answer = firm_client.get(path)
                except httpx.TransportError as error:
                    with lock:
                        failures.append(f"{type(error).__name__}: {error}")
                    continue
                with lock:
                    statuses[answer.status_code] += 1
                    if answer.status_code >= 500 or "json" not in answer.headers.get("content-type", ""):
                        failures.append(f"{answer.status_code} {answer.text[:200]}")
        finally:
            cpa_client.close()
            firm_client.close()

    threads = [threading.Thread(target=client_run, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not failures, (failures[:5], statuses)
    assert sum(statuses.values()) == CLIENTS * REQUESTS_EACH
    assert set(statuses) <= {200, 201, 409}, statuses  # a second return or submit of an application is refused
