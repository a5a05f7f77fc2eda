"""Routes of the firm (role firm): its CPAs, applications, batches, attachments and the change feed."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Query, Request, Response, UploadFile

from firmdesk.domain.limits import MAX_PAGE, MAX_RECORD_ID
from firmdesk.domain.states import FirmTab
from firmdesk.server.api.deps import (
    Context,
    CurrentFirm,
    FirmActor,
    FirmApplication,
    FirmAttachment,
    FirmBatch,
    IdempotencyKey,
    SessionDep,
    debug_delay,
)
from firmdesk.server.api.errors import AUTH_ERRORS, CONFLICT, INVALID, NOT_FOUND, TOO_LARGE, responses
from firmdesk.server.api.files import FILE_RESPONSES, attachment_response
from firmdesk.server.services import commands, firm_actions, firm_queries
from firmdesk.server.services.schemas import (
    ApplicationDetail,
    BatchDetail,
    BatchRow,
    BatchWithApplications,
    ChangeSet,
    CpaRow,
    EventPublic,
    FirmInfo,
    FirmSummary,
    Page,
    ReadinessRequest,
    ReadinessResult,
    ReadinessResults,
    ReturnRequest,
    ReturnResult,
    VersionBody,
)

router = APIRouter(
    prefix="/firm", tags=["firm"], dependencies=[Depends(debug_delay)], responses=responses(AUTH_ERRORS, INVALID)
)

Year = Annotated[int | None, Query(ge=2000, le=2100, description="Inspection year; default the current one")]
PageNo = Annotated[int, Query(ge=1, le=MAX_PAGE)]
PageSize = Annotated[int, Query(ge=1, le=firm_queries.MAX_PAGE_SIZE)]


@router.get("", response_model=FirmInfo)
def firm_info(session: SessionDep, firm: CurrentFirm) -> FirmInfo:
    """The firm, its institute's current year and window, and the years it has applications for."""
    return firm_queries.firm_info(session, firm)


@router.get("/summary", response_model=FirmSummary, responses=INVALID)
def firm_summary(session: SessionDep, firm: CurrentFirm, year: Year = None) -> FirmSummary:
    return firm_queries.summary(session, firm, year)


@router.get("/cpas", response_model=Page[CpaRow], responses=INVALID)
def firm_cpas(
    session: SessionDep,
    firm: CurrentFirm,
    year: Year = None,
    tab: Annotated[str | None, Query(description=", ".join(FirmTab))] = None,
    status: Annotated[str | None, Query(description="An application state, or `none`")] = None,
    q: Annotated[str | None, Query(max_length=50, description="Part of the name or certificate number")] = None,
    page: PageNo = 1,
    page_size: PageSize = 50,
    sort: Annotated[str | None, Query(description="name, cert_no, status, updated_at; `-` descending")] = None,
) -> Page[CpaRow]:
    """The firm's CPAs for a year (one row each, with the application if any)."""
    return firm_queries.list_cpas(
        session, firm, year=year, tab=tab, status=status, q=q, page=page, page_size=page_size, sort=sort
    )


@router.get("/applications/{application_id}", response_model=ApplicationDetail, responses=NOT_FOUND)
def application_detail(session: SessionDep, application: FirmApplication) -> ApplicationDetail:
    return firm_queries.application_detail(session, application)


@router.get("/applications/{application_id}/trail", response_model=list[EventPublic], responses=NOT_FOUND)
def application_trail(session: SessionDep, application: FirmApplication) -> list[EventPublic]:
    """The approval trail (审批流程), oldest first."""
    return firm_queries.trail(session, application)


@router.get("/applications/{application_id}/readiness", response_model=ReadinessResult, responses=NOT_FOUND)
def application_readiness(session: SessionDep, application: FirmApplication) -> ReadinessResult:
    return firm_actions.readiness(session, [application])[0]


@router.post("/readiness", response_model=ReadinessResults, responses=responses(NOT_FOUND, INVALID))
def readiness_many(session: SessionDep, firm: CurrentFirm, body: ReadinessRequest) -> ReadinessResults:
    """Readiness flags of several applications (red: must fix; yellow: may submit)."""
    return firm_actions.firm_readiness(session, firm, body.application_ids)


@router.get(
    "/attachments/{attachment_id}/content",
    response_class=Response,
    responses=responses(FILE_RESPONSES, NOT_FOUND),
)
def attachment_content(request: Request, context: Context, attachment: FirmAttachment) -> Response:
    return attachment_response(request, context.storage, attachment)


