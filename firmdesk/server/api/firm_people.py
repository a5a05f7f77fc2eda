"""Routes of the firm's people: 账户管理 and 操作日志 (the 主管理员 only: 403 `admin_only` for a 审核员), and
年检代提请 (every administrator)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, UploadFile

from firmdesk.domain.limits import MAX_PAGE, MAX_RECORD_ID
from firmdesk.server.api.deps import (
    Context,
    CurrentFirm,
    CurrentPrincipal,
    FirmActor,
    IdempotencyKey,
    PathId,
    SessionDep,
    debug_delay,
)
from firmdesk.server.api.errors import AUTH_ERRORS, CONFLICT, INVALID, NOT_FOUND, TOO_LARGE, error_doc, responses
from firmdesk.server.services import commands, firm_accounts, on_behalf, operation_log
from firmdesk.server.services.schemas import (
    CpaRow,
    FirmAccountCreate,
    FirmAccountOut,
    OperationLogEntry,
    Page,
    PasswordBody,
)

ADMIN_ONLY: dict[int | str, dict[str, Any]] = {
    403: error_doc(403, "`admin_only`: only the 主管理员 may; `forbidden`: not a firm's account"),
}

router = APIRouter(
    prefix="/firm",
    tags=["firm people"],
    dependencies=[Depends(debug_delay)],
    responses=responses(AUTH_ERRORS, INVALID),
)


@router.get("/accounts", response_model=list[FirmAccountOut], responses=ADMIN_ONLY)
def list_accounts(session: SessionDep, firm: CurrentFirm, principal: CurrentPrincipal) -> list[FirmAccountOut]:
    """The firm's accounts: its 主管理员 and 审核员."""
    return firm_accounts.list_accounts(session, firm, principal.account)


@router.post("/accounts", status_code=201, response_model=FirmAccountOut, responses=responses(ADMIN_ONLY, CONFLICT))
def create_account(
    session: SessionDep,
    context: Context,
    firm: CurrentFirm,
    principal: CurrentPrincipal,
    actor: FirmActor,
    body: FirmAccountCreate,
    idempotency_key: IdempotencyKey = None,
) -> FirmAccountOut:
    """A new 审核员 signing in as `{firm number}-NN` (02–99); a login in use: 409 `login_taken`."""
    hasher = context.authenticator.hasher
    return firm_accounts.create_reviewer(session, hasher, firm, principal.account, actor, body, idempotency_key)


@router.post(
    "/accounts/{account_id}/disable",
    response_model=FirmAccountOut,
    responses=responses(ADMIN_ONLY, NOT_FOUND, CONFLICT),
)
def disable_account(
    session: SessionDep, firm: CurrentFirm, principal: CurrentPrincipal, actor: FirmActor, account_id: PathId
) -> FirmAccountOut:
    """停用 a 审核员: they cannot sign in and their tokens stop working at once."""
    return firm_accounts.set_disabled(session, firm, principal.account, actor, account_id, disabled=True)


@router.post(
    "/accounts/{account_id}/enable", response_model=FirmAccountOut, responses=responses(ADMIN_ONLY, NOT_FOUND, CONFLICT)
)
def enable_account(
    session: SessionDep, firm: CurrentFirm, principal: CurrentPrincipal, actor: FirmActor, account_id: PathId
) -> FirmAccountOut:
    """启用 a disabled 审核员 again (they sign in anew)."""
    return firm_accounts.set_disabled(session, firm, principal.account, actor, account_id, disabled=False)


@router.post(
    "/accounts/{account_id}/reset-password",
    response_model=FirmAccountOut,
    responses=responses(ADMIN_ONLY, NOT_FOUND, CONFLICT),
)
def reset_password(
    session: SessionDep,
    context: Context,
    firm: CurrentFirm,
    principal: CurrentPrincipal,
    actor: FirmActor,
    account_id: PathId,
    body: PasswordBody,
) -> FirmAccountOut:
    """A new password for a 审核员; their sessions end."""
    hasher = context.authenticator.hasher
    return firm_accounts.reset_password(session, hasher, firm, principal.account, actor, account_id, body.password)


@router.get("/operation-log", response_model=Page[OperationLogEntry], responses=ADMIN_ONLY)
def get_operation_log(
    session: SessionDep,
    firm: CurrentFirm,
    principal: CurrentPrincipal,
    account_id: Annotated[int | None, Query(ge=1, le=MAX_RECORD_ID, description="Only this person's actions")] = None,
    action: Annotated[str | None, Query(max_length=400, description="Action names, comma-separated")] = None,
    date_from: Annotated[date | None, Query(description="First day (China time), included")] = None,
    date_to: Annotated[date | None, Query(description="Last day (China time), included")] = None,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    page_size: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Page[OperationLogEntry]:
    """操作日志: who of the firm did what and when, newest first."""
    return operation_log.operation_log(
        session,
        firm,
        principal.account,
        account_id=account_id,
        actions=action,
        date_from=date_from,
        date_to=date_to,
        page=page,
        page_size=page_size,
    )


@router.post(
    "/applications/on-behalf",
    status_code=201,
    response_model=CpaRow,
    responses=responses(NOT_FOUND, CONFLICT, INVALID, TOO_LARGE),
)
def file_on_behalf(
    session: SessionDep,
    context: Context,
    firm: CurrentFirm,
    actor: FirmActor,
    idempotency_key: IdempotencyKey,
    cpa_id: Annotated[int, Form(ge=1, le=MAX_RECORD_ID)],
    retired: Annotated[bool, Form(description="离退休 (true) or 在职 (false)")],
    year: Annotated[int | None, Form(ge=2000, le=2100)] = None,
    files: Annotated[list[UploadFile], File(description="The materials, each ≤5 MB")] = [],  # noqa: B006
    materials: Annotated[list[str], Form(description="Material name of each file, aligned with `files`")] = [],  # noqa: B006
) -> CpaRow:
    """年检代提请: file the CPA's application for them, straight to 待事务所审核 (Idempotency-Key required)."""
    command = commands.FileOnBehalf(cpa_id, retired, year, tuple(files), tuple(materials))
    return on_behalf.file_on_behalf(session, context.storage, firm, actor, command, idempotency_key)
