"""Signing in and out of the CPA portal (`/cpa/`), over the API's `Authenticator.login` and `logout`."""

from __future__ import annotations

from firmdesk.server.web.cpa.common import portal_router
from firmdesk.server.web.sign_in_pages import SignInForm, add_sign_in_routes
from firmdesk.server.web.site import CPA_PORTAL

router = portal_router()

#: What an empty or too long field says (the API's own checks, `LoginRequest`, judge the rest).
CPA_SIGN_IN = SignInForm(
    CPA_PORTAL,
    "portal/sign_in.html",
    missing={"member_no": "请输入证书编号", "password": "请输入密码"},
    too_long={"member_no": "证书编号过长，请检查后重新输入", "password": "密码过长"},
)
add_sign_in_routes(router, CPA_SIGN_IN)
