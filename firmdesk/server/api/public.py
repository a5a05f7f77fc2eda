"""The public verification data a CPA's QR code leads to (no sign-in): `/v/{token}.json`; the page itself,
`/v/{token}`, is in `firmdesk.server.web.public` and shares the lookup and the rate limit defined here.

Rate-limited per client address (`Settings.public_requests_per_minute`, and `public_misses_per_minute` for
unknown tokens, against enumeration). Behind a reverse proxy, list it in `CMIS_TRUSTED_PROXIES` so that its
`X-Forwarded-For` is believed (`firmdesk.server.client_address`), or every visitor counts as the proxy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from firmdesk.server.api.deps import Context
from firmdesk.server.api.errors import error_doc, error_response
from firmdesk.server.client_address import client_address
from firmdesk.server.context import ServerContext
from firmdesk.server.services import verification as pages
from firmdesk.server.services.clock import utcnow
from firmdesk.server.services.schemas import Verification

router = APIRouter(tags=["public"])

#: Never cached (the page says when it was generated), never indexed, the token never sent on as a referrer.
PRIVATE_HEADERS = {
    "Cache-Control": "no-store",
    "X-Robots-Tag": "noindex, nofollow",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}
NOT_FOUND_MESSAGE = "未找到该二维码对应的注册会计师年检信息"

RETRY_AFTER_HEADER = {
    "Retry-After": {"description": "Seconds to wait before trying again", "schema": {"type": "integer"}}
}
_JSON_RESPONSES: dict[int | str, dict[str, Any]] = {
    404: error_doc(404, "`not_found`: no CPA has this token"),
    429: {
        **error_doc(429, "`rate_limited` (extra `retry_after`): too many requests from this address"),
        "headers": RETRY_AFTER_HEADER,
    },
}


@dataclass(frozen=True)
class Lookup:
    """The page's data (`found`), or no such token (`found` None), or refused: wait `retry_after` seconds."""

    found: Verification | None = None
    retry_after: int = 0


def lookup(request: Request, context: ServerContext, token: str) -> Lookup:
    """The verification of `token` for this client, once its rate limit allows (the page and the JSON alike)."""
    # The limit is checked before any database work; an unknown token also counts as a miss.
    client = client_address(request, context.settings.proxies)
    decision = context.public_limiter.check(client)
    if not decision.allowed:
        return Lookup(retry_after=decision.retry_after)
    with context.read_sessions() as session:
        found = pages.verification(session, token, utcnow())
    if found is None:
        context.public_limiter.missed(client)
    return Lookup(found)


# Included before the page's router (`/v/{token}`), which would otherwise take `<token>.json` as a token.
@router.get(
    "/v/{token}.json",
    response_model=Verification,
    responses=_JSON_RESPONSES,
    summary="A CPA's verification data (JSON)",
)
def verification_json(token: str, request: Request, context: Context) -> Response:
    """The data of `/v/{token}` for programs: name, certificate number, firm, institute, every year's result
    (newest first) with its decision date, and when it was generated. No sign-in; rate-limited per address."""
    result = lookup(request, context, token)
    if result.retry_after:
        wait = result.retry_after
        answer = error_response(429, f"请求过于频繁，请 {wait} 秒后再试", "rate_limited", {"retry_after": wait})
        answer.headers.update({**PRIVATE_HEADERS, "Retry-After": str(wait)})
        return answer
    if result.found is None:
        answer = error_response(404, NOT_FOUND_MESSAGE, "not_found")
        answer.headers.update(PRIVATE_HEADERS)
        return answer
    return JSONResponse(result.found.model_dump(mode="json"), headers=PRIVATE_HEADERS)
