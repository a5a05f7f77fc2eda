"""The CPA portal tests' data and HTTP helpers (tests/server/web): CPAs with histories, a browser-like httpx client.

- `portal_cpa` – a CPA (李明) of a fresh institute and firm, with nothing applied yet.
- `returned_cpa` – `ReturnedCpa`: 2023 and 2024 approved, the 2025 application returned by the firm over the
  API (so the trail has the firm's node and the inbox its message with the reason), plus older messages.
- `web_client` – an httpx client on the live server keeping cookies, as a browser does;
  `form_token(client, path)` reads a page's CSRF field; `web_sign_in(client, cert_no, …)` posts the sign-in form.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import httpx
import pytest

from firmdesk.domain.states import ApplicationState
from firmdesk.server.db.models import Cpa, Message
from firmdesk.server.runner import ServerThread
from firmdesk.server.services.clock import utcnow
from tests.helpers.server import CPA_PASSWORD, FIRM_PASSWORD, ServerBuilder, api_login

RETURN_REASON = "执业情况说明缺少本人签字，请补充后再次申请"
#: Messages the returned CPA has besides the return's (more than a page of them, for 更多).
OLD_MESSAGES = 12
_CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass(frozen=True)
class ReturnedCpa:
    cpa: Cpa
    application_id: int
    firm_number: str

    @property
    def cert_no(self) -> str:
        return self.cpa.cert_no


@pytest.fixture
def portal_cpa(live_server: ServerThread, server_builder: ServerBuilder) -> Cpa:
    institute = server_builder.institute()
    firm = server_builder.firm(institute)
    return server_builder.cpa(firm, "李明")


@pytest.fixture
def returned_cpa(live_server: ServerThread, server_builder: ServerBuilder) -> ReturnedCpa:
    institute = server_builder.institute()
    firm = server_builder.firm(institute)
    cpa = server_builder.cpa(firm, "张晓红", training={2023: 52.0, 2024: 44.5, 2025: 41.0})
    for year in (2023, 2024):
        server_builder.application(cpa, ApplicationState.APPROVED, year=year)
    with server_builder.sessions() as session:
        start = utcnow() - timedelta(days=30)
        for n in range(OLD_MESSAGES):
            title, body = f"系统通知 {n + 1}", f"第 {n + 1} 条通知的内容。"
            session.add(Message(cpa_id=cpa.id, title=title, body=body, created_at=start + timedelta(hours=n)))
        session.commit()
    application = server_builder.application(cpa, ApplicationState.PENDING_FIRM, year=2025)
    with contextlib.closing(api_login(live_server.base_url, "firm", firm.number, FIRM_PASSWORD)) as firm_api:
        answer = firm_api.post(
            "/firm/returns", json={"items": [{"application_id": application.id}], "reason": RETURN_REASON}
        )
        answer.raise_for_status()
    return ReturnedCpa(cpa, application.id, firm.number)


@pytest.fixture
def web_client(live_server: ServerThread) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_server.base_url, timeout=30) as client:
        yield client


def form_token(client: httpx.Client, path: str) -> str:
    found = _CSRF_FIELD.search(client.get(path).text)
    assert found, f"no CSRF field on {path}"
    return found.group(1)


def web_sign_in(
    client: httpx.Client, cert_no: str, password: str = CPA_PASSWORD, next_path: str = ""
) -> httpx.Response:
    token = form_token(client, "/cpa/")
    return client.post(
        "/cpa/", data={"member_no": cert_no, "password": password, "csrf_token": token, "next": next_path}
    )
