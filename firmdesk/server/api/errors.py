"""The API edge: domain and use-case errors become HTTP answers here, and only here."""

from __future__ import annotations

import errno
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from firmdesk.domain.errors import (
    DomainError,
    Forbidden,
    InvalidInput,
    LimitExceeded,
    NotFound,
    TransitionRefused,
    VersionConflict,
)
from firmdesk.server.db.write_queue import WriteTurnTimeout
from firmdesk.server.services.errors import (
    AccountLocked,
    AttachmentTooLarge,
    BadCredentials,
    FaceQuotaExhausted,
    Replay,
    StorageFull,
    Unauthorized,
)
from firmdesk.server.services.schemas import ErrorBody

#: HTTP status of each error class; the first match in this order wins (subclasses first).
_STATUS: list[tuple[type[DomainError], int]] = [
    (Unauthorized, 401),
    (BadCredentials, 401),
    (AccountLocked, 429),
    (FaceQuotaExhausted, 429),
    (Forbidden, 403),
    (NotFound, 404),
    (TransitionRefused, 409),
    (VersionConflict, 409),
    (AttachmentTooLarge, 413),
    (StorageFull, 507),
    (LimitExceeded, 422),
    (InvalidInput, 422),
]

_HTTP_CODES = {
    401: ("unauthorized", "请先登录"),
    403: ("forbidden", "无权进行此操作"),
    404: ("not_found", "未找到该记录"),
    405: ("method_not_allowed", "不支持的请求方法"),
    413: ("limit_exceeded", "上传内容过大"),
    429: ("rate_limited", "请求过于频繁，请稍后再试"),
}

UNPARSABLE_MESSAGE = "请求参数不正确：请求内容的格式无法解析"
INTERNAL_MESSAGE = "服务器内部错误，请稍后重试；如果问题持续，请把请求编号告诉管理员"
BUSY_MESSAGE = "服务器繁忙，请稍后重试"
STORAGE_FULL_MESSAGE = "服务器存储空间已满，暂时无法保存，请稍后重试或联系管理员"
OUT_OF_RANGE_MESSAGE = "请求参数不正确：数值超出允许范围"
#: Seconds a client should wait before retrying a 503 `busy`.
BUSY_RETRY_AFTER_S = 2

_NO_SPACE = frozenset({errno.ENOSPC, errno.EDQUOT})
_BUSY_TEXT = ("database is locked", "database table is locked", "database is busy")
_FULL_TEXT = ("database or disk is full", "could not extend file", "no space left on device")
#: PostgreSQL SQLSTATEs: 53100 disk_full, 55P03 lock_not_available, 57014 query_canceled (lock/statement timeout),
#: 53300 too_many_connections, 57P01..57P03 the server shutting down or not yet up, 40P01 deadlock_detected and
#: 40001 serialization_failure (nothing was changed: trying again is safe); 22003 out of range.
_PG_FULL = frozenset({"53100"})
_PG_BUSY = frozenset({"55P03", "57014", "53300", "57P01", "57P02", "57P03", "40P01", "40001"})
_PG_RANGE = frozenset({"22003"})


@dataclass(frozen=True)
class Failure:
    """How an exception no route answered is told to the client (always `{detail, code}` JSON)."""

    status: int
    code: str
    detail: str
    headers: dict[str, str] = field(default_factory=dict)


def _chain(error: BaseException) -> list[BaseException]:
    """The error, what it wraps (SQLAlchemy's `.orig`) and what caused it, without loops."""
    seen: list[BaseException] = []
    todo: list[BaseException | None] = [error]
    while todo:
        item = todo.pop()
        if item is None or any(item is s for s in seen):
            continue
        seen.append(item)
        todo += [getattr(item, "orig", None), item.__cause__, item.__context__]
    return seen


def _connection_lost(error: BaseException) -> bool:
    """psycopg's OperationalError/InterfaceError: the server refused, dropped or reset the connection
    (SQL mistakes are ProgrammingError there; SQLite's OperationalError also means bad SQL, so not it)."""
    kind = type(error)
    return kind.__module__.startswith("psycopg") and kind.__name__ in {"OperationalError", "InterfaceError"}


def failure_of(error: BaseException) -> Failure:
    """507 when a disk is full, 503 `busy` when the database is locked, unreachable or lost its connection,
    422 for a number too large for the database, else 500 `internal` (a bug: the caller logs it)."""
    chain = _chain(error)
    texts = " | ".join(str(e).lower() for e in chain)
    states = {str(getattr(e, "sqlstate", None) or getattr(e, "pgcode", None)) for e in chain}
    if any(isinstance(e, OSError) and e.errno in _NO_SPACE for e in chain) or states & _PG_FULL:
        return Failure(507, StorageFull.code, STORAGE_FULL_MESSAGE)
    if any(t in texts for t in _FULL_TEXT):
        return Failure(507, StorageFull.code, STORAGE_FULL_MESSAGE)
    busy = {"Retry-After": str(BUSY_RETRY_AFTER_S)}
    if any(isinstance(e, sa_exc.TimeoutError | WriteTurnTimeout) for e in chain) or states & _PG_BUSY:
        return Failure(503, "busy", BUSY_MESSAGE, busy)
    if any(t in texts for t in _BUSY_TEXT):
        return Failure(503, "busy", BUSY_MESSAGE, busy)
    if any(isinstance(e, sa_exc.DBAPIError) and e.connection_invalidated for e in chain):
        return Failure(503, "busy", BUSY_MESSAGE, busy)
    if any(_connection_lost(e) for e in chain):
        return Failure(503, "busy", BUSY_MESSAGE, busy)
    if any(isinstance(e, OverflowError) for e in chain) or states & _PG_RANGE:
        return Failure(422, InvalidInput.code, OUT_OF_RANGE_MESSAGE)
    return Failure(500, "internal", INTERNAL_MESSAGE)


