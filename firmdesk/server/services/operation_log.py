"""The firm's 操作日志: every event a person of the firm caused (returns, batches, 代提请, reminders, accounts),
newest first, filtered by person, action and China-time date range, paged. For the 主管理员 only.
A batch action is one entry (the batch's), as the batch's own trail shows it."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, aliased

from firmdesk.domain.accounts import FirmPermission, require_permission
from firmdesk.domain.errors import InvalidInput
from firmdesk.domain.states import Action, Role
from firmdesk.server.db.models import Account, Application, Batch, Cpa, Event, Firm
from firmdesk.server.services import rows
from firmdesk.server.services.clock import CHINA
from firmdesk.server.services.rows import event_state_label
from firmdesk.server.services.schemas import OperationLogEntry, Page

_ACTOR = aliased(Account, name="actor_account")
_SUBJECT = aliased(Account, name="subject_account")


def _utc_start_of(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=CHINA).astimezone(UTC).replace(tzinfo=None)


def parse_actions(value: str | None) -> list[str]:
    """Actions from a comma-separated list (`firm_return,submit_batch`); an unknown one is refused."""
    names = [part.strip() for part in (value or "").split(",") if part.strip()]
    for name in names:
        if name not in Action.__members__.values():
            raise InvalidInput(f"未知的操作类型：{name[:30]}", action=name[:30])
    return names


def _select(firm: Firm) -> Select[Any]:
    columns: list[Any] = [Event, _ACTOR.login, Cpa.cert_no, Cpa.name, Batch.number]
    columns += [_SUBJECT.login, _SUBJECT.person_name]
    return (
        select(*columns)
        .outerjoin(_ACTOR, _ACTOR.id == Event.actor_account_id)
        .outerjoin(Application, Application.id == Event.application_id)
        .outerjoin(Cpa, Cpa.id == Application.cpa_id)
        .outerjoin(Batch, Batch.id == Event.batch_id)
        .outerjoin(_SUBJECT, _SUBJECT.id == Event.subject_account_id)
        .where(Event.actor_role == Role.FIRM.value, Event.actor_id == firm.number)
        # A batch action once (its batch-level event), not again for each of its applications.
        .where(or_(Event.application_id.is_(None), Event.action.not_in(rows.BATCH_ACTIONS)))
    )


def _entry(row: Any) -> OperationLogEntry:
    event, login, cert_no, cpa_name, batch_number, subject_login, subject_name = row
    batch_level = event.application_id is None
    return OperationLogEntry(
        id=event.id,
        at=event.created_at,
        account_id=event.actor_account_id,
        login=login,
        person_name=event.actor_person,
        action=event.action,
        action_label=Action(event.action).label,
        cert_no=cert_no,
        cpa_name=cpa_name,
        batch_number=batch_number,
        subject_login=f"{subject_login}（{subject_name}）" if subject_login else None,
        reason=event.reason,
        from_label=event_state_label(event.from_state, batch_level=batch_level),
        to_label=event_state_label(event.to_state, batch_level=batch_level),
    )


def operation_log(
    session: Session,
    firm: Firm,
    acting: Account,
    *,
    account_id: int | None = None,
    actions: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    page: int = 1,
    page_size: int = 100,
) -> Page[OperationLogEntry]:
    """The firm's events newest first; `date_from`/`date_to` are China calendar days, both included."""
    require_permission(acting.org_role, FirmPermission.VIEW_OPERATION_LOG)
    if date_from and date_to and date_from > date_to:
        raise InvalidInput("开始日期不能晚于结束日期")
    statement = _select(firm)
    if account_id is not None:
        statement = statement.where(Event.actor_account_id == account_id)
    names = parse_actions(actions)
    if names:
        statement = statement.where(Event.action.in_(names))
    if date_from is not None:
        statement = statement.where(Event.created_at >= _utc_start_of(date_from))
    if date_to is not None:
        statement = statement.where(Event.created_at < _utc_start_of(date_to + timedelta(days=1)))
    total = session.scalar(select(func.count()).select_from(statement.with_only_columns(Event.id).subquery())) or 0
    ordered = statement.order_by(Event.created_at.desc(), Event.id.desc())
    entries = [_entry(row) for row in session.execute(ordered.offset((page - 1) * page_size).limit(page_size))]
    return Page[OperationLogEntry](items=entries, total=total, page=page, page_size=page_size)
