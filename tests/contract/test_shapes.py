# ruff: noqa: F811  (the fixtures imported from tests/helpers are parameters of the tests)
"""The client's records and the server's answers agree, shape by shape.

One table (`SHAPES`) pairs each record the client parses (services/models.py, or a `...Read` below for the
answers the client reads as plain dicts) with the server's schema of that answer, and lists the server's
fields the client leaves aside, each with the reason. A second table (`ENDPOINTS`) says which schema each
endpoint the client calls answers with. The checks read the server's OpenAPI document and the client's type
hints; then the real server answers over HTTP, and each answer goes through the client's own `from_json`.
"""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum
from pathlib import Path
from typing import Any, TypedDict

import httpx
import pytest

from firmdesk.domain.limits import SOCIAL_SECURITY_MATERIAL
from firmdesk.domain.states import BatchState
from firmdesk.server.app import create_app
from firmdesk.server.config import fast_test_settings
from firmdesk.services import api_client, models
from firmdesk.services.api_client import CmisClient
from firmdesk.services.models import (
    ApplicationDetail,
    Attachment,
    BatchDetail,
    BatchRow,
    ChangeSet,
    CpaProfile,
    CpaRow,
    FirmInfo,
    FirmSummary,
    LoginResult,
    Page,
    ReadinessFlag,
    TrailEvent,
)
from firmdesk.services.people import FirmAccount, OperationLogEntry
from firmdesk.services.reminders import Contact, ReminderOutcome, ReminderPreview, ReminderResult, ReminderSettings
from tests.helpers.demo import DEMO_FIRM, DEMO_PASSWORD, YEAR, demo_live, demo_server_settings  # noqa: F401  (fixtures)
from tests.helpers.files import write_pdf

# -- what the client reads of the answers it keeps as plain dicts ------------------------------------------


class HealthRead(TypedDict):
    """`CmisClient.health`: is this a CMIS server?"""

    service: str


class MeRead(TypedDict):
    """`FirmSession.resume`: is the remembered token still the firm's, and its name."""

    role: str
    name: str | None
    login: str
    person_name: str
    account_role: str
    account_role_label: str


class ReadinessResultRead(TypedDict):
    """`CmisClient.readiness`: the flags of one application."""

    application_id: int
    flags: tuple[ReadinessFlag, ...]


class ReadinessResultsRead(TypedDict):
    results: tuple[ReadinessResultRead, ...]


class ReturnResultRead(TypedDict):
    """`CmisClient.return_applications`: the rows as they are after the return."""

    returned: tuple[CpaRow, ...]


# -- the table ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shape:
    """The client's `client` parses the server's schema `server` (its name in the OpenAPI document)."""

    client: type
    server: str
    #: Server fields the client does not parse -> why.
    ignored: Mapping[str, str] = field(default_factory=dict)
    #: Client fields this schema does not have -> why (the record must give them a default).
    client_only: Mapping[str, str] = field(default_factory=dict)
    #: The item type of a generic record (`Page[CpaRow]`).
    items: type | None = None

    @property
    def name(self) -> str:
        client = f"{self.client.__name__}[{self.items.__name__}]" if self.items else self.client.__name__
        return f"{client}<-{self.server}"


_HEALTH_STATUS = "the client tells a CMIS server by `service`; `status` and `version` are for people and monitors"
_RETURNED_BATCHES = "the header strip shows no count of returned batches; the 已退回 tab counts the batches it lists"
_DERIVED_WITHDRAW = "the client derives it from `actions.withdraw` (the property `BatchRow.can_withdraw`)"
_NO_DETAIL = "the answers to submit, withdraw and resubmit carry only the batch and its applications"

