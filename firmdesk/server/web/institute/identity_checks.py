"""线下人工核验 (`/institute/identity-checks`): the records of the current year, and recording one: the staff
member checked the CPA's identity in person (day, document, note), which counts as face verification passed
(`POST /api/v1/institute/applications/{id}/identity-check`)."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from firmdesk.domain.errors import InvalidInput, NotFound, TransitionRefused, VersionConflict
from firmdesk.domain.identity_check import IDENTITY_DOCUMENT_TYPES
from firmdesk.server.api.deps import SessionDep
from firmdesk.server.api.errors import status_of
from firmdesk.server.services import institute_identity, institute_workbench
from firmdesk.server.services.clock import china_today
from firmdesk.server.services.institute_schemas import IdentityCheckCreate
from firmdesk.server.web.institute.common import (
    Key,
    Short,
    Text,
    actor_of,
    done_once,
    institute_of,
    once_key,
    workbench_page,
    workbench_router,
)
from firmdesk.server.web.pages import FormErrors
from firmdesk.server.web.session import WebInstitute, WebUser

router = workbench_router()


def _page(
    request: Request,
    session: SessionDep,
    user: WebUser,
    *,
    status: int = 200,
    errors: FormErrors | None = None,
    typed: dict[str, str] | None = None,
    done: bool = False,
) -> HTMLResponse:
    institute = institute_of(user)
    return workbench_page(
        request,
        user,
        "institute/identity_checks.html",
        active="identity",
        title="线下人工核验",
        status=status,
        errors=errors or FormErrors(),
        typed=typed or {"checked_on": china_today().isoformat()},
        done=done,
        checks=institute_identity.list_checks(session, institute),
        document_types=IDENTITY_DOCUMENT_TYPES,
        year=institute.current_year,
        once_key=once_key(),
    )


@router.get("/identity-checks", response_class=HTMLResponse)
def identity_checks_page(request: Request, session: SessionDep, user: WebInstitute) -> HTMLResponse:
    return _page(request, session, user, done=request.query_params.get("done") == "1")


@router.post("/identity-checks", response_class=HTMLResponse)
def record(
    request: Request,
    session: SessionDep,
    user: WebInstitute,
    cert_no: Short = "",
    checked_on: Short = "",
    document_type: Short = "",
    note: Text = "",
    idempotency_key: Key = "",
) -> Response:
    typed = {"cert_no": cert_no, "checked_on": checked_on, "document_type": document_type, "note": note}
    errors = FormErrors()
    if not cert_no.strip():
        errors.add("cert_no", "请输入注册会计师证书编号")
    try:
        body = IdentityCheckCreate(checked_on=checked_on.strip(), document_type=document_type, note=note or None)
    except ValidationError:
        errors.add("checked_on", "请填写核验日期，格式如 2026-03-01")
    if errors:
        return _page(request, session, user, status=422, errors=errors, typed=typed)
    institute = institute_of(user)
    try:
        application = institute_workbench.current_application(session, institute, cert_no)
        with done_once():
            key = idempotency_key or None
            institute_identity.record_check(session, institute, application, actor_of(user), body, key)
    except (InvalidInput, NotFound, TransitionRefused, VersionConflict) as refused:
        session.rollback()
        errors.add(_field_of(refused), refused.message)
        status = 422 if isinstance(refused, NotFound) else status_of(refused)
        return _page(request, session, user, status=status, errors=errors, typed=typed)
    return RedirectResponse("/institute/identity-checks?done=1", status_code=303)


def _field_of(refused: Exception) -> str | None:
    message = str(getattr(refused, "message", ""))
    if isinstance(refused, NotFound | TransitionRefused):
        return "cert_no"
    if "证件" in message:
        return "document_type"
    if "日期" in message:
        return "checked_on"
    return "note" if "备注" in message else None
