"""The portals the server renders (CPA portal; next the institute's workbench): their paths, their sign-in
pages, and the security headers every page answer carries.

A portal is registered once here; `is_page_path` then makes the error handlers answer HTML (not the API's
JSON) for its paths, and `require_web(role)` knows where to send someone who is not signed in.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from firmdesk.domain.portal import CPA_PORTAL_PATH, WORKBENCH_PATH
from firmdesk.domain.states import Role


@dataclass(frozen=True)
class Portal:
    """One role's set of pages: everything under `prefix` (e.g. `/cpa`), signed in at `sign_in_path`."""

    role: Role
    prefix: str
    title: str

    @property
    def sign_in_path(self) -> str:
        return f"{self.prefix}/"

    @property
    def home_path(self) -> str:
        return f"{self.prefix}/home"


CPA_PORTAL = Portal(Role.CPA, CPA_PORTAL_PATH.rstrip("/"), "注册会计师年检")
INSTITUTE_PORTAL = Portal(Role.INSTITUTE, WORKBENCH_PATH.rstrip("/"), "地方注协年检工作台")

#: Every portal, by role.
PORTALS: dict[Role, Portal] = {portal.role: portal for portal in (CPA_PORTAL, INSTITUTE_PORTAL)}

STATIC_PREFIX = "/static"


def portal_of_path(path: str) -> Portal | None:
    for portal in PORTALS.values():
        if path == portal.prefix or path.startswith(f"{portal.prefix}/"):
            return portal
    return None


def is_page_path(path: str) -> bool:
    """Whether errors on `path` are answered as an HTML page (portals, static files) rather than JSON."""
    return portal_of_path(path) is not None or path.startswith(f"{STATIC_PREFIX}/")


#: Pages load only the server's own scripts, styles and images (QR codes are inline SVG); no inline script,
#: no framing, forms post only to this server.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
PAGE_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
}
#: Signed-in pages hold personal data: never stored by the browser or a proxy.
NO_STORE = {"cache-control": "no-store"}


class PageHeaders:
    """ASGI middleware: the security headers on every answer for a page path (errors included); dynamic
    pages also get `Cache-Control: no-store` unless they set their own."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_page_path(scope.get("path", "")):
            await self.app(scope, receive, send)
            return
        static = scope["path"].startswith(f"{STATIC_PREFIX}/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                extra = {**PAGE_HEADERS, **({} if static else NO_STORE)}
                headers += [(k.encode(), v.encode()) for k, v in extra.items() if k.encode() not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
