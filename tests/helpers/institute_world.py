"""Two institutes for the institute's tests (tests/helpers/institute_world.py): 50 重庆 with two firms and two
named staff accounts, 51 四川 with a firm of its own and one staff account; signed-in clients for each."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

import httpx
import pytest

from firmdesk.domain.accounts import AccountRole
from firmdesk.domain.states import ApplicationState
from firmdesk.server.db.models import Application, Cpa, Firm, Institute
from firmdesk.server.runner import ServerThread
from firmdesk.server.services.clock import china_today
from tests.helpers.server import CPA_PASSWORD, FIRM_PASSWORD, INSTITUTE_PASSWORD, ServerBuilder, api_login
from tests.helpers.server_world import submit_batch

#: Institute 50's second staff member (a 审核员 with a login of its own).
SECOND_STAFF_LOGIN = "50-02"
SECOND_STAFF = "王审核"
FIRST_STAFF = "陈主任"


@dataclass
class Provinces:
    server: ServerThread
    builder: ServerBuilder
    chongqing: Institute
    sichuan: Institute
    firm: Firm
    other_firm: Firm
    sichuan_firm: Firm
    cpas: list[Cpa]
    _clients: dict[tuple[str, str], httpx.Client] = field(default_factory=dict)

    def _client(self, user_type: str, login: str, password: str) -> httpx.Client:
        if (user_type, login) not in self._clients:
            self._clients[(user_type, login)] = api_login(self.server.base_url, user_type, login, password)
        return self._clients[(user_type, login)]

    def institute(self, login: str = "50") -> httpx.Client:
        """A signed-in staff member: `50` (陈主任), `50-02` (王审核) or `51` (四川's)."""
        return self._client("institute", login, INSTITUTE_PASSWORD)

    def firm_client(self, firm: Firm | None = None) -> httpx.Client:
        return self._client("firm", (firm or self.firm).number, FIRM_PASSWORD)

    def cpa_client(self, cpa: Cpa) -> httpx.Client:
        return self._client("cpa", cpa.cert_no, CPA_PASSWORD)

    def public(self) -> httpx.Client:
        """No sign-in, at the server's root (the QR verification pages)."""
        if ("", "") not in self._clients:
            self._clients[("", "")] = httpx.Client(base_url=self.server.base_url, timeout=30)
        return self._clients[("", "")]

    def close(self) -> None:
        for client in self._clients.values():
            client.close()

    def cpa_of(self, application_id: int) -> Cpa:
        with self.builder.sessions() as session:
            cpa = session.get_one(Cpa, session.get_one(Application, application_id).cpa_id)
            session.expunge(cpa)
            return cpa

    # --- things made through the API ---

    def pending(self, cpa: Cpa | None = None, **kwargs: object) -> Application:
        """An application pending the firm's review (with every working material)."""
        return self.builder.application(cpa or self.builder.cpa(self.firm), ApplicationState.PENDING_FIRM, **kwargs)  # type: ignore[arg-type]

    def submitted(self, count: int = 2, firm: Firm | None = None) -> tuple[int, list[int]]:
        """A batch of `count` new CPAs' applications, submitted by the firm over HTTP: (batch id, application ids)."""
        firm = firm or self.firm
        ids = [self.pending(self.builder.cpa(firm)).id for _ in range(count)]
        answer = submit_batch(self.firm_client(firm), ids)
        assert answer.status_code == 201, answer.text
        return answer.json()["batch"]["id"], ids

    def close_window(self, days_ago: int = 1) -> date:
        """Institute 50 sets its deadline `days_ago` days back; the deadline."""
        client = self.institute()
        config = client.get("/institute/config").json()
        deadline = china_today() - timedelta(days=days_ago)
        start = min(date.fromisoformat(config["window_start"]), deadline)
        answer = client.put(
            "/institute/config", json={**config, "window_start": start.isoformat(), "deadline": deadline.isoformat()}
        )
        assert answer.status_code == 200, answer.text
        return deadline


@pytest.fixture
def provinces(live_server: ServerThread, server_builder: ServerBuilder) -> Iterator[Provinces]:
    chongqing = server_builder.institute(person=FIRST_STAFF)
    server_builder.account(
        chongqing, SECOND_STAFF_LOGIN, SECOND_STAFF, password=INSTITUTE_PASSWORD, role=AccountRole.REVIEWER
    )
    sichuan = server_builder.institute("51", "四川省注册会计师协会", person="李四川")
    firm = server_builder.firm(chongqing)
    other_firm = server_builder.firm(chongqing, "50010031", "重庆两江会计师事务所")
    sichuan_firm = server_builder.firm(sichuan, "51010001", "四川蜀信会计师事务所")
    world = Provinces(
        live_server, server_builder, chongqing, sichuan, firm, other_firm, sichuan_firm, server_builder.cpas(firm, 2)
    )
    yield world
    world.close()
