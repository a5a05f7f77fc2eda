"""忘记密码 in the CPA portal: two steps (证书编号 → code and new password) over the same use cases as
`POST /api/v1/auth/password-reset/request` and `/confirm` (`services.password_reset`). No sign-in; the forms
carry the pre-session CSRF token like the sign-in form."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import HTMLResponse

from firmdesk.domain.errors import InvalidInput
from firmdesk.server.api.deps import ClientAddress, Context, SessionDep
from firmdesk.server.services import password_reset
from firmdesk.server.services.errors import TooManyAttempts
from firmdesk.server.web import csrf
from firmdesk.server.web.cpa.common import portal_router
from firmdesk.server.web.pages import FormErrors, render_page
from firmdesk.server.web.session import pre_session_secret, remember_pre_session_secret

router = portal_router()

PATH = "/forgot-password"
MISMATCH = "两次输入的新密码不一致"


def _page(
    request: Request, step: str, *, status: int = 200, headers: dict[str, str] | None = None, **values: Any
) -> HTMLResponse:
    """Step `ask` (证书编号) or `confirm` (code and new password) or `done`."""
    secret = pre_session_secret(request) or csrf.new_pre_session_secret()
    values.setdefault("errors", FormErrors())
    values.setdefault("member_no", "")
    values.setdefault("notice", None)
    page = render_page(
        request,
        "portal/forgot_password.html",
        status=status,
        title="忘记密码" if step != "done" else "密码已重置",
        csrf_token=csrf.csrf_token(secret),
        step=step,
        rules=password_reset.PASSWORD_RULES,
        headers=headers,
        **values,
    )
    remember_pre_session_secret(request, page, secret)
    return page


def _csrf_refused(request: Request, token: str) -> FormErrors | None:
    try:
        csrf.verify(token, pre_session_secret(request))
    except csrf.CsrfRefused as refused:
        return FormErrors(general=[refused.message])
    return None


def _too_many(request: Request, step: str, refused: TooManyAttempts, member_no: str) -> HTMLResponse:
    retry = {"Retry-After": str(refused.extra["retry_after"])}
    errors = FormErrors(general=[refused.message])
    return _page(request, step, status=429, errors=errors, member_no=member_no, headers=retry)


@router.get(PATH, response_class=HTMLResponse)
def ask_form(request: Request) -> HTMLResponse:
    """Step 1: the 证书编号."""
    return _page(request, "ask")


@router.post(PATH, response_class=HTMLResponse)
def ask(
    request: Request,
    session: SessionDep,
    client: ClientAddress,
    member_no: Annotated[str, Form(max_length=200)] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> HTMLResponse:
    """Send the code (if the account has an e-mail: the page never says), then step 2."""
    member_no = member_no.strip()
    refused = _csrf_refused(request, csrf_token)
    if refused:
        return _page(request, "ask", status=403, errors=refused, member_no=member_no)
    if not member_no or len(member_no) > 20:
        errors = FormErrors()
        errors.add("member_no", "请输入证书编号" if not member_no else "证书编号过长，请检查后重新输入")
        return _page(request, "ask", status=422, errors=errors, member_no=member_no)
    try:
        answer = password_reset.request_code(session, member_no, client)
    except TooManyAttempts as too_many:
        return _too_many(request, "ask", too_many, member_no)
    return _page(request, "confirm", member_no=member_no, notice=answer.detail)


@router.post(f"{PATH}/confirm", response_class=HTMLResponse)
def confirm(
    request: Request,
    session: SessionDep,
    context: Context,
    client: ClientAddress,
    member_no: Annotated[str, Form(max_length=200)] = "",
    code: Annotated[str, Form(max_length=200)] = "",
    new_password: Annotated[str, Form(max_length=1000)] = "",
    new_password_again: Annotated[str, Form(max_length=1000)] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> HTMLResponse:
    """Step 2: the code and the new password (twice); done: every session of the account is signed out."""
    member_no, code = member_no.strip(), code.strip()
    refused = _csrf_refused(request, csrf_token)
    if refused:
        return _page(request, "confirm", status=403, errors=refused, member_no=member_no)
    errors = FormErrors()
    if not code:
        errors.add("code", "请输入邮件中的 6 位验证码")
    if not new_password:
        errors.add("new_password", "请输入新密码")
    elif new_password != new_password_again:
        errors.add("new_password_again", MISMATCH)
    if errors or not member_no:
        if not member_no:
            errors.add(None, "请返回第一步输入证书编号")
        return _page(request, "confirm", status=422, errors=errors, member_no=member_no)
    try:
        password_reset.confirm(session, context.authenticator.hasher, member_no, code, new_password, client)
    except TooManyAttempts as too_many:
        return _too_many(request, "confirm", too_many, member_no)
    except password_reset.ResetCodeInvalid as invalid:
        errors.add("code", invalid.message)
        return _page(request, "confirm", status=422, errors=errors, member_no=member_no)
    except InvalidInput as invalid:
        errors.add("new_password", invalid.message)
        return _page(request, "confirm", status=422, errors=errors, member_no=member_no)
    return _page(request, "done")
