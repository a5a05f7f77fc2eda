"""The application window on the server: after the deadline no CPA starts or submits and no firm submits a
new batch (409 `window_closed`, naming the date), unless the institute granted that firm or CPA an extension."""

from __future__ import annotations

from datetime import timedelta

import httpx

from firmdesk.domain.states import ApplicationState
from firmdesk.server.db.models import Cpa
from firmdesk.server.services.clock import china_today
from tests.helpers.institute_world import FIRST_STAFF, Provinces
from tests.helpers.server_world import submit_batch


def _assert_closed(answer: httpx.Response, deadline: str, step: str) -> None:
    assert answer.status_code == 409, answer.text
    body = answer.json()
    assert body["code"] == "window_closed" and body["deadline"] == deadline and body["step"] == step
    assert f"已于 {deadline} 截止" in body["detail"]


def _draft_with_materials(world: Provinces, cpa: Cpa) -> int:
    return world.builder.application(cpa, ApplicationState.DRAFT).id


def test_a_deadline_in_the_past_refuses_new_applications_face_verification_and_batches(provinces: Provinces) -> None:
    world = provinces
    starter, drafter, pending_cpa = world.builder.cpas(world.firm, 3)
    draft_id = _draft_with_materials(world, drafter)
    pending = world.pending(pending_cpa)
    deadline = world.close_window().isoformat()

    notice = world.cpa_client(starter).get("/cpa/notice").json()
    assert notice["deadline"] == deadline and "不能新建年检申请" in notice["window_refusal"]
    _assert_closed(world.cpa_client(starter).post("/cpa/applications", json={}), deadline, "start")
    face = world.cpa_client(drafter).post(f"/cpa/applications/{draft_id}/face-sessions")
    _assert_closed(face, deadline, "submit_to_firm")
    _assert_closed(submit_batch(world.firm_client(), [pending.id]), deadline, "submit_batch")
    # Nothing was made: no application, no face session, no batch.
    assert world.cpa_client(starter).get("/cpa/applications").json() == []
    assert world.firm_client().get("/firm/batches").json()["total"] == 0
    # Institute 51's own window is untouched: its firm still submits.
    sichuan_batch, _ = world.submitted(1, world.sichuan_firm)
    assert sichuan_batch > 0


def test_the_deadline_day_itself_is_still_open(provinces: Provinces) -> None:
    world = provinces
    world.close_window(days_ago=0)
    assert world.cpa_client(world.cpas[0]).post("/cpa/applications", json={}).status_code == 201
    assert submit_batch(world.firm_client(), [world.pending().id]).status_code == 201


def test_corrections_of_what_was_sent_in_time_are_still_accepted(provinces: Provinces) -> None:
    """Resubmits of returned applications and batches, and a batch of applications the institute returned alone."""
    world = provinces
    institute, firm = world.institute(), world.firm_client()
    batch_id, ids = world.submitted(3)
    institute.post(f"/institute/applications/{ids[0]}/decision", json={"decision": "return", "reason": "照片不清晰"})
    institute.post(f"/institute/batches/{batch_id}/return", json={"reason": "社保证明不清晰"}).raise_for_status()
    world.close_window()

    me = world.cpa_client(world.cpa_of(ids[0]))
    assert me.post(f"/cpa/applications/{ids[0]}/resubmit").status_code == 200
    assert submit_batch(firm, [ids[0]]).status_code == 201  # the institute received it in time once
    keep = [a["id"] for a in firm.get(f"/firm/batches/{batch_id}").json()["attachments"]]
    again = firm.post(f"/firm/batches/{batch_id}/resubmit", data={"keep_attachment_ids": [str(i) for i in keep]})
    assert again.status_code == 200, again.text


def test_an_extension_lets_exactly_the_firm_it_names_through(provinces: Provinces) -> None:
    world = provinces
    ours, theirs = world.pending(), world.pending(world.builder.cpa(world.other_firm))
    deadline = world.close_window()
    until = china_today() + timedelta(days=10)
    granted = world.institute().post(
        "/institute/extensions", json={"firm_number": world.firm.number, "until": until.isoformat(), "reason": "疫情"}
    )
    assert granted.status_code == 201, granted.text
    extension = granted.json()
    assert (extension["target"], extension["active"], extension["granted_by"]) == ("firm", True, FIRST_STAFF)

    summary = world.firm_client().get("/firm/summary").json()
    assert (summary["extended_until"], summary["late_submittable"]) == (until.isoformat(), None)
    created = submit_batch(world.firm_client(), [ours.id])
    assert created.status_code == 201, created.text
    _assert_closed(submit_batch(world.firm_client(world.other_firm), [theirs.id]), deadline.isoformat(), "submit_batch")
    # The firm's CPAs are covered too; another firm's are not.
    assert world.cpa_client(world.cpas[0]).post("/cpa/applications", json={}).status_code == 201
    stranger = world.builder.cpa(world.other_firm)
    _assert_closed(world.cpa_client(stranger).post("/cpa/applications", json={}), deadline.isoformat(), "start")
    # The trail says the batch went under the extension.
    trail = world.firm_client().get(f"/firm/applications/{ours.id}/trail").json()
    assert f"延期至 {until.isoformat()}" in (trail[-1]["reason"] or "")

    revoked = world.institute().post(f"/institute/extensions/{extension['id']}/revoke", json={"reason": "已按期补交"})
    assert revoked.status_code == 200 and revoked.json()["active"] is False
    again = world.institute().post(f"/institute/extensions/{extension['id']}/revoke", json={})
    assert again.status_code == 409
    _assert_closed(submit_batch(world.firm_client(), [world.pending().id]), deadline.isoformat(), "submit_batch")


