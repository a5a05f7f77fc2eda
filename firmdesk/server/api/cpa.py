"""Routes of the CPA (role cpa): only itself."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Response, UploadFile

from firmdesk.domain.states import ApplicationState
from firmdesk.server.api.deps import (
    Context,
    CpaActor,
    CpaApplication,
    CurrentCpa,
    IdempotencyKey,
    PathId,
    PublicBaseUrl,
    SessionDep,
)
from firmdesk.server.api.errors import AUTH_ERRORS, CONFLICT, INVALID, NOT_FOUND, TOO_LARGE, error_doc, responses
from firmdesk.server.services import commands, cpa_actions, face_sessions
from firmdesk.server.services.schemas import (
    AttachmentPublic,
    CpaProfile,
    FaceSessionStarted,
    FaceSessionStatus,
    MessageOut,
    Notice,
    QrOut,
    StartApplication,
    UpdateApplication,
)
from firmdesk.server.services.schemas import CpaApplication as CpaApplicationOut

router = APIRouter(prefix="/cpa", tags=["cpa"], responses=responses(AUTH_ERRORS, INVALID))

#: 年检年度 filter of the CPA's applications.
InspectionYear = Annotated[int | None, Query(ge=2000, le=2100, description="Only this inspection year (年检年度)")]
#: 审核状态 filter of the CPA's applications.
ApplicationStateFilter = Annotated[
    ApplicationState | None,
    Query(
        description="Only applications in this state (审核状态): "
        + "、".join(f"{s.value} {s.label}" for s in ApplicationState)
    ),
]

_QUOTA = responses({429: error_doc(429, "`face_quota`: no face-verification session left today (`remaining: 0`)")})


@router.get("/profile", response_model=CpaProfile)
def profile(session: SessionDep, cpa: CurrentCpa) -> CpaProfile:
    """Personal info (synced from the MOF platform, read-only), firm, retired, training hours by year."""
    return cpa_actions.profile(session, cpa)


@router.get("/notice", response_model=Notice)
def notice(session: SessionDep, cpa: CurrentCpa) -> Notice:
    """The institute's notice and material lists, shown before an application starts."""
    return cpa_actions.notice(session, cpa)


@router.post("/applications", status_code=201, response_model=CpaApplicationOut, responses=responses(CONFLICT))
def start_application(
    session: SessionDep,
    cpa: CurrentCpa,
    actor: CpaActor,
    body: StartApplication | None = None,
    idempotency_key: IdempotencyKey = None,
) -> CpaApplicationOut:
    """Start the application for the current year (draft; retired preset from last year)."""
    command = commands.StartApplication(year=body.year if body else None)
    return cpa_actions.start_application(session, cpa, actor, command, idempotency_key)


@router.get("/applications", response_model=list[CpaApplicationOut])
def list_applications(
    session: SessionDep, cpa: CurrentCpa, year: InspectionYear = None, state: ApplicationStateFilter = None
) -> list[CpaApplicationOut]:
    """Every year's application, newest first (the history); filtered by 年检年度 (`year`) and 审核状态
    (`state`) when given, as the portal's 注册会计师年检申请 list is."""
    return cpa_actions.list_applications(session, cpa, year, state)


@router.get("/applications/{application_id}", response_model=CpaApplicationOut, responses=NOT_FOUND)
def application(session: SessionDep, application: CpaApplication) -> CpaApplicationOut:
    return cpa_actions.application_view(session, application)


@router.put(
    "/applications/{application_id}", response_model=CpaApplicationOut, responses=responses(NOT_FOUND, CONFLICT)
)
def update_application(
    session: SessionDep, cpa: CurrentCpa, application: CpaApplication, actor: CpaActor, body: UpdateApplication
) -> CpaApplicationOut:
    """Declare retired or working (draft or returned applications only)."""
    command = commands.UpdateApplication(retired=body.retired, version=body.version)
    return cpa_actions.update_application(session, cpa, application, actor, command)


@router.post(
    "/applications/{application_id}/attachments",
    status_code=201,
    response_model=AttachmentPublic,
    responses=responses(NOT_FOUND, CONFLICT, INVALID, TOO_LARGE),
)
def add_attachment(
    session: SessionDep,
    context: Context,
    application: CpaApplication,
    actor: CpaActor,
    file: Annotated[UploadFile, File(description="pdf, jpg, png, xls or xlsx; ≤5 MB")],
    material: Annotated[str, Form(description="The material this file is, e.g. 继续教育证明")],
    idempotency_key: IdempotencyKey = None,
) -> AttachmentPublic:
    command = commands.AddAttachment(file=file, material=material)
    return cpa_actions.add_attachment(session, context.storage, application, actor, command, idempotency_key)


@router.delete(
    "/applications/{application_id}/attachments/{attachment_id}",
    status_code=204,
    response_class=Response,
    responses=responses(NOT_FOUND, CONFLICT),
)
def remove_attachment(
    session: SessionDep, application: CpaApplication, actor: CpaActor, attachment_id: PathId
) -> Response:
    cpa_actions.remove_attachment(session, application, actor, attachment_id)
    return Response(status_code=204)


@router.post(
    "/applications/{application_id}/face-sessions",
    status_code=201,
    response_model=FaceSessionStarted,
    responses=responses(NOT_FOUND, CONFLICT, INVALID, _QUOTA),
)
def start_face_session(
    session: SessionDep,
    context: Context,
    base_url: PublicBaseUrl,
    application: CpaApplication,
    actor: CpaActor,
    idempotency_key: IdempotencyKey = None,
) -> FaceSessionStarted:
    """Start face verification (draft with every required material; ≤20 per day, UTC+8)."""
    return face_sessions.start(session, context.face, base_url, application, actor, idempotency_key)


@router.get("/face-sessions/{session_id}", response_model=FaceSessionStatus, responses=NOT_FOUND)
def face_session_status(session: SessionDep, cpa: CurrentCpa, session_id: PathId) -> FaceSessionStatus:
    return face_sessions.status(session, cpa, session_id)


@router.post(
    "/applications/{application_id}/resubmit",
    response_model=CpaApplicationOut,
    responses=responses(NOT_FOUND, CONFLICT, INVALID),
)
def resubmit(
    session: SessionDep, application: CpaApplication, actor: CpaActor, idempotency_key: IdempotencyKey = None
) -> CpaApplicationOut:
    """After a return by the firm or the institute: send it to the firm again (no face verification)."""
    return cpa_actions.resubmit(session, application, actor, idempotency_key)


@router.get("/messages", response_model=list[MessageOut])
def messages(session: SessionDep, cpa: CurrentCpa) -> list[MessageOut]:
    """The inbox, newest first (returns arrive here with their reason)."""
    return cpa_actions.messages(session, cpa)


@router.post("/messages/{message_id}/read", status_code=204, response_class=Response, responses=NOT_FOUND)
def mark_read(session: SessionDep, cpa: CurrentCpa, message_id: PathId) -> Response:
    cpa_actions.mark_read(session, cpa, message_id)
    return Response(status_code=204)


@router.get("/qr", response_model=QrOut)
def qr(cpa: CurrentCpa, base_url: PublicBaseUrl) -> QrOut:
    """The CPA's inspection QR code: a token that never changes, and the public page it opens."""
    return cpa_actions.qr(cpa, base_url)
