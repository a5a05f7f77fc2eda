"""Routes of the firm's reminders to CPAs who have not applied (提醒): settings, preview, send, contacts."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from firmdesk.server.api.deps import CurrentFirm, FirmActor, IdempotencyKey, SessionDep, debug_delay
from firmdesk.server.api.errors import AUTH_ERRORS, CONFLICT, INVALID, NOT_FOUND, responses
from firmdesk.server.services import reminders
from firmdesk.server.services.mail_schemas import (
    ContactRow,
    ReminderPreview,
    ReminderPreviewRequest,
    ReminderResult,
    ReminderSend,
    ReminderSettingsIn,
    ReminderSettingsOut,
)

router = APIRouter(
    prefix="/firm/reminders",
    tags=["firm"],
    dependencies=[Depends(debug_delay)],
    responses=responses(AUTH_ERRORS, INVALID),
)


@router.get("/settings", response_model=ReminderSettingsOut)
def reminder_settings(session: SessionDep, firm: CurrentFirm) -> ReminderSettingsOut:
    """The firm's reminder template (or the default), its placeholders, and whether automatic reminders are on."""
    return reminders.settings_of(session, firm)


@router.put("/settings", response_model=ReminderSettingsOut, responses=INVALID)
def update_reminder_settings(session: SessionDep, firm: CurrentFirm, body: ReminderSettingsIn) -> ReminderSettingsOut:
    """Change the template (placeholders {姓名} {年度} {截止日期} {剩余天数} {事务所}) and/or switch the automatic
    reminders (30, 14, 7 and 3 days before the deadline) on or off."""
    return reminders.update_settings(session, firm, body)


@router.post("/preview", response_model=ReminderPreview, responses=responses(NOT_FOUND, INVALID))
def preview(session: SessionDep, firm: CurrentFirm, body: ReminderPreviewRequest) -> ReminderPreview:
    """The reminder one CPA would get (with `template`, else the firm's): nothing is sent."""
    return reminders.preview(session, firm, body.cpa_id, body.template)


@router.post("", response_model=ReminderResult, responses=responses(CONFLICT, INVALID))
def send(
    session: SessionDep,
    firm: CurrentFirm,
    actor: FirmActor,
    body: ReminderSend,
    idempotency_key: IdempotencyKey = None,
) -> ReminderResult:
    """Remind the CPAs of `cpa_ids` (or, with `all_not_applied`, every CPA 注师待申请 lists): an inbox message
    (GET /cpa/messages) and, when the CPA has an e-mail, a mail through the outbox. At most one reminder per CPA
    per China day: the others are `skipped` with 今天已提醒过 (never an error). 409 after the deadline."""
    return reminders.send(session, firm, actor, body, idempotency_key)


@router.get("/contacts", response_model=list[ContactRow])
def contacts(session: SessionDep, firm: CurrentFirm) -> list[ContactRow]:
    """导出联系名单: every CPA 注师待申请 lists, with phone, e-mail, state and the last reminder."""
    return reminders.contacts(session, firm)
