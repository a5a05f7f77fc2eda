"""Read models: CPA rows, batch rows, attachments and events as the contract shapes, each list in one query.

A firm's year view is one query joining cpas + applications + training hours + batches (no N+1),
so that 5,000 CPAs come back well under a second.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, literal, or_, select
from sqlalchemy.orm import Session, aliased

from firmdesk.domain.availability import application_actions, batch_actions, batch_refusal
from firmdesk.domain.states import (
    NOT_APPLIED,
    Action,
    ApplicationState,
    BatchState,
    Role,
    status_label,
)
from firmdesk.domain.tabs import tab_scope
from firmdesk.server.db.models import (
    Application,
    Attachment,
    Batch,
    BatchItem,
    Cpa,
    Event,
    Firm,
    TrainingHours,
)
from firmdesk.server.services.schemas import AttachmentPublic, BatchRow, CpaRow, EventPublic
from firmdesk.server.services.verification import bound_public_base_url, verification_url

_attachment_count = (
    select(func.count(Attachment.id))
    .where(Attachment.application_id == Application.id, Attachment.removed.is_(False))
    .correlate(Application)
    .scalar_subquery()
)

_ROW_BATCH = aliased(Batch, name="row_batch")


def _row_columns(year: Any) -> list[Any]:
    return [
        Cpa.id.label("cpa_id"),
        Cpa.cert_no,
        Cpa.name,
        Cpa.gender,
        Cpa.birth_date,
        Cpa.retired.label("cpa_retired"),
        Cpa.qr_token,
        year.label("year"),
        Application.id.label("application_id"),
        Application.state,
        Application.retired.label("app_retired"),
        TrainingHours.hours,
        Application.batch_id,
        _ROW_BATCH.number.label("batch_number"),
        _ROW_BATCH.state.label("batch_state"),
        Application.last_reason,
        Application.submitted_at,
        Application.decided_at,
        Application.updated_at,
        _attachment_count.label("attachment_count"),
        Application.version,
    ]


def firm_year_select(firm_id: int, year: int) -> Select[Any]:
    """Every CPA of the firm with its application (if any) for `year`."""
    return (
        select(*_row_columns(literal(year)))
        .select_from(Cpa)
        .outerjoin(Application, and_(Application.cpa_id == Cpa.id, Application.year == year))
        .outerjoin(TrainingHours, and_(TrainingHours.cpa_id == Cpa.id, TrainingHours.year == year))
        .outerjoin(_ROW_BATCH, _ROW_BATCH.id == Application.batch_id)
        .where(Cpa.firm_id == firm_id)
    )


def applications_select(application_ids: Iterable[int]) -> Select[Any]:
    """The rows of the given applications (each CPA for the application's year)."""
    return (
        select(*_row_columns(Application.year))
        .select_from(Application)
        .join(Cpa, Cpa.id == Application.cpa_id)
        .outerjoin(TrainingHours, and_(TrainingHours.cpa_id == Cpa.id, TrainingHours.year == Application.year))
        .outerjoin(_ROW_BATCH, _ROW_BATCH.id == Application.batch_id)
        .where(Application.id.in_(list(application_ids)))
    )


def tab_filter(tab: str | None) -> ColumnElement[bool] | None:
    """The rows of a firm tab (`FirmTab`), as `domain.tabs.TAB_SCOPES` says; None for every row."""
    if not tab:
        return None
    scope = tab_scope(tab)  # ValueError for an unknown tab
    conditions: list[ColumnElement[bool]] = []
    if scope.statuses is not None:
        states = sorted(s for s in scope.statuses if s != NOT_APPLIED)
        in_states = Application.state.in_(states)
        conditions.append(or_(Application.id.is_(None), in_states) if NOT_APPLIED in scope.statuses else in_states)
    if scope.row_batch_states is not None:
        conditions.append(_ROW_BATCH.state.in_(sorted(scope.row_batch_states)))
    if not conditions:
        return None
    return conditions[0] if len(conditions) == 1 else and_(*conditions)


def status_filter(status: str | None) -> ColumnElement[bool] | None:
    if not status:
        return None
    if status == NOT_APPLIED:
        return Application.id.is_(None)
    return Application.state == ApplicationState(status).value


def like_pattern(text: str) -> str:
    """`%text%` for LIKE with escape `\\`: the user's `%` and `_` match themselves."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def text_filter(q: str | None) -> ColumnElement[bool] | None:
    text = (q or "").strip()
    if not text:
        return None
    pattern = like_pattern(text)
    return or_(Cpa.name.like(pattern, escape="\\"), Cpa.cert_no.like(pattern, escape="\\"))


SORTS: dict[str, Any] = {
    "name": Cpa.name,
    "cert_no": Cpa.cert_no,
    "status": Application.state,
    "updated_at": Application.updated_at,
}


def order_by(sort: str | None) -> list[Any]:
    key = (sort or "cert_no").strip()
    descending = key.startswith("-")
    column = SORTS[key.lstrip("-")]
    ordered = column.desc().nulls_last() if descending else column.asc().nulls_first()
    return [ordered, Cpa.cert_no.desc() if descending else Cpa.cert_no.asc()]


def to_cpa_row(row: Any, public_base_url: str | None = None, role: Role = Role.FIRM) -> CpaRow:
    """The row of a `_row_columns` result; `qr_url` needs the public base URL (None without one);
    `actions` are what `role` may do with it."""
    status = row.state or NOT_APPLIED
    return CpaRow(
        cpa_id=row.cpa_id,
        cert_no=row.cert_no,
        name=row.name,
        gender=row.gender,
        birth_date=row.birth_date,
        year=row.year,
        application_id=row.application_id,
        status=status,
        status_label=status_label(status),
        retired=row.app_retired if row.application_id is not None else row.cpa_retired,
        training_hours=row.hours or 0.0,
        batch_id=row.batch_id,
        batch_number=row.batch_number,
        reason=row.last_reason,
        submitted_at=row.submitted_at,
        decided_at=row.decided_at,
        updated_at=row.updated_at,
        attachment_count=row.attachment_count or 0,
        version=row.version,
        qr_url=verification_url(public_base_url, row.qr_token) if public_base_url else None,
        actions=dict(application_actions(status, role, row.batch_state)),
    )


def rows_of(session: Session, statement: Select[Any], role: Role = Role.FIRM) -> list[CpaRow]:
    """The CPA rows of `statement`, with `qr_url` when the session serves a request (`bind_public_base_url`)."""
    base_url = bound_public_base_url(session)
    return [to_cpa_row(row, base_url, role) for row in session.execute(statement)]


def application_rows(session: Session, application_ids: Sequence[int], role: Role = Role.FIRM) -> list[CpaRow]:
    """Rows of these applications, in the order given."""
    if not application_ids:
        return []
    by_id = {row.application_id: row for row in rows_of(session, applications_select(application_ids), role)}
    return [by_id[i] for i in application_ids if i in by_id]


def application_row(session: Session, application_id: int, role: Role = Role.FIRM) -> CpaRow:
    return application_rows(session, [application_id], role)[0]


# --- batches ---

_cpa_count = select(func.count(BatchItem.id)).where(BatchItem.batch_id == Batch.id).correlate(Batch).scalar_subquery()


def batch_select() -> Select[Any]:
    return select(Batch, Firm.number, Firm.name, _cpa_count.label("cpa_count")).join(Firm, Firm.id == Batch.firm_id)


def to_batch_row(batch: Batch, firm_number: str, firm_name: str, cpa_count: int, role: Role = Role.FIRM) -> BatchRow:
    state = BatchState(batch.state)
    return BatchRow(
        id=batch.id,
        number=batch.number,
        firm_number=firm_number,
        firm_name=firm_name,
        year=batch.year,
        submitted_at=batch.submitted_at,
        updated_at=batch.updated_at,
        state=state.value,
        state_label=state.label,
        cpa_count=cpa_count or 0,
        return_reason=batch.return_reason,
        can_withdraw=batch_refusal(state, Action.WITHDRAW_BATCH) is None,
        version=batch.version,
        actions=dict(batch_actions(state, role)),
    )


def batch_rows(session: Session, statement: Select[Any], role: Role = Role.FIRM) -> list[BatchRow]:
    return [to_batch_row(batch, number, name, count, role) for batch, number, name, count in session.execute(statement)]


def batch_row(session: Session, batch_id: int, role: Role = Role.FIRM) -> BatchRow:
    return batch_rows(session, batch_select().where(Batch.id == batch_id), role)[0]


def batch_applications(session: Session, batch_id: int, role: Role = Role.FIRM) -> list[CpaRow]:
    """Every application ever in the batch (membership is kept after a withdrawal or a single return)."""
    ids = list(
        session.scalars(select(BatchItem.application_id).where(BatchItem.batch_id == batch_id).order_by(BatchItem.id))
    )
    return application_rows(session, ids, role)


# --- attachments and events ---


def to_attachment(attachment: Attachment) -> AttachmentPublic:
    return AttachmentPublic(
        id=attachment.id,
        material=attachment.material,
        original_name=attachment.original_name,
        file_type=attachment.file_type,
        size=attachment.size,
        sha256=attachment.sha256,
        uploaded_at=attachment.uploaded_at,
    )


def attachments_of(
    session: Session, *, application_id: int | None = None, batch_id: int | None = None
) -> list[AttachmentPublic]:
    statement = select(Attachment).where(Attachment.removed.is_(False)).order_by(Attachment.id)
    if application_id is not None:
        statement = statement.where(Attachment.application_id == application_id)
    if batch_id is not None:
        statement = statement.where(Attachment.batch_id == batch_id)
    return [to_attachment(a) for a in session.scalars(statement)]


#: Batch actions recorded once on the batch and once on each of its applications.
BATCH_ACTIONS = frozenset(
    {Action.SUBMIT_BATCH.value, Action.WITHDRAW_BATCH.value, Action.RETURN_BATCH.value, Action.RESUBMIT_BATCH.value}
)


def _state_label(state: str | None, *, batch_level: bool) -> str | None:
    if state is None:
        return None
    return BatchState(state).label if batch_level else status_label(state)


def to_event(event: Event, batch_number: str | None) -> EventPublic:
    batch_level = event.application_id is None
    return EventPublic(
        id=event.id,
        at=event.created_at,
        actor_role=event.actor_role,
        actor_role_label=Role(event.actor_role).label,
        actor_id=event.actor_id,
        actor_name=event.actor_name,
        actor_person=event.actor_person,
        action=event.action,
        action_label=Action(event.action).label,
        reason=event.reason,
        from_state=event.from_state,
        to_state=event.to_state,
        from_label=_state_label(event.from_state, batch_level=batch_level),
        to_label=_state_label(event.to_state, batch_level=batch_level),
        batch_number=batch_number,
    )


def _events(session: Session, where: ColumnElement[bool]) -> list[EventPublic]:
    statement = (
        select(Event, Batch.number)
        .outerjoin(Batch, Batch.id == Event.batch_id)
        .where(where)
        .order_by(Event.created_at, Event.id)
    )
    return [to_event(event, number) for event, number in session.execute(statement)]


def application_trail(session: Session, application_id: int) -> list[EventPublic]:
    """The application's approval trail, oldest first (its part of batch actions included)."""
    return _events(session, Event.application_id == application_id)


def batch_events(session: Session, batch_id: int) -> list[EventPublic]:
    """The batch's own events plus the institute's single decisions on its CPAs, oldest first."""
    return _events(
        session,
        and_(
            Event.batch_id == batch_id,
            or_(Event.application_id.is_(None), Event.action.not_in(BATCH_ACTIONS)),
        ),
    )
