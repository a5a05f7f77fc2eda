"""The dialog tests' world: a real server with one firm and its CPAs, the real client logged in.

Plain functions (not fixtures), imported explicitly by the dialog test modules.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import httpx

from firmdesk.domain.limits import SOCIAL_SECURITY_MATERIAL
from firmdesk.domain.states import ApplicationState
from firmdesk.server.db.models import Application, Cpa, Firm, Institute
from firmdesk.services.api_client import CmisClient
from firmdesk.services.models import BatchDetail, CpaRow
from firmdesk.services.progress import ProgressState
from tests.helpers.files import write_pdf
from tests.helpers.server import FIRM_PASSWORD, INSTITUTE_PASSWORD, ServerBuilder, api_login

FIRM_NUMBER = "50010028"
YEAR = 2025


@dataclass
class World:
    """One institute, the firm 50010028 and its CPAs with applications, on a live server."""

    base_url: str
    builder: ServerBuilder
    institute: Institute
    firm: Firm
    client: CmisClient  # the firm, logged in through the real client
    cpas: list[Cpa] = field(default_factory=list)
    applications: list[Application] = field(default_factory=list)

    def institute_post(self, path: str, body: dict[str, Any]) -> httpx.Response:
        """The institute acts (through the server's API, as its own client would)."""
        institute = api_login(self.base_url, "institute", self.institute.code, INSTITUTE_PASSWORD)
        try:
            return institute.post(path, json=body)
        finally:
            institute.close()

    def pending_rows(self) -> list[CpaRow]:
        return list(self.client.cpas(YEAR, tab="pending_review").items)

    def row_of(self, application: Application) -> CpaRow:
        return self.client.application(application.id).row

    def submit(self, applications: list[Application], folder: Path) -> BatchDetail:
        """A batch made through the API (the set-up of the batch tests, not what they test)."""
        proof = write_pdf(folder / "社保证明.pdf")
        return self.client.submit_batch(
            YEAR, [a.id for a in applications], [(SOCIAL_SECURITY_MATERIAL, proof)], idempotency_key=None
        )

    def close(self) -> None:
        self.client.close()


def make_world(
    builder: ServerBuilder,
    live_server: Any,
    *,
    pending: int = 3,
    materials: list[str] | None = None,
    **cpa_kwargs: Any,
) -> World:
    """`materials`: the applications' files (a tiny PDF each); default the institute's working materials."""
    institute = builder.institute()
    firm = builder.firm(institute, FIRM_NUMBER, "重庆山城会计师事务所")
    client = CmisClient(live_server.base_url)
    client.login("firm", FIRM_NUMBER, FIRM_PASSWORD)
    world = World(live_server.base_url, builder, institute, firm, client)
    names = ["张三", "李四", "王五", "赵六", "孙七", "周八"]
    for i in range(pending):
        cpa = builder.cpa(firm, names[i % len(names)] + ("" if i < len(names) else str(i)), **cpa_kwargs)
        world.cpas.append(cpa)
        world.applications.append(builder.application(cpa, ApplicationState.PENDING_FIRM, materials=materials))
    return world


def add_cpa(world: World, name: str, **kwargs: Any) -> tuple[Cpa, Application]:
    cpa = world.builder.cpa(world.firm, name, **kwargs)
    application = world.builder.application(cpa, ApplicationState.PENDING_FIRM)
    world.cpas.append(cpa)
    world.applications.append(application)
    return cpa, application


def add_attachment(world: World, application: Application, material: str, name: str, data: bytes) -> None:
    """A real file (a PDF that renders, a PNG, an xlsx) on an application, straight into the server's store."""
    world.builder.attach(application, material, name, data)


def old_birth_date(age: int) -> date:
    return date(YEAR - age, 1, 1)


def slowed_submit(client: CmisClient, delay_s: float = 0.01) -> Callable[..., Any]:
    """`client.submit_batch`, waiting `delay_s` at each progress report: loopback is too fast to act mid-upload."""
    real_submit = client.submit_batch

    class SlowState:
        def __init__(self, state: ProgressState) -> None:
            self._state = state

        def set_progress(self, done: int, total: int) -> None:
            time.sleep(delay_s)
            self._state.set_progress(done, total)

        def is_cancelled(self) -> bool:
            return self._state.is_cancelled()

    def slow_submit(year: int, ids: Any, files: Any, key: Any, state: ProgressState) -> Any:
        return real_submit(year, ids, files, key, SlowState(state))

    return slow_submit
