"""The server tests' world: one institute, two firms with CPAs, signed-in API clients; and a batch submitted
over HTTP (multipart, as the client sends it)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

import httpx

from firmdesk.domain.limits import SOCIAL_SECURITY_MATERIAL
from firmdesk.domain.states import BatchState
from firmdesk.server.db.models import Cpa, Firm, Institute
from firmdesk.server.runner import ServerThread
from tests.helpers.server import (
    CPA_PASSWORD,
    FIRM_PASSWORD,
    INSTITUTE_PASSWORD,
    ServerBuilder,
    api_login,
    tiny_pdf,
)


@dataclass
class World:
    server: ServerThread
    builder: ServerBuilder
    institute: Institute
    firm: Firm
    other_firm: Firm
    cpas: list[Cpa]
    other_cpa: Cpa
    _clients: dict[tuple[str, str], httpx.Client] = field(default_factory=dict)

    def _signed_in(self, user_type: str, member_no: str, password: str) -> httpx.Client:
        """One signed-in client per account (cached: a login per test and account is enough)."""
        key = (user_type, member_no)
        if key not in self._clients:
            self._clients[key] = api_login(self.server.base_url, user_type, member_no, password)
        return self._clients[key]

    def firm_client(self, firm: Firm | None = None) -> httpx.Client:
        return self._signed_in("firm", (firm or self.firm).number, FIRM_PASSWORD)

    def institute_client(self, code: str = "50") -> httpx.Client:
        return self._signed_in("institute", code, INSTITUTE_PASSWORD)

    def cpa_client(self, cpa: Cpa) -> httpx.Client:
        return self._signed_in("cpa", cpa.cert_no, CPA_PASSWORD)

    def anonymous(self) -> httpx.Client:
        if ("", "") not in self._clients:
            self._clients[("", "")] = httpx.Client(base_url=f"{self.server.base_url}/api/v1", timeout=30)
        return self._clients[("", "")]

    def close(self) -> None:
        for client in self._clients.values():
            client.close()


def batch_files(count: int = 1, first: str = SOCIAL_SECURITY_MATERIAL) -> dict[str, object]:
    """Multipart parts for `count` small PDFs, the first one the social-security proof."""
    files = [("files", (f"材料{i}.pdf", tiny_pdf(f"batch file {i}"), "application/pdf")) for i in range(count)]
    materials = [first] + ["其他材料"] * (count - 1)
    return {"files": files, "materials": materials}


def submit_batch(
    client: httpx.Client,
    application_ids: Sequence[int],
    *,
    year: int = 2025,
    key: str | None = None,
    files: int = 1,
) -> httpx.Response:
    parts = batch_files(files)
    return client.post(
        "/firm/batches",
        headers={"Idempotency-Key": key or str(uuid.uuid4())},
        data={"year": str(year), "application_ids": [str(i) for i in application_ids], "materials": parts["materials"]},
        files=parts["files"],  # type: ignore[arg-type]
    )


def batch_in(world: World, state: BatchState) -> tuple[int, list[int]]:
    """A batch of two applications brought into `state` through the API."""
    firm, institute = world.firm_client(), world.institute_client()
    apps = [world.builder.application(c) for c in world.builder.cpas(world.firm, 2)]
    ids = [a.id for a in apps]
    batch_id = submit_batch(firm, ids).json()["batch"]["id"]
    if state is BatchState.REVIEWING:
        institute.post(f"/institute/applications/{ids[0]}/decision", json={"decision": "approve"}).raise_for_status()
    elif state is BatchState.REVIEWED:
        institute.post(f"/institute/batches/{batch_id}/approve-all").raise_for_status()
    elif state is BatchState.RETURNED:
        institute.post(f"/institute/batches/{batch_id}/return", json={"reason": "社保证明不清晰"}).raise_for_status()
    elif state is BatchState.WITHDRAWN:
        firm.post(f"/firm/batches/{batch_id}/withdraw").raise_for_status()
    assert firm.get(f"/firm/batches/{batch_id}").json()["batch"]["state"] == state.value
    return batch_id, ids
