"""Routes of the simulated face-verification provider: the page behind the QR code, and its callback.

The page (`GET /api/v1/face/{token}`) stands in for the provider's camera page on the CPA's phone: it shows the
session's state in Chinese (待认证 / 认证通过 / 人脸认证未通过 / 已过期) on the portal's layout and, while it
waits, two buttons 通过 / 不通过 (plain forms, no script) that post the result as the provider would. No sign-in:
the session's token is the secret.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from firmdesk.domain.errors import NotFound, TransitionRefused
from firmdesk.server.api.deps import SessionDep
from firmdesk.server.api.errors import CONFLICT, INVALID, NOT_FOUND, responses
from firmdesk.server.services import face_sessions
from firmdesk.server.services.schemas import FaceResult, FaceResultRequest
from firmdesk.server.web.pages import FormErrors, render_page
from firmdesk.server.web.site import NO_STORE, PAGE_HEADERS

router = APIRouter(prefix="/face", tags=["face"], responses=INVALID)

_PAGE_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {"description": "The simulated provider's page (Chinese, for a phone)", "content": {"text/html": {}}},
    404: {"description": "No such face-verification session: a page saying so", "content": {"text/html": {}}},
}
#: The page is not under a portal's path: it gets the portal pages' headers here.
_HEADERS = {**PAGE_HEADERS, **NO_STORE, "referrer-policy": "no-referrer"}


def _page(
    request: Request, session: SessionDep, token: str, errors: FormErrors | None = None, status: int = 200
) -> HTMLResponse:
    try:
        view = face_sessions.provider_view(session, token)
    except NotFound as error:
        return render_page(
            request, "face/provider_missing.html", status=404, headers=_HEADERS, title="人脸认证", message=error.message
        )
    return render_page(
        request,
        "face/provider.html",
        status=status,
        headers=_HEADERS,
        title=f"人脸认证 · {view.state.label}",
        view=view,
        state=view.state.value,
        errors=errors or FormErrors(),
    )


@router.get("/{token}", response_class=HTMLResponse, responses=_PAGE_RESPONSES)
def face_page(request: Request, session: SessionDep, token: str) -> HTMLResponse:
    """The page the QR code opens (simulated provider): its state in Chinese and, while 待认证, 通过 / 不通过.
    A page also when not found: a phone's browser opened it."""
    return _page(request, session, token)


@router.post("/{token}", response_class=HTMLResponse, include_in_schema=False)
def face_page_result(
    request: Request, session: SessionDep, token: str, passed: Annotated[str, Form(max_length=10)] = ""
) -> Response:
    """The page's 通过 / 不通过 buttons: the provider's result, then the page again (post/redirect/get)."""
    if passed not in {"true", "false"}:
        return _page(request, session, token, FormErrors(general=["请选择认证结果"]), 422)
    try:
        face_sessions.resolve(session, token, passed == "true")
    except NotFound:
        return _page(request, session, token)
    except TransitionRefused as refused:
        session.rollback()
        return _page(request, session, token, FormErrors(general=[refused.message]), 409)
    return RedirectResponse(request.url.path, status_code=303)


@router.post("/{token}/result", response_model=FaceResult, responses=responses(NOT_FOUND, CONFLICT))
def face_result(session: SessionDep, token: str, body: FaceResultRequest) -> FaceResult:
    """The provider's callback (no sign-in: the token is the secret). Passing submits to the firm."""
    return face_sessions.resolve(session, token, body.passed)