SHAPES: tuple[Shape, ...] = (
    Shape(CpaRow, "CpaRow"),
    Shape(BatchRow, "BatchRow", ignored={"can_withdraw": _DERIVED_WITHDRAW}),
    Shape(Attachment, "AttachmentPublic"),
    Shape(TrailEvent, "EventPublic"),
    Shape(ReadinessFlag, "ReadinessFlagOut"),
    Shape(CpaProfile, "Profile"),
    Shape(FirmInfo, "FirmInfo"),
    Shape(FirmSummary, "FirmSummary", ignored={"returned_batches": _RETURNED_BATCHES}),
    Shape(ApplicationDetail, "ApplicationDetail"),
    Shape(BatchDetail, "BatchDetail"),
    Shape(BatchDetail, "BatchWithApplications", client_only={"attachments": _NO_DETAIL, "events": _NO_DETAIL}),
    Shape(Page, "Page_CpaRow_", items=CpaRow),
    Shape(Page, "Page_BatchRow_", items=BatchRow),
    Shape(ChangeSet, "ChangeSet"),
    Shape(LoginResult, "LoginResult"),
    Shape(HealthRead, "Health", ignored={"status": _HEALTH_STATUS, "version": _HEALTH_STATUS}),
    Shape(MeRead, "Me", ignored={"member_no": "the client knows whom it signed in as; it asks for role and name"}),
    Shape(ReadinessResultsRead, "ReadinessResults"),
    Shape(ReadinessResultRead, "ReadinessResult"),
    Shape(ReturnResultRead, "ReturnResult"),
    Shape(ReminderSettings, "ReminderSettingsOut"),
    Shape(ReminderPreview, "ReminderPreview"),
    Shape(ReminderResult, "ReminderResult"),
    Shape(ReminderOutcome, "ReminderOutcome"),
    Shape(Contact, "ContactRow"),
    Shape(FirmAccount, "FirmAccountOut"),
    Shape(OperationLogEntry, "OperationLogEntry"),
    Shape(Page, "Page_OperationLogEntry_", items=OperationLogEntry),
)

SHAPE_BY_SERVER = {shape.server: shape for shape in SHAPES}
PAIRS = {(shape.client, shape.server) for shape in SHAPES}


@dataclass(frozen=True)
class Endpoint:
    """The client calls `method path` and parses the success answer as `shape` (`many`: a JSON list of it)."""

    method: str
    path: str
    shape: Shape
    many: bool = False

    @property
    def name(self) -> str:
        return f"{self.method} {self.path}"


def _endpoint(method: str, path: str, server: str, many: bool = False) -> Endpoint:
    return Endpoint(method, path, SHAPE_BY_SERVER[server], many)


ENDPOINTS: tuple[Endpoint, ...] = (
    _endpoint("GET", "/healthz", "Health"),
    _endpoint("POST", "/api/v1/auth/login", "LoginResult"),
    _endpoint("GET", "/api/v1/auth/me", "Me"),
    _endpoint("GET", "/api/v1/firm", "FirmInfo"),
    _endpoint("GET", "/api/v1/firm/summary", "FirmSummary"),
    _endpoint("GET", "/api/v1/firm/cpas", "Page_CpaRow_"),
    _endpoint("GET", "/api/v1/firm/applications/{application_id}", "ApplicationDetail"),
    _endpoint("GET", "/api/v1/firm/applications/{application_id}/trail", "EventPublic", many=True),
    _endpoint("POST", "/api/v1/firm/readiness", "ReadinessResults"),
    _endpoint("POST", "/api/v1/firm/returns", "ReturnResult"),
    _endpoint("POST", "/api/v1/firm/batches", "BatchWithApplications"),
    _endpoint("GET", "/api/v1/firm/batches", "Page_BatchRow_"),
    _endpoint("GET", "/api/v1/firm/batches/{batch_id}", "BatchDetail"),
    _endpoint("POST", "/api/v1/firm/batches/{batch_id}/withdraw", "BatchWithApplications"),
    _endpoint("POST", "/api/v1/firm/batches/{batch_id}/resubmit", "BatchWithApplications"),
    _endpoint("GET", "/api/v1/firm/changes", "ChangeSet"),
    _endpoint("GET", "/api/v1/firm/reminders/settings", "ReminderSettingsOut"),
    _endpoint("PUT", "/api/v1/firm/reminders/settings", "ReminderSettingsOut"),
    _endpoint("POST", "/api/v1/firm/reminders/preview", "ReminderPreview"),
    _endpoint("POST", "/api/v1/firm/reminders", "ReminderResult"),
    _endpoint("GET", "/api/v1/firm/reminders/contacts", "ContactRow", many=True),
    _endpoint("POST", "/api/v1/firm/applications/on-behalf", "CpaRow"),
    _endpoint("GET", "/api/v1/firm/accounts", "FirmAccountOut", many=True),
    _endpoint("POST", "/api/v1/firm/accounts", "FirmAccountOut"),
    _endpoint("POST", "/api/v1/firm/accounts/{account_id}/disable", "FirmAccountOut"),
    _endpoint("POST", "/api/v1/firm/accounts/{account_id}/enable", "FirmAccountOut"),
    _endpoint("POST", "/api/v1/firm/accounts/{account_id}/reset-password", "FirmAccountOut"),
    _endpoint("GET", "/api/v1/firm/operation-log", "Page_OperationLogEntry_"),
)

