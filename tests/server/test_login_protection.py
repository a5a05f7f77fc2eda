"""Login protection that cannot be turned against users (issue 10, item 6), over real HTTP.

Connections leave from different loopback addresses (127.0.0.x) so that the server sees different clients;
every count lives in the database, so two servers on one database agree.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator

import httpx
import pytest

from firmdesk.server.config import Settings
from firmdesk.server.db.models import Firm
from firmdesk.server.runner import ServerThread
from tests.helpers.server import CPA_PASSWORD, FIRM_PASSWORD, ServerBuilder

LOGIN = "/api/v1/auth/login"


class Visitor:
    """Someone at one address, trying to sign in."""

    def __init__(self, server: ServerThread, address: str) -> None:
        self.server = server
        self.client = httpx.Client(
            base_url=server.base_url, transport=httpx.HTTPTransport(local_address=address), timeout=30
        )

    def login(self, member_no: str, password: str, user_type: str = "firm") -> httpx.Response:
        body = {"user_type": user_type, "member_no": member_no, "password": password}
        return self.client.post(LOGIN, json=body)

    def close(self) -> None:
        self.client.close()


@pytest.fixture
def visitors(live_server: ServerThread) -> Iterator[dict[str, Visitor]]:
    made: dict[str, Visitor] = {}

    class At(dict[str, Visitor]):
        def __missing__(self, address: str) -> Visitor:
            made[address] = self[address] = Visitor(live_server, address)
            return made[address]

    yield At()
    for visitor in made.values():
        visitor.close()


@pytest.fixture
def firm(server_builder: ServerBuilder) -> Firm:
    return server_builder.firm(server_builder.institute())


def statuses(answers: list[httpx.Response]) -> list[int]:
    return [a.status_code for a in answers]


def test_five_failures_from_one_address_do_not_lock_the_firm_out_elsewhere(
    visitors: dict[str, Visitor], firm: Firm
) -> None:
    attacker, office = visitors["127.0.0.2"], visitors["127.0.0.3"]
    answers = [attacker.login(firm.number, "wrong") for _ in range(5)]
    assert statuses(answers) == [401, 401, 401, 401, 429]
    assert answers[-1].json()["code"] == "locked"
    assert attacker.login(firm.number, FIRM_PASSWORD).json()["code"] == "locked"  # locked for that address
    assert office.login(firm.number, FIRM_PASSWORD).status_code == 200  # but not for the firm


def test_spraying_many_accounts_from_one_address_is_slowed_after_the_threshold(
    visitors: dict[str, Visitor], firm: Firm, server_builder: ServerBuilder
) -> None:
    cpas = server_builder.cpas(firm, 25)
    sprayer = visitors["127.0.0.2"]
    answers = [sprayer.login(cpa.cert_no, "123456", "cpa") for cpa in cpas]
    assert statuses(answers) == [401] * 20 + [429] * 5
    slowed = answers[20]
    assert slowed.json()["code"] == "too_many_attempts"
    assert "登录尝试过于频繁" in slowed.json()["detail"]
    wait = int(slowed.headers["Retry-After"])
    assert 1 <= wait <= 15 * 60 and slowed.json()["retry_after"] == wait
    # Even the right password waits from that address; nobody else is slowed.
    assert sprayer.login(cpas[0].cert_no, CPA_PASSWORD, "cpa").status_code == 429
    assert visitors["127.0.0.3"].login(cpas[0].cert_no, CPA_PASSWORD, "cpa").status_code == 200


def test_known_and_unknown_accounts_answer_identically(visitors: dict[str, Visitor], firm: Firm) -> None:
    known, unknown = visitors["127.0.0.2"], visitors["127.0.0.3"]

    def shape(answer: httpx.Response) -> tuple[int, str, list[str], str]:
        body = answer.json()
        detail = body["detail"].split("至")[0]  # the lock's end time may differ by a minute
        return answer.status_code, body["code"], sorted(body), detail

    known_answers = [shape(known.login(firm.number, "wrong")) for _ in range(6)]
    unknown_answers = [shape(unknown.login("59999999", "wrong")) for _ in range(6)]
    assert known_answers == unknown_answers
    assert [a[1] for a in known_answers] == ["bad_credentials"] * 4 + ["locked"] * 2


def test_known_and_unknown_accounts_take_the_same_time(server_settings: Settings) -> None:
    # A real argon2 cost (not the tests' cheap one) for the stored hash and the server alike, so that skipping
    # the hash for an unknown account would show.
    settings = server_settings.model_copy(update={"argon2_memory_kib": 16384, "argon2_time_cost": 2})
    builder = ServerBuilder(settings)
    firm = builder.firm(builder.institute())
    builder.close()
    with ServerThread(settings) as server:
        visitor = Visitor(server, "127.0.0.2")
        timings: dict[str, list[float]] = {"known": [], "unknown": []}
        for round_ in range(4):  # interleaved, under the address lock (4 failures per login)
            for kind, member_no in (("known", firm.number), ("unknown", f"5999999{round_}")):
                started = time.perf_counter()
                assert visitor.login(member_no, "wrong").status_code == 401
                timings[kind].append(time.perf_counter() - started)
        visitor.close()
    known, unknown = statistics.median(timings["known"]), statistics.median(timings["unknown"])
    assert 0.5 < unknown / known < 2, timings


def test_the_lockout_holds_across_two_servers_on_one_database(
    live_server: ServerThread, server_settings: Settings, firm: Firm
) -> None:
    with ServerThread(server_settings) as other:
        first, second = Visitor(live_server, "127.0.0.2"), Visitor(other, "127.0.0.2")
        answers = [(first if i % 2 else second).login(firm.number, "wrong") for i in range(5)]
        locked_on_first = first.login(firm.number, FIRM_PASSWORD)
        locked_on_second = second.login(firm.number, FIRM_PASSWORD)
        elsewhere = Visitor(other, "127.0.0.3").login(firm.number, FIRM_PASSWORD)
        first.close()
        second.close()
    assert statuses(answers) == [401, 401, 401, 401, 429]
    assert locked_on_first.json()["code"] == locked_on_second.json()["code"] == "locked"
    assert elsewhere.status_code == 200


def test_a_locked_account_still_signs_in_from_its_usual_address(visitors: dict[str, Visitor], firm: Firm) -> None:
    office = visitors["127.0.0.2"]
    assert office.login(firm.number, FIRM_PASSWORD).status_code == 200  # the firm's usual address
    # A guesser with many addresses stays under each address's lock: 4 tries from each of 5 addresses.
    for n in range(5):
        assert statuses([visitors[f"127.0.1.{n}"].login(firm.number, "wrong") for _ in range(4)]) == [401] * 4
    newcomer = visitors["127.0.2.1"].login(firm.number, FIRM_PASSWORD)
    assert newcomer.status_code == 429 and newcomer.json()["code"] == "locked"  # the account is locked...
    assert office.login(firm.number, FIRM_PASSWORD).status_code == 200  # ...except where the firm works


def test_a_flood_from_many_addresses_slows_everyone_new_and_locks_out_nobody(
    server_settings: Settings, server_builder: ServerBuilder, firm: Firm
) -> None:
    settings = server_settings.model_copy(update={"login_global_max_failures": 10})
    cpa = server_builder.cpa(firm)
    with ServerThread(settings) as server:
        office = Visitor(server, "127.0.0.2")
        assert office.login(firm.number, FIRM_PASSWORD).status_code == 200
        flood = [Visitor(server, f"127.0.3.{n}") for n in range(10)]
        assert statuses([v.login(f"5999{n:04d}", "wrong") for n, v in enumerate(flood)]) == [401] * 10
        newcomer = Visitor(server, "127.0.4.1")
        slowed = newcomer.login(cpa.cert_no, CPA_PASSWORD, "cpa")
        at_the_office = office.login(firm.number, FIRM_PASSWORD)
        for visitor in [office, newcomer, *flood]:
            visitor.close()
    assert slowed.status_code == 429 and slowed.json()["code"] == "too_many_attempts"
    assert 1 <= int(slowed.headers["Retry-After"]) <= 60
    assert at_the_office.status_code == 200
