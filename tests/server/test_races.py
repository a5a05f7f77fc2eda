"""Races over real HTTP, one thread and one connection per caller, on the run's database (SQLite or PostgreSQL):
every caller gets an answer in the contract's shape; the winners' changes are whole; every loser gets 409 with a
Chinese message, never a 500. Batch numbers stay consecutive and unique however many submits race."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator

import httpx
import pytest

from firmdesk.domain.batches import parse_batch_number
from firmdesk.domain.limits import FACE_SESSIONS_PER_DAY
from firmdesk.server.db.models import FaceSession
from firmdesk.server.demo import CURRENT_YEAR, DEMO_FIRM_NUMBER, seed_demo
from firmdesk.server.demo import FIRM_PASSWORD as DEMO_FIRM_PASSWORD
from firmdesk.server.runner import ServerThread
from firmdesk.server.services.clock import utcnow
from tests.helpers.races import race
from tests.helpers.server import CPA_PASSWORD, FIRM_PASSWORD, INSTITUTE_PASSWORD, api_login
from tests.helpers.server_world import World, batch_files, submit_batch

RACERS = 8


@pytest.fixture
def clients(world: World) -> Iterator[Callable[[str, str, str], httpx.Client]]:
    """A fresh signed-in client (its own connections) per racer."""
    made: list[httpx.Client] = []

    def client(user_type: str, member_no: str, password: str) -> httpx.Client:
        made.append(api_login(world.server.base_url, user_type, member_no, password))
        return made[-1]

    yield client
    for c in made:
        c.close()


def _firm_clients(world: World, clients: Callable[..., httpx.Client], count: int = RACERS) -> list[httpx.Client]:
    return [clients("firm", world.firm.number, FIRM_PASSWORD) for _ in range(count)]


def _has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _one_winner(answers: list[httpx.Response], won: int) -> httpx.Response:
    """Exactly one answer `won`, every other one a 409 with a Chinese `detail` and a conflict code."""
    codes = sorted(a.status_code for a in answers)
    assert codes == sorted([won] + [409] * (len(answers) - 1)), [(a.status_code, a.text[:200]) for a in answers]
    for loser in (a for a in answers if a.status_code == 409):
        body = loser.json()
        assert body["code"] in {"transition_refused", "version_conflict"}, body
        assert _has_chinese(body["detail"]), body
    return next(a for a in answers if a.status_code == won)


def test_concurrent_submits_of_different_applications_all_win_with_consecutive_numbers(
    world: World, clients: Callable[..., httpx.Client]
) -> None:
    cpas = world.builder.cpas(world.firm, RACERS)
    ids = [world.builder.application(c).id for c in cpas]
    firms = _firm_clients(world, clients)
    answers = race(*(functools.partial(submit_batch, firm, [i]) for firm, i in zip(firms, ids, strict=True)))
    assert [a.status_code for a in answers] == [201] * RACERS, [a.text[:200] for a in answers]
    numbers = sorted(a.json()["batch"]["number"] for a in answers)
    assert numbers == sorted(f"{world.firm.number}-2025-{n}" for n in range(1, RACERS + 1))
    # Each batch holds its own application, submitted.
    for answer, application_id in zip(answers, ids, strict=True):
        rows = answer.json()["applications"]
        assert [(r["application_id"], r["status"]) for r in rows] == [(application_id, "submitted")]
    # The next one, alone, continues the sequence.
    more = world.builder.application(world.builder.cpa(world.firm))
    assert submit_batch(firms[0], [more.id]).json()["batch"]["number"] == f"{world.firm.number}-2025-{RACERS + 1}"


def test_two_firms_submitting_at_once_each_count_their_own_batches(
    world: World, clients: Callable[..., httpx.Client]
) -> None:
    mine = [world.builder.application(c).id for c in world.builder.cpas(world.firm, 3)]
    theirs = [world.builder.application(c).id for c in world.builder.cpas(world.other_firm, 3)]
    calls = [functools.partial(submit_batch, clients("firm", world.firm.number, FIRM_PASSWORD), [i]) for i in mine]
    calls += [
        functools.partial(submit_batch, clients("firm", world.other_firm.number, FIRM_PASSWORD), [i]) for i in theirs
    ]
    answers = race(*calls)
    assert [a.status_code for a in answers] == [201] * 6, [a.text[:200] for a in answers]
    numbers = {a.json()["batch"]["number"] for a in answers}
    assert numbers == {f"{f.number}-2025-{n}" for f in (world.firm, world.other_firm) for n in (1, 2, 3)}


def test_concurrent_submits_of_the_same_applications_make_exactly_one_batch(
    world: World, clients: Callable[..., httpx.Client]
) -> None:
    ids = [world.builder.application(c).id for c in world.cpas[:2]]
    firms = _firm_clients(world, clients)
    answers = race(*(functools.partial(submit_batch, firm, ids) for firm in firms))  # a new key each
    winner = _one_winner(answers, 201)
    assert winner.json()["batch"]["number"] == f"{world.firm.number}-2025-1"
    listing = firms[0].get("/firm/batches").json()
    assert listing["total"] == 1
    trail = firms[0].get(f"/firm/applications/{ids[0]}/trail").json()
    assert [e["action"] for e in trail].count("submit_batch") == 1


def test_overlapping_submits_one_wins_and_the_rest_change_nothing(
    world: World, clients: Callable[..., httpx.Client]
) -> None:
    """Each racer asks for a different pair of applications, all sharing the first one."""
    shared = world.builder.application(world.cpas[0]).id
    others = [world.builder.application(c).id for c in world.builder.cpas(world.firm, 5)]
    firms = _firm_clients(world, clients, 5)
    answers = race(*(functools.partial(submit_batch, f, [shared, o]) for f, o in zip(firms, others, strict=True)))
    winner = _one_winner(answers, 201)
    won_ids = {r["application_id"] for r in winner.json()["applications"]}
    rows = {
        r["application_id"]: r["status"]
        for r in firms[0].get("/firm/cpas", params={"year": 2025, "page_size": 100}).json()["items"]
        if r.get("application_id")
    }
    for application_id in [shared, *others]:
        assert rows[application_id] == ("submitted" if application_id in won_ids else "pending_firm")


def test_concurrent_withdraws_of_one_batch_one_wins(world: World, clients: Callable[..., httpx.Client]) -> None:
    ids = [world.builder.application(c).id for c in world.cpas[:2]]
    firms = _firm_clients(world, clients)
    batch_id = submit_batch(firms[0], ids).json()["batch"]["id"]
    answers = race(*(functools.partial(f.post, f"/firm/batches/{batch_id}/withdraw") for f in firms))
    _one_winner(answers, 200)
    detail = firms[0].get(f"/firm/batches/{batch_id}").json()
    assert detail["batch"]["state"] == "withdrawn"
    assert {r["status"] for r in detail["applications"]} == {"pending_firm"}
    trail = firms[0].get(f"/firm/applications/{ids[0]}/trail").json()
    assert [e["action"] for e in trail].count("withdraw_batch") == 1


def test_concurrent_returns_of_one_application_one_wins(world: World, clients: Callable[..., httpx.Client]) -> None:
    application = world.builder.application(world.cpas[0])
    firms = _firm_clients(world, clients)
    body = {"items": [{"application_id": application.id}], "reason": "请补充继续教育证明"}
    answers = race(*(functools.partial(f.post, "/firm/returns", json=body) for f in firms))
    _one_winner(answers, 200)
    messages = world.cpa_client(world.cpas[0]).get("/cpa/messages").json()
    assert len(messages) == 1  # one return, one message


def test_a_submit_racing_a_return_of_the_same_application_one_wins(
    world: World, clients: Callable[..., httpx.Client]
) -> None:
    for _ in range(4):
        application = world.builder.application(world.builder.cpa(world.firm))
        submitter, returner = _firm_clients(world, clients, 2)
        body = {"items": [{"application_id": application.id}], "reason": "请补充材料"}
        answers = race(
            functools.partial(submit_batch, submitter, [application.id]),
            functools.partial(returner.post, "/firm/returns", json=body),
        )
        codes = sorted(a.status_code for a in answers)
        assert codes in ([200, 409], [201, 409]), [a.text[:200] for a in answers]
        status = returner.get(f"/firm/applications/{application.id}").json()["row"]["status"]
        assert status == ("submitted" if codes == [201, 409] else "firm_returned")


def test_concurrent_institute_returns_of_one_batch_one_wins(world: World, clients: Callable[..., httpx.Client]) -> None:
    ids = [world.builder.application(c).id for c in world.cpas[:2]]
    batch_id = submit_batch(world.firm_client(), ids).json()["batch"]["id"]
    institutes = [clients("institute", world.institute.code, INSTITUTE_PASSWORD) for _ in range(RACERS)]
    body = {"reason": "社保证明不清晰"}
    answers = race(*(functools.partial(i.post, f"/institute/batches/{batch_id}/return", json=body) for i in institutes))
    _one_winner(answers, 200)
    assert world.firm_client().get(f"/firm/batches/{batch_id}").json()["batch"]["state"] == "returned"


def test_concurrent_face_sessions_never_pass_the_daily_quota(
    world: World, clients: Callable[..., httpx.Client]
) -> None:
    """With two sessions left today, six started at once: two get one, four are refused (429), none more."""
    cpa = world.cpas[0]
    application = world.builder.application(cpa, "draft")
    with world.builder.sessions() as session:
        now = utcnow()
        for n in range(FACE_SESSIONS_PER_DAY - 2):
            session.add(FaceSession(token=f"used-{n}", cpa_id=cpa.id, application_id=application.id, created_at=now))
        session.commit()
    me = [clients("cpa", cpa.cert_no, CPA_PASSWORD) for _ in range(6)]
    url = f"/cpa/applications/{application.id}/face-sessions"
    answers = race(*(functools.partial(c.post, url) for c in me))
    codes = sorted(a.status_code for a in answers)
    assert codes == [201, 201, 429, 429, 429, 429], [a.text[:200] for a in answers]
    assert sorted(a.json()["remaining_today"] for a in answers if a.status_code == 201) == [0, 1]
    assert all(_has_chinese(a.json()["detail"]) for a in answers if a.status_code == 429)


def test_concurrent_starts_of_a_cpas_application_make_one(world: World, clients: Callable[..., httpx.Client]) -> None:
    cpa = world.builder.cpa(world.firm)
    me = [clients("cpa", cpa.cert_no, CPA_PASSWORD) for _ in range(RACERS)]
    answers = race(*(functools.partial(c.post, "/cpa/applications", json={}) for c in me))
    _one_winner(answers, 201)
    assert len(me[0].get("/cpa/applications").json()) == 1


def test_concurrent_decisions_on_one_application_one_wins(world: World, clients: Callable[..., httpx.Client]) -> None:
    application = world.builder.application(world.cpas[0])
    submit_batch(world.firm_client(), [application.id]).raise_for_status()
    institutes = [clients("institute", world.institute.code, INSTITUTE_PASSWORD) for _ in range(RACERS)]
    url = f"/institute/applications/{application.id}/decision"
    decisions = [{"decision": "approve"}, {"decision": "fail", "reason": "继续教育学时不足"}] * (RACERS // 2)
    answers = race(*(functools.partial(i.post, url, json=d) for i, d in zip(institutes, decisions, strict=True)))
    _one_winner(answers, 200)
    trail = world.firm_client().get(f"/firm/applications/{application.id}/trail").json()
    assert sum(e["action"] in {"approve", "fail"} for e in trail) == 1


def test_concurrent_approve_all_of_one_batch_one_wins(world: World, clients: Callable[..., httpx.Client]) -> None:
    ids = [world.builder.application(c).id for c in world.cpas[:3]]
    batch_id = submit_batch(world.firm_client(), ids).json()["batch"]["id"]
    institutes = [clients("institute", world.institute.code, INSTITUTE_PASSWORD) for _ in range(RACERS)]
    answers = race(*(functools.partial(i.post, f"/institute/batches/{batch_id}/approve-all") for i in institutes))
    _one_winner(answers, 200)
    detail = world.firm_client().get(f"/firm/batches/{batch_id}").json()
    assert {r["status"] for r in detail["applications"]} == {"approved"}


def test_concurrent_resubmits_of_a_returned_batch_one_wins(world: World, clients: Callable[..., httpx.Client]) -> None:
    ids = [world.builder.application(c).id for c in world.cpas[:2]]
    firms = _firm_clients(world, clients)
    batch_id = submit_batch(firms[0], ids).json()["batch"]["id"]
    returned = world.institute_client().post(f"/institute/batches/{batch_id}/return", json={"reason": "社保证明不清晰"})
    returned.raise_for_status()
    parts = batch_files(1)
    url = f"/firm/batches/{batch_id}/resubmit"
    answers = race(
        *(functools.partial(f.post, url, data={"materials": parts["materials"]}, files=parts["files"]) for f in firms)
    )
    _one_winner(answers, 200)
    assert firms[0].get(f"/firm/batches/{batch_id}").json()["batch"]["state"] == "submitted"


def test_concurrent_resubmits_of_a_returned_application_one_wins(
    world: World, clients: Callable[..., httpx.Client]
) -> None:
    cpa = world.cpas[0]
    application = world.builder.application(cpa, "firm_returned", reason="请补充材料")
    me = [clients("cpa", cpa.cert_no, CPA_PASSWORD) for _ in range(RACERS)]
    answers = race(*(functools.partial(c.post, f"/cpa/applications/{application.id}/resubmit") for c in me))
    _one_winner(answers, 200)


def test_after_seed_demo_concurrent_submits_number_on_from_the_demos_batches(live_server: ServerThread) -> None:
    """The demo's seeded rows (explicit ids, existing batch numbers) and then races: one batch per set of
    applications, only 201 and 409, numbers continuing the firm's sequence without a gap or a repeat."""
    seed_demo(live_server.settings)
    firms = [api_login(live_server.base_url, "firm", DEMO_FIRM_NUMBER, DEMO_FIRM_PASSWORD) for _ in range(6)]
    try:
        year_batches = firms[0].get("/firm/batches", params={"page_size": 1000}).json()["items"]
        seqs = [parse_batch_number(b["number"])[2] for b in year_batches if b["year"] == CURRENT_YEAR]
        pending = firms[0].get("/firm/cpas", params={"year": CURRENT_YEAR, "tab": "pending_review"}).json()["items"]
        ids = [row["application_id"] for row in pending[:4]]
        assert len(ids) == 4
        same = race(*(functools.partial(submit_batch, f, ids[:2], year=CURRENT_YEAR) for f in firms))
        _one_winner(same, 201)
        different = race(
            *(functools.partial(submit_batch, f, [i], year=CURRENT_YEAR) for f, i in zip(firms, ids[2:], strict=False))
        )
        assert [a.status_code for a in different] == [201, 201], [a.text[:200] for a in different]
        numbers = [same_winner["batch"]["number"] for same_winner in (a.json() for a in same if a.status_code == 201)]
        numbers += [a.json()["batch"]["number"] for a in different]
        new_seqs = sorted(parse_batch_number(n)[2] for n in numbers)
        assert new_seqs == [max(seqs, default=0) + n for n in (1, 2, 3)]
    finally:
        for firm in firms:
            firm.close()
