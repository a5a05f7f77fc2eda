"""Routes of 忘记密码: ask for a one-time code by e-mail, then set a new password with it (no sign-in)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from firmdesk.server.api.deps import ClientAddress, Context, SessionDep
from firmdesk.server.api.errors import INVALID, error_doc, error_response, responses
from firmdesk.server.services import password_reset
from firmdesk.server.services.errors import TooManyAttempts
from firmdesk.server.services.mail_schemas import ResetCodeRequest, ResetCodeRequested, ResetConfirm, ResetDone

router = APIRouter(prefix="/auth/password-reset", tags=["auth"])

_TOO_MANY: dict[int | str, dict[str, Any]] = {
    429: {
        **error_doc(
            429,
            "`too_many_attempts` (extra `retry_after`): too many requests or wrong codes from this "
            "address within 15 minutes",
        ),
        "headers": {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}},
    }
}


def _refused(refused: TooManyAttempts) -> Response:
    answer = error_response(429, refused.message, refused.code, dict(refused.extra))
    answer.headers["Retry-After"] = str(refused.extra["retry_after"])
    return answer


@router.post("/request", response_model=ResetCodeRequested, responses=responses(_TOO_MANY, INVALID))
def request_code(body: ResetCodeRequest, session: SessionDep, client: ClientAddress) -> ResetCodeRequested | Response:
    """Send a 6-digit code (valid 15 minutes, single use) to the CPA's registered e-mail. The answer is the same
    whether or not the 证书编号 exists or has an e-mail: 若该账户登记了邮箱，验证码已发送. At most 3 codes an
    hour per 证书编号 (further requests send nothing, same answer)."""
    try:
        return password_reset.request_code(session, body.member_no, client)
    except TooManyAttempts as refused:
        return _refused(refused)


@router.post(
    "/confirm",
    response_model=ResetDone,
    responses=responses(
        _TOO_MANY,
        {
            422: error_doc(
                422,
                "`reset_code_invalid`: 验证码错误或已失效 (wrong, expired, used, 5 wrong tries, or an unknown "
                "证书编号: one answer); `invalid_input`: the new password breaks the rules (≥ 8 characters, letters "
                "and digits, not containing the 证书编号)",
            )
        },
    ),
)
def confirm(body: ResetConfirm, session: SessionDep, context: Context, client: ClientAddress) -> ResetDone | Response:
    """Set a new password with the code; every token of the account is revoked (sign in again)."""
    try:
        return password_reset.confirm(
            session, context.authenticator.hasher, body.member_no, body.code, body.new_password, client
        )
    except TooManyAttempts as refused:
        return _refused(refused)
