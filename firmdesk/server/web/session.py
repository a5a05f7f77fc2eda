"""Browser sessions over the API's sign-in use cases: the session cookie carries the bearer token.

`Authenticator.login` / `resolve_token` / `logout` (server/services/auth.py) do all the work, so the
lockout, the messages and the expiry are the API's. The cookie is HttpOnly, SameSite=Lax, Path=/, and
Secure when the request came over https (directly, or per `X-Forwarded-Proto` from a trusted proxy).

A page route takes the signed-in user as a typed dependency, one per role: `WebCpa = Annotated[WebUser,
Depends(require_web(Role.CPA))]`. Not signed in (or expired, revoked, another role): `SignInRequired`,
answered with a redirect to the portal's sign-in page that says why and comes back (`next=`) afterwards.
Every non-GET request through it is CSRF-checked (`csrf.check_csrf`) before the route runs.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Annotated
from urllib.parse import urlencode, urlsplit

from fastapi import Depends, Request, Response
from sqlalchemy.orm import Session

from firmdesk.domain.states import Role
from firmdesk.server.api.deps import SessionDep
from firmdesk.server.services.auth import Organisation, Principal, resolve_token
from firmdesk.server.services.clock import utcnow
from firmdesk.server.services.errors import Unauthorized
from firmdesk.server.web import csrf
from firmdesk.server.web.site import PORTALS, Portal

SESSION_COOKIE = "cmis_session"
#: The pre-session CSRF secret lives this long (the sign-in form's lifetime).
PRE_SESSION_MAX_AGE_S = 2 * 3600


class SignInReason(StrEnum):
    """Why the sign-in page is shown again (`?why=` on it): a fixed set, so the page's text is never taken
    from the URL."""

    REQUIRED = "required"
    EXPIRED = "expired"
    INVALID = "invalid"
    WRONG_ROLE = "role"
    SIGNED_OUT = "signed_out"

    @property
    def message(self) -> str:
        return _REASON_MESSAGES[self]


_REASON_MESSAGES = {
    SignInReason.REQUIRED: "请先登录",
    SignInReason.EXPIRED: "登录已过期，请重新登录",
    SignInReason.INVALID: "登录已失效，请重新登录",
    SignInReason.WRONG_ROLE: "当前登录的账户不能访问该页面，请使用正确的用户类型登录",
    SignInReason.SIGNED_OUT: "您已安全退出",
}


class SignInRequired(Exception):
    """Raised by `require_web`; answered with a 303 to `location` (the portal's sign-in page)."""

    def __init__(self, location: str) -> None:
        super().__init__(location)
        self.location = location


@dataclass(frozen=True)
class WebUser:
    """The signed-in browser: the API's principal plus what the pages need (the CSRF token of its forms)."""

    principal: Principal
    portal: Portal
    csrf_token: str

    @property
    def organisation(self) -> Organisation:
        return self.principal.organisation

    @property
    def name(self) -> str:
        return self.principal.me.name


def is_https(request: Request) -> bool:
    """Whether the browser reached us over https: directly, or through a proxy of `CMIS_TRUSTED_PROXIES`
    saying so in `X-Forwarded-Proto` (anyone else's header is ignored)."""
    if request.url.scheme == "https":
        return True
    proxies = request.app.state.cmis.settings.proxies
    peer = request.client.host if request.client else None
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[-1].strip().lower()
    return forwarded == "https" and peer is not None and proxies.contains(peer)


def set_session_cookie(response: Response, request: Request, token: str, expires_at: datetime) -> None:
    max_age = max(0, int((expires_at - utcnow()).total_seconds()))
    _set_cookie(response, request, SESSION_COOKIE, token, max_age)


def clear_session_cookie(response: Response, request: Request) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", secure=is_https(request), httponly=True, samesite="lax")


def pre_session_secret(request: Request) -> str | None:
    return request.cookies.get(csrf.PRE_SESSION_COOKIE) or None


def remember_pre_session_secret(request: Request, response: Response, secret: str) -> None:
    """Set the sign-in form's CSRF secret on `response` unless the browser sent it already."""
    if pre_session_secret(request) != secret:
        _set_cookie(response, request, csrf.PRE_SESSION_COOKIE, secret, PRE_SESSION_MAX_AGE_S)


def _set_cookie(response: Response, request: Request, name: str, value: str, max_age: int) -> None:
    response.set_cookie(name, value, max_age=max_age, path="/", secure=is_https(request), httponly=True, samesite="lax")


def safe_next(candidate: str | None, portal: Portal) -> str:
    """Where to go after signing in: a path of this portal on this site, else the portal's home. Never another
    site (`//evil`, `https://…`, `\\evil`), never a non-page path."""
    if not candidate or not candidate.startswith("/") or candidate.startswith(("//", "/\\")):
        return portal.home_path
    if any(ch in candidate for ch in "\\\r\n\t") or any(ord(ch) < 0x20 for ch in candidate):
        return portal.home_path
    parts = urlsplit(candidate)
    if parts.scheme or parts.netloc:
        return portal.home_path
    inside = parts.path.startswith(f"{portal.prefix}/") and parts.path != portal.sign_in_path
    return candidate if inside else portal.home_path


def sign_in_location(portal: Portal, why: SignInReason | None, next_path: str | None = None) -> str:
    query = {k: v for k, v in (("why", why.value if why else None), ("next", next_path)) if v}
    return f"{portal.sign_in_path}?{urlencode(query)}" if query else portal.sign_in_path


def _asked_for(request: Request) -> str | None:
    """The page to come back to: this one for a GET; for a form post, the page the form was on."""
    if request.method in csrf.SAFE_METHODS:
        query = request.url.query
        return request.url.path + (f"?{query}" if query else "")
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc and referer.netloc != request.url.netloc:
        return None
    return referer.path or None


def _reason(refusal: Unauthorized, had_cookie: bool) -> SignInReason:
    if not had_cookie:
        return SignInReason.REQUIRED
    return SignInReason.EXPIRED if "过期" in refusal.message else SignInReason.INVALID


def web_principal(session: Session, request: Request, portal: Portal) -> WebUser:
    token = request.cookies.get(SESSION_COOKIE)
    try:
        principal = resolve_token(session, token)
    except Unauthorized as refusal:
        raise SignInRequired(sign_in_location(portal, _reason(refusal, bool(token)), _asked_for(request))) from None
    if principal.role is not portal.role:
        raise SignInRequired(sign_in_location(portal, SignInReason.WRONG_ROLE, _asked_for(request)))
    assert token is not None
    return WebUser(principal=principal, portal=portal, csrf_token=csrf.csrf_token(token))


def require_web(role: Role) -> Callable[..., Awaitable[WebUser]]:
    """The dependency of a page of `role`'s portal: the signed-in `WebUser`, CSRF-checked on a form post."""
    portal = PORTALS[role]

    def signed_in(session: SessionDep, request: Request) -> WebUser:  # sync: the token lookup is DB work
        return web_principal(session, request, portal)

    # A default, not `Annotated[..., Depends(signed_in)]`: string annotations cannot name a local function.
    async def checked(request: Request, user: WebUser = Depends(signed_in)) -> WebUser:
        await csrf.check_csrf(request, request.cookies.get(SESSION_COOKIE))
        return user

    checked.__name__ = f"web_{role.value}"
    return checked


#: The signed-in CPA of a portal page.
WebCpa = Annotated[WebUser, Depends(require_web(Role.CPA))]

#: The signed-in staff member of the institute's workbench.
WebInstitute = Annotated[WebUser, Depends(require_web(Role.INSTITUTE))]
