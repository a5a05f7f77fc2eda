"""The whole cycle of one year, over real HTTP: apply, face verification, returns, batches, decisions."""

from __future__ import annotations

from firmdesk.domain.limits import FACE_SESSIONS_PER_DAY
from tests.helpers.server import tiny_pdf
from tests.helpers.server_world import World, submit_batch


def _upload(client, application_id: int, material: str) -> None:  # type: ignore[no-untyped-def]
    answer = client.post(
        f"/cpa/applications/{application_id}/attachments",
        files={"file": (f"{material}.pdf", tiny_pdf(material), "application/pdf")},
        data={"material": material},
    )
    assert answer.status_code == 201, answer.text


def test_whole_cycle_from_application_to_decisions(world: World) -> None:
    cpa, second, third = world.cpas[0], world.cpas[1], world.cpas[2]
    world.builder.application(cpa, "approved", year=2024)
    pending = [world.builder.application(second), world.builder.application(third)]
    me = world.cpa_client(cpa)
    firm = world.firm_client()
    institute = world.institute_client()
    qr_before = me.get("/cpa/qr").json()

    # The CPA reads the notice, starts the year's application and uploads the required materials.
    notice = me.get("/cpa/notice").json()
    assert notice["year"] == 2025 and notice["materials_working"] == ["继续教育证明", "执业情况说明"]
    started = me.post("/cpa/applications", json={})
    assert started.status_code == 201
    app = started.json()
    assert (app["status"], app["retired"]) == ("draft", False)
    assert me.post("/cpa/applications", json={}).status_code == 409  # one per year
    app_id = app["id"]
    refused = me.post(f"/cpa/applications/{app_id}/face-sessions")
    assert refused.status_code == 422 and "继续教育证明" in refused.json()["detail"]
    for material in notice["materials_working"]:
        _upload(me, app_id, material)

    # Face verification fails, then passes: the application goes to the firm.
    first = me.post(f"/cpa/applications/{app_id}/face-sessions").json()
    assert first["remaining_today"] == FACE_SESSIONS_PER_DAY - 1
    assert first["url"].endswith(f"/api/v1/face/{first['token']}")
    public = world.anonymous()
    failed = public.post(f"/face/{first['token']}/result", json={"passed": False}).json()
    assert failed == {"status": "failed", "application_status": "draft", "notice": None}
    assert public.post(f"/face/{first['token']}/result", json={"passed": True}).status_code == 409
    assert me.get(f"/cpa/face-sessions/{first['session_id']}").json()["status"] == "failed"
    second_try = me.post(f"/cpa/applications/{app_id}/face-sessions").json()
    assert second_try["remaining_today"] == FACE_SESSIONS_PER_DAY - 2
    passed = public.post(f"/face/{second_try['token']}/result", json={"passed": True}).json()
    assert passed["application_status"] == "pending_firm"
    assert passed["notice"] == "年检申请已提交事务所审核。"

    # The firm returns it with a reason: the CPA gets a message and resubmits without face verification.
    pending_tab = firm.get("/firm/cpas", params={"tab": "pending_review"}).json()
    assert {r["application_id"] for r in pending_tab["items"]} == {app_id, pending[0].id, pending[1].id}
    returned = firm.post("/firm/returns", json={"items": [{"application_id": app_id}], "reason": "执业情况说明缺页"})
    assert returned.json()["returned"][0]["status"] == "firm_returned"
    inbox = me.get("/cpa/messages").json()
    assert len(inbox) == 1 and "执业情况说明缺页" in inbox[0]["body"] and not inbox[0]["read"]
    assert me.post(f"/cpa/messages/{inbox[0]['id']}/read").status_code == 204
    assert me.get("/cpa/messages").json()[0]["read"] is True
    assert me.post(f"/cpa/applications/{app_id}/resubmit").json()["status"] == "pending_firm"

    # Batch, withdraw, batch again: numbered {firm}-{year}-{seq}.
    ids = [app_id, pending[0].id, pending[1].id]
    batch = submit_batch(firm, ids).json()["batch"]
    assert batch["number"] == "50010028-2025-1" and batch["can_withdraw"] is True
    withdrawn = firm.post(f"/firm/batches/{batch['id']}/withdraw", json={}).json()
    assert withdrawn["batch"]["state"] == "withdrawn"
    assert {a["status"] for a in withdrawn["applications"]} == {"pending_firm"}
    again = submit_batch(firm, ids).json()
    assert again["batch"]["number"] == "50010028-2025-2"
    batch_id = again["batch"]["id"]

    # The institute returns one CPA, defers one and approves the rest.
    listed = institute.get("/institute/batches", params={"state": "submitted"}).json()
    assert [b["number"] for b in listed["items"]] == ["50010028-2025-2"]
    ret = institute.post(
        f"/institute/applications/{app_id}/decision", json={"decision": "return", "reason": "照片不清晰"}
    )
    assert ret.json()["status"] == "institute_returned" and ret.json()["batch_id"] is None
    assert firm.post(f"/firm/batches/{batch_id}/withdraw").status_code == 409  # review has started
    deferred = institute.post(
        f"/institute/applications/{pending[0].id}/decision", json={"decision": "defer", "reason": "待核实执业情况"}
    )
    assert deferred.json()["status"] == "deferred"
    detail = institute.post(f"/institute/batches/{batch_id}/approve-all").json()
    assert detail["batch"]["state"] == "reviewed"
    states = {a["application_id"]: a["status"] for a in detail["applications"]}
    assert states == {app_id: "institute_returned", pending[0].id: "deferred", pending[1].id: "approved"}
    assert "照片不清晰" in me.get("/cpa/messages").json()[0]["body"]

    # History of all years and the QR token, unchanged.
    history = me.get("/cpa/applications").json()
    assert [(h["year"], h["status"]) for h in history] == [(2025, "institute_returned"), (2024, "approved")]
    assert me.get("/cpa/qr").json() == qr_before
    assert qr_before["url"].endswith(f"/v/{qr_before['token']}")

    # The approval trail tells the story in order.
    trail = firm.get(f"/firm/applications/{app_id}/trail").json()
    assert [e["action"] for e in trail] == [
        "start",
        "face_failed",
        "face_passed",
        "firm_return",
        "resubmit",
        "submit_batch",
        "withdraw_batch",
        "submit_batch",
        "institute_return",
    ]
    assert trail[-1]["actor_role"] == "institute" and trail[-1]["reason"] == "照片不清晰"
    assert trail[-2]["batch_number"] == "50010028-2025-2"