def test_an_extension_lets_exactly_the_cpa_it_names_through(provinces: Provinces) -> None:
    world = provinces
    named, other = world.cpas
    late_pending, late_other = world.builder.cpas(world.firm, 2)
    named_pending = world.pending(late_pending)
    other_pending = world.pending(late_other)
    deadline = world.close_window().isoformat()
    institute = world.institute()
    until = (china_today() + timedelta(days=5)).isoformat()
    for cpa in (named, late_pending):
        answer = institute.post(
            "/institute/extensions", json={"cert_no": cpa.cert_no, "until": until, "reason": "出国"}
        )
        assert answer.status_code == 201, answer.text

    notice = world.cpa_client(named).get("/cpa/notice").json()
    assert (notice["extended_until"], notice["window_refusal"]) == (until, None)
    started = world.cpa_client(named).post("/cpa/applications", json={})
    assert started.status_code == 201
    assert started.json()["events"][0]["reason"].startswith("已过截止日期，按地方注协批准的延期办理")
    _assert_closed(world.cpa_client(other).post("/cpa/applications", json={}), deadline, "start")
    # The firm's client is told which pending applications may still go (and that the window is closed).
    summary = world.firm_client().get("/firm/summary").json()
    assert summary["late_submittable"] == [named_pending.id] and summary["extended_until"] is None
    # A batch goes when each of its new applications' CPAs has an extension, not otherwise.
    _assert_closed(submit_batch(world.firm_client(), [named_pending.id, other_pending.id]), deadline, "submit_batch")
    assert submit_batch(world.firm_client(), [named_pending.id]).status_code == 201
    listed = institute.get("/institute/extensions").json()
    assert {e["cert_no"] for e in listed} == {named.cert_no, late_pending.cert_no}
    assert all(e["target"] == "cpa" and e["active"] for e in listed)
    trail = world.firm_client().get(f"/firm/applications/{named_pending.id}/trail").json()
    assert "grant_extension" in [e["action"] for e in trail]
    review = institute.get(f"/institute/applications/{named_pending.id}").json()
    assert [e["cert_no"] for e in review["extensions"]] == [late_pending.cert_no]
    assert institute.get(f"/institute/applications/{other_pending.id}").json()["extensions"] == []


def test_extension_input_is_checked(provinces: Provinces) -> None:
    world = provinces
    institute = world.institute()
    deadline = china_today() + timedelta(days=3)
    config = institute.get("/institute/config").json()
    institute.put("/institute/config", json={**config, "deadline": deadline.isoformat()}).raise_for_status()
    later = (deadline + timedelta(days=10)).isoformat()
    number = world.firm.number
    cases = [
        ({"firm_number": number, "until": deadline.isoformat(), "reason": "x"}, 422),  # not after the deadline
        ({"firm_number": number, "until": (deadline + timedelta(days=400)).isoformat(), "reason": "x"}, 422),
        ({"firm_number": number, "until": later, "reason": ""}, 422),  # reason missing
        ({"firm_number": number, "until": later, "reason": "长" * 501}, 422),  # reason too long
        ({"firm_number": number, "cert_no": world.cpas[0].cert_no, "until": later, "reason": "x"}, 422),
        ({"until": later, "reason": "x"}, 422),  # neither
        ({"firm_number": number, "until": "2026-02-30", "reason": "x"}, 422),  # not a date
        ({"firm_number": "59999999", "until": later, "reason": "x"}, 404),
        ({"firm_number": world.sichuan_firm.number, "until": later, "reason": "x"}, 404),  # another institute's
        ({"cert_no": "999999999999", "until": later, "reason": "x"}, 404),
    ]
    for body, status in cases:
        answer = institute.post("/institute/extensions", json=body)
        assert answer.status_code == status, (body, answer.text)
        assert answer.json()["code"] and answer.json()["detail"]
    past = institute.put(
        "/institute/config", json={**config, "deadline": (china_today() - timedelta(days=30)).isoformat()}
    )
    assert past.status_code == 200
    yesterday = (china_today() - timedelta(days=1)).isoformat()
    stale = institute.post("/institute/extensions", json={"firm_number": number, "until": yesterday, "reason": "x"})
    assert stale.status_code == 422 and "不能早于今天" in stale.json()["detail"]
    for path in ("/institute/extensions/999999/revoke", f"/institute/extensions/{2**63}/revoke"):
        assert institute.post(path, json={}).status_code in {404, 422}
    assert institute.get("/institute/extensions").json() == []
