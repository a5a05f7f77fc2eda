"""Rendering a portal page: the template plus what every page of the base layout needs.

`render_page(request, "portal/home.html", user=user, title=..., **values)` gives the template:
`user` (the signed-in `WebUser` or None), `portal`, `csrf_token` (for `{{ csrf_field() }}`), `request_id`,
and the values. A domain error a page wants to show in place goes in `errors` (see `FormErrors`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi.responses import HTMLResponse
from starlette.requests import Request

from firmdesk.server.web.rendering import render
from firmdesk.server.web.session import WebUser
from firmdesk.server.web.site import CPA_PORTAL, Portal, portal_of_path


@dataclass
class FormErrors:
    """The errors of a submitted form: shown in the error summary at the top of the page (`summary`, each
    linking to its field) and again next to each field (`field(name)`). `general` is not tied to a field
    (e.g. a domain error of the use case)."""

    fields: dict[str, str] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.fields or self.general)

    def add(self, name: str | None, message: str) -> None:
        if name is None:
            self.general.append(message)
        else:
            self.fields.setdefault(name, message)

    def field(self, name: str) -> str | None:
        return self.fields.get(name)

    @property
    def summary(self) -> list[tuple[str | None, str]]:
        """(field id or None, message), general ones first."""
        return [(None, m) for m in self.general] + list(self.fields.items())


def request_id(request: Request) -> str:
    return str(getattr(request.state, "request_id", "-"))


def render_page(
    request: Request,
    template: str,
    *,
    user: WebUser | None = None,
    status: int = 200,
    csrf_token: str = "",
    headers: dict[str, str] | None = None,
    **values: Any,
) -> HTMLResponse:
    portal: Portal = user.portal if user else (portal_of_path(request.url.path) or CPA_PORTAL)
    values.setdefault("errors", FormErrors())
    html = render(
        template,
        request=request,
        user=user,
        portal=portal,
        csrf_token=user.csrf_token if user else csrf_token,
        request_id=request_id(request),
        **values,
    )
    return HTMLResponse(html, status_code=status, headers=headers)
