"""The institute's review on the server: red flags refuse a batch (422 naming each CPA), yellow ones are kept with
it; 线下人工核验; 复检 of deferred CPAs; named staff in the trail; one winner when two staff decide at once;
the queue (oldest first, counts, flags, search); statistics and their Excel export."""

from __future__ import annotations

import io
import uuid
from datetime import date, timedelta

from openpyxl import load_workbook

from firmdesk.domain.states import ApplicationState
from firmdesk.server.services.clock import china_today
from tests.helpers.institute_world import FIRST_STAFF, SECOND_STAFF, SECOND_STAFF_LOGIN, Provinces
from tests.helpers.races import race
from tests.helpers.server_world import submit_batch


def test_red_flags_refuse_the_batch_naming_each_cpa_and_why(provinces: Provinces) -> None:
    world = provinces
    low = world.pending(world.builder.cpa(world.firm, "学时不足", training={2025: 20.0}))
    missing = world.pending(world.builder.cpa(world.firm, "缺材料"), materials=["继续教育证明"])
    fine = world.pending()
    answer = submit_batch(world.firm_client(), [fine.id, low.id, missing.id])
    assert answer.status_code == 422, answer.text
    body = answer.json()
    assert body["code"] == "red_flags"
    assert (
        "学时不足" in body["detail"]
        and "缺材料" in body["detail"]
        and "培训学时 20 低于要求的 40 学时" in body["detail"]
    )
    listed = {a["application_id"]: a for a in body["applications"]}
    assert set(listed) == {low.id, missing.id}
    assert [f["code"] for f in listed[low.id]["flags"]] == ["training_hours"]
    assert listed[missing.id]["flags"][0] == {
        "level": "red",
        "code": "missing_material",
        "message": "缺少必需材料：执业情况说明",
    }
    assert listed[low.id]["cert_no"] and listed[low.id]["name"] == "学时不足"
    assert world.firm_client().get("/firm/batches").json()["total"] == 0  # nothing half-done
    assert submit_batch(world.firm_client(), [fine.id]).status_code == 201


def test_yellow_flags_go_through_and_are_kept_with_the_batch(provinces: Provinces) -> None:
    world = provinces
    senior = world.pending(world.builder.cpa(world.firm, "年长注师", birth_date=date(1950, 3, 1)))
    other = world.pending()
    created = submit_batch(world.firm_client(), [senior.id, other.id])
    assert created.status_code == 201, created.text
    batch_id = created.json()["batch"]["id"]
    queue = world.institute().get("/institute/batches").json()
    row = next(b for b in queue["items"] if b["id"] == batch_id)
    assert [(f["application_id"], f["code"], f["level"]) for f in row["yellow_flags"]] == [
        (senior.id, "age_70", "yellow")
    ]
    detail = world.institute().get(f"/institute/batches/{batch_id}").json()
    assert detail["batch"]["yellow_flags"] == row["yellow_flags"]
    by_id = {a["row"]["application_id"]: a for a in detail["reviews"]}
    assert [f["code"] for f in by_id[senior.id]["recorded_flags"]] == ["age_70"]
    assert by_id[other.id]["recorded_flags"] == []


def test_an_offline_identity_check_counts_as_face_verification_and_the_trail_names_the_checker(
    provinces: Provinces,
) -> None:
    world = provinces
    cpa = world.builder.cpa(world.firm, "护照注师")
    draft = world.builder.application(cpa, ApplicationState.DRAFT)
    institute = world.institute(SECOND_STAFF_LOGIN)
    today = china_today().isoformat()
    body = {"checked_on": today, "document_type": "护照", "note": "本人持护照到会核验"}
    answer = institute.post(
        f"/institute/applications/{draft.id}/identity-check", json=body, headers={"Idempotency-Key": str(uuid.uuid4())}
    )
    assert answer.status_code == 201, answer.text
    result = answer.json()
    assert result["row"]["status"] == "pending_firm"
    assert (result["check"]["checked_by"], result["check"]["document_type"]) == (SECOND_STAFF, "护照")
    trail = world.cpa_client(cpa).get(f"/cpa/applications/{draft.id}").json()["events"]
    last = trail[-1]
    assert (last["action"], last["actor_person"], last["to_state"]) == (
        "offline_verified",
        SECOND_STAFF,
        "pending_firm",
    )
    assert "护照" in last["reason"] and today in last["reason"] and "线下人工核验" in last["action_label"]
    listed = institute.get("/institute/identity-checks").json()
    assert [c["application_id"] for c in listed] == [draft.id]
    again = institute.post(f"/institute/applications/{draft.id}/identity-check", json=body)
    assert again.status_code == 409 and "只有未提交的年检申请可以进行线下人工核验" in again.json()["detail"]
    # The firm then reviews it like any other.
    assert submit_batch(world.firm_client(), [draft.id]).status_code == 201