#: Endpoints the client calls whose success answer is not JSON.
NOT_JSON = {
    "POST /api/v1/auth/logout": "204, no body",
    "GET /api/v1/firm/attachments/{attachment_id}/content": "the file's bytes",
}

# -- comparing a client type with a JSON Schema ------------------------------------------------------------

#: The JSON Schema types and formats each plain client type parses. A time may come without a format: the
#: server's `UtcTime` serialiser (schemas.py) hides pydantic's `date-time`; the round trip below checks the
#: real strings are ISO 8601 times in UTC.
SCALARS: dict[type, tuple[set[str], set[str | None]]] = {
    int: ({"integer"}, {None}),
    float: ({"number", "integer"}, {None}),
    str: ({"string"}, {None}),
    bool: ({"boolean"}, {None}),
    date: ({"string"}, {"date"}),
    datetime: ({"string"}, {"date-time", None}),
}


def _without_none(tp: Any) -> tuple[Any, bool]:
    """`X | None` as (X, True); anything else as (it, False)."""
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        args = typing.get_args(tp)
        rest = tuple(a for a in args if a is not type(None))
        if len(rest) < len(args):
            return (rest[0] if len(rest) == 1 else typing.Union[rest]), True  # noqa: UP007
    return tp, False


def _schema_without_null(schema: Mapping[str, Any]) -> tuple[Mapping[str, Any], bool]:
    options = schema.get("anyOf")
    if options is None:
        return schema, False
    rest = [s for s in options if s.get("type") != "null"]
    return (rest[0] if len(rest) == 1 else {"anyOf": rest}), len(rest) < len(options)


def type_disagreements(tp: Any, schema: Mapping[str, Any], where: str) -> list[str]:
    """Why a value the server sends by `schema` does not fit the client's type `tp` (empty when it does)."""
    inner, client_nullable = _without_none(tp)
    schema, server_nullable = _schema_without_null(schema)
    problems = []
    if server_nullable and not client_nullable:
        problems.append(f"{where}: the server may send null, the client's {tp} cannot hold it")
    return problems + _kind_disagreements(inner, schema, where)


def _kind_disagreements(tp: Any, schema: Mapping[str, Any], where: str) -> list[str]:
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        record = typing.get_origin(tp) or tp
        if (record, name) not in PAIRS:
            return [f"{where}: the server sends a {name}, the client reads a {tp}: a pair missing from SHAPES"]
        return []  # the pair is compared field by field on its own
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (tuple, list):
        if schema.get("type") != "array":
            return [f"{where}: the client reads a list, the server sends {schema}"]
        return type_disagreements(args[0], schema["items"], f"{where}[]")
    if origin in (Mapping, dict):
        if schema.get("type") != "object" or "additionalProperties" not in schema:
            return [f"{where}: the client reads a mapping, the server sends {schema}"]
        return type_disagreements(args[1], schema["additionalProperties"], f"{where}{{}}")
    if isinstance(tp, type) and issubclass(tp, Enum):
        sent = set(schema.get("enum") or ())
        known = {member.value for member in tp}
        if schema.get("type") != "string" or not sent or not sent <= known:
            return [f"{where}: the server sends {schema}, the client knows only {sorted(known)}"]
        return []
    if tp not in SCALARS:
        return [f"{where}: no rule to compare the client's {tp} with {schema}"]
    kinds, formats = SCALARS[tp]
    if schema.get("type") not in kinds or schema.get("format") not in formats:
        return [f"{where}: the client reads a {tp.__name__}, the server sends {dict(schema)}"]
    return []


def client_fields(shape: Shape) -> dict[str, Any]:
    """The fields the client reads, with their types."""
    hints = typing.get_type_hints(shape.client)
    if dataclasses.is_dataclass(shape.client):
        names = [f.name for f in dataclasses.fields(shape.client)]
    else:
        names = list(hints)
    found = {name: hints[name] for name in names}
    if shape.items is not None:
        found["items"] = tuple[shape.items, ...]
    return found


