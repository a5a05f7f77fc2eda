"""延期 (`/institute/extensions`): the extensions of the current year, granting one to a firm or a CPA (until a
day, with a reason) and revoking one, as `/api/v1/institute/extensions`."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from firmdesk.domain.errors import InvalidInput, NotFound, TransitionRefused, VersionConflict
from firmdesk.domain.limits import MAX_RECORD_ID
from firmdesk.server.api.deps import PathId, SessionDep
from firmdesk.server.api.errors import status_of
from firmdesk.server.services import institute_extensions
from firmdesk.server.services.institute_schemas import ExtensionCreate, ExtensionRevoke
from firmdesk.server.web.institute.common import Short, Text, actor_of, institute_of, workbench_page, workbench_router
from firmdesk.server.web.pages import FormErrors
from firmdesk.server.web.session import WebInstitute, WebUser

router = workbench_router()

#: After a change (`?done=`): a fixed set of messages.
DONE = {"granted": "已办理延期。", "revoked": "已撤销延期。"}


def _page(
    request: Request,
    session: SessionDep,
    user: WebUser,
    *,
    status: int = 200,
    errors: FormErrors | None = None,
    typed: dict[str, str] | None = None,
    done: str | None = None,
) -> HTMLResponse:
    institute = institute_of(user)
    return workbench_page(
        request,
        user,
        "institute/extensions.html",
        active="extensions",
        title="延期",
        status=status,
        errors=errors or FormErrors(),
        typed=typed or {},
        done=DONE.get(done or ""),
        extensions=institute_extensions.list_extensions(session, institute),
        institute_config=institute,
    )


@router.get("/extensions", response_class=HTMLResponse)
def extensions_page(request: Request, session: SessionDep, user: WebInstitute) -> HTMLResponse:
    return _page(request, session, user, done=request.query_params.get("done"))


@router.post("/extensions", response_class=HTMLResponse)
def grant(
    request: Request,
    session: SessionDep,
    user: WebInstitute,
    firm_number: Short = "",
    cert_no: Short = "",
    until: Short = "",
    reason: Text = "",
) -> Response:
    typed = {"firm_number": firm_number, "cert_no": cert_no, "until": until, "reason": reason}
    errors = FormErrors()
    try:
        body = ExtensionCreate(
            firm_number=firm_number.strip() or None, cert_no=cert_no.strip() or None, until=until.strip(), reason=reason
        )
    except ValidationError:
        errors.add("until", "请填写延期截止日期，格式如 2026-05-31")
        return _page(request, session, user, status=422, errors=errors, typed=typed)
    try:
        institute_extensions.grant(session, institute_of(user), actor_of(user), body)
    except (InvalidInput, NotFound) as refused:
        session.rollback()
        errors.add(_field_of(refused.message), refused.message)
        return _page(request, session, user, status=422, errors=errors, typed=typed)
    return RedirectResponse("/institute/extensions?done=granted", status_code=303)


def _field_of(message: str) -> str:
    """Which field a refusal of the use case is about (its message names it)."""
    if "证书编号" in message or "注册会计师" in message:
        return "cert_no"
    if "事务所" in message:
        return "firm_number"
    return "reason" if "原因" in message else "until"


@router.post("/extensions/{extension_id}/revoke", response_class=HTMLResponse)
def revoke(
    request: Request,
    session: SessionDep,
    user: WebInstitute,
    extension_id: PathId,
    reason: Text = "",
    version: Annotated[int | None, Form(ge=1, le=MAX_RECORD_ID)] = None,
) -> Response:
    institute = institute_of(user)
    extension = institute_extensions.find(session, institute, extension_id)  # another institute's: the 404 page
    try:
        institute_extensions.revoke(
            session, institute, extension, actor_of(user), ExtensionRevoke(reason=reason or None, version=version)
        )
    except (InvalidInput, TransitionRefused, VersionConflict) as refused:
        session.rollback()
        errors = FormErrors()
        errors.add(f"revoke-{extension_id}" if isinstance(refused, InvalidInput) else None, refused.message)
        return _page(request, session, user, status=status_of(refused), errors=errors)
    return RedirectResponse("/institute/extensions?done=revoked", status_code=303)
