"""The API edge: domain and use-case errors become HTTP answers here, and only here."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
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
from firmdesk.server.services.errors import (
    AccountLocked,
    AttachmentTooLarge,
    BadCredentials,
    FaceQuotaExhausted,
    Replay,
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

VERSION_CONFLICT_MESSAGE = "该记录已被他人修改，请刷新后重试"


def status_of(error: DomainError) -> int:
    for cls, status in _STATUS:
        if isinstance(error, cls):
            return status
    return 400


def error_response(status: int, detail: str, code: str, extra: dict[str, Any] | None = None) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
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
        code, message = _HTTP_CODES.get(error.status_code, ("http_error", "请求无法处理"))
        detail = error.detail if isinstance(error.detail, str) and _has_chinese(error.detail) else message
        return error_response(error.status_code, detail, code)


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
