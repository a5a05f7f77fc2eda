"""Signing in and out of a portal (`/cpa/`, `/institute/`), over the API's `Authenticator.login` and `logout`.

`add_sign_in_routes(router, SignInForm(portal, template, ...))` gives a portal its sign-in page (GET and POST
`{prefix}/`), the bare prefix redirecting there, and `POST {prefix}/sign-out`. The form's texts (what an empty
or too long login says) are the portal's; the lockout, the messages and the expiry are the API's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from firmdesk.server.api.deps import ClientAddress, Context, SessionDep
from firmdesk.server.services import auth
from firmdesk.server.services.errors import AccountDisabled, AccountLocked, BadCredentials, Unauthorized
from firmdesk.server.services.schemas import LoginRequest
from firmdesk.server.web import csrf
from firmdesk.server.web.pages import FormErrors, render_page
from firmdesk.server.web.session import (
    SESSION_COOKIE,
    SignInReason,
    WebUser,
    clear_session_cookie,
    pre_session_secret,
    remember_pre_session_secret,
    require_web,
    safe_next,
    set_session_cookie,
    sign_in_location,
)
from firmdesk.server.web.site import Portal


@dataclass(frozen=True)
class SignInForm:
    """A portal's sign-in page: its template and what an empty (`missing`) or too long field says."""

    portal: Portal
    template: str
    missing: dict[str, str]
    too_long: dict[str, str]

    def field_errors(self, member_no: str, password: str) -> FormErrors:
        errors = FormErrors()
        try:
            LoginRequest(user_type=self.portal.role.value, member_no=member_no, password=password)
        except ValidationError as invalid:
            for problem in invalid.errors():
                name = str(problem["loc"][0])
                empty = problem["type"] in {"string_too_short", "missing"}
                errors.add(name, (self.missing if empty else self.too_long).get(name, "内容无效"))
        return errors

    def page(
        self,
        request: Request,
        *,
        status: int = 200,
        errors: FormErrors | None = None,
        member_no: str = "",
        next_path: str = "",
        notice: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> HTMLResponse:
        secret = pre_session_secret(request) or csrf.new_pre_session_secret()
        page = render_page(
            request,
            self.template,
            status=status,
            title="登录",
            csrf_token=csrf.csrf_token(secret),
            errors=errors or FormErrors(),
            member_no=member_no,
            next_path=next_path,
            notice=notice,
            headers=headers,
        )
        remember_pre_session_secret(request, page, secret)
        return page


def add_sign_in_routes(router: APIRouter, form: SignInForm) -> None:
    """`{prefix}` → `{prefix}/`, the sign-in page and its post, and `{prefix}/sign-out` on `router`."""
    portal = form.portal
    signed_in = require_web(portal.role)

    @router.get("", response_class=RedirectResponse)
    def portal_root() -> RedirectResponse:
        return RedirectResponse(portal.sign_in_path, status_code=308)

    @router.get("/", response_class=HTMLResponse)
    def sign_in_form(
        request: Request,
        session: SessionDep,
        why: Annotated[str | None, Query(max_length=20)] = None,
        asked: Annotated[str | None, Query(alias="next", max_length=2000)] = None,
    ) -> Response:
        """The sign-in page; someone already signed in for this portal goes on to the page asked for."""
        next_path = safe_next(asked, portal) if asked else ""
        token = request.cookies.get(SESSION_COOKIE)
        if token:
            try:
                if auth.resolve_token(session, token).role is portal.role:
                    return RedirectResponse(next_path or portal.home_path, status_code=303)
            except Unauthorized:
                pass
        reason = next((r for r in SignInReason if r.value == why), None)
        return form.page(request, next_path=next_path, notice=reason.message if reason else None)

    @router.post("/", response_class=HTMLResponse)
    def sign_in(
        request: Request,
        session: SessionDep,
        context: Context,
        client: ClientAddress,
        member_no: Annotated[str, Form(max_length=200)] = "",
        password: Annotated[str, Form(max_length=1000)] = "",
        asked: Annotated[str, Form(alias="next", max_length=2000)] = "",
        csrf_token: Annotated[str, Form(max_length=200)] = "",
    ) -> Response:
        """Check the form's CSRF token, then sign in exactly as `POST /api/v1/auth/login` does."""
        next_path = safe_next(asked, portal) if asked else ""
        member_no = member_no.strip()

        def refused(status: int, message: str, headers: dict[str, str] | None = None) -> HTMLResponse:
            errors = FormErrors(general=[message])
            return form.page(
                request, status=status, errors=errors, member_no=member_no, next_path=next_path, headers=headers
            )

        try:
            csrf.verify(csrf_token, pre_session_secret(request))
        except csrf.CsrfRefused as stale:
            return refused(403, stale.message.replace("请返回上一页刷新后重新提交", "请重新输入密码后登录"))
        errors = form.field_errors(member_no, password)
        if errors:
            return form.page(request, status=422, errors=errors, member_no=member_no, next_path=next_path)
        try:
            result = context.authenticator.login(session, portal.role.value, member_no, password, client)
        except AccountLocked as locked:  # and TooManyAttempts: the API's message, the API's Retry-After
            return refused(429, locked.message, {"Retry-After": str(locked.extra["retry_after"])})
        except (BadCredentials, AccountDisabled) as bad:
            return refused(403 if isinstance(bad, AccountDisabled) else 401, bad.message)
        answer = RedirectResponse(next_path or portal.home_path, status_code=303)
        set_session_cookie(answer, request, result.token, result.expires_at)
        return answer

    @router.post("/sign-out", response_class=RedirectResponse)
    # A default, not `Annotated[..., Depends(signed_in)]`: string annotations cannot name a local value.
    def sign_out(request: Request, session: SessionDep, user: WebUser = Depends(signed_in)) -> Response:
        """Revoke the session's token (as `POST /api/v1/auth/logout`) and forget the cookie."""
        auth.logout(session, user.principal)
        answer = RedirectResponse(sign_in_location(portal, SignInReason.SIGNED_OUT), status_code=303)
        clear_session_cookie(answer, request)
        return answer
