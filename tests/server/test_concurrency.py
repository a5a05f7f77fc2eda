"""Retries and races: an idempotent submit never makes two batches; withdraw vs decision, one wins."""

from __future__ import annotations

import functools

from tests.helpers.races import race
from tests.helpers.server_world import World, submit_batch


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
    answers = race(lambda: submit_batch(first, ids, key="same"), lambda: submit_batch(second, ids, key="same"))
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
        answers = race(*calls)
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


def test_withdraw_of_a_batch_decided_meanwhile_says_why_not_version_conflict(world: World) -> None:
    """The firm still shows the batch as 待审核 with its old version; the institute decided its only CPA.
    The state rule answers first, with its own reason, not the generic "changed by someone else"."""
    firm, institute = world.firm_client(), world.institute_client()
    application = world.builder.application(world.builder.cpa(world.firm))
    batch = submit_batch(firm, [application.id]).json()["batch"]
    assert batch["state"] == "submitted"
    institute.post(
        f"/institute/applications/{application.id}/decision", json={"decision": "defer", "reason": "待核实"}
    ).raise_for_status()
    before = firm.get(f"/firm/batches/{batch['id']}").json()
    assert before["batch"]["state"] == "reviewed" and before["batch"]["version"] != batch["version"]

    answer = firm.post(f"/firm/batches/{batch['id']}/withdraw", json={"version": batch["version"]})
    assert answer.status_code == 409, answer.text
    body = answer.json()
    assert body["code"] == "transition_refused"
    assert body["detail"].startswith("省注协已审核完毕，不能撤回")
    assert "该记录已被他人修改" not in body["detail"]
    assert firm.get(f"/firm/batches/{batch['id']}").json() == before  # nothing changed


def test_a_stale_version_still_refuses_a_withdraw_the_state_allows(world: World) -> None:
    firm = world.firm_client()
    application = world.builder.application(world.builder.cpa(world.firm))
    batch = submit_batch(firm, [application.id]).json()["batch"]
    answer = firm.post(f"/firm/batches/{batch['id']}/withdraw", json={"version": batch["version"] + 7})
    assert answer.status_code == 409
    assert answer.json()["code"] == "version_conflict"
    assert answer.json()["detail"] == "该记录已被他人修改，请刷新后重试"
    assert firm.get(f"/firm/batches/{batch['id']}").json()["batch"]["state"] == "submitted"
    assert firm.post(f"/firm/batches/{batch['id']}/withdraw", json={"version": batch["version"]}).status_code == 200


def test_an_institute_decision_on_a_withdrawn_batch_says_why_not_version_conflict(world: World) -> None:
    """The institute's screen still has the application at its old version; the firm withdrew the batch."""
    firm, institute = world.firm_client(), world.institute_client()
    application = world.builder.application(world.builder.cpa(world.firm))
    batch = submit_batch(firm, [application.id]).json()["batch"]
    row = institute.get(f"/institute/batches/{batch['id']}").json()["applications"][0]
    firm.post(f"/firm/batches/{batch['id']}/withdraw", json={"version": batch["version"]}).raise_for_status()

    answer = institute.post(
        f"/institute/applications/{application.id}/decision", json={"decision": "approve", "version": row["version"]}
    )
    assert answer.status_code == 409, answer.text
    assert answer.json()["code"] == "transition_refused"
    assert "该记录已被他人修改" not in answer.json()["detail"]
    answer = institute.post(f"/institute/batches/{batch['id']}/approve-all", json={"version": batch["version"]})
    assert answer.status_code == 409 and answer.json()["code"] == "transition_refused", answer.text


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