@router.post("/returns", response_model=ReturnResult, responses=responses(NOT_FOUND, CONFLICT, INVALID))
def return_applications(
    session: SessionDep,
    firm: CurrentFirm,
    actor: FirmActor,
    body: ReturnRequest,
    idempotency_key: IdempotencyKey = None,
) -> ReturnResult:
    """Return one or many pending applications to their CPAs with a reason (all or nothing)."""
    command = commands.ReturnApplications(
        application_ids=tuple(item.application_id for item in body.items),
        reason=body.reason,
        versions=tuple(item.version for item in body.items),
    )
    return firm_actions.return_applications(session, firm, actor, command, idempotency_key)


@router.post(
    "/batches",
    status_code=201,
    response_model=BatchWithApplications,
    responses=responses(NOT_FOUND, CONFLICT, INVALID, TOO_LARGE),
)
def submit_batch(
    session: SessionDep,
    context: Context,
    firm: CurrentFirm,
    actor: FirmActor,
    idempotency_key: IdempotencyKey,
    year: Annotated[int, Form(ge=2000, le=2100)],
    application_ids: Annotated[list[str], Form(description="Repeated, or one comma-separated list")],
    files: Annotated[list[UploadFile], File(description="The batch materials, ≤10, each ≤5 MB")] = [],  # noqa: B006
    materials: Annotated[list[str], Form(description="Material name of each file, aligned with `files`")] = [],  # noqa: B006
) -> BatchWithApplications:
    """Submit the selected applications as one numbered batch with its materials (Idempotency-Key required)."""
    command = commands.SubmitBatch(year, tuple(application_ids), tuple(files), tuple(materials))
    return firm_actions.submit_batch(session, context.storage, firm, actor, command, idempotency_key)


@router.get("/batches", response_model=Page[BatchRow], responses=INVALID)
def list_batches(
    session: SessionDep,
    firm: CurrentFirm,
    year: Year = None,
    state: Annotated[str | None, Query(description="A batch state or a comma list")] = None,
    page: PageNo = 1,
    page_size: PageSize = 50,
) -> Page[BatchRow]:
    """The firm's batches, newest first."""
    return firm_queries.list_batches(
        session, firm_ids=[firm.id], year=year, state=state, page=page, page_size=page_size
    )


@router.get("/batches/{batch_id}", response_model=BatchDetail, responses=NOT_FOUND)
def batch_detail(session: SessionDep, batch: FirmBatch) -> BatchDetail:
    return firm_queries.batch_detail(session, batch)


@router.post(
    "/batches/{batch_id}/withdraw", response_model=BatchWithApplications, responses=responses(NOT_FOUND, CONFLICT)
)
def withdraw_batch(
    session: SessionDep,
    batch: FirmBatch,
    actor: FirmActor,
    body: VersionBody | None = None,
    idempotency_key: IdempotencyKey = None,
) -> BatchWithApplications:
    """Take back a batch the institute has not started on: its applications go back to pending review."""
    command = commands.WithdrawBatch(version=body.version if body else None)
    return firm_actions.withdraw_batch(session, batch, actor, command, idempotency_key)


@router.post(
    "/batches/{batch_id}/resubmit",
    response_model=BatchWithApplications,
    responses=responses(NOT_FOUND, CONFLICT, INVALID, TOO_LARGE),
)
def resubmit_batch(
    session: SessionDep,
    context: Context,
    batch: FirmBatch,
    actor: FirmActor,
    keep_attachment_ids: Annotated[list[str], Form()] = [],  # noqa: B006 - FastAPI copies defaults
    files: Annotated[list[UploadFile], File()] = [],  # noqa: B006
    materials: Annotated[list[str], Form()] = [],  # noqa: B006
    version: Annotated[int | None, Form(ge=0, le=MAX_RECORD_ID)] = None,
    idempotency_key: IdempotencyKey = None,
) -> BatchWithApplications:
    """再次申请-修改附件: change the materials of a returned batch and submit it again."""
    command = commands.ResubmitBatch(tuple(keep_attachment_ids), tuple(files), tuple(materials), version)
    return firm_actions.resubmit_batch(session, context.storage, batch, actor, command, idempotency_key)


@router.get("/changes", response_model=ChangeSet, responses=INVALID)
def changes(
    session: SessionDep,
    firm: CurrentFirm,
    year: Year = None,
    since: Annotated[int, Query(ge=0, le=MAX_RECORD_ID, description="Cursor of the last answer; 0: everything")] = 0,
) -> ChangeSet:
    """The change feed: rows whose CPA/application or batch changed after `since`."""
    return firm_queries.changes(session, firm, year=year, since=since)
