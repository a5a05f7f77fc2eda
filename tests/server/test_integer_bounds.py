"""Every integer the API takes (path, query, JSON body, form) is bounded: a number beyond 64 bits answers 422
with a Chinese message, never a plain-text 500 and a dropped connection. The cases are found by walking the
OpenAPI document, so a new route with an unbounded integer is caught here."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest

from firmdesk.domain.states import BatchState
from tests.helpers.openapi import openapi_document
from tests.helpers.server import tiny_pdf
from tests.helpers.server_world import World, batch_in, submit_batch

TOO_BIG = 2**63
HUGE = 10**30


@dataclass(frozen=True)
class IntegerInput:
    method: str
    path: str
    where: str  # path, query, body or form
    name: str  # the parameter, or the body field as a dotted path (`items.0.application_id`)
    value: int

    def __str__(self) -> str:
        return f"{self.method} {self.path} {self.where}:{self.name}={'2^63' if self.value == TOO_BIG else '10^30'}"


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        target: Any = document
        for part in schema["$ref"].lstrip("#/").split("/"):
            target = target[part]
        schema = target
    return schema


def _is_integer(schema: dict[str, Any]) -> bool:
    return schema.get("type") == "integer" or any(s.get("type") == "integer" for s in schema.get("anyOf", []))


def _example(document: dict[str, Any], schema: dict[str, Any]) -> Any:
    """A minimal valid value of `schema` (every required field filled)."""
    schema = _resolve(document, schema)
    if "anyOf" in schema:
        return _example(document, next(s for s in schema["anyOf"] if s.get("type") != "null"))
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    kind = schema.get("type")
    if kind == "object":
        props = schema.get("properties", {})
        return {name: _example(document, props[name]) for name in schema.get("required", [])}
    if kind == "array":
        return [_example(document, schema.get("items", {}))]
    return {"integer": 1, "number": 1, "boolean": True, "string": "x"}.get(str(kind), "x")


def _body_integers(document: dict[str, Any], schema: dict[str, Any], prefix: str = "") -> list[str]:
    """Dotted paths of every integer field in a JSON body schema (list items as `.0`)."""
    schema = _resolve(document, schema)
    if "anyOf" in schema:
        return [p for s in schema["anyOf"] for p in _body_integers(document, s, prefix)]
    if _is_integer(schema):
        return [prefix.rstrip(".")]
    if schema.get("type") == "array":
        return _body_integers(document, schema.get("items", {}), f"{prefix}0.")
    fields = schema.get("properties", {}).items()
    return [p for name, sub in fields for p in _body_integers(document, sub, f"{prefix}{name}.")]


def _integer_inputs() -> list[IntegerInput]:
    document = openapi_document()
    found: list[IntegerInput] = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                if parameter["in"] in ("path", "query") and _is_integer(parameter["schema"]):
                    for value in (TOO_BIG, HUGE):
                        found.append(IntegerInput(method.upper(), path, parameter["in"], parameter["name"], value))
            content = operation.get("requestBody", {}).get("content", {})
            for media, where in (("application/json", "body"), ("multipart/form-data", "form")):
                if media in content:
                    for name in _body_integers(document, content[media]["schema"]):
                        found.append(IntegerInput(method.upper(), path, where, name, TOO_BIG))
    return found


INTEGER_INPUTS = _integer_inputs()


def test_the_walk_finds_the_operations_of_the_report() -> None:
    seen = {(i.method, i.path, i.name) for i in INTEGER_INPUTS}
    assert ("GET", "/api/v1/firm/applications/{application_id}", "application_id") in seen
    assert ("GET", "/api/v1/firm/changes", "since") in seen
    assert ("POST", "/api/v1/firm/returns", "items.0.application_id") in seen
    assert ("GET", "/api/v1/firm/cpas", "page") in seen
    assert len({(i.method, i.path) for i in INTEGER_INPUTS}) >= 14


def _nested(dotted: str, value: int) -> Any:
    """`items.0.application_id` -> {"items": [{"application_id": value}]}."""
    if not dotted:
        return value
    head, _, rest = dotted.partition(".")
    return [_nested(rest, value)] if head.isdigit() else {head: _nested(rest, value)}


def _client(world: World, path: str):  # type: ignore[no-untyped-def]
    if path.startswith("/api/v1/firm"):
        return world.firm_client()
    if path.startswith("/api/v1/cpa"):
        return world.cpa_client(world.cpas[0])
    if path.startswith("/api/v1/institute"):
        return world.institute_client()
    return world.anonymous()


def _real_ids(world: World) -> dict[str, int]:
    """Ids of records the signed-in roles may see: the ownership checks in the path pass, so the request
    reaches the validation of the number under test (FastAPI checks the path's records first)."""
    application = world.builder.application(world.cpas[0])
    batch = submit_batch(world.firm_client(), [application.id]).json()["batch"]
    institute = world.institute_client()
    until = date.fromisoformat(institute.get("/institute/config").json()["deadline"]) + timedelta(days=10)
    extension = institute.post(
        "/institute/extensions", json={"firm_number": world.firm.number, "until": until.isoformat(), "reason": "x"}
    ).json()
    return {"application_id": application.id, "batch_id": batch["id"], "extension_id": extension["id"]}


@pytest.mark.parametrize("case", INTEGER_INPUTS, ids=str)
def test_an_integer_beyond_64_bits_is_refused_with_422(world: World, case: IntegerInput) -> None:
    document_path = case.path
    url = document_path.replace("/api/v1", "", 1)
    real = _real_ids(world)
    params: dict[str, Any] = {}
    json_body: Any = None
    form: dict[str, Any] | None = None
    for name in [p.strip("{}") for p in url.split("/") if p.startswith("{")]:
        value = case.value if case.where == "path" and name == case.name else real.get(name, 1)
        url = url.replace("{" + name + "}", str(value))
    if case.where == "query":
        params[case.name] = str(case.value)
    if case.where == "body":
        json_body = _nested(case.name, case.value)
    if case.where == "form":
        form = {"year": "2025", "application_ids": "1", "materials": "x", case.name: str(case.value)}
    if url.startswith("/face") or url.startswith("/v/"):
        url = f"{world.server.base_url}{url}"
    client = _client(world, document_path)
    answer = client.request(
        case.method,
        url,
        params=params,
        json=json_body,
        data=form,
        files={"files": ("a.pdf", tiny_pdf(), "application/pdf")} if form is not None else None,
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert answer.status_code == 422, answer.text
    body = answer.json()
    assert body["code"] == "invalid_input"
    assert "请求参数不正确" in body["detail"]
    locations = [".".join(str(p) for p in e["loc"][1:]) for e in body.get("errors", [])]
    assert case.name in locations, body
    assert answer.headers["X-Request-ID"]
    # The connection stays usable: the next request on it is answered.
    assert world.anonymous().get(f"{world.server.base_url}/healthz").status_code == 200


@pytest.mark.parametrize("field", ["application_ids", "keep_attachment_ids"])
def test_ids_in_a_comma_list_beyond_64_bits_are_refused_with_422(world: World, field: str) -> None:
    firm = world.firm_client()
    if field == "application_ids":
        answer = firm.post(
            "/firm/batches",
            headers={"Idempotency-Key": str(uuid.uuid4())},
            data={"year": "2025", "application_ids": f"1,{TOO_BIG}", "materials": "x"},
            files={"files": ("a.pdf", tiny_pdf(), "application/pdf")},
        )
    else:
        batch_id, _ = batch_in(world, BatchState.RETURNED)
        answer = firm.post(f"/firm/batches/{batch_id}/resubmit", data={"keep_attachment_ids": str(TOO_BIG)})
    assert answer.status_code == 422, answer.text
    assert answer.json()["code"] == "invalid_input"
    assert str(TOO_BIG)[:10] in answer.json()["detail"]
