"""What every page of the institute's workbench shares: the institute and the person behind the session, the
records of the path as the institute may see them (another institute's: 404), the menu, a form's once-key."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form
from fastapi.responses import HTMLResponse
from starlette.requests import Request

from firmdesk.domain.limits import MAX_RECORD_ID
from firmdesk.server.api.deps import PathId, SessionDep
from firmdesk.server.db.models import Application, Attachment, Batch, Institute
from firmdesk.server.services import access
from firmdesk.server.services.actors import Actor, institute_actor
from firmdesk.server.services.errors import Replay
from firmdesk.server.web.pages import render_page
from firmdesk.server.web.session import WebInstitute, WebUser
from firmdesk.server.web.site import INSTITUTE_PORTAL

#: The menu: (key, path, text).
MENU = (
    ("queue", "/institute/batches", "待审核批次"),
    ("settings", "/institute/settings", "设置"),
    ("extensions", "/institute/extensions", "延期"),
    ("identity", "/institute/identity-checks", "线下人工核验"),
    ("statistics", "/institute/statistics", "统计"),
)


def workbench_router() -> APIRouter:
    """A router of workbench pages (kept out of the API's OpenAPI document)."""
    return APIRouter(prefix=INSTITUTE_PORTAL.prefix, include_in_schema=False)


def institute_of(user: WebUser) -> Institute:
    institute = user.organisation
    assert isinstance(institute, Institute)  # require_web(Role.INSTITUTE) admitted only institute staff
    return institute


def actor_of(user: WebUser) -> Actor:
    """The signed-in staff member acting for the institute (the trail names the person)."""
    return institute_actor(institute_of(user), user.principal.account)


def once_key() -> str:
    """A form's Idempotency-Key: the same form sent twice (a double click, a resent request) acts once."""
    return str(uuid.uuid4())


@contextmanager
def done_once() -> Iterator[None]:
    """Around a use case called with a form's Idempotency-Key: a form sent again replays the first answer
    (`Replay`, which only a success leaves), so for the page it is simply done."""
    with suppress(Replay):
        yield


def workbench_page(
    request: Request, user: WebUser, template: str, *, active: str, status: int = 200, **values: Any
) -> HTMLResponse:
    """A page of the workbench's layout (`institute/layout.html`) with menu item `active` marked."""
    account = user.principal.account
    return render_page(
        request,
        template,
        user=user,
        status=status,
        active=active,
        menu=MENU,
        person=account.person_name,
        institute=institute_of(user),
        **values,
    )


def web_batch(session: SessionDep, user: WebInstitute, batch_id: PathId) -> Batch:
    return access.institute_batch(session, institute_of(user), batch_id)


def web_application(session: SessionDep, user: WebInstitute, application_id: PathId) -> Application:
    return access.institute_application(session, institute_of(user), application_id)


def web_attachment(session: SessionDep, user: WebInstitute, attachment_id: PathId) -> Attachment:
    return access.institute_attachment(session, institute_of(user), attachment_id)


#: Form fields: a reason or a note, a short value (a number, a day), a form's Idempotency-Key, a row's version.
Text = Annotated[str, Form(max_length=4000)]
Short = Annotated[str, Form(max_length=40)]
Key = Annotated[str, Form(max_length=80)]
VersionField = Annotated[int | None, Form(ge=1, le=MAX_RECORD_ID)]

#: Records of the path, the institute's own only (others: the 404 page).
WebBatch = Annotated[Batch, Depends(web_batch)]
WebApplication = Annotated[Application, Depends(web_application)]
WebAttachment = Annotated[Attachment, Depends(web_attachment)]
