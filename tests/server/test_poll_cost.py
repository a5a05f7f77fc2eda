"""A change-feed poll that finds nothing new is cheap: the common request of every firm client every few
seconds (benchmarks/load.py) reads the change counter and answers, without the row queries."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from tests.helpers.server_world import World, submit_batch


@pytest.fixture
def statements() -> Iterator[list[str]]:
    """The SQL statements every engine of this process runs (the live server runs in a thread here)."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(Engine, "before_cursor_execute", record)
    yield seen
    event.remove(Engine, "before_cursor_execute", record)


def _selects(statements: list[str]) -> list[str]:
    return [s for s in statements if s.lstrip().upper().startswith("SELECT")]


def test_a_quiet_poll_runs_no_row_query(world: World, statements: list[str]) -> None:
    firm = world.firm_client()
    cursor = firm.get("/firm/changes", params={"year": 2025}).json()["cursor"]
    statements.clear()
    quiet = firm.get("/firm/changes", params={"year": 2025, "since": cursor}).json()
    assert quiet == {"cursor": cursor, "full": False, "cpas": [], "batches": []}
    # The token (with its account and firm) and the change counter: nothing of the CPA or batch rows.
    selects = _selects(statements)
    assert len(selects) == 2, selects
    assert not any("FROM cpas" in s or "FROM batches" in s for s in selects)


def test_a_poll_after_a_change_still_gets_it(world: World, statements: list[str]) -> None:
    application = world.builder.application(world.cpas[0])
    firm = world.firm_client()
    cursor = firm.get("/firm/changes", params={"year": 2025}).json()["cursor"]
    batch = submit_batch(firm, [application.id]).json()["batch"]
    delta = firm.get("/firm/changes", params={"year": 2025, "since": cursor}).json()
    assert delta["cursor"] > cursor
    assert [row["application_id"] for row in delta["cpas"]] == [application.id]
    assert [b["id"] for b in delta["batches"]] == [batch["id"]]
    # A client ahead of the server (its database was restored from an older backup) learns the older
    # cursor and resyncs in full: the answer's cursor is below what it sent.
    ahead = firm.get("/firm/changes", params={"year": 2025, "since": delta["cursor"] + 100}).json()
    assert ahead == {"cursor": delta["cursor"], "full": False, "cpas": [], "batches": []}
