"""Routes of the institute (role institute): its configuration and its firms' batches."""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import quote

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
    InstituteExtension,
    SessionDep,
)
from firmdesk.server.api.errors import AUTH_ERRORS, CONFLICT, INVALID, NOT_FOUND, responses
from firmdesk.server.api.files import FILE_RESPONSES, attachment_response
from firmdesk.server.services import (
    commands,
    firm_queries,
    institute_actions,
    institute_extensions,
    institute_identity,
    institute_queries,
    institute_reinspection,
    institute_statistics,
)
from firmdesk.server.services.institute_queries import MAX_SEARCH_CHARS
from firmdesk.server.services.institute_schemas import (
    ApplicationReview,
    BatchQueue,
    ExtensionCreate,
    ExtensionOut,
    ExtensionRevoke,
    IdentityCheckCreate,
    IdentityCheckOut,
    IdentityCheckResult,
    InstituteBatchDetail,
    InstituteStatistics,
    ReinspectionBody,
    StaffOut,
)
from firmdesk.server.services.schemas import (
    BatchDetail,
    CpaRow,
    DecisionBody,
    InstituteConfig,
    ReasonBody,
    VersionBody,
)

router = APIRouter(prefix="/institute", tags=["institute"], responses=responses(AUTH_ERRORS, INVALID))


@router.get("/config", response_model=InstituteConfig)
def get_config(institute: CurrentInstitute) -> InstituteConfig:
    return institute_actions.config(institute)


@router.get("/staff", response_model=list[StaffOut])
def staff(session: SessionDep, institute: CurrentInstitute) -> list[StaffOut]:
    """The institute's named staff accounts: each decision in the trail names one of them (`actor_person`)."""
    return institute_queries.staff(session, institute)


@router.put("/config", response_model=InstituteConfig, responses=INVALID)
def put_config(session: SessionDep, institute: CurrentInstitute, body: InstituteConfig) -> InstituteConfig:
    """The current year and window, notices, material lists (working / retired), minimum training hours."""
    return institute_actions.update_config(session, institute, commands.ConfigureInstitute(**body.model_dump()))


@router.get("/batches", response_model=BatchQueue, responses=INVALID)
def list_batches(
    session: SessionDep,
    institute: CurrentInstitute,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    state: Annotated[
        str | None, Query(description="A batch state or a comma list; the queue (待审核批次) is `submitted,reviewing`")
    ] = None,
    firm: Annotated[str | None, Query(max_length=20, description="Firm number")] = None,
    q: Annotated[
        str | None,
        Query(
            max_length=MAX_SEARCH_CHARS,
            description="Part of a firm's number or name, a batch number, or a CPA's name or certificate number",
        ),
    ] = None,
    order: Annotated[Literal["oldest", "newest"], Query(description="By submit time; default oldest first")] = "oldest",
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    page_size: Annotated[int, Query(ge=1, le=firm_queries.MAX_PAGE_SIZE)] = 50,
) -> BatchQueue:
    """The batches of the institute's firms, oldest first: each with its CPAs' counts and the yellow flags it
    carries; `by_state` counts the search's batches by state (the state filter aside)."""
    return institute_queries.queue(
        session,
        institute,
        year=year,
        state=state,
        firm=firm,
        q=q,
        oldest_first=order == "oldest",
        page=page,
        page_size=page_size,
    )


@router.get("/batches/{batch_id}", response_model=InstituteBatchDetail, responses=NOT_FOUND)
def batch_detail(session: SessionDep, institute: CurrentInstitute, batch: InstituteBatch) -> InstituteBatchDetail:
    """The batch: the firm's materials (download each from `/institute/attachments/{id}/content`), its events,
    and each CPA's application with profile, materials, training hours, flags and trail."""
    return institute_queries.batch_review(session, institute, batch)


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


# --- one CPA's application ---


@router.get("/applications/{application_id}", response_model=ApplicationReview, responses=NOT_FOUND)
def application_review(
    session: SessionDep, institute: CurrentInstitute, application: InstituteApplication
) -> ApplicationReview:
    """A CPA's application: profile, training hours, materials (download each from
    `/institute/attachments/{id}/content`), readiness flags now and as recorded with its batches, trail,
    线下人工核验 records and the extensions in force."""
    return institute_queries.application_review(session, institute, application)


