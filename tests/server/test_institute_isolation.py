"""Cross-institute isolation: institute 51 gets 404 on every institute-50 resource, through every institute
endpoint that takes an id (the list is checked against the OpenAPI document), and its lists show none of them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from firmdesk.domain.states import ApplicationState
from firmdesk.server.services.clock import china_today
from tests.helpers.institute_world import Provinces
from tests.helpers.openapi import openapi_document

#: Every institute operation with an id in its path: (method, path template, the resource its id names, body).
OPERATIONS: list[tuple[str, str, str, dict[str, Any] | None]] = [
    ("get", "/institute/applications/{application_id}", "application", None),
    ("post", "/institute/applications/{application_id}/decision", "application", {"decision": "approve"}),
    (
        "post",
        "/institute/applications/{application_id}/identity-check",
        "draft",
        {"checked_on": china_today().isoformat(), "document_type": "护照"},
    ),
    ("post", "/institute/applications/{application_id}/reinspection", "deferred", {"outcome": "pass"}),
    ("get", "/institute/batches/{batch_id}", "batch", None),
    ("post", "/institute/batches/{batch_id}/approve-all", "batch", {}),
    ("post", "/institute/batches/{batch_id}/return", "batch", {"reason": "社保证明不清晰"}),
    ("get", "/institute/attachments/{attachment_id}/content", "application_attachment", None),
    ("get", "/institute/attachments/{attachment_id}/content", "batch_attachment", None),
    ("post", "/institute/extensions/{extension_id}/revoke", "extension", {}),
]


def test_every_institute_operation_with_an_id_is_covered() -> None:
    documented = {
        (method, path)
        for path, operations in openapi_document()["paths"].items()
        if path.startswith("/api/v1/institute/") and "{" in path
        for method in operations
    }
    assert documented == {(method, f"/api/v1{path}") for method, path, _, _ in OPERATIONS}


def _chongqing_resources(world: Provinces) -> dict[str, int]:
    batch_id, (application_id, deferred_id) = world.submitted(2)
    chongqing = world.institute()
    chongqing.post(
        f"/institute/applications/{deferred_id}/decision", json={"decision": "defer", "reason": "待核实"}
    ).raise_for_status()
    draft = world.builder.application(world.builder.cpa(world.firm), ApplicationState.DRAFT)
    until = (china_today() + timedelta(days=200)).isoformat()
    extension = chongqing.post(
        "/institute/extensions", json={"firm_number": world.firm.number, "until": until, "reason": "x"}
    )
    detail = chongqing.get(f"/institute/batches/{batch_id}").json()
    return {
        "application": application_id,
        "deferred": deferred_id,
        "draft": draft.id,
        "batch": batch_id,
        "batch_attachment": detail["attachments"][0]["id"],
        "application_attachment": detail["reviews"][0]["attachments"][0]["id"],
        "extension": extension.json()["id"],
    }


@pytest.fixture
def chongqing(provinces: Provinces) -> dict[str, int]:
    return _chongqing_resources(provinces)


def test_institute_51_gets_404_on_every_institute_50_resource(provinces: Provinces, chongqing: dict[str, int]) -> None:
    sichuan = provinces.institute("51")
    for method, template, resource, body in OPERATIONS:
        path = template.format(
            **dict.fromkeys(("application_id", "batch_id", "attachment_id", "extension_id"), chongqing[resource])
        )
        answer = sichuan.request(method.upper(), path, json=body)
        assert answer.status_code == 404, (method, path, answer.text)
        assert answer.json()["code"] == "not_found" and answer.json()["detail"]
    # Nothing changed: institute 50 still sees its records as they were.
    chongqing_client = provinces.institute()
    review = chongqing_client.get(f"/institute/applications/{chongqing['application']}").json()
    assert review["row"]["status"] == "submitted"
    assert chongqing_client.get(f"/institute/applications/{chongqing['draft']}").json()["row"]["status"] == "draft"
    assert (
        chongqing_client.get("/institute/extensions", params={"active": True}).json()[0]["id"] == chongqing["extension"]
    )


def test_institute_51_lists_none_of_institute_50s_records(provinces: Provinces, chongqing: dict[str, int]) -> None:
    world = provinces
    sichuan_batch, _ = world.submitted(1, world.sichuan_firm)
    sichuan = world.institute("51")
    assert [b["id"] for b in sichuan.get("/institute/batches").json()["items"]] == [sichuan_batch]
    assert sichuan.get("/institute/batches", params={"q": world.firm.number}).json()["total"] == 0
    assert sichuan.get("/institute/extensions").json() == []
    assert sichuan.get("/institute/identity-checks").json() == []
    stats = sichuan.get("/institute/statistics").json()
    assert [f["firm_number"] for f in stats["firms"]] == [world.sichuan_firm.number]
    assert stats["province"]["cpas"] == 1
    # Another institute's firm or CPA cannot be given an extension.
    until = (china_today() + timedelta(days=200)).isoformat()
    for target in ({"firm_number": world.firm.number}, {"cert_no": world.cpas[0].cert_no}):
        answer = sichuan.post("/institute/extensions", json={**target, "until": until, "reason": "x"})
        assert answer.status_code == 404, answer.text
    # And institute 50 sees none of 51's.
    chongqing = world.institute()
    assert sichuan_batch not in {b["id"] for b in chongqing.get("/institute/batches").json()["items"]}
    assert chongqing.get(f"/institute/batches/{sichuan_batch}").status_code == 404
