"""Every 4xx a route can answer is in the OpenAPI document, with the `{detail, code}` schema: checked by rules
over every operation (signed-in routes 401/403, ids in the path 404, bodies 413/422, uploads 507), and by
sending the requests that used to answer an undocumented 400."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers.openapi import openapi_document
from tests.helpers.server import FIRM_PASSWORD
from tests.helpers.server_world import World

ERROR_BODY = "#/components/schemas/ErrorBody"


DOCUMENT = openapi_document()
OPERATIONS = [
    (method.upper(), path, operation)
    for path, operations in DOCUMENT["paths"].items()
    for method, operation in operations.items()
]


def _required(path: str, operation: dict[str, Any]) -> set[str]:
    """The 4xx answers this operation can give, by what it takes."""
    needed: set[str] = set()
    if operation.get("security"):
        needed.add("401")
    if any(path.startswith(f"/api/v1/{role}") for role in ("firm", "cpa", "institute")):
        needed.add("403")
    if any(p["in"] == "path" for p in operation.get("parameters", [])):
        needed.add("404")
    if operation.get("parameters") or operation.get("requestBody"):
        needed.add("422")
    content = operation.get("requestBody", {}).get("content", {})
    if content:
        needed.add("413")
    if "multipart/form-data" in content:
        needed.add("507")
    return needed


@pytest.mark.parametrize(("method", "path", "operation"), OPERATIONS, ids=[f"{m} {p}" for m, p, _ in OPERATIONS])
def test_each_operation_documents_its_errors_with_the_error_schema(
    method: str, path: str, operation: dict[str, Any]
) -> None:
    responses = operation["responses"]
    missing = _required(path, operation) - set(responses)
    assert not missing, f"{method} {path} does not document {sorted(missing)}"
    for status, response in responses.items():
        if not status.startswith(("4", "5")):
            continue
        content = response.get("content", {})
        if "text/html" in content:  # a page a browser opened answers a page
            continue
        assert content["application/json"]["schema"] == {"$ref": ERROR_BODY}, (method, path, status)


def test_the_error_schema_is_detail_and_code() -> None:
    schema = DOCUMENT["components"]["schemas"]["ErrorBody"]
    assert set(schema["required"]) == {"detail", "code"}


@pytest.mark.parametrize("path", ["/firm/batches", "/firm/batches/1/resubmit", "/cpa/applications/1/attachments"])
def test_a_broken_multipart_body_is_a_documented_422_not_a_400(world: World, path: str) -> None:
    client = world.cpa_client(world.cpas[0]) if path.startswith("/cpa") else world.firm_client()
    answer = client.post(path, content=b"garbage", headers={"Content-Type": "multipart/form-data"})
    assert answer.status_code == 422, answer.text
    assert answer.json()["code"] == "invalid_input"
    assert "无法解析" in answer.json()["detail"]
    documented = DOCUMENT["paths"][
        f"/api/v1{path.replace('/1/', '/{batch_id}/' if 'batches' in path else '/{application_id}/')}"
    ]
    assert "422" in documented["post"]["responses"]


def test_a_disabled_account_signing_in_gets_a_documented_403(world: World) -> None:
    world.builder.set_disabled("firm", world.firm.number)
    answer = world.anonymous().post(
        "/auth/login", json={"user_type": "firm", "member_no": world.firm.number, "password": FIRM_PASSWORD}
    )
    assert answer.status_code == 403
    assert str(answer.status_code) in DOCUMENT["paths"]["/api/v1/auth/login"]["post"]["responses"]
