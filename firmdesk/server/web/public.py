"""The public verification page a CPA's QR code opens (no sign-in): `/v/{token}`, in Chinese for a phone.

Its data and its rate limit are those of `/v/{token}.json` (`api.public.lookup`); this module only renders.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from firmdesk.server.api.deps import Context
from firmdesk.server.api.public import PRIVATE_HEADERS, RETRY_AFTER_HEADER, lookup
from firmdesk.server.services.schemas import Verification
from firmdesk.server.web.rendering import page

router = APIRouter(tags=["public"])

#: The pages are self-contained: inline CSS only, no scripts, no images, no forms, not framed.
HTML_HEADERS = {
    **PRIVATE_HEADERS,
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'",
}

_HTML_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/html": {}}, "description": "The CPA's verification page (Chinese, mobile-friendly)"},
    404: {"content": {"text/html": {}}, "description": "No CPA has this token: a Chinese 'not found' page"},
    429: {
        "content": {"text/html": {}},
        "description": "Too many requests (or too many unknown tokens) from this address: a Chinese page",
        "headers": RETRY_AFTER_HEADER,
    },
}


def verification_html(found: Verification) -> HTMLResponse:
    return page("verify.html", headers=HTML_HEADERS, v=found)


def missing_html() -> HTMLResponse:
    return page("verify_missing.html", 404, HTML_HEADERS)


def rate_limited_html(wait: int) -> HTMLResponse:
    return page("verify_rate_limited.html", 429, {**HTML_HEADERS, "Retry-After": str(wait)}, retry_after=wait)


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
    result = lookup(request, context, token)
    if result.retry_after:
        return rate_limited_html(result.retry_after)
    if result.found is None:
        return missing_html()
    return verification_html(result.found)
