"""Routes of sign-in: login, logout, who am I."""

from __future__ import annotations

from fastapi import APIRouter, Response

from firmdesk.server.api.deps import ClientAddress, Context, CurrentPrincipal, SessionDep
from firmdesk.server.api.errors import INVALID, error_doc, error_response, responses
from firmdesk.server.services import auth
from firmdesk.server.services.errors import AccountLocked
from firmdesk.server.services.schemas import LoginRequest, LoginResult, Me

router = APIRouter(prefix="/auth", tags=["auth"])

_RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before trying again", "schema": {"type": "integer"}}}
_LOGIN_ERRORS = responses(
    {401: error_doc(401, "`bad_credentials`: 会员编号或密码错误 (the same answer for an unknown member number)")},
    {403: error_doc(403, "`account_disabled`: the password is right but the account is disabled")},
    {
        429: {
            **error_doc(
                429,
                "`locked` (extra `locked_until`, `retry_after`): too many failures of this account from this "
                "address (5 in 15 minutes lock it for 15 minutes), or from everywhere except its usual addresses; "
                "`too_many_attempts` (extra `retry_after`): too many failures from this address across accounts, "
                "or overall. See docs/security.md.",
            ),
            "headers": _RETRY_AFTER,
        }
    },
    INVALID,
)
_TOKEN_ERRORS = responses({401: error_doc(401, "`unauthorized`: no valid bearer token")})


@router.post("/login", response_model=LoginResult, responses=_LOGIN_ERRORS)
def login(body: LoginRequest, session: SessionDep, context: Context, client: ClientAddress) -> LoginResult | Response:
    """Sign in as a CPA (certificate number), firm (firm number) or institute (code): a 12-hour token."""
    try:
        return context.authenticator.login(session, body.user_type, body.member_no, body.password, client)
    except AccountLocked as refused:  # and TooManyAttempts: the answer says when to try again
        answer = error_response(429, refused.message, refused.code, dict(refused.extra))
        answer.headers["Retry-After"] = str(refused.extra["retry_after"])
        return answer


@router.post("/logout", status_code=204, response_class=Response, responses=_TOKEN_ERRORS)
def logout(principal: CurrentPrincipal, session: SessionDep) -> Response:
    """Revoke the token of this request."""
    auth.logout(session, principal)
    return Response(status_code=204)


@router.get("/me", response_model=Me, responses=_TOKEN_ERRORS)
def me(principal: CurrentPrincipal) -> Me:
    return principal.me