VERSION_CONFLICT_MESSAGE = "该记录已被他人修改，请刷新后重试"


def status_of(error: DomainError) -> int:
    for cls, status in _STATUS:
        if isinstance(error, cls):
            return status
    return 400


def error_response(
    status: int,
    detail: str,
    code: str,
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    headers = {**(headers or {}), **({"WWW-Authenticate": "Bearer"} if status == 401 else {})}
    body = {**jsonable_encoder(extra or {}), "detail": detail, "code": code}
    return JSONResponse(body, status_code=status, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(_request: Request, error: DomainError) -> JSONResponse:
        extra = dict(error.extra)
        if isinstance(error, FaceQuotaExhausted):
            extra.setdefault("remaining", 0)
        return error_response(status_of(error), error.message, error.code, extra)

    @app.exception_handler(Replay)
    async def _replay(_request: Request, replay: Replay) -> JSONResponse:
        return JSONResponse(replay.body, status_code=replay.status_code, headers={"Idempotent-Replayed": "true"})

    @app.exception_handler(StaleDataError)
    async def _stale(_request: Request, _error: StaleDataError) -> JSONResponse:
        return error_response(409, VERSION_CONFLICT_MESSAGE, VersionConflict.code)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, error: RequestValidationError) -> JSONResponse:
        problems = "；".join(_describe(e) for e in error.errors()[:5])
        return error_response(
            422,
            f"请求参数不正确：{problems}",
            InvalidInput.code,
            {
                "errors": [
                    {"loc": list(e.get("loc", ())), "type": e.get("type"), "msg": e.get("msg")} for e in error.errors()
                ]
            },
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, error: StarletteHTTPException) -> JSONResponse:
        if error.status_code == 400:  # a body that cannot be parsed (a broken multipart): like broken JSON
            return error_response(422, UNPARSABLE_MESSAGE, InvalidInput.code)
        code, message = _HTTP_CODES.get(error.status_code, ("http_error", "请求无法处理"))
        detail = error.detail if isinstance(error.detail, str) and _has_chinese(error.detail) else message
        return error_response(error.status_code, detail, code, headers=dict(error.headers or {}))


def _describe(problem: dict[str, Any]) -> str:
    where = ".".join(str(p) for p in problem.get("loc", ()) if p not in ("body", "query", "path", "header"))
    kind = problem.get("type", "")
    if kind == "missing":
        return f"缺少 {where}"
    return f"{where} 无效" if where else "内容无效"


def _has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def error_doc(_status: int, description: str) -> dict[str, Any]:
    return {"model": ErrorBody, "description": description}


#: Reusable OpenAPI `responses=` entries, described with the error model.
AUTH_ERRORS: dict[int | str, dict[str, Any]] = {
    401: error_doc(401, "`unauthorized`: no valid bearer token (missing, expired or revoked)"),
    403: error_doc(403, "`forbidden`: this role may not call this endpoint"),
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: error_doc(404, "`not_found`: no such record, or it is not yours (never 403, to reveal nothing)"),
}
CONFLICT: dict[int | str, dict[str, Any]] = {
    409: error_doc(409, "`transition_refused` (the state does not allow it) or `version_conflict` (stale version)"),
}
INVALID: dict[int | str, dict[str, Any]] = {
    422: error_doc(422, "`invalid_input` (missing or malformed value) or `limit_exceeded` (count or type)"),
}
TOO_LARGE: dict[int | str, dict[str, Any]] = {
    413: error_doc(413, "`limit_exceeded`: a file is larger than 5 MB (refused while it uploads)"),
}


def responses(*groups: dict[int | str, dict[str, Any]]) -> dict[int | str, dict[str, Any]]:
    merged: dict[int | str, dict[str, Any]] = {}
    for group in groups:
        merged.update(group)
    return merged


_ERROR_BODY_REF = {"$ref": "#/components/schemas/ErrorBody"}
#: Answers any operation with a request body may give before a route runs, described once for all.
_BODY_ERRORS = {
    "413": "`limit_exceeded`: the request is larger than the server accepts (10 files of 5 MB and the form)",
    "422": "`invalid_input`: a value is missing, malformed or out of range, or the body cannot be parsed",
}
_UPLOAD_ERRORS = {"507": "`storage_full`: the server's attachment storage is full (sign-in and reads still work)"}


def document_common_errors(schema: dict[str, Any]) -> dict[str, Any]:
    """Add to the OpenAPI document the error answers that come from the edge rather than from a route
    (the body limit, body parsing, a full attachment disk), each with the `{detail, code}` schema."""
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            content = operation.get("requestBody", {}).get("content", {})
            extra = {
                **(_BODY_ERRORS if content else {}),
                **(_UPLOAD_ERRORS if "multipart/form-data" in content else {}),
            }
            responses = operation.setdefault("responses", {})
            for response in responses.values():  # FastAPI's default 422 shape is not what the handler answers
                json_content = response.get("content", {}).get("application/json", {})
                if json_content.get("schema") == {"$ref": "#/components/schemas/HTTPValidationError"}:
                    json_content["schema"] = _ERROR_BODY_REF
            for status, description in extra.items():
                responses.setdefault(
                    status, {"description": description, "content": {"application/json": {"schema": _ERROR_BODY_REF}}}
                )
    return schema