def test_offline_identity_check_input_is_checked(provinces: Provinces) -> None:
    world = provinces
    draft = world.builder.application(world.builder.cpa(world.firm), ApplicationState.DRAFT)
    bare = world.builder.application(world.builder.cpa(world.firm), ApplicationState.DRAFT, materials=[])
    institute = world.institute()
    today = china_today()
    good = {"checked_on": today.isoformat(), "document_type": "护照"}
    cases = [
        (draft.id, {**good, "checked_on": (today + timedelta(days=1)).isoformat()}, 422),
        (draft.id, {**good, "checked_on": (today - timedelta(days=400)).isoformat()}, 422),
        (draft.id, {**good, "document_type": "驾驶证"}, 422),
        (draft.id, {**good, "note": "长" * 501}, 422),
        (draft.id, {"document_type": "护照"}, 422),
        (bare.id, good, 422),  # materials missing, as for face verification
        (draft.id, {**good, "version": 99}, 409),
        (999999, good, 404),
    ]
    for application_id, body, status in cases:
        answer = institute.post(f"/institute/applications/{application_id}/identity-check", json=body)
        assert answer.status_code == status, (body, answer.text)
        assert answer.json()["detail"]
    assert institute.get("/institute/identity-checks").json() == []
    huge = institute.post(f"/institute/applications/{2**63}/identity-check", json=good)
    assert huge.status_code == 422


def test_a_deferred_cpa_is_reinspected_and_the_qr_page_shows_the_final_outcome(provinces: Provinces) -> None:
    world = provinces
    _, (deferred_id, failed_id) = world.submitted(2)
    first, second = world.institute(), world.institute(SECOND_STAFF_LOGIN)
    for application_id in (deferred_id, failed_id):
        decided = first.post(
            f"/institute/applications/{application_id}/decision", json={"decision": "defer", "reason": "立案调查中"}
        )
        assert decided.status_code == 200
    no_reason = second.post(f"/institute/applications/{failed_id}/reinspection", json={"outcome": "fail"})
    assert no_reason.status_code == 422
    passed = second.post(f"/institute/applications/{deferred_id}/reinspection", json={"outcome": "pass"})
    assert passed.status_code == 200 and passed.json()["status"] == "approved"
    failed = second.post(
        f"/institute/applications/{failed_id}/reinspection", json={"outcome": "fail", "reason": "调查结论：违规执业"}
    )
    assert failed.json()["status"] == "failed" and failed.json()["reason"] == "调查结论：违规执业"
    again = second.post(f"/institute/applications/{deferred_id}/reinspection", json={"outcome": "fail", "reason": "x"})
    assert again.status_code == 409 and "只有暂缓年检的注册会计师可以复检" in again.json()["detail"]

    review = first.get(f"/institute/applications/{deferred_id}").json()
    decisions = [(e["action"], e["actor_person"]) for e in review["trail"] if e["actor_role"] == "institute"]
    assert decisions == [("defer", FIRST_STAFF), ("reinspect_pass", SECOND_STAFF)]
    cpa = world.cpa_of(deferred_id)
    page = world.public().get(f"/v/{cpa.qr_token}.json").json()
    assert (page["years"][0]["year"], page["years"][0]["result"]) == (2025, "approved")
    failed_page = world.public().get(f"/v/{world.cpa_of(failed_id).qr_token}.json").json()
    assert failed_page["years"][0]["result"] == "failed"
    messages = world.cpa_client(cpa).get("/cpa/messages").json()
    assert messages[0]["title"] == "2025年度年检结果：复检通过"


