"""Routes of sign-in: login, logout, who am I."""

from __future__ import annotations

from fastapi import APIRouter, Response

from firmdesk.server.api.deps import Context, CurrentPrincipal, SessionDep
from firmdesk.server.api.errors import INVALID, error_doc, responses
from firmdesk.server.services import auth
from firmdesk.server.services.schemas import LoginRequest, LoginResult, Me

router = APIRouter(prefix="/auth", tags=["auth"])

_LOGIN_ERRORS = responses(
    {401: error_doc(401, "`bad_credentials`: 会员编号或密码错误")},
    {403: error_doc(403, "`account_disabled`: the password is right but the account is disabled")},
    {429: error_doc(429, "`locked`: 5 failures within 15 minutes lock the account for 15 minutes (`locked_until`)")},
    INVALID,
)
_TOKEN_ERRORS = {401: error_doc(401, "`unauthorized`: no valid bearer token")}


@router.post("/login", response_model=LoginResult, responses=_LOGIN_ERRORS)
def login(body: LoginRequest, session: SessionDep, context: Context) -> LoginResult:
    """Sign in as a CPA (certificate number), firm (firm number) or institute (code): a 12-hour token."""
    return context.authenticator.login(session, body.user_type, body.member_no, body.password)


@router.post("/logout", status_code=204, response_class=Response, responses=_TOKEN_ERRORS)
def logout(principal: CurrentPrincipal, session: SessionDep) -> Response:
    """Revoke the token of this request."""
    auth.logout(session, principal)
    return Response(status_code=204)


@router.get("/me", response_model=Me, responses=_TOKEN_ERRORS)
def me(principal: CurrentPrincipal) -> Me:
    return principal.me
