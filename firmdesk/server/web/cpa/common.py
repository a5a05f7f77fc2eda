"""What every page of the CPA portal shares: the CPA behind the session, the 🔔 count, the menu."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session
from starlette.requests import Request

from firmdesk.server.db.models import Cpa
from firmdesk.server.services import cpa_actions
from firmdesk.server.web.pages import render_page
from firmdesk.server.web.session import WebUser
from firmdesk.server.web.site import CPA_PORTAL


def portal_router() -> APIRouter:
    """A router of CPA portal pages (kept out of the API's OpenAPI document)."""
    return APIRouter(prefix=CPA_PORTAL.prefix, include_in_schema=False)


def cpa_of(user: WebUser) -> Cpa:
    cpa = user.organisation
    assert isinstance(cpa, Cpa)  # require_web(Role.CPA) admitted only CPAs
    return cpa


def unread_count(session: Session, cpa: Cpa) -> int:
    return sum(not message.read for message in cpa_actions.messages(session, cpa))


def cpa_page(
    request: Request, session: Session, user: WebUser, template: str, *, active: str, status: int = 200, **values: Any
) -> HTMLResponse:
    """A page of the portal's layout (`portal/layout.html`): menu item `active` marked, the 🔔 count shown."""
    unread = values.pop("unread", None)
    return render_page(
        request,
        template,
        user=user,
        status=status,
        active=active,
        unread=unread_count(session, cpa_of(user)) if unread is None else unread,
        **values,
    )
