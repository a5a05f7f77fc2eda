"""Retries and races: an idempotent submit never makes two batches; withdraw vs decision, one wins."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable

import httpx

from tests.server.conftest import World, submit_batch


def _race(*calls: Callable[[], httpx.Response]) -> list[httpx.Response]:
    """Run the calls at the same moment (threads released by one barrier)."""
    barrier = threading.Barrier(len(calls))
    answers: list[httpx.Response | None] = [None] * len(calls)

    def run(i: int) -> None:
        barrier.wait()
        answers[i] = calls[i]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert all(a is not None for a in answers)
    return answers  # type: ignore[return-value]


def test_a_retried_submit_replays_the_first_answer(world: World) -> None:
    apps = [world.builder.application(c) for c in world.cpas[:2]]
    firm = world.firm_client()
    first = submit_batch(firm, [a.id for a in apps], key="retry-key-1")
    again = submit_batch(firm, [a.id for a in apps], key="retry-key-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert firm.get("/firm/batches").json()["total"] == 1
    # A new key for the same applications is a new request: refused, they are submitted already.
    assert submit_batch(firm, [a.id for a in apps], key="retry-key-2").status_code == 409


def test_the_same_key_sent_twice_at_once_makes_one_batch(world: World) -> None:
    apps = [world.builder.application(c) for c in world.cpas[:2]]
    ids = [a.id for a in apps]
    first, second = world.firm_client(), world.firm_client()
    answers = _race(lambda: submit_batch(first, ids, key="same"), lambda: submit_batch(second, ids, key="same"))
    assert [a.status_code for a in answers] == [201, 201]
    assert answers[0].json() == answers[1].json()
    assert first.get("/firm/batches").json()["total"] == 1


def test_a_key_is_scoped_to_its_principal(world: World) -> None:
    mine = world.builder.application(world.cpas[0])
    theirs = world.builder.application(world.other_cpa)
    assert submit_batch(world.firm_client(), [mine.id], key="shared").status_code == 201
    other = world.firm_client(world.other_firm)
    answer = submit_batch(other, [theirs.id], key="shared")
    assert answer.status_code == 201
    assert answer.json()["batch"]["number"].startswith(world.other_firm.number)


def test_submit_requires_an_idempotency_key(world: World) -> None:
    application = world.builder.application(world.cpas[0])
    answer = world.firm_client().post(
        "/firm/batches",
        data={"year": "2025", "application_ids": [str(application.id)], "materials": ["社保证明材料"]},
        files=[("files", ("a.pdf", b"%PDF-1.4 x", "application/pdf"))],
    )
    assert answer.status_code == 422
    assert "Idempotency-Key" in answer.json()["detail"]


def test_withdraw_and_institute_decision_at_once_exactly_one_wins(world: World) -> None:
    firm, institute = world.firm_client(), world.institute_client()
    outcomes = set()
    for round_no in range(6):
        cpa = world.builder.cpa(world.firm)
        application = world.builder.application(cpa)
        batch_id = submit_batch(firm, [application.id]).json()["batch"]["id"]
        withdraw = functools.partial(firm.post, f"/firm/batches/{batch_id}/withdraw")
        decide = functools.partial(
            institute.post, f"/institute/applications/{application.id}/decision", json={"decision": "approve"}
        )
        calls = [withdraw, decide] if round_no % 2 else [decide, withdraw]
        answers = _race(*calls)
        codes = sorted(a.status_code for a in answers)
        assert codes == [200, 409], [a.text for a in answers]
        loser = next(a for a in answers if a.status_code == 409)
        assert loser.json()["code"] in {"transition_refused", "version_conflict"}
        detail = firm.get(f"/firm/batches/{batch_id}").json()
        row = detail["applications"][0]
        if detail["batch"]["state"] == "withdrawn":
            assert row["status"] == "pending_firm"
            outcomes.add("withdraw")
        else:
            assert (detail["batch"]["state"], row["status"]) == ("reviewed", "approved")
            outcomes.add("decision")
        actions = [e["action"] for e in firm.get(f"/firm/applications/{application.id}/trail").json()]
        assert ("withdraw_batch" in actions) != ("approve" in actions)
    assert outcomes  # at least one kind won; both are consistent whichever it was


def test_other_posts_replay_a_repeated_key_too(world: World) -> None:
    pending = world.builder.application(world.cpas[0])
    draft = world.builder.application(world.cpas[1], "draft")
    firm, me = world.firm_client(), world.cpa_client(world.cpas[1])
    body = {"items": [{"application_id": pending.id}], "reason": "请补充"}
    first = firm.post("/firm/returns", json=body, headers={"Idempotency-Key": "r1"})
    again = firm.post("/firm/returns", json=body, headers={"Idempotency-Key": "r1"})
    assert first.status_code == again.status_code == 200 and first.json() == again.json()
    assert len(world.cpa_client(world.cpas[0]).get("/cpa/messages").json()) == 1  # one message, not two
    url = f"/cpa/applications/{draft.id}/face-sessions"
    one = me.post(url, headers={"Idempotency-Key": "f1"})
    two = me.post(url, headers={"Idempotency-Key": "f1"})
    assert one.status_code == two.status_code == 201 and one.json() == two.json()
    assert me.post(url).json()["remaining_today"] == one.json()["remaining_today"] - 1  # the repeat cost nothing
