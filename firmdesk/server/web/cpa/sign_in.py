"""Signing in and out of the CPA portal (`/cpa/`), over the API's `Authenticator.login` and `logout`."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from firmdesk.domain.states import Role
from firmdesk.server.api.deps import ClientAddress, Context, SessionDep
from firmdesk.server.services import auth
from firmdesk.server.services.errors import AccountDisabled, AccountLocked, BadCredentials, Unauthorized
from firmdesk.server.services.schemas import LoginRequest
from firmdesk.server.web import csrf
from firmdesk.server.web.cpa.common import portal_router
from firmdesk.server.web.pages import FormErrors, render_page
from firmdesk.server.web.session import (
    SESSION_COOKIE,
    SignInReason,
    WebCpa,
    clear_session_cookie,
    pre_session_secret,
    remember_pre_session_secret,
    safe_next,
    set_session_cookie,
    sign_in_location,
)
from firmdesk.server.web.site import CPA_PORTAL

router = portal_router()

#: What an empty field says (the API's own checks, `LoginRequest`, judge the rest).
_MISSING = {"member_no": "请输入证书编号", "password": "请输入密码"}
_TOO_LONG = {"member_no": "证书编号过长，请检查后重新输入", "password": "密码过长"}


def _sign_in_page(
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
        "portal/sign_in.html",
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


@router.get("", response_class=RedirectResponse)
def portal_root() -> RedirectResponse:
    return RedirectResponse(CPA_PORTAL.sign_in_path, status_code=308)


@router.get("/", response_class=HTMLResponse)
def sign_in_form(
    request: Request,
    session: SessionDep,
    why: Annotated[str | None, Query(max_length=20)] = None,
    asked: Annotated[str | None, Query(alias="next", max_length=2000)] = None,
) -> Response:
    """The sign-in page; someone already signed in as a CPA goes on to the page asked for."""
    next_path = safe_next(asked, CPA_PORTAL) if asked else ""
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        try:
            if auth.resolve_token(session, token).role is Role.CPA:
                return RedirectResponse(next_path or CPA_PORTAL.home_path, status_code=303)
        except Unauthorized:
            pass
    reason = next((r for r in SignInReason if r.value == why), None)
    return _sign_in_page(request, next_path=next_path, notice=reason.message if reason else None)


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
    next_path = safe_next(asked, CPA_PORTAL) if asked else ""
    member_no = member_no.strip()
    try:
        csrf.verify(csrf_token, pre_session_secret(request))
    except csrf.CsrfRefused as refused:
        errors = FormErrors(general=[refused.message.replace("请返回上一页刷新后重新提交", "请重新输入密码后登录")])
        return _sign_in_page(request, status=403, errors=errors, member_no=member_no, next_path=next_path)
    errors = _field_errors(member_no, password)
    if errors:
        return _sign_in_page(request, status=422, errors=errors, member_no=member_no, next_path=next_path)
    try:
        result = context.authenticator.login(session, Role.CPA.value, member_no, password, client)
    except AccountLocked as refused:  # and TooManyAttempts: the API's message, the API's Retry-After
        retry = {"Retry-After": str(refused.extra["retry_after"])}
        return _page_with_error(request, 429, refused.message, member_no, next_path, retry)
    except (BadCredentials, AccountDisabled) as refused:
        status = 403 if isinstance(refused, AccountDisabled) else 401
        return _page_with_error(request, status, refused.message, member_no, next_path)
    answer = RedirectResponse(next_path or CPA_PORTAL.home_path, status_code=303)
    set_session_cookie(answer, request, result.token, result.expires_at)
    return answer


def _page_with_error(
    request: Request, status: int, message: str, member_no: str, next_path: str, headers: dict[str, str] | None = None
) -> HTMLResponse:
    errors = FormErrors(general=[message])
    return _sign_in_page(
        request, status=status, errors=errors, member_no=member_no, next_path=next_path, headers=headers
    )


def _field_errors(member_no: str, password: str) -> FormErrors:
    errors = FormErrors()
    try:
        LoginRequest(user_type="cpa", member_no=member_no, password=password)
    except ValidationError as invalid:
        for problem in invalid.errors():
            name = str(problem["loc"][0])
            empty = problem["type"] in {"string_too_short", "missing"}
            errors.add(name, (_MISSING if empty else _TOO_LONG).get(name, "内容无效"))
    return errors


@router.post("/sign-out", response_class=RedirectResponse)
def sign_out(request: Request, session: SessionDep, user: WebCpa) -> RedirectResponse:
    """Revoke the session's token (as `POST /api/v1/auth/logout`) and forget the cookie."""
    auth.logout(session, user.principal)
    answer = RedirectResponse(sign_in_location(CPA_PORTAL, SignInReason.SIGNED_OUT), status_code=303)
    clear_session_cookie(answer, request)
    return answer
