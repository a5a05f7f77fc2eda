"""The CPA portal's home (`/cpa/home`): the institute's notice first, the year's 年检申请 with its state, 🔔."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from fastapi.responses import HTMLResponse

from firmdesk.domain.states import NOT_APPLIED, ApplicationState, status_label
from firmdesk.server.api.deps import SessionDep
from firmdesk.server.services import cpa_actions
from firmdesk.server.services.schemas import CpaApplication
from firmdesk.server.web.cpa.common import cpa_of, cpa_page, portal_router
from firmdesk.server.web.session import WebCpa

router = portal_router()

#: Messages listed on the home page's 🔔 card (更多 opens the whole list).
LATEST_MESSAGES = 3


@dataclass(frozen=True)
class ApplyEntry:
    """The 年检申请 entry of the home page for the institute's current year."""

    status: str
    status_label: str
    reason: str | None
    application_id: int | None
    can_apply: bool
    apply_text: str

    @staticmethod
    def of(application: CpaApplication | None) -> ApplyEntry:
        if application is None:
            return ApplyEntry(NOT_APPLIED, status_label(NOT_APPLIED), None, None, True, "新建申请")
        state = ApplicationState(application.status)
        editable = state in cpa_actions.EDITABLE_STATES
        text = "继续申请" if state is ApplicationState.DRAFT else "再次申请"
        return ApplyEntry(
            application.status, application.status_label, application.reason, application.id, editable, text
        )


@router.get("/home", response_class=HTMLResponse)
def home(request: Request, session: SessionDep, user: WebCpa) -> HTMLResponse:
    cpa = cpa_of(user)
    notice = cpa_actions.notice(session, cpa)
    current = cpa_actions.list_applications(session, cpa, year=notice.year)
    inbox = cpa_actions.messages(session, cpa)
    return cpa_page(
        request,
        session,
        user,
        "portal/home.html",
        active="home",
        title="首页",
        notice=notice,
        entry=ApplyEntry.of(current[0] if current else None),
        latest=inbox[:LATEST_MESSAGES],
        unread=sum(not m.read for m in inbox),
    )