def _has_default(shape: Shape, name: str) -> bool:
    if not dataclasses.is_dataclass(shape.client):
        return False
    wanted = {f.name: f for f in dataclasses.fields(shape.client)}[name]
    return wanted.default is not dataclasses.MISSING or wanted.default_factory is not dataclasses.MISSING


def shape_disagreements(shape: Shape, spec: Mapping[str, Any]) -> list[str]:
    schema = spec["components"]["schemas"][shape.server]
    properties: Mapping[str, Any] = schema["properties"]
    reads = client_fields(shape)
    problems = []
    for name, tp in reads.items():
        where = f"{shape.server}.{name}"
        if name in properties:
            problems += type_disagreements(tp, properties[name], where)
            if name in shape.client_only:
                problems.append(f"{where}: listed as client-only, but the server sends it")
        elif name not in shape.client_only:
            problems.append(f"{where}: the client reads it, the server's schema has no such field")
        elif not _has_default(shape, name):
            problems.append(f"{where}: missing from the server's answer, and the client's record has no default")
    for name in properties:
        if name not in reads and name not in shape.ignored:
            problems.append(f"{shape.server}.{name}: sent by the server, neither parsed nor listed as ignored")
    for name in shape.ignored:
        if name in reads or name not in properties:
            problems.append(f"{shape.server}.{name}: listed as ignored, but the client parses it or it is gone")
    return problems


# -- the server's OpenAPI document -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return create_app(fast_test_settings(tmp_path_factory.mktemp("contract")))


@pytest.fixture(scope="module")
def spec(app: Any) -> dict[str, Any]:
    return app.openapi()


def test_every_record_the_client_parses_has_a_row_in_the_table() -> None:
    records = {
        value
        for value in vars(models).values()
        if isinstance(value, type) and value.__module__ == models.__name__ and hasattr(value, "from_json")
    }
    assert records - {shape.client for shape in SHAPES} == set()


@pytest.mark.parametrize("shape", SHAPES, ids=lambda shape: shape.name)
def test_the_client_record_and_the_server_schema_agree(shape: Shape, spec: dict[str, Any]) -> None:
    assert shape_disagreements(shape, spec) == []


def _client_calls() -> set[str]:
    """`METHOD path` of every request in api_client.py, as the OpenAPI document writes the path."""
    source = Path(api_client.__file__).read_text(encoding="utf-8")
    calls = re.findall(r'self\._(?:call|send)\(\s*"([A-Z]+)",\s*f?"(/[^"]*)"', source)
    return {f"{method} {api_client.API_PREFIX}{path}" for method, path in calls} | {f"GET {api_client.HEALTH_PATH}"}


def test_the_table_lists_every_endpoint_the_client_calls() -> None:
    assert _client_calls() == {e.name for e in ENDPOINTS} | set(NOT_JSON)


def _success_schema(spec: Mapping[str, Any], endpoint: Endpoint) -> Mapping[str, Any]:
    answers = spec["paths"][endpoint.path][endpoint.method.lower()]["responses"]
    status = next(code for code in answers if code.startswith("2"))
    return answers[status]["content"]["application/json"]["schema"]


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
def test_each_endpoint_answers_with_the_schema_the_client_parses(endpoint: Endpoint, spec: dict[str, Any]) -> None:
    schema = _success_schema(spec, endpoint)
    if endpoint.many:
        assert schema.get("type") == "array"
        schema = schema["items"]
    assert schema.get("$ref") == f"#/components/schemas/{endpoint.shape.server}"


def test_no_route_leaves_fields_out_of_its_answer() -> None:
    """So every field of a schema is in every answer (FastAPI's `response_model_exclude_*` would drop some)."""
    server = Path(create_app.__code__.co_filename).parent
    assert [p.name for p in server.rglob("*.py") if "response_model_exclude" in p.read_text(encoding="utf-8")] == []


# -- real answers through the client's parsers -------------------------------------------------------------


