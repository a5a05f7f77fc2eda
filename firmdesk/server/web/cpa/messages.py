"""🔔 消息 (`/cpa/messages`): the CPA's inbox, newest first, 更多 showing more; 查看详情 marks a message read
(`cpa_actions.mark_read`, a POST) and shows it with the reason."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from firmdesk.domain.errors import NotFound
from firmdesk.server.api.deps import PathId, SessionDep
from firmdesk.server.services import cpa_actions
from firmdesk.server.web.cpa.common import cpa_of, cpa_page, portal_router
from firmdesk.server.web.session import WebCpa

router = portal_router()

#: Messages shown at first; each 更多 shows this many more.
PAGE_SIZE = 10
#: At most this many messages on one page (the URL's `shown` is capped to it).
MAX_SHOWN = 1000


@router.get("/messages", response_class=HTMLResponse)
def messages(
    request: Request,
    session: SessionDep,
    user: WebCpa,
    shown: Annotated[int, Query(ge=1, le=MAX_SHOWN)] = PAGE_SIZE,
) -> HTMLResponse:
    inbox = cpa_actions.messages(session, cpa_of(user))
    unread = sum(not m.read for m in inbox)
    return cpa_page(
        request,
        session,
        user,
        "portal/messages.html",
        active="messages",
        title="消息",
        messages=inbox[:shown],
        total=len(inbox),
        more=min(shown + PAGE_SIZE, MAX_SHOWN) if shown < len(inbox) else None,
        unread=unread,
    )


@router.post("/messages/{message_id}/read", response_class=RedirectResponse)
def read_message(session: SessionDep, user: WebCpa, message_id: PathId) -> RedirectResponse:
    """查看详情: mark the message read, then show it."""
    cpa_actions.mark_read(session, cpa_of(user), message_id)
    return RedirectResponse(f"/cpa/messages/{message_id}", status_code=303)


@router.get("/messages/{message_id}", response_class=HTMLResponse)
def message(request: Request, session: SessionDep, user: WebCpa, message_id: PathId) -> HTMLResponse:
    found = next((m for m in cpa_actions.messages(session, cpa_of(user)) if m.id == message_id), None)
    if found is None:
        raise NotFound("未找到该消息", message_id=message_id)
    return cpa_page(request, session, user, "portal/message.html", active="messages", title=found.title, message=found)
