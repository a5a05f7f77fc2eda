"""A batch under review (`/institute/batches/{id}`): the firm's materials previewed in the page, each CPA's
application (profile, materials, training hours, flags, trail) with its decision form, 全部通过 and 退回整批.

A refused form comes back as the same page with the error summary and the user's input kept: a missing
reason (422) next to its field; a decision someone else made first, in another tab or by a colleague (409),
as a message saying what happened."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from firmdesk.domain.errors import DomainError, InvalidInput, NotFound, TransitionRefused, VersionConflict
from firmdesk.domain.limits import MAX_RECORD_ID
from firmdesk.domain.states import Decision
from firmdesk.server.api.deps import SessionDep
from firmdesk.server.api.errors import status_of
from firmdesk.server.db.models import Application, Batch, Cpa
from firmdesk.server.services import commands, institute_actions, institute_queries, institute_reinspection
from firmdesk.server.services.institute_schemas import ReinspectionBody
from firmdesk.server.web.institute.common import (
    Key,
    Text,
    VersionField,
    WebApplication,
    WebBatch,
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

#: What the page says after a batch-wide action (`?done=`): a fixed set, never text from the URL.
DONE = {"approve-all": "已全部年检通过。", "return": "已退回整批，事务所将收到退回原因。"}
#: A form someone else's decision overtook: said before the use case's own reason.
OVERTAKEN = "未能保存：该记录已被他人（或在另一个窗口中）处理，页面已刷新为最新状态。"
DECISIONS = [(d.value, d.label) for d in Decision]


@dataclass(frozen=True)
class Kept:
    """What the user had typed into a refused form, shown back in it."""

    form: str  # "decision-{id}", "return-batch"
    decision: str = ""
    reason: str = ""


def _batch_page(
    request: Request,
    session: Session,
    user: WebUser,
    batch: Batch,
    *,
    status: int = 200,
    errors: FormErrors | None = None,
    kept: Kept | None = None,
    decided: int | None = None,
    done: str | None = None,
) -> HTMLResponse:
    review = institute_queries.batch_review(session, institute_of(user), batch)
    decided_row = next((a.row for a in review.reviews if a.row.application_id == decided), None)
    return workbench_page(
        request,
        user,
        "institute/batch.html",
        active="queue",
        status=status,
        title=f"年检批次 {batch.number}",
        review=review,
        errors=errors or FormErrors(),
        kept=kept,
        decided=decided_row,
        done=DONE.get(done or ""),
        decisions=DECISIONS,
        min_hours=institute_of(user).min_training_hours,
        once_key=once_key,
        can_approve_all=any(a.row.actions.get("approve") is None for a in review.reviews),
    )


def _refused(
    request: Request,
    session: Session,
    user: WebUser,
    batch: Batch,
    error: DomainError,
    field: str,
    kept: Kept,
    application: Application | None = None,
) -> HTMLResponse:
    """The page again, after the use case refused: its message next to `field`, or on top if it was overtaken."""
    session.rollback()
    session.refresh(batch)
    errors = FormErrors()
    name = _name(session, application) if application is not None else None
    if isinstance(error, InvalidInput):
        errors.add(field, f"{name}：{error.message}" if name else error.message)
    elif isinstance(error, TransitionRefused | VersionConflict):
        who = f"（{name}）" if name else ""
        errors.add(None, f"{OVERTAKEN.replace('未能保存', '未能保存' + who, 1)}（{error.message}）")
    else:
        raise error
    return _batch_page(request, session, user, batch, status=status_of(error), errors=errors, kept=kept)


@router.get("/batches/{batch_id}", response_class=HTMLResponse)
def batch_page(
    request: Request,
    session: SessionDep,
    user: WebInstitute,
    batch: WebBatch,
    decided: Annotated[int | None, Query(ge=1, le=MAX_RECORD_ID)] = None,
    done: Annotated[str | None, Query(max_length=20)] = None,
) -> HTMLResponse:
    return _batch_page(request, session, user, batch, decided=decided, done=done)


@router.post("/batches/{batch_id}/applications/{application_id}/decision", response_class=HTMLResponse)
def decide(
    request: Request,
    session: SessionDep,
    user: WebInstitute,
    batch: WebBatch,
    application: WebApplication,
    decision: Annotated[str, Form(max_length=20)] = "",
    reason: Text = "",
    version: VersionField = None,
    idempotency_key: Key = "",
) -> Response:
    """年检通过 / 暂缓年检 / 年检不予通过 / 退回 for one CPA, as `POST /api/v1/institute/applications/{id}/decision`."""
    kept = Kept(f"decision-{application.id}", decision, reason)
    choice = next((d for d in Decision if d.value == decision), None)
    if choice is None:
        errors = FormErrors()
        errors.add(f"decision-{application.id}-approve", f"{_name(session, application)}：请选择审核决定")
        return _batch_page(request, session, user, batch, status=422, errors=errors, kept=kept)
    command = commands.Decide(choice, reason, version)
    try:
        with done_once():
            institute_actions.decide(session, _in(application, batch), actor_of(user), command, idempotency_key or None)
    except DomainError as error:
        return _refused(request, session, user, batch, error, f"reason-{application.id}", kept, application)
    return _back_to(batch, application)


def _back_to(batch: Batch, application: Application) -> RedirectResponse:
    """The batch page again, at the CPA just decided (the page's script moves on to the next one waiting)."""
    return RedirectResponse(
        f"/institute/batches/{batch.id}?decided={application.id}#cpa-{application.id}-name", status_code=303
    )


@router.post("/batches/{batch_id}/applications/{application_id}/reinspection", response_class=HTMLResponse)
def reinspect(
    request: Request,
    session: SessionDep,
    user: WebInstitute,
    batch: WebBatch,
    application: WebApplication,
    outcome: Annotated[str, Form(max_length=10)] = "",
    reason: Text = "",
    version: VersionField = None,
    idempotency_key: Key = "",
) -> Response:
    """复检 of a 暂缓年检 CPA (通过, or 不予通过 with a reason), as the API's `…/applications/{id}/reinspection`."""
    kept = Kept(f"reinspect-{application.id}", outcome, reason)
    if outcome not in {"pass", "fail"}:
        errors = FormErrors()
        errors.add(f"reinspect-{application.id}-pass", f"{_name(session, application)}：请选择复检结果")
        return _batch_page(request, session, user, batch, status=422, errors=errors, kept=kept)
    body = ReinspectionBody(outcome=outcome, reason=reason or None, version=version)
    key = idempotency_key or None
    try:
        with done_once():
            institute_reinspection.reinspect(session, _in(application, batch), actor_of(user), body, key)
    except DomainError as error:
        field = f"reinspect-reason-{application.id}"
        return _refused(request, session, user, batch, error, field, kept, application)
    return _back_to(batch, application)


def _in(application: Application, batch: Batch) -> Application:
    """The application as decided from this batch's page: one in another batch is the 404 page (one no longer in
    any batch goes on: the use case says why it cannot be decided)."""
    if application.batch_id not in (None, batch.id):
        raise NotFound("该注册会计师不在此年检批次中", application_id=application.id)
    return application


@router.post("/batches/{batch_id}/approve-all", response_class=HTMLResponse)
def approve_all(
    request: Request,
    session: SessionDep,
    user: WebInstitute,
    batch: WebBatch,
    version: VersionField = None,
    idempotency_key: Key = "",
) -> Response:
    """全部通过: 年检通过 for every CPA still waiting in the batch."""
    try:
        with done_once():
            institute_actions.approve_all(
                session, batch, actor_of(user), commands.ApproveAll(version=version), idempotency_key or None
            )
    except DomainError as error:
        return _refused(request, session, user, batch, error, "return-reason", Kept("approve-all"))
    return RedirectResponse(f"/institute/batches/{batch.id}?done=approve-all", status_code=303)


@router.post("/batches/{batch_id}/return", response_class=HTMLResponse)
def return_batch(
    request: Request,
    session: SessionDep,
    user: WebInstitute,
    batch: WebBatch,
    reason: Text = "",
    version: VersionField = None,
    idempotency_key: Key = "",
) -> Response:
    """退回整批 with a reason: the firm gets the batch back (its CPAs stay in it)."""
    command = commands.ReturnBatch(reason=reason, version=version)
    try:
        with done_once():
            institute_actions.return_batch(session, batch, actor_of(user), command, idempotency_key or None)
    except DomainError as error:
        return _refused(request, session, user, batch, error, "return-reason", Kept("return-batch", reason=reason))
    return RedirectResponse(f"/institute/batches/{batch.id}?done=return", status_code=303)


def _name(session: Session, application: Application) -> str:
    """The CPA's name, for messages about their form (a batch page has several)."""
    return session.get_one(Cpa, application.cpa_id).name
