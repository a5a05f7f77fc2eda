"""The public verification page a CPA's QR code opens (no sign-in): `/v/{token}` (HTML) and `/v/{token}.json`.

Rate-limited per client address (`Settings.public_requests_per_minute`, and `public_misses_per_minute` for
unknown tokens, against enumeration). Behind a reverse proxy, let uvicorn take the client address from
`X-Forwarded-For` (`--forwarded-allow-ips`), or every visitor counts as the proxy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from jinja2 import Environment, PackageLoader, StrictUndefined

from firmdesk.server.api.deps import Context
from firmdesk.server.api.errors import error_doc, error_response
from firmdesk.server.context import ServerContext
from firmdesk.server.services import verification as pages
from firmdesk.server.services.clock import iso_utc, utcnow
from firmdesk.server.services.schemas import Verification

router = APIRouter(tags=["public"])

#: Autoescaping on: every value (names, firm names, ...) is HTML-escaped; templates never build markup from data.
_templates = Environment(
    loader=PackageLoader("firmdesk.server", "templates"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)

#: Never cached (the page says when it was generated), never indexed, the token never sent on as a referrer.
_PRIVATE_HEADERS = {
    "Cache-Control": "no-store",
    "X-Robots-Tag": "noindex, nofollow",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}
#: The pages are self-contained: inline CSS only, no scripts, no images, no forms, not framed.
_HTML_HEADERS = {
    **_PRIVATE_HEADERS,
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'",
}

NOT_FOUND_MESSAGE = "未找到该二维码对应的注册会计师年检信息"

_RETRY_AFTER_HEADER = {
    "Retry-After": {"description": "Seconds to wait before trying again", "schema": {"type": "integer"}}
}
_HTML_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/html": {}}, "description": "The CPA's verification page (Chinese, mobile-friendly)"},
    404: {"content": {"text/html": {}}, "description": "No CPA has this token: a Chinese 'not found' page"},
    429: {
        "content": {"text/html": {}},
        "description": "Too many requests (or too many unknown tokens) from this address: a Chinese page",
        "headers": _RETRY_AFTER_HEADER,
    },
}
_JSON_RESPONSES: dict[int | str, dict[str, Any]] = {
    404: error_doc(404, "`not_found`: no CPA has this token"),
    429: {
        **error_doc(429, "`rate_limited` (extra `retry_after`): too many requests from this address"),
        "headers": _RETRY_AFTER_HEADER,
    },
}


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@dataclass(frozen=True)
class _Lookup:
    """The page's data (`found`), or no such token (`found` None), or refused: wait `retry_after` seconds."""

    found: Verification | None = None
    retry_after: int = 0


def _lookup(request: Request, context: ServerContext, token: str) -> _Lookup:
    # The limit is checked before any database work; an unknown token also counts as a miss.
    client = client_address(request)
    decision = context.public_limiter.check(client)
    if not decision.allowed:
        return _Lookup(retry_after=decision.retry_after)
    with context.read_sessions() as session:
        found = pages.verification(session, token, utcnow())
    if found is None:
        context.public_limiter.missed(client)
    return _Lookup(found)


def _html(template: str, status: int = 200, headers: dict[str, str] | None = None, **values: Any) -> HTMLResponse:
    body = _templates.get_template(template).render(**values)
    return HTMLResponse(body, status_code=status, headers={**_HTML_HEADERS, **(headers or {})})


# Declared before `/v/{token}`, which would otherwise take `<token>.json` as a token.
@router.get(
    "/v/{token}.json",
    response_model=Verification,
    responses=_JSON_RESPONSES,
    summary="A CPA's verification data (JSON)",
)
def verification_json(token: str, request: Request, context: Context) -> Response:
    """The data of `/v/{token}` for programs: name, certificate number, firm, institute, every year's result
    (newest first) with its decision date, and when it was generated. No sign-in; rate-limited per address."""
    lookup = _lookup(request, context, token)
    if lookup.retry_after:
        wait = lookup.retry_after
        answer = error_response(429, f"请求过于频繁，请 {wait} 秒后再试", "rate_limited", {"retry_after": wait})
        answer.headers.update({**_PRIVATE_HEADERS, "Retry-After": str(wait)})
        return answer
    if lookup.found is None:
        answer = error_response(404, NOT_FOUND_MESSAGE, "not_found")
        answer.headers.update(_PRIVATE_HEADERS)
        return answer
    return JSONResponse(lookup.found.model_dump(mode="json"), headers=_PRIVATE_HEADERS)


@router.get(
    "/v/{token}",
    response_class=HTMLResponse,
    responses=_HTML_RESPONSES,
    summary="A CPA's verification page (what the QR code opens)",
)
def verification_page(token: str, request: Request, context: Context) -> HTMLResponse:
    """The page a CPA's QR code opens, in Chinese for a phone: name, certificate number, firm, institute, every
    year's result (年检通过 / 暂缓年检 / 年检不予通过 / 审核中 / 未申请) with its decision date, and when the page
    was generated (China time). Nothing private. Unknown token: a 404 page. No sign-in; rate-limited per address."""
    lookup = _lookup(request, context, token)
    if lookup.retry_after:
        wait = lookup.retry_after
        return _html("verify_rate_limited.html", 429, {"Retry-After": str(wait)}, retry_after=wait)
    found = lookup.found
    if found is None:
        return _html("verify_missing.html", 404)
    generated = pages.china_time(found.generated_at)
    return _html(
        "verify.html",
        v=found,
        generated_iso=iso_utc(found.generated_at),
        generated_china=generated.strftime("%Y-%m-%d %H:%M:%S"),
    )