def test_two_staff_deciding_the_same_application_at_once_one_wins(provinces: Provinces) -> None:
    world = provinces
    _, (application_id, _) = world.submitted(2)
    first, second = world.institute(), world.institute(SECOND_STAFF_LOGIN)
    path = f"/institute/applications/{application_id}/decision"
    answers = race(
        lambda: first.post(path, json={"decision": "approve"}),
        lambda: second.post(path, json={"decision": "fail", "reason": "未实际执业"}),
    )
    assert sorted(a.status_code for a in answers) == [200, 409], [a.text for a in answers]
    loser = next(a for a in answers if a.status_code == 409).json()
    assert loser["code"] in {"transition_refused", "version_conflict"} and loser["detail"]
    trail = first.get(f"/institute/applications/{application_id}").json()["trail"]
    assert len([e for e in trail if e["actor_role"] == "institute"]) == 1


def test_two_staff_reinspecting_at_once_one_wins(provinces: Provinces) -> None:
    world = provinces
    _, (application_id, _) = world.submitted(2)
    first, second = world.institute(), world.institute(SECOND_STAFF_LOGIN)
    first.post(
        f"/institute/applications/{application_id}/decision", json={"decision": "defer", "reason": "待核实"}
    ).raise_for_status()
    path = f"/institute/applications/{application_id}/reinspection"
    answers = race(
        lambda: first.post(path, json={"outcome": "pass"}),
        lambda: second.post(path, json={"outcome": "fail", "reason": "核实有误"}),
    )
    assert sorted(a.status_code for a in answers) == [200, 409], [a.text for a in answers]


def test_every_decision_names_the_staff_member(provinces: Provinces) -> None:
    world = provinces
    batch_id, ids = world.submitted(3)
    first, second = world.institute(), world.institute(SECOND_STAFF_LOGIN)
    first.post(f"/institute/applications/{ids[0]}/decision", json={"decision": "approve"}).raise_for_status()
    second.post(
        f"/institute/applications/{ids[1]}/decision", json={"decision": "return", "reason": "照片不清晰"}
    ).raise_for_status()
    second.post(f"/institute/batches/{batch_id}/approve-all").raise_for_status()
    detail = first.get(f"/institute/batches/{batch_id}").json()
    people = {
        a["row"]["application_id"]: [e["actor_person"] for e in a["trail"] if e["actor_role"] == "institute"]
        for a in detail["reviews"]
    }
    assert people == {ids[0]: [FIRST_STAFF], ids[1]: [SECOND_STAFF], ids[2]: [SECOND_STAFF]}
    assert all(e["actor_person"] for e in detail["events"] if e["actor_role"] == "institute")


def test_decision_input_is_checked(provinces: Provinces) -> None:
    world = provinces
    batch_id, (application_id, _) = world.submitted(2)
    institute = world.institute()
    path = f"/institute/applications/{application_id}/decision"
    for body in (
        {"decision": "defer"},
        {"decision": "fail", "reason": "  "},
        {"decision": "return", "reason": "长" * 501},
        {"decision": "approve", "reason": "长" * 501},
        {"decision": "maybe"},
        {"decision": "approve", "version": 2**63},
    ):
        answer = institute.post(path, json=body)
        assert answer.status_code == 422, (body, answer.text)
    assert institute.post(f"/institute/batches/{batch_id}/return", json={"reason": ""}).status_code == 422
    assert institute.post(path, json={"decision": "approve", "version": 99}).status_code == 409
    assert institute.post("/institute/applications/999999/decision", json={"decision": "approve"}).status_code == 404
    assert institute.get(f"/institute/applications/{2**63}").status_code == 422


def test_the_queue_is_oldest_first_with_counts_and_search(provinces: Provinces) -> None:
    world = provinces
    first_id, first_apps = world.submitted(2)
    second_id, _ = world.submitted(1, world.other_firm)
    institute = world.institute()
    institute.post(f"/institute/applications/{first_apps[0]}/decision", json={"decision": "approve"})
    queue = institute.get("/institute/batches", params={"state": "submitted,reviewing"}).json()
    assert [b["id"] for b in queue["items"]] == [first_id, second_id]
    assert queue["by_state"]["reviewing"] == 1 and queue["by_state"]["submitted"] == 1 and queue["total"] == 2
    counts = queue["items"][0]["counts"]
    assert (counts["cpas"], counts["waiting"], counts["approved"]) == (2, 1, 1)
    newest = institute.get("/institute/batches", params={"order": "newest"}).json()
    assert [b["id"] for b in newest["items"]] == [second_id, first_id]
    cpa = world.cpa_of(first_apps[1])
    for q in (world.other_firm.number, "两江", queue["items"][0]["number"], cpa.name, cpa.cert_no):
        found = institute.get("/institute/batches", params={"q": q}).json()
        assert found["total"] == 1, q
    assert institute.get("/institute/batches", params={"q": "100%_"}).json()["total"] == 0
    assert institute.get("/institute/batches", params={"q": "x" * 51}).status_code == 422
    assert institute.get("/institute/batches", params={"order": "random"}).status_code == 422
    assert institute.get("/institute/batches", params={"state": "nonsense"}).status_code == 422


