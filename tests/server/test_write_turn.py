"""A write request takes SQLite's one write lock in its use case (`take_write_turn`), not at its first query.

FastAPI runs a request's sync dependencies (the token lookup, record loading) and its endpoint on separate
threadpool threads. When a write session began with `BEGIN IMMEDIATE`, the token lookup took the lock and the
request held it across those hops; under a crowd the holder waited for a thread while every other writer
waited for the lock, and a third of the writes answered 503 `busy` (docs/benchmarks.md, run J). Here a
request is held in its dependency (as a busy threadpool would) and the other writers still go through."""

from __future__ import annotations

import sqlite3
import threading
import time

import httpx
import pytest
from sqlalchemy.orm import Session

from firmdesk.server.api import deps
from firmdesk.server.services.auth import Principal, resolve_token
from tests.helpers.databases import selected_backend
from tests.helpers.server_world import World

sqlite_only = pytest.mark.skipif(selected_backend() == "postgresql", reason="SQLite's one write lock")


@pytest.fixture
def short_busy_timeout(world: World) -> None:
    """Waiting 200 ms for the lock is enough when nobody holds it across a thread hop."""
    world.server.switch_settings(world.server.settings.model_copy(update={"sqlite_busy_timeout_ms": 200}))


@pytest.fixture
def three_writes_in_flight(world: World, short_busy_timeout: None) -> None:
    """A worker lets one write in at a time by default (`in_flight.py`); here three, so that the held one and
    the next two are inside together, as they were before that limit."""
    world.server.switch_settings(world.server.settings.model_copy(update={"writes_in_flight": 3}))


@sqlite_only
def test_a_write_request_held_in_its_dependency_does_not_block_other_writers(
    world: World, three_writes_in_flight: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second, third = (world.builder.application(cpa) for cpa in world.cpas[:3])
    held = threading.Event()
    release = threading.Event()
    calls = [0]

    def slow_resolve_token(session: Session, token: str | None) -> Principal:
        principal = resolve_token(session, token)
        calls[0] += 1
        if calls[0] == 1:  # the first request waits here, after its token lookup, for a thread to go on
            held.set()
            release.wait(10)
        return principal

    monkeypatch.setattr(deps, "resolve_token", slow_resolve_token)
    firm = world.firm_client()
    headers = {"Authorization": firm.headers["Authorization"]}
    answers: dict[str, httpx.Response] = {}

    def held_request() -> None:
        with httpx.Client(base_url=str(firm.base_url), headers=headers, timeout=30) as client:
            answers["held"] = client.post(
                "/firm/returns", json={"items": [{"application_id": first.id}], "reason": "材料不全"}
            )

    thread = threading.Thread(target=held_request, daemon=True)
    thread.start()
    assert held.wait(10)
    try:
        started = time.monotonic()
        others = [
            firm.post("/firm/returns", json={"items": [{"application_id": a.id}], "reason": "材料不全"})
            for a in (second, third)
        ]
        elapsed = time.monotonic() - started
    finally:
        release.set()
        thread.join(15)
    assert [a.status_code for a in others] == [200, 200], [a.text for a in others]
    assert elapsed < 5
    assert answers["held"].status_code == 200, answers["held"].text
    rows = [firm.get(f"/firm/applications/{a.id}").json()["row"] for a in (first, second, third)]
    assert {row["status"] for row in rows} == {"firm_returned"}


@sqlite_only
def test_requests_refused_or_only_reading_answer_while_another_writer_holds_the_lock(
    world: World, short_busy_timeout: None
) -> None:
    firm = world.firm_client()
    application = world.builder.application(world.cpas[0])
    holder = sqlite3.connect(world.server.settings.data_dir / "cmis.sqlite3", timeout=5, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        readiness = firm.post("/firm/readiness", json={"application_ids": [application.id]})  # a POST that reads
        unknown_batch = firm.post("/firm/batches/999999/withdraw", json={})
        signed_out = world.anonymous().post("/firm/returns", json={"items": [{"application_id": 1}], "reason": "x"})
        writer = firm.post("/firm/returns", json={"items": [{"application_id": application.id}], "reason": "退回"})
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert readiness.status_code == 200, readiness.text
    assert readiness.json()["results"][0]["application_id"] == application.id
    assert unknown_batch.status_code == 404, unknown_batch.text
    assert signed_out.status_code == 401, signed_out.text
    assert writer.status_code == 503 and writer.json()["code"] == "busy"  # a writer still waits its turn
