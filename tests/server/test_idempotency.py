"""Idempotency keys bound to their request: a replay answers the first answer; another request is refused."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect

from firmdesk.server.db.session import make_engine, migrate
from firmdesk.server.services.commands import ReturnApplications, WithdrawBatch
from firmdesk.server.services.idempotency import Operation, request_hash
from tests.helpers.server import tiny_pdf
from tests.helpers.server_world import World, batch_files, submit_batch

REUSED = "idempotency_key_reused"


def _refused_as_reused(answer: object) -> None:
    assert answer.status_code == 422, answer.text  # type: ignore[attr-defined]
    body = answer.json()  # type: ignore[attr-defined]
    assert body["code"] == REUSED
    assert "Idempotency-Key" in body["detail"] and "另一个请求" in body["detail"]
    assert "Idempotent-Replayed" not in answer.headers  # type: ignore[attr-defined]


def test_a_key_reused_for_another_application_is_refused_and_changes_nothing(world: World) -> None:
    first, second = (world.builder.application(c) for c in world.cpas[:2])
    firm = world.firm_client()
    returned = firm.post(
        "/firm/returns",
        json={"items": [{"application_id": first.id}], "reason": "请补充"},
        headers={"Idempotency-Key": "k"},
    )
    assert returned.status_code == 200
    again = firm.post(
        "/firm/returns",
        json={"items": [{"application_id": second.id}], "reason": "请补充"},
        headers={"Idempotency-Key": "k"},
    )
    _refused_as_reused(again)
    assert firm.get(f"/firm/applications/{second.id}").json()["row"]["status"] == "pending_firm"


def test_a_key_reused_with_another_reason_is_refused(world: World) -> None:
    application = world.builder.application(world.cpas[0])
    firm = world.firm_client()
    body = {"items": [{"application_id": application.id}], "reason": "请补充"}
    assert firm.post("/firm/returns", json=body, headers={"Idempotency-Key": "k"}).status_code == 200
    _refused_as_reused(
        firm.post("/firm/returns", json={**body, "reason": "另一个原因"}, headers={"Idempotency-Key": "k"})
    )


def test_a_key_reused_for_another_operation_is_refused(world: World) -> None:
    application = world.builder.application(world.cpas[0])
    firm = world.firm_client()
    batch = submit_batch(firm, [application.id], key="one-key").json()["batch"]
    _refused_as_reused(firm.post(f"/firm/batches/{batch['id']}/withdraw", headers={"Idempotency-Key": "one-key"}))
    assert firm.get(f"/firm/batches/{batch['id']}").json()["batch"]["state"] == "submitted"


def test_a_key_reused_for_another_batch_is_refused(world: World) -> None:
    firm = world.firm_client()
    ids = [submit_batch(firm, [world.builder.application(c).id]).json()["batch"]["id"] for c in world.cpas[:2]]
    assert firm.post(f"/firm/batches/{ids[0]}/withdraw", headers={"Idempotency-Key": "w"}).status_code == 200
    _refused_as_reused(firm.post(f"/firm/batches/{ids[1]}/withdraw", headers={"Idempotency-Key": "w"}))
    assert firm.get(f"/firm/batches/{ids[1]}").json()["batch"]["state"] == "submitted"


def test_a_submit_with_other_files_under_the_same_key_is_refused(world: World) -> None:
    application = world.builder.application(world.cpas[0])
    firm = world.firm_client()
    assert submit_batch(firm, [application.id], key="s").status_code == 201
    parts = batch_files(1)
    other_file = [("files", ("材料0.pdf", tiny_pdf("another content"), "application/pdf"))]
    answer = firm.post(
        "/firm/batches",
        headers={"Idempotency-Key": "s"},
        data={"year": "2025", "application_ids": [str(application.id)], "materials": parts["materials"]},
        files=other_file,
    )
    _refused_as_reused(answer)


def test_the_same_request_replays_exactly_the_first_answer(world: World) -> None:
    firm = world.firm_client()
    batch = submit_batch(firm, [world.builder.application(world.cpas[0]).id]).json()["batch"]
    url = f"/firm/batches/{batch['id']}/withdraw"
    first = firm.post(url, json={"version": batch["version"]}, headers={"Idempotency-Key": "w1"})
    again = firm.post(url, json={"version": batch["version"]}, headers={"Idempotency-Key": "w1"})
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.content == first.content
    assert again.headers["Idempotent-Replayed"] == "true"


def test_a_refusal_is_not_stored_so_the_key_may_be_used_again(world: World) -> None:
    firm = world.firm_client()
    application = world.builder.application(world.cpas[0])
    body = {"items": [{"application_id": application.id}], "reason": ""}  # no reason: refused
    assert firm.post("/firm/returns", json=body, headers={"Idempotency-Key": "r"}).status_code == 422
    body["reason"] = "请补充"
    assert firm.post("/firm/returns", json=body, headers={"Idempotency-Key": "r"}).status_code == 200


def test_a_cpa_key_for_an_upload_is_refused_for_a_face_session(world: World) -> None:
    draft = world.builder.application(world.cpas[1], "draft")
    me = world.cpa_client(world.cpas[1])
    uploaded = me.post(
        f"/cpa/applications/{draft.id}/attachments",
        data={"material": "其他材料"},
        files={"file": ("a.pdf", tiny_pdf("x"), "application/pdf")},
        headers={"Idempotency-Key": "c"},
    )
    assert uploaded.status_code == 201, uploaded.text
    _refused_as_reused(me.post(f"/cpa/applications/{draft.id}/face-sessions", headers={"Idempotency-Key": "c"}))


def test_the_request_hash_names_the_operation_the_target_and_the_command() -> None:
    command = WithdrawBatch(version=3)
    same = request_hash(Operation.FIRM_WITHDRAW, WithdrawBatch(version=3), 7)
    assert request_hash(Operation.FIRM_WITHDRAW, command, 7) == same
    assert request_hash(Operation.FIRM_WITHDRAW, command, 8) != same
    assert request_hash(Operation.FIRM_WITHDRAW, WithdrawBatch(version=4), 7) != same
    assert request_hash(Operation.INSTITUTE_APPROVE_ALL, command, 7) != same
    returns = ReturnApplications(application_ids=(1, 2), reason="请补充", versions=(None, 2))
    assert request_hash(Operation.FIRM_RETURN, returns) != request_hash(
        Operation.FIRM_RETURN, ReturnApplications(application_ids=(2, 1), reason="请补充", versions=(None, 2))
    )


def test_a_database_made_before_the_request_hash_is_upgraded(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    migrate(url, "0001")
    engine = make_engine(url)
    try:
        assert "request_hash" not in {c["name"] for c in inspect(engine).get_columns("idempotent_requests")}
        migrate(engine)
        assert "request_hash" in {c["name"] for c in inspect(engine).get_columns("idempotent_requests")}
    finally:
        engine.dispose()