def test_application_review_has_everything_to_decide(provinces: Provinces) -> None:
    world = provinces
    batch_id, (application_id, _) = world.submitted(2)
    institute = world.institute()
    review = institute.get(f"/institute/applications/{application_id}").json()
    assert review["row"]["status"] == "submitted" and review["profile"]["training_hours"] == {
        "2024": 48.0,
        "2025": 48.0,
    }
    assert review["profile"]["id_number"] and review["firm_number"] == world.firm.number
    assert {a["material"] for a in review["attachments"]} == set(review["required_materials"])
    assert review["flags"] == [] and [b["id"] for b in review["batches"]] == [batch_id]
    assert [e["action"] for e in review["trail"]] == ["submit_batch"]
    content = institute.get(f"/institute/attachments/{review['attachments'][0]['id']}/content")
    assert content.status_code == 200 and content.content.startswith(b"%PDF")


def test_statistics_per_firm_and_for_the_province_and_their_excel(provinces: Provinces) -> None:
    world = provinces
    world.builder.application(world.cpas[0], ApplicationState.DRAFT)
    world.builder.application(world.cpas[1], ApplicationState.FIRM_RETURNED)
    _, ids = world.submitted(3)
    institute = world.institute()
    institute.post(f"/institute/applications/{ids[0]}/decision", json={"decision": "approve"})
    institute.post(f"/institute/applications/{ids[1]}/decision", json={"decision": "defer", "reason": "x"})
    world.pending(world.builder.cpa(world.other_firm))
    stats = institute.get("/institute/statistics").json()
    firm = next(f for f in stats["firms"] if f["firm_number"] == world.firm.number)
    assert {
        k: firm[k] for k in ("cpas", "applied", "not_applied", "returned", "submitted", "approved", "deferred")
    } == {
        "cpas": 5,
        "applied": 4,
        "not_applied": 1,
        "returned": 1,
        "submitted": 1,
        "approved": 1,
        "deferred": 1,
    }
    assert stats["province"]["cpas"] == 6 and stats["province"]["pending_firm"] == 1
    assert [f["firm_number"] for f in stats["firms"]] == [world.firm.number, world.other_firm.number]
    excel = institute.get("/institute/statistics.xlsx")
    assert excel.status_code == 200 and "attachment" in excel.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(excel.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][:3] == ("事务所编号", "事务所名称", "注册会计师人数")
    assert rows[2][0] == world.firm.number and rows[2][2] == 5
    assert rows[-1][0] == "全省合计" and rows[-1][2] == 6
    assert institute.get("/institute/statistics", params={"year": 1999}).status_code == 422


def test_settings_are_validated(provinces: Provinces) -> None:
    institute = provinces.institute()
    config = institute.get("/institute/config").json()
    for change in (
        {"deadline": "2026-01-01", "window_start": "2026-02-01"},
        {"window_start": "2024-01-01"},
        {"notice_start": "长" * 5001},
        {"min_training_hours": -1},
        {"min_training_hours": 10**9},
        {"current_year": 10**20},
        {"materials_working": ["长" * 101]},
        {"materials_retired": [f"材料{i}" for i in range(21)]},
    ):
        answer = institute.put("/institute/config", json={**config, **change})
        assert answer.status_code == 422, (change, answer.text)
        assert answer.json()["code"] == "invalid_input"
    assert institute.get("/institute/config").json() == config


def test_each_institute_lists_its_own_named_staff(provinces: Provinces) -> None:
    staff = provinces.institute().get("/institute/staff").json()
    assert [(s["login"], s["person_name"], s["org_role_label"]) for s in staff] == [
        ("50", FIRST_STAFF, "主管理员"),
        (SECOND_STAFF_LOGIN, SECOND_STAFF, "审核员"),
    ]
    assert [s["login"] for s in provinces.institute("51").get("/institute/staff").json()] == ["51"]
