"""年检代提请: the firm files a CPA's application with the status's materials and the 授权委托书, straight to
待事务所审核, marked 代提请 everywhere; refused for a CPA who has applied, without the 授权委托书, for bad files or
another firm's CPA; a retry with the same key files once; the CPA is told and sees it."""

from __future__ import annotations

import uuid

import httpx

from firmdesk.domain.materials import AUTHORIZATION_MATERIAL
from firmdesk.server.db.models import Cpa
from tests.helpers.races import race
from tests.helpers.server import RETIRED_MATERIALS, WORKING_MATERIALS, api_login, tiny_pdf
from tests.helpers.server_world import World, submit_batch


def _parts(materials: list[str]) -> list[tuple[str, tuple[str, bytes, str]]]:
    return [("files", (f"{m}.pdf", tiny_pdf(m), "application/pdf")) for m in materials]


def file_on_behalf(
    client: httpx.Client,
    cpa: Cpa,
    *,
    retired: bool = False,
    materials: list[str] | None = None,
    key: str | None = None,
    files: list[tuple[str, tuple[str, bytes, str]]] | None = None,
) -> httpx.Response:
    names = materials if materials is not None else [*WORKING_MATERIALS, AUTHORIZATION_MATERIAL]
    return client.post(
        "/firm/applications/on-behalf",
        headers={"Idempotency-Key": key or str(uuid.uuid4())},
        data={"cpa_id": str(cpa.id), "retired": "true" if retired else "false", "materials": names},
        files=files if files is not None else _parts(names),
    )


def test_the_firm_files_for_a_cpa_straight_to_pending_review_marked_on_behalf(world: World) -> None:
    cpa = world.cpas[0]
    firm = world.firm_client()
    answer = file_on_behalf(firm, cpa, retired=True, materials=[*RETIRED_MATERIALS, AUTHORIZATION_MATERIAL])
    assert answer.status_code == 201, answer.text
    row = answer.json()
    assert (row["status"], row["on_behalf"], row["retired"], row["attachment_count"]) == ("pending_firm", True, True, 2)
    assert row["updated_by"] == "王主管"
    pending = firm.get("/firm/cpas", params={"tab": "pending_review"}).json()["items"]
    assert [(r["cpa_id"], r["on_behalf"]) for r in pending] == [(cpa.id, True)]

    trail = firm.get(f"/firm/applications/{row['application_id']}/trail").json()
    assert [(e["action"], e["actor_name"], e["actor_person"], e["to_label"]) for e in trail] == [
        ("start", world.firm.name, "王主管", "未提交"),
        ("on_behalf", world.firm.name, "王主管", "待事务所审核"),
    ]
    # The CPA is told and sees it in their history.
    own = world.cpa_client(cpa)
    message = own.get("/cpa/messages").json()[0]
    assert message["title"] == "2025年度年检申请已由事务所代提请" and "王主管" in message["body"]
    history = own.get("/cpa/applications").json()
    assert (history[0]["status"], history[0]["on_behalf"]) == ("pending_firm", True)
    assert sorted(a["material"] for a in history[0]["attachments"]) == sorted([*RETIRED_MATERIALS, "授权委托书"])

    # The institute sees the mark once the batch arrives.
    batch = submit_batch(firm, [row["application_id"]]).json()["batch"]
    institute_rows = world.institute_client().get(f"/institute/batches/{batch['id']}").json()["applications"]
    assert [r["on_behalf"] for r in institute_rows] == [True]


def test_the_authorization_letter_is_required(world: World) -> None:
    answer = file_on_behalf(world.firm_client(), world.cpas[0], materials=list(WORKING_MATERIALS))
    assert answer.status_code == 422
    assert answer.json()["detail"] == "代提请缺少必需材料：授权委托书"
    assert answer.json()["missing"] == ["授权委托书"]
    assert world.firm_client().get("/firm/cpas", params={"tab": "pending_review"}).json()["total"] == 0


def test_the_status_materials_are_required_too(world: World) -> None:
    answer = file_on_behalf(world.firm_client(), world.cpas[0], retired=True)  # working materials for a retiree
    assert answer.status_code == 422 and answer.json()["detail"] == "代提请缺少必需材料：离退休证明"


def test_a_cpa_who_has_applied_is_refused_with_409(world: World) -> None:
    cpa = world.cpas[0]
    world.builder.application(cpa, "draft")
    answer = file_on_behalf(world.firm_client(), cpa)
    assert answer.status_code == 409
    assert answer.json()["detail"] == "该注册会计师本年度已有年检申请，不能代提请（当前状态：未提交）"


def test_a_retry_with_the_same_key_files_once(world: World) -> None:
    cpa, firm, key = world.cpas[0], world.firm_client(), str(uuid.uuid4())
    first = file_on_behalf(firm, cpa, key=key)
    again = file_on_behalf(firm, cpa, key=key)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert len(world.cpa_client(cpa).get("/cpa/messages").json()) == 1


def test_two_administrators_filing_for_the_same_cpa_at_once_file_once(world: World) -> None:
    cpa, firm = world.cpas[1], world.firm_client()
    world.builder.account(world.firm, "50010028-02", "赵敏", password="reviewer-pass-1")
    reviewer = api_login(world.server.base_url, "firm", "50010028-02", "reviewer-pass-1")
    answers = race(lambda: file_on_behalf(firm, cpa), lambda: file_on_behalf(reviewer, cpa))
    assert sorted(a.status_code for a in answers) == [201, 409]
    assert len(world.cpa_client(cpa).get("/cpa/applications").json()) == 1
    reviewer.close()


def test_without_a_key_nothing_is_filed(world: World) -> None:
    answer = world.firm_client().post(
        "/firm/applications/on-behalf", data={"cpa_id": str(world.cpas[0].id), "retired": "false"}
    )
    assert answer.status_code == 422 and "Idempotency-Key" in answer.json()["detail"]


def test_bad_files_are_refused_and_nothing_is_filed(world: World) -> None:
    names = [*WORKING_MATERIALS, AUTHORIZATION_MATERIAL]
    files = [*_parts(names[:-1]), ("files", ("授权委托书.pdf", b"MZ\x90\x00 not a pdf", "application/pdf"))]
    answer = file_on_behalf(world.firm_client(), world.cpas[0], files=files)
    assert answer.status_code == 422 and answer.json()["code"] == "limit_exceeded"
    mismatched = file_on_behalf(world.firm_client(), world.cpas[0], files=_parts(names[:1]))
    assert mismatched.status_code == 422 and "数量不一致" in mismatched.json()["detail"]
    assert world.firm_client().get("/firm/cpas", params={"tab": "pending_review"}).json()["total"] == 0


def test_another_firms_cpa_is_not_found(world: World) -> None:
    answer = file_on_behalf(world.firm_client(), world.other_cpa)
    assert answer.status_code == 404 and answer.json()["detail"] == "未找到该注册会计师"


def test_the_row_says_when_on_behalf_is_available(world: World) -> None:
    world.builder.application(world.cpas[0], "firm_returned", reason="请补充")
    rows = world.firm_client().get("/firm/cpas", params={"tab": "not_applied"}).json()["items"]
    actions = {r["cpa_id"]: r["actions"]["on_behalf"] for r in rows}
    assert actions[world.cpas[1].id] is None
    assert actions[world.cpas[0].id] == "该注册会计师本年度已有年检申请，不能代提请（当前状态：事务所退回）"