@router.post(
    "/applications/{application_id}/identity-check",
    status_code=201,
    response_model=IdentityCheckResult,
    responses=responses(NOT_FOUND, CONFLICT, INVALID),
)
def identity_check(
    session: SessionDep,
    institute: CurrentInstitute,
    application: InstituteApplication,
    actor: InstituteActor,
    body: IdentityCheckCreate,
    idempotency_key: IdempotencyKey = None,
) -> IdentityCheckResult:
    """线下人工核验: record the in-person identity check of a draft's CPA (day, document, note); it counts as
    face verification passed: the application goes to the firm (待事务所审核) and the trail names the checker."""
    return institute_identity.record_check(session, institute, application, actor, body, idempotency_key)


@router.post(
    "/applications/{application_id}/reinspection",
    response_model=CpaRow,
    responses=responses(NOT_FOUND, CONFLICT, INVALID),
)
def reinspection(
    session: SessionDep,
    application: InstituteApplication,
    actor: InstituteActor,
    body: ReinspectionBody,
    idempotency_key: IdempotencyKey = None,
) -> CpaRow:
    """复检 of a 暂缓年检 CPA: `pass` (年检通过) or `fail` (年检不予通过, reason required); the deferral stays
    in the trail."""
    return institute_reinspection.reinspect(session, application, actor, body, idempotency_key)


# --- 线下人工核验 records and extensions ---


@router.get("/identity-checks", response_model=list[IdentityCheckOut], responses=INVALID)
def identity_checks(
    session: SessionDep,
    institute: CurrentInstitute,
    year: Annotated[int | None, Query(ge=2000, le=2100, description="Default: the current year")] = None,
) -> list[IdentityCheckOut]:
    """The institute's 线下人工核验 records of a year, newest first."""
    return institute_identity.list_checks(session, institute, year=year)


@router.get("/extensions", response_model=list[ExtensionOut], responses=INVALID)
def extensions(
    session: SessionDep,
    institute: CurrentInstitute,
    year: Annotated[int | None, Query(ge=2000, le=2100, description="Default: the current year")] = None,
    active: Annotated[bool | None, Query(description="Only those in force (true) or no longer (false)")] = None,
) -> list[ExtensionOut]:
    """The extensions (延期) of a year, newest first."""
    return institute_extensions.list_extensions(session, institute, year=year, active=active)


@router.post("/extensions", status_code=201, response_model=ExtensionOut, responses=responses(NOT_FOUND, INVALID))
def grant_extension(
    session: SessionDep, institute: CurrentInstitute, actor: InstituteActor, body: ExtensionCreate
) -> ExtensionOut:
    """延期 for one firm (`firm_number`: the firm and its CPAs) or one CPA (`cert_no`) until a day after the
    deadline, with a reason; recorded in the trail with the staff member's name."""
    return institute_extensions.grant(session, institute, actor, body)


@router.post(
    "/extensions/{extension_id}/revoke", response_model=ExtensionOut, responses=responses(NOT_FOUND, CONFLICT, INVALID)
)
def revoke_extension(
    session: SessionDep,
    institute: CurrentInstitute,
    extension: InstituteExtension,
    actor: InstituteActor,
    body: ExtensionRevoke | None = None,
) -> ExtensionOut:
    """Revoke an extension (optional reason); it stays listed with who revoked it."""
    return institute_extensions.revoke(session, institute, extension, actor, body or ExtensionRevoke())


# --- 统计 ---


@router.get("/statistics", response_model=InstituteStatistics, responses=INVALID)
def statistics(
    session: SessionDep,
    institute: CurrentInstitute,
    year: Annotated[int | None, Query(ge=2000, le=2100, description="Default: the current year")] = None,
) -> InstituteStatistics:
    """CPAs per firm and for the province: applied, pending at the firm, returned, submitted, approved,
    deferred, failed, not applied."""
    return institute_statistics.statistics(session, institute, year)


_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get(
    "/statistics.xlsx",
    response_class=Response,
    responses={200: {"content": {_XLSX: {}}, "description": "The statistics as an Excel workbook"}, **INVALID},
)
def statistics_excel(
    session: SessionDep,
    institute: CurrentInstitute,
    year: Annotated[int | None, Query(ge=2000, le=2100, description="Default: the current year")] = None,
) -> Response:
    """The statistics as .xlsx (a row per firm, the province's total last)."""
    stats = institute_statistics.statistics(session, institute, year)
    data = institute_statistics.statistics_workbook(institute, stats)
    name = f"{institute.code}-{stats.year}-statistics.xlsx"
    chinese = quote(f"{institute.name}{stats.year}年度年检统计.xlsx")
    disposition = f"attachment; filename=\"{name}\"; filename*=UTF-8''{chinese}"
    return Response(data, media_type=_XLSX, headers={"Content-Disposition": disposition})
