"""Errors on page paths answered as Chinese HTML pages (the API keeps its `{detail, code}` JSON).

`install_page_errors(app)` wraps the API's exception handlers (installed first by `api.errors`): on a page
path (`site.is_page_path`) a domain error, an HTTP error (404, 405, ...), a malformed form or a stale
record becomes `errors/error.html` with the request id; elsewhere the API's handler answers as before.
`SignInRequired` becomes a 303 to the sign-in page. Failures no handler caught (500, 503 busy, 507) are
rendered by `failure_page`, which the outermost `Guard` middleware calls for page paths.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Scope

from firmdesk.domain.errors import DomainError
from firmdesk.server.api.errors import VERSION_CONFLICT_MESSAGE, Failure, status_of
from firmdesk.server.web.csrf import CsrfRefused
from firmdesk.server.web.pages import render_page
from firmdesk.server.web.rendering import render
from firmdesk.server.web.session import SignInRequired
from firmdesk.server.web.site import CPA_PORTAL, is_page_path, portal_of_path

log = logging.getLogger("firmdesk.server.web")

#: The heading of an error page, by HTTP status.
TITLES = {
    400: "请求无法处理",
    403: "无权访问该页面",
    404: "未找到该页面",
    405: "不支持该操作",
    409: "操作未能完成",
    413: "上传内容过大",
    422: "提交的内容有误",
    429: "操作过于频繁",
    500: "服务器内部错误",
    503: "服务器繁忙",
    507: "服务器存储空间已满",
}
#: What the page says when the error itself brings no Chinese message.
MESSAGES = {
    400: "请求无法处理，请返回上一页重试。",
    403: "当前账户无权进行此操作。",
    404: "您访问的页面不存在，或该记录不属于当前账户。请检查网址，或从首页重新进入。",
    405: "该页面不支持这种访问方式，请从页面上的按钮或链接进入。",
    413: "上传的内容超过了服务器允许的大小。",
    422: "提交的内容不完整或格式不正确，请返回上一页检查后重新提交。",
    429: "请求过于频繁，请稍后再试。",
}
CSRF_TITLE = "安全校验未通过"

Handler = Callable[[Request, Any], Response | Awaitable[Response]]


def error_page(
    request: Request, status: int, message: str, *, title: str | None = None, kept: list[str] | None = None
) -> Response:
    """The Chinese error page; `kept`: what the user had typed into a refused form, shown back to them."""
    return render_page(
        request,
        "errors/error.html",
        status=status,
        title=title or TITLES.get(status, "请求无法处理"),
        message=message,
        status_code=status,
        kept=kept or [],
    )


def _page_or_api(api_handler: Handler, page: Callable[[Request, Any], Response]) -> Handler:
    async def handler(request: Request, error: Any) -> Response:
        if is_page_path(request.url.path):
            return page(request, error)
        answer = api_handler(request, error)
        return answer if isinstance(answer, Response) else await answer

    return handler


def _domain_page(request: Request, error: DomainError) -> Response:
    if isinstance(error, CsrfRefused):
        kept = [str(v) for v in error.extra.get("kept", [])]  # type: ignore[attr-defined]
        return error_page(request, 403, error.message, title=CSRF_TITLE, kept=kept)
    return error_page(request, status_of(error), error.message)


def _http_page(request: Request, error: StarletteHTTPException) -> Response:
    status = 422 if error.status_code == 400 else error.status_code
    detail = error.detail if isinstance(error.detail, str) and _has_chinese(error.detail) else None
    return error_page(request, status, detail or MESSAGES.get(status, MESSAGES[400]))


def _invalid_page(request: Request, _error: RequestValidationError) -> Response:
    return error_page(request, 422, MESSAGES[422])


def _stale_page(request: Request, _error: StaleDataError) -> Response:
    return error_page(request, 409, VERSION_CONFLICT_MESSAGE)


def _has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def install_page_errors(app: FastAPI) -> None:
    """Call after `api.errors.install_error_handlers(app)`."""
    pages: list[tuple[type[Exception], Callable[[Request, Any], Response]]] = [
        (DomainError, _domain_page),
        (StarletteHTTPException, _http_page),
        (RequestValidationError, _invalid_page),
        (StaleDataError, _stale_page),
    ]
    for kind, page in pages:
        app.add_exception_handler(kind, _page_or_api(app.exception_handlers[kind], page))

    async def _sign_in(_request: Request, error: Exception) -> Response:
        assert isinstance(error, SignInRequired)
        return RedirectResponse(error.location, status_code=303)

    app.add_exception_handler(SignInRequired, _sign_in)


def failure_page(scope: Scope, failure: Failure, request_id: str) -> bytes | None:
    """The HTML page of a failure no handler caught (for `Guard`), or None off the page paths."""
    path = scope.get("path", "")
    if not is_page_path(path):
        return None
    try:
        html = render(
            "errors/error.html",
            request=None,
            user=None,
            portal=portal_of_path(path) or CPA_PORTAL,
            csrf_token="",
            request_id=request_id,
            errors=None,
            title=TITLES.get(failure.status, TITLES[500]),
            message=failure.detail,
            status_code=failure.status,
            kept=[],
        )
    except Exception:  # the page itself failed: the caller answers JSON
        log.exception("request %s: error page failed", request_id)
        return None
    return html.encode()
