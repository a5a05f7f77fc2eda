"""CSRF protection of every POST form: a token derived from a secret only this browser holds.

Signed in, the secret is the session's bearer token (an HttpOnly cookie another site can neither read nor
set); before signing in, a random HttpOnly cookie (`PRE_SESSION_COOKIE`) set with the sign-in form. The
form carries `HMAC(secret, purpose)` in the hidden field `csrf_token` (`{{ csrf_field() }}` in templates);
scripts may send it as the `X-CSRF-Token` header instead. Missing or wrong: `CsrfRefused` (a 403 page).
"""

from __future__ import annotations

import hashlib
import hmac

from starlette.requests import Request

from firmdesk.domain.errors import Forbidden
from firmdesk.server.security import new_token

FIELD = "csrf_token"
HEADER = "X-CSRF-Token"
PRE_SESSION_COOKIE = "cmis_csrf"
_PURPOSE = b"firmdesk-web-form-v1"
#: Requests without effects: never checked.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

CSRF_MESSAGE = "页面已过期或来源无法确认（安全校验未通过），请返回上一页刷新后重新提交。"


class CsrfRefused(Forbidden):
    """A form posted without the token of this browser's session (stale page, or another site): HTTP 403."""

    code = "csrf"


def csrf_token(secret: str) -> str:
    return hmac.new(secret.encode(), _PURPOSE, hashlib.sha256).hexdigest()


def new_pre_session_secret() -> str:
    return new_token()


async def check_csrf(request: Request, secret: str | None) -> None:
    """Raise `CsrfRefused` unless the request carries the token of `secret` (in the form or the header)."""
    if request.method in SAFE_METHODS:
        return
    sent = request.headers.get(HEADER)
    kept: list[str] = []
    if _is_form(request):
        form = await request.form()
        value = form.get(FIELD)
        sent = sent or (value if isinstance(value, str) else None)
        kept = [v for k, v in form.multi_items() if isinstance(v, str) and v.strip() and _keepable(k)]
    verify(sent, secret, kept)


def verify(sent: str | None, secret: str | None, kept: list[str] | None = None) -> None:
    """Raise `CsrfRefused` (with the user's `kept` input) unless `sent` is the token of `secret`."""
    if not secret or not sent or not hmac.compare_digest(sent, csrf_token(secret)):
        raise CsrfRefused(CSRF_MESSAGE, kept=kept or [])


def _keepable(name: str) -> bool:
    """A field whose value the refusal page may show back to the user (never a secret)."""
    return name != FIELD and "password" not in name and "code" not in name and name != "next"


def _is_form(request: Request) -> bool:
    kind = request.headers.get("content-type", "")
    return kind.startswith(("application/x-www-form-urlencoded", "multipart/form-data"))
