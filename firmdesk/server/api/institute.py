"""Routes of the institute (role institute): its configuration and its firms' batches."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from firmdesk.domain.limits import MAX_PAGE
from firmdesk.domain.states import Decision
from firmdesk.server.api.deps import (
    Context,
    CurrentInstitute,
    IdempotencyKey,
    InstituteActor,
    InstituteApplication,
    InstituteAttachment,
    InstituteBatch,
    SessionDep,
)
from firmdesk.server.api.errors import AUTH_ERRORS, CONFLICT, INVALID, NOT_FOUND, responses
from firmdesk.server.api.files import FILE_RESPONSES, attachment_response
from firmdesk.server.services import commands, firm_queries, institute_actions
from firmdesk.server.services.schemas import (
    BatchDetail,
    BatchRow,
    CpaRow,
    DecisionBody,
    InstituteConfig,
    Page,
    ReasonBody,
    VersionBody,
)

router = APIRouter(prefix="/institute", tags=["institute"], responses=responses(AUTH_ERRORS, INVALID))


@router.get("/config", response_model=InstituteConfig)
def get_config(institute: CurrentInstitute) -> InstituteConfig:
    return institute_actions.config(institute)


@router.put("/config", response_model=InstituteConfig, responses=INVALID)
def put_config(session: SessionDep, institute: CurrentInstitute, body: InstituteConfig) -> InstituteConfig:
    """The current year and window, notices, material lists (working / retired), minimum training hours."""
    return institute_actions.update_config(session, institute, commands.ConfigureInstitute(**body.model_dump()))


@router.get("/batches", response_model=Page[BatchRow], responses=INVALID)
def list_batches(
    session: SessionDep,
    institute: CurrentInstitute,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    state: Annotated[str | None, Query(description="A batch state or a comma list")] = None,
    firm: Annotated[str | None, Query(description="Firm number")] = None,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    page_size: Annotated[int, Query(ge=1, le=firm_queries.MAX_PAGE_SIZE)] = 50,
) -> Page[BatchRow]:
    """The batches of the institute's firms, newest first."""
    return institute_actions.list_batches(
        session, institute, year=year, state=state, firm=firm, page=page, page_size=page_size
    )


@router.get("/batches/{batch_id}", response_model=BatchDetail, responses=NOT_FOUND)
def batch_detail(session: SessionDep, batch: InstituteBatch) -> BatchDetail:
    return institute_actions.batch_detail(session, batch)


@router.post("/batches/{batch_id}/approve-all", response_model=BatchDetail, responses=responses(NOT_FOUND, CONFLICT))
def approve_all(
    session: SessionDep,
    batch: InstituteBatch,
    actor: InstituteActor,
    body: VersionBody | None = None,
    idempotency_key: IdempotencyKey = None,
) -> BatchDetail:
    """年检通过 for every CPA still in the batch; the batch is reviewed."""
    command = commands.ApproveAll(version=body.version if body else None)
    return institute_actions.approve_all(session, batch, actor, command, idempotency_key)


@router.post(
    "/batches/{batch_id}/return", response_model=BatchDetail, responses=responses(NOT_FOUND, CONFLICT, INVALID)
)
def return_batch(
    session: SessionDep,
    batch: InstituteBatch,
    actor: InstituteActor,
    body: ReasonBody,
    idempotency_key: IdempotencyKey = None,
) -> BatchDetail:
    """Return the whole batch to the firm with a reason (its CPAs stay submitted in it)."""
    command = commands.ReturnBatch(reason=body.reason, version=body.version)
    return institute_actions.return_batch(session, batch, actor, command, idempotency_key)


@router.post(
    "/applications/{application_id}/decision",
    response_model=CpaRow,
    responses=responses(NOT_FOUND, CONFLICT, INVALID),
)
def decide(
    session: SessionDep,
    application: InstituteApplication,
    actor: InstituteActor,
    body: DecisionBody,
    idempotency_key: IdempotencyKey = None,
) -> CpaRow:
    """Decide one CPA: approve, defer, fail or return (all but approve need a reason)."""
    command = commands.Decide(Decision(body.decision), body.reason, body.version)
    return institute_actions.decide(session, application, actor, command, idempotency_key)


@router.get(
    "/attachments/{attachment_id}/content",
    response_class=Response,
    responses=responses(FILE_RESPONSES, NOT_FOUND),
)
def attachment_content(request: Request, context: Context, attachment: InstituteAttachment) -> Response:
    return attachment_response(request, context.storage, attachment)
