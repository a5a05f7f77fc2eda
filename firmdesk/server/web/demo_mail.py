"""Demo only: `/demo/mail` lists the outbox (queued and sent mails, codes included) so that a user of the demo
can read the mails it sends without a mail server. Present only with `CMIS_DEMO_MAIL_PAGE` (the demo sets it)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from firmdesk.domain.errors import NotFound
from firmdesk.server.api.deps import Context, SessionDep
from firmdesk.server.services.mail_schemas import MailOut
from firmdesk.server.services.outbox import MailState, recent_mails
from firmdesk.server.web.rendering import page

router = APIRouter(tags=["demo"])

#: Where the demo's mails are listed (printed by `firmdesk demo`).
DEMO_MAIL_PATH = "/demo/mail"

_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
}


@router.get(DEMO_MAIL_PATH, response_class=HTMLResponse, include_in_schema=False)
def demo_mail(session: SessionDep, context: Context) -> HTMLResponse:
    settings = context.settings
    if not settings.demo_mail_page:
        raise NotFound("未找到该页面")
    mails = [
        MailOut(
            id=m.id,
            kind=m.kind,
            to_address=m.to_address,
            subject=m.subject,
            body=m.body,
            state=m.state,
            state_label=MailState(m.state).label,
            attempts=m.attempts,
            last_error=m.last_error,
            created_at=m.created_at,
            sent_at=m.sent_at,
        )
        for m in recent_mails(session)
    ]
    return page(
        "demo_mail.html",
        headers=_HEADERS,
        mails=mails,
        smtp_configured=bool(settings.smtp_host),
        smtp_host=settings.smtp_host or "",
    )
