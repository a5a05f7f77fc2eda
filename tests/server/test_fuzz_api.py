"""Property test of the whole HTTP API (schemathesis over the live server's own OpenAPI document).

Every operation, with a firm, a CPA and an institute signed in (each operation gets the token of its role; the
public and auth operations get one too, of a separate account so that a fuzzed logout signs out nobody else),
with valid and invalid inputs: no answer is a 5xx, and every answer matches the document (status code
documented, content type, body schema). The run is bounded: `FIRMDESK_FUZZ_EXAMPLES` examples per operation
(default 25: about a minute on two cores), the same ones every run unless `FIRMDESK_FUZZ_RANDOM=1`
(then new ones, to explore); it is marked `slow`.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from firmdesk.server.app import create_app
from firmdesk.server.config import fast_test_settings
from tests.helpers.server import FIRM_PASSWORD, api_login
from tests.helpers.server_world import World

EXAMPLES = int(os.environ.get("FIRMDESK_FUZZ_EXAMPLES", "25"))
#: The same examples every run unless FIRMDESK_FUZZ_RANDOM is set (then new ones each run, to explore).
DERANDOMIZE = not os.environ.get("FIRMDESK_FUZZ_RANDOM")
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]

pytestmark = pytest.mark.slow


def _document() -> dict[str, Any]:
    """The server's OpenAPI document (the app is built on a throw-away data folder: it migrates one)."""
    with tempfile.TemporaryDirectory(prefix="cmis-openapi-") as folder:
        app = create_app(fast_test_settings(Path(folder)))
        document = app.openapi()
        app.state.cmis.engine.dispose()
    return document


schema = schemathesis.openapi.from_dict(_document())

FACE_PAGE = "GET /api/v1/face/{token}"


@pytest.fixture
def tokens(world: World) -> Iterator[dict[str, str]]:
    """A bearer token per role; `other` is a second firm's, for the operations of no role."""
    clients = {
        "firm": world.firm_client(),
        "cpa": world.cpa_client(world.cpas[0]),
        "institute": world.institute_client(),
        "other": api_login(world.server.base_url, "firm", world.other_firm.number, FIRM_PASSWORD),
    }
    # Something for the small ids the fuzzer tries to find: pending applications with their attachments.
    for cpa in world.cpas[:3]:
        world.builder.application(cpa)
    yield {role: client.headers["Authorization"] for role, client in clients.items()}
    clients["other"].close()


def _role(path: str) -> str:
    for role in ("firm", "cpa", "institute"):
        if path.startswith(f"/api/v1/{role}"):
            return role
    return "other"


OPERATIONS = [result.ok() for result in schema.get_all_operations() if isinstance(result, Ok)]


@pytest.mark.parametrize("operation", [pytest.param(operation, id=operation.label) for operation in OPERATIONS])
def test_no_answer_is_a_5xx_or_breaks_the_document(operation: Any, world: World, tokens: dict[str, str]) -> None:
    headers = {"Authorization": tokens[_role(operation.path)]}
    cases = st.one_of([operation.as_strategy(mode) for mode in schemathesis.GenerationMode])

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
        database=None,
        derandomize=DERANDOMIZE,
    )
    @given(case=cases)
    def check(case: schemathesis.Case[Any]) -> None:
        response = case.call(base_url=world.server.base_url, headers=headers, timeout=30)
        case.validate_response(response, checks=CHECKS)

    check()


# What this test found once, as concrete requests that must keep answering as documented.


def _validated(world: World, tokens: dict[str, str], label: str, **data: Any) -> None:
    method, path = label.split(" ", 1)
    case = schema[path][method].Case(**data)
    case.call_and_validate(
        base_url=world.server.base_url, headers={"Authorization": tokens[_role(path)]}, checks=CHECKS, timeout=30
    )


HUGE_INTEGER_REQUESTS: dict[str, dict[str, Any]] = {
    "GET /api/v1/firm/applications/{application_id}": {"path_parameters": {"application_id": 2**63}},
    "POST /api/v1/firm/returns": {"body": {"reason": "退回", "items": [{"application_id": 2**63}]}},
    "GET /api/v1/firm/cpas": {"query": {"page": 10**30}},
    "GET /api/v1/firm/batches": {"query": {"page": 2**62, "page_size": 100}},  # the OFFSET overflows
    "POST /api/v1/cpa/messages/{message_id}/read": {"path_parameters": {"message_id": 2**64}},
    "GET /api/v1/institute/batches/{batch_id}": {"path_parameters": {"batch_id": 2**63}},
}


@pytest.mark.parametrize("label", list(HUGE_INTEGER_REQUESTS))
def test_known_integers_beyond_64_bits(world: World, tokens: dict[str, str], label: str) -> None:
    _validated(world, tokens, label, **HUGE_INTEGER_REQUESTS[label])


def test_known_ids_beyond_32_bits_on_postgres(world: World, tokens: dict[str, str]) -> None:
    """Beyond PostgreSQL's 32-bit id columns, below the API's 64-bit bound: 404 or 422, never a 500."""
    _validated(
        world, tokens, "GET /api/v1/firm/applications/{application_id}", path_parameters={"application_id": 2**31}
    )


def test_known_body_that_is_not_json(world: World, tokens: dict[str, str]) -> None:
    _validated(world, tokens, "POST /api/v1/firm/returns", body=b"\xff{", media_type="application/json")


def test_known_face_page_of_an_unknown_token(world: World, tokens: dict[str, str]) -> None:
    _validated(world, tokens, FACE_PAGE, path_parameters={"token": "unknown-token"})
