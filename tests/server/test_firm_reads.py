"""The firm's read endpoints: info, summary, filtered and paged rows, readiness, batches, OpenAPI."""

from __future__ import annotations

from datetime import date

import httpx
from sqlalchemy import event
from sqlalchemy.engine import Engine

from tests.helpers.server import open_window
from tests.helpers.server_world import World, submit_batch


def test_firm_info_lists_years_with_applications_and_the_current_one(world: World) -> None:
    world.builder.application(world.cpas[0], "approved", year=2023)
    info = world.firm_client().get("/firm").json()
    assert info["number"] == world.firm.number and info["institute_code"] == "50"
    assert info["years"] == [2023, 2025]
    assert info["current_year"] == 2025


def test_summary_counts_every_status(world: World) -> None:
    world.builder.application(world.cpas[0])
    world.builder.application(world.cpas[1], "firm_returned")
    world.builder.application(world.cpas[2], "approved")
    summary = world.firm_client().get("/firm/summary", params={"year": 2025}).json()
    assert (summary["total"], summary["pending"], summary["approved"], summary["not_applied"]) == (4, 1, 1, 2)
    assert summary["by_status"]["none"] == 1 and summary["by_status"]["firm_returned"] == 1
    assert summary["deadline"] == open_window(2025)[1].isoformat()


def test_rows_filter_by_tab_status_and_text_and_page(world: World) -> None:
    world.builder.application(world.cpas[0])
    world.builder.application(world.cpas[1], "institute_returned", reason="照片不清晰")
    named = world.builder.cpa(world.firm, "欧阳明")
    firm = world.firm_client()

    def certs(**params: object) -> list[str]:
        return [r["cert_no"] for r in firm.get("/firm/cpas", params=params).json()["items"]]

    assert certs(tab="pending_review") == [world.cpas[0].cert_no]
    not_applied = firm.get("/firm/cpas", params={"tab": "not_applied"}).json()["items"]
    assert {r["status"] for r in not_applied} == {"none", "institute_returned"}
    assert next(r for r in not_applied if r["status"] == "institute_returned")["reason"] == "照片不清晰"
    assert certs(status="none") == sorted([c.cert_no for c in world.cpas[2:]] + [named.cert_no])
    assert certs(q="欧阳") == [named.cert_no]
    assert certs(q=world.cpas[3].cert_no[-4:]) == [world.cpas[3].cert_no]
    page = firm.get("/firm/cpas", params={"page": 2, "page_size": 2, "sort": "-cert_no"}).json()
    assert (page["total"], page["page"], page["page_size"]) == (5, 2, 2)
    all_desc = certs(sort="-cert_no", page_size=10)
    assert [r["cert_no"] for r in page["items"]] == all_desc[2:4]
    bad = firm.get("/firm/cpas", params={"status": "nonsense"})
    assert (bad.status_code, bad.json()["code"]) == (422, "invalid_input")


def test_readiness_flags_what_the_institute_would_return(world: World) -> None:
    old = world.builder.cpa(world.firm, birth_date=date(1950, 1, 1), training={2025: 12})
    moved = world.builder.cpa(world.firm, joined_firm_on=date(2025, 6, 1))
    fine = world.builder.application(world.cpas[0])
    risky = world.builder.application(old, materials=["继续教育证明"])
    mover = world.builder.application(moved)
    firm = world.firm_client()
    assert firm.get(f"/firm/applications/{fine.id}/readiness").json() == {"application_id": fine.id, "flags": []}
    results = firm.post("/firm/readiness", json={"application_ids": [risky.id, mover.id]}).json()["results"]
    codes = {r["application_id"]: {(f["level"], f["code"]) for f in r["flags"]} for r in results}
    assert codes[risky.id] == {("red", "missing_material"), ("red", "training_hours"), ("yellow", "age_70")}
    assert codes[mover.id] == {("yellow", "moved")}


def test_application_detail_and_batches_listing(world: World) -> None:
    apps = [world.builder.application(c) for c in world.cpas[:2]]
    firm = world.firm_client()
    first = submit_batch(firm, [apps[0].id]).json()["batch"]
    second = submit_batch(firm, [apps[1].id]).json()["batch"]
    firm.post(f"/firm/batches/{first['id']}/withdraw").raise_for_status()
    listed = firm.get("/firm/batches", params={"state": "submitted,reviewing,reviewed,withdrawn"}).json()
    assert [b["id"] for b in listed["items"]] == [second["id"], first["id"]]  # newest first
    assert firm.get("/firm/batches", params={"state": "returned"}).json()["total"] == 0
    detail = firm.get(f"/firm/applications/{apps[0].id}").json()
    assert detail["profile"]["name"] == world.cpas[0].name and "id_number" in detail["profile"]
    assert [b["state"] for b in detail["batches"]] == ["withdrawn"]
    assert len(detail["attachments"]) == 2


def test_openapi_describes_every_endpoint_and_its_errors(world: World) -> None:
    spec = httpx.get(f"{world.server.base_url}/openapi.json").json()
    paths = spec["paths"]
    for path in (
        "/api/v1/auth/login",
        "/api/v1/firm/cpas",
        "/api/v1/firm/batches",
        "/api/v1/firm/changes",
        "/api/v1/cpa/applications/{application_id}/face-sessions",
        "/api/v1/face/{token}/result",
        "/api/v1/institute/applications/{application_id}/decision",
        "/healthz",
    ):
        assert path in paths, path
    withdraw = paths["/api/v1/firm/batches/{batch_id}/withdraw"]["post"]["responses"]
    assert {"401", "403", "404", "409"} <= set(withdraw)
    assert withdraw["409"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorBody")
    assert "413" in paths["/api/v1/firm/batches"]["post"]["responses"]
    assert httpx.get(f"{world.server.base_url}/docs").status_code == 200


def test_firm_rows_and_feed_take_the_same_few_queries_for_any_firm_size(world: World) -> None:
    firm = world.firm_client()
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    def queries(path: str) -> int:
        statements.clear()
        event.listen(Engine, "before_cursor_execute", count)
        try:
            assert firm.get(path, params={"page_size": 1000}).status_code == 200
        finally:
            event.remove(Engine, "before_cursor_execute", count)
        return len(statements)

    for cpa in world.builder.cpas(world.firm, 5):
        world.builder.application(cpa)
    small = {path: queries(path) for path in ("/firm/cpas", "/firm/changes")}
    for cpa in world.builder.cpas(world.firm, 40):
        world.builder.application(cpa)
    large = {path: queries(path) for path in ("/firm/cpas", "/firm/changes")}
    assert large == small
    assert all(2 <= n <= 8 for n in large.values()), large
