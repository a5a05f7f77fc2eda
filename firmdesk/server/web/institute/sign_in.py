"""Signing in and out of the workbench (`/institute/`): the institute's named staff accounts."""

from __future__ import annotations

from fastapi.responses import RedirectResponse

from firmdesk.server.web.institute.common import workbench_router
from firmdesk.server.web.session import WebInstitute
from firmdesk.server.web.sign_in_pages import SignInForm, add_sign_in_routes
from firmdesk.server.web.site import INSTITUTE_PORTAL

router = workbench_router()

INSTITUTE_SIGN_IN = SignInForm(
    INSTITUTE_PORTAL,
    "institute/sign_in.html",
    missing={"member_no": "请输入登录账号", "password": "请输入密码"},
    too_long={"member_no": "登录账号过长，请检查后重新输入", "password": "密码过长"},
)
add_sign_in_routes(router, INSTITUTE_SIGN_IN)


@router.get("/home", response_class=RedirectResponse)
def home(_user: WebInstitute) -> RedirectResponse:
    """The workbench starts at its queue (待审核批次)."""
    return RedirectResponse("/institute/batches", status_code=303)
