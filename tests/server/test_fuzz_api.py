"""Property test of the whole HTTP API (schemathesis over the live server's own OpenAPI document).

Every operation, with a firm, a CPA and an institute signed in (each operation gets the token of its role; the
public and auth operations get one too, of a separate account so that a fuzzed logout signs out nobody else),
with valid and invalid inputs: no answer is a 5xx, and every answer matches the document (status code
documented, content type, body schema). The run is bounded: `FIRMDESK_FUZZ_EXAMPLES` examples per operation
(default 25: about a minute on two cores), the same ones every run unless `FIRMDESK_FUZZ_RANDOM=1`
(then new ones, to explore); it is marked `slow`.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, assume, given, settings
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
from tests.helpers.server import FIRM_PASSWORD, POSTGRES_URL_VARIABLE, api_login
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

# Failures this test found that other engineers' branches of issue 10 fix. The fuzzing below steps around
# exactly these (and nothing else); each has a concrete test at the end marked `xfail(strict=True)`, so the
# merge that fixes one sees it pass, removes its mark and the matching exemption here.
HUGE_INT_500 = (
    "ids and integer parameters beyond the database's integers answer a plain-text 500 on every operation with an "
    "integer path id, `since`/`page` (or a `page` whose OFFSET (page-1)*page_size is), or integer ids in a JSON "
    "body: beyond 2**63-1 on SQLite (OverflowError), "
    "and on PostgreSQL already beyond 2**31-1 (the id columns are INTEGER: DataError 'integer out of range'): "
    "item 3, integer bounds and the catch-all handler (worktree faults)"
)
UNDOCUMENTED_400 = (
    "a request body that is not JSON (or not multipart) answers 400 {detail, code: http_error}, "
    "a status the document does not list for any operation: item 8, documented 4xx (not in this branch)"
)
FACE_PAGE_404 = (
    "GET /api/v1/face/{token} with an unknown token answers a JSON 404 where the document says text/html: "
    "item 8 (not in this branch)"
)
ON_POSTGRES = bool(os.environ.get(POSTGRES_URL_VARIABLE))
#: Integers the database takes (PostgreSQL's INTEGER id columns are 32-bit; SQLite's are 64-bit).
STORABLE = range(-(2**31), 2**31) if ON_POSTGRES else range(-(2**63), 2**63)
FACE_PAGE = "GET /api/v1/face/{token}"


def _unstorable(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return value not in STORABLE
    if isinstance(value, str):
        number = _as_int(value, 0)
        return number is not None and number not in STORABLE
    if isinstance(value, dict):
        return any(_unstorable(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_unstorable(v) for v in value)
    return False


def _as_int(value: Any, default: int) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and re.fullmatch(r"\s*[-+]?[0-9]+\s*", value):
        return int(value)
    return default if value is None else None


def _known_failure(case: schemathesis.Case[Any]) -> bool:
    """An example of HUGE_INT_500 (its answer is a plain-text 500: nothing else to check)."""
    parts = (case.path_parameters, case.query, case.body if isinstance(case.body, dict | list) else None)
    if any(_unstorable(part) for part in parts if part):
        return True
    # Paged lists: the OFFSET, (page - 1) * page_size, is a 64-bit integer in both databases.
    query = case.query or {}
    page, size = _as_int(query.get("page"), 1), _as_int(query.get("page_size"), 50)
    return page is not None and size is not None and (page - 1) * size not in range(-(2**63), 2**63)


def _error_code(content: bytes) -> object:
    try:
        answer = json.loads(content)
    except ValueError:
        return None
    return answer.get("code") if isinstance(answer, dict) else None


def _exempt_checks(operation: Any, response: Any) -> set[Any]:
    """The checks an answer is spared: UNDOCUMENTED_400's status (the body must still be a `{detail, code}`
    JSON), FACE_PAGE_404's content type and body."""
    if response.status_code == 400 and _error_code(response.content) == "http_error":
        return {status_code_conformance}
    if operation.label == FACE_PAGE and response.status_code == 404:
        return {content_type_conformance, response_schema_conformance}
    return set()


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
        assume(not _known_failure(case))
        response = case.call(base_url=world.server.base_url, headers=headers, timeout=30)
        exempt = _exempt_checks(operation, response)
        case.validate_response(response, checks=[c for c in CHECKS if c not in exempt])

    check()


# The known failures, as concrete requests (see HUGE_INT_500, UNDOCUMENTED_400, FACE_PAGE_404 above).


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


@pytest.mark.xfail(strict=True, reason=HUGE_INT_500)
@pytest.mark.parametrize("label", list(HUGE_INTEGER_REQUESTS))
def test_known_integers_beyond_64_bits(world: World, tokens: dict[str, str], label: str) -> None:
    _validated(world, tokens, label, **HUGE_INTEGER_REQUESTS[label])


@pytest.mark.xfail(ON_POSTGRES, strict=True, reason=HUGE_INT_500)
def test_known_ids_beyond_32_bits_on_postgres(world: World, tokens: dict[str, str]) -> None:
    """On SQLite a 404 (no such application); on PostgreSQL a 500 for now."""
    _validated(
        world, tokens, "GET /api/v1/firm/applications/{application_id}", path_parameters={"application_id": 2**31}
    )


@pytest.mark.xfail(strict=True, reason=UNDOCUMENTED_400)
def test_known_body_that_is_not_json(world: World, tokens: dict[str, str]) -> None:
    _validated(world, tokens, "POST /api/v1/firm/returns", body=b"\xff{", media_type="application/json")


@pytest.mark.xfail(strict=True, reason=FACE_PAGE_404)
def test_known_face_page_of_an_unknown_token(world: World, tokens: dict[str, str]) -> None:
    _validated(world, tokens, FACE_PAGE, path_parameters={"token": "unknown-token"})