class RecordingTransport(httpx.HTTPTransport):
    """The real transport, keeping each JSON answer (method, path, body) for the round trip."""

    def __init__(self) -> None:
        super().__init__()
        self.answers: list[tuple[str, str, Any]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        if response.is_success and response.headers.get("content-type", "").startswith("application/json"):
            response.read()
            self.answers.append((request.method, request.url.path, response.json()))
        return response


def _endpoint_of(method: str, path: str) -> Endpoint:
    for endpoint in ENDPOINTS:
        pattern = re.sub(r"\{\w+\}", r"[^/]+", endpoint.path)
        if endpoint.method == method and re.fullmatch(pattern, path):
            return endpoint
    raise AssertionError(f"{method} {path} answered JSON but is not in ENDPOINTS")


def read_as(tp: Any, sent: Any, items: type | None = None) -> Any:
    """What the client makes of `sent` reading it as `tp`: a record's own `from_json`, or the plain values."""
    tp, _ = _without_none(tp)
    if sent is None:
        return None
    if tp is Page:
        assert items is not None
        return Page.from_json(sent, items.from_json)  # type: ignore[attr-defined]
    if dataclasses.is_dataclass(tp):
        return tp.from_json(sent)  # type: ignore[union-attr]
    if typing.is_typeddict(tp):
        return {name: read_as(hint, sent[name]) for name, hint in typing.get_type_hints(tp).items()}
    if typing.get_origin(tp) in (tuple, list):
        return tuple(read_as(typing.get_args(tp)[0], item) for item in sent)
    return sent


def round_trip_problems(parsed: Any, sent: Any, shape: Shape | None, where: str) -> Iterator[str]:
    """Where the client's `parsed` value says something else than the server's `sent` JSON."""
    if isinstance(parsed, dict) or dataclasses.is_dataclass(parsed):
        assert shape is not None, where
        if not isinstance(sent, dict):
            yield f"{where}: the server sent {sent!r}, not an object"
            return
        reads = client_fields(shape)
        for name in sent.keys() - reads.keys() - shape.ignored.keys():
            yield f"{where}.{name}: sent, neither parsed nor ignored"
        for name, tp in reads.items():
            value = parsed[name] if isinstance(parsed, dict) else getattr(parsed, name)
            if name not in sent:
                if name not in shape.client_only:
                    yield f"{where}.{name}: the client reads it, the answer lacks it"
                continue
            yield from round_trip_problems(value, sent[name], _shape_of(tp), f"{where}.{name}")
    elif isinstance(parsed, tuple):
        if not isinstance(sent, list) or len(sent) != len(parsed):
            yield f"{where}: parsed {len(parsed)} items from {sent!r}"
            return
        for n, (value, item) in enumerate(zip(parsed, sent, strict=True)):
            yield from round_trip_problems(value, item, shape, f"{where}[{n}]")
    elif isinstance(parsed, Mapping):
        if dict(parsed) != sent:
            yield f"{where}: parsed {dict(parsed)!r} from {sent!r}"
    elif isinstance(parsed, datetime):
        if not (isinstance(sent, str) and sent.endswith("Z") and datetime.fromisoformat(sent) == parsed):
            yield f"{where}: parsed {parsed!r} from {sent!r} (times are sent in UTC, ending in Z)"
    elif isinstance(parsed, date):
        if date.fromisoformat(sent) != parsed:
            yield f"{where}: parsed {parsed!r} from {sent!r}"
    elif isinstance(parsed, float) and not isinstance(parsed, bool):
        if float(sent) != parsed:
            yield f"{where}: parsed {parsed!r} from {sent!r}"
    elif parsed != sent or (parsed is not None and not isinstance(parsed, type(sent))):
        yield f"{where}: parsed {parsed!r} from {sent!r}"


def _shape_of(tp: Any) -> Shape | None:
    """The table's row of a nested record type (`tuple[CpaRow, ...]` -> CpaRow's)."""
    inner, _ = _without_none(tp)
    while typing.get_origin(inner) in (tuple, list):
        inner = typing.get_args(inner)[0]
    for shape in SHAPES:
        if shape.client is inner:
            return shape
    return None


def _problems_of_answer(method: str, path: str, sent: Any) -> list[str]:
    endpoint = _endpoint_of(method, path)
    shape = endpoint.shape
    if endpoint.many:
        parsed = tuple(read_as(shape.client, item) for item in sent)
    else:
        parsed = read_as(shape.client, sent, shape.items)
    return list(round_trip_problems(parsed, sent, shape, f"{endpoint.name} {shape.server}"))


@pytest.fixture
def recorded(demo_live: Any, tmp_path: Path) -> Iterator[list[tuple[str, str, Any]]]:
    """The demo firm uses every endpoint of ENDPOINTS through the real client, on the seeded demo server."""
    transport = RecordingTransport()
    client = CmisClient(demo_live.base_url, transport=transport)
    try:
        client.health()
        client.login("firm", DEMO_FIRM, DEMO_PASSWORD)
        client.me()
        client.firm()
        client.summary(YEAR)
        rows = client.cpas(YEAR).items
        client.changes(YEAR)
        batches = client.batches(YEAR).items
        # An application seen by the institute (a batch, a decision, attachments, a trail).
        decided = next(r for r in rows if r.batch_id is not None and r.decided_at is not None)
        assert decided.application_id is not None
        client.application(decided.application_id)
        client.trail(decided.application_id)
        pending = [r for r in rows if r.status == "pending_firm" and r.application_id is not None]
        assert any(client.readiness([r.application_id for r in pending if r.application_id]).values())
        # A returned batch: a return reason, its attachments and its events; then sent again.
        returned = next(b for b in batches if b.state == BatchState.RETURNED)
        detail = client.batch(returned.id)
        assert detail.attachments and detail.events and returned.return_reason
        client.resubmit(returned.id, [a.id for a in detail.attachments], [])
        # Submit two pending applications, withdraw the batch, return one of them.
        proof = write_pdf(tmp_path / "社保证明.pdf")
        first, second = (r.application_id for r in pending[:2])
        assert first is not None and second is not None
        made = client.submit_batch(YEAR, [first, second], [(SOCIAL_SECURITY_MATERIAL, proof)])
        client.withdraw(made.batch.id, made.batch.version)
        client.return_applications([(first, None)], "继续教育学时证明不清晰")
        # 提醒 a CPA who has not applied; the contact list.
        client.save_reminder_settings(auto_enabled=False)
        client.reminder_settings()
        not_applied = next(r for r in rows if r.status == "none")
        client.reminder_preview(not_applied.cpa_id)
        client.send_reminders([not_applied.cpa_id])
        client.reminder_contacts()
        # The firm's people: a 审核员 made, disabled, enabled, reset; a 代提请; the 操作日志.
        client.accounts()
        reviewer = client.create_account(f"{DEMO_FIRM}-09", "钱进", "reviewer-pass-1")
        client.set_account_disabled(reviewer.id, True)
        client.set_account_disabled(reviewer.id, False)
        client.reset_password(reviewer.id, "reviewer-pass-2")
        waiting = next(r for r in rows if r.status == "none")
        letter = write_pdf(tmp_path / "授权委托书.pdf")
        files = [(m, letter) for m in ("继续教育证明", "执业情况说明", "授权委托书")]
        notice = ("继续教育证明", "执业情况说明")
        client.file_on_behalf(waiting.cpa_id, YEAR, False, files, notice)
        client.operation_log(actions=["on_behalf"])
        client.logout()
        yield transport.answers
    finally:
        client.close()


def test_real_answers_of_every_endpoint_read_back_as_the_server_sent_them(
    recorded: list[tuple[str, str, Any]],
) -> None:
    assert {_endpoint_of(method, path).name for method, path, _ in recorded} == {e.name for e in ENDPOINTS}
    problems = [problem for method, path, sent in recorded for problem in _problems_of_answer(method, path, sent)]
    assert problems == []


def test_a_disagreement_is_reported_with_the_field_and_the_reason(spec: dict[str, Any]) -> None:
    @dataclass(frozen=True)
    class StaleRow:
        cpa_id: str  # the server sends an integer
        name: str | None
        nickname: str  # the server has no such field

    problems = shape_disagreements(Shape(StaleRow, "CpaRow", ignored={"year": "not needed"}), spec)
    assert "CpaRow.cpa_id: the client reads a str, the server sends {'type': 'integer', 'title': 'Cpa Id'}" in problems
    assert "CpaRow.nickname: the client reads it, the server's schema has no such field" in problems
    assert "CpaRow.year: listed as ignored, but the client parses it or it is gone" not in problems
    assert "CpaRow.status: sent by the server, neither parsed nor listed as ignored" in problems
    nullable = type_disagreements(str, {"anyOf": [{"type": "string"}, {"type": "null"}]}, "X.reason")
    assert nullable == ["X.reason: the server may send null, the client's <class 'str'> cannot hold it"]
