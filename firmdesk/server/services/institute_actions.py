"""The institute's use cases: its configuration, its firms' batches, and its decisions on them."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from firmdesk.domain.errors import InvalidInput, TransitionRefused
from firmdesk.domain.materials import check_material_name_length
from firmdesk.domain.states import DECISION_ACTIONS, Action, ApplicationState, BatchState, Decision, Role
from firmdesk.domain.text import clean_text
from firmdesk.domain.transitions import (
    batch_state_after_decision,
    next_application_state,
    next_batch_state,
    require_reason,
)
from firmdesk.server.db.models import Application, Batch, Firm, Institute
from firmdesk.server.services import firm_queries, rows
from firmdesk.server.services.actors import Actor
from firmdesk.server.services.batch_members import open_members
from firmdesk.server.services.changes import Change, check_version, lock_batch, take_write_turn
from firmdesk.server.services.commands import ApproveAll, ConfigureInstitute, Decide, ReturnBatch
from firmdesk.server.services.idempotency import Operation, scope
from firmdesk.server.services.institute_rules import tell_firms
from firmdesk.server.services.messages import notify_decision, notify_return
from firmdesk.server.services.schemas import BatchDetail, BatchRow, CpaRow, InstituteConfig, Page


def config(institute: Institute) -> InstituteConfig:
    return InstituteConfig(
        current_year=institute.current_year,
        window_start=institute.window_start,
        deadline=institute.deadline,
        notice_start=institute.notice_start,
        notice_success=institute.notice_success,
        materials_working=list(institute.materials_working),
        materials_retired=list(institute.materials_retired),
        min_training_hours=institute.min_training_hours,
    )


def _materials(names: Sequence[str]) -> list[str]:
    cleaned = list(dict.fromkeys(c for c in (clean_text(n).strip() for n in names) if c))
    for name in cleaned:
        check_material_name_length(name)
    return cleaned


def update_config(session: Session, institute: Institute, command: ConfigureInstitute) -> InstituteConfig:
    if command.deadline < command.window_start:
        raise InvalidInput("截止日期不能早于开始日期")
    if command.window_start.year < command.current_year:
        raise InvalidInput(f"申请开始日期不能早于年检年度（{command.current_year} 年）")
    take_write_turn(session)
    window_changed = (institute.current_year, institute.window_start, institute.deadline) != (
        command.current_year,
        command.window_start,
        command.deadline,
    )
    institute.current_year = command.current_year
    institute.window_start = command.window_start
    institute.deadline = command.deadline
    institute.notice_start = clean_text(command.notice_start, keep_line_breaks=True)
    institute.notice_success = clean_text(command.notice_success, keep_line_breaks=True)
    institute.materials_working = _materials(command.materials_working)
    institute.materials_retired = _materials(command.materials_retired)
    institute.min_training_hours = command.min_training_hours
    if window_changed:
        tell_firms(session, list(session.scalars(select(Firm.id).where(Firm.institute_id == institute.id))))
    session.commit()
    return config(institute)


def list_batches(
    session: Session,
    institute: Institute,
    *,
    year: int | None,
    state: str | None,
    firm: str | None,
    page: int,
    page_size: int,
) -> Page[BatchRow]:
    statement = select(Firm.id).where(Firm.institute_id == institute.id)
    if firm:
        statement = statement.where(Firm.number == firm.strip())
    firm_ids = list(session.scalars(statement))
    return firm_queries.list_batches(
        session, firm_ids=firm_ids, year=year, state=state, page=page, page_size=page_size, role=Role.INSTITUTE
    )


def batch_detail(session: Session, batch: Batch) -> BatchDetail:
    """The batch as the institute sees it: its `actions` (and its CPAs') are the institute's."""
    return firm_queries.batch_detail(session, batch, Role.INSTITUTE)


def _decide_one(change: Change, application: Application, batch: Batch, decision: Decision, reason: str | None) -> None:
    change.transition_application(application, DECISION_ACTIONS[decision], batch=batch, reason=reason)
    if decision is Decision.RETURN:
        application.batch_id = None
        application.last_reason = reason
        notify_return(change, application, Role.INSTITUTE, reason or "")
    else:
        application.decided_at = change.now
        application.last_reason = reason
        notify_decision(change, application, decision.label, reason)


def approve_all(
    session: Session,
    batch: Batch,
    actor: Actor,
    command: ApproveAll | None = None,
    idempotency_key: str | None = None,
) -> BatchDetail:
    command = command or ApproveAll()
    operation = Operation.INSTITUTE_APPROVE_ALL
    change = Change(session, actor, scope(actor, idempotency_key, operation, command, target=batch.id))
    lock_batch(session, batch)
    old = BatchState(batch.state)
    batch_state_after_decision(old, [])  # refused unless submitted or reviewing (the state says why first)
    check_version(batch, command.version)
    for application in open_members(session, batch):
        _decide_one(change, application, batch, Decision.APPROVE, None)
    session.flush()
    new = batch_state_after_decision(old, [ApplicationState(a.state) for a in open_members(session, batch)])
    change.set_batch_state(batch, new, Action.APPROVE)
    change.finish()
    result = batch_detail(session, batch)
    change.commit(result)
    return result


def return_batch(
    session: Session,
    batch: Batch,
    actor: Actor,
    command: ReturnBatch,
    idempotency_key: str | None = None,
) -> BatchDetail:
    operation = Operation.INSTITUTE_RETURN_BATCH
    change = Change(session, actor, scope(actor, idempotency_key, operation, command, target=batch.id))
    lock_batch(session, batch)
    next_batch_state(BatchState(batch.state), Action.RETURN_BATCH)  # the state says why first, then the version
    check_version(batch, command.version)
    text = require_reason(command.reason)
    change.transition_batch(batch, Action.RETURN_BATCH, reason=text)
    batch.return_reason = text
    for application in open_members(session, batch):
        change.transition_application(application, Action.RETURN_BATCH, batch=batch, reason=text)
    change.finish()
    result = batch_detail(session, batch)
    change.commit(result)
    return result


def decide(
    session: Session,
    application: Application,
    actor: Actor,
    command: Decide,
    idempotency_key: str | None = None,
) -> CpaRow:
    """年检通过 / 暂缓年检 / 年检不予通过 / 退回 for one CPA (all but approve need a reason)."""
    operation = Operation.INSTITUTE_DECIDE
    change = Change(session, actor, scope(actor, idempotency_key, operation, command, target=application.id))
    decision, reason, version = command.decision, command.reason, command.version
    # An approval may carry a note; it is length-limited like any reason.
    text = require_reason(reason, "原因") if decision.needs_reason or (reason or "").strip() else None
    if application.batch_id is not None:  # lock the batch first, then see the application as it is now
        lock_batch(session, session.get_one(Batch, application.batch_id))
        session.refresh(application)
    if application.batch_id is None:
        state = ApplicationState(application.state)
        raise TransitionRefused(f"该年检申请不在待审核的批次中（当前状态：{state.label}）", state=state.value)
    batch = session.get_one(Batch, application.batch_id)
    old = BatchState(batch.state)
    batch_state_after_decision(old, [])  # refused unless the batch is submitted or reviewing
    next_application_state(ApplicationState(application.state), DECISION_ACTIONS[decision])  # decided already?
    check_version(application, version)  # the state rules say why first; the version only when they allow
    _decide_one(change, application, batch, decision, text)
    session.flush()
    new = batch_state_after_decision(old, [ApplicationState(a.state) for a in open_members(session, batch)])
    if new is not old:
        change.set_batch_state(batch, new, DECISION_ACTIONS[decision])
    else:
        change.touch_batch(batch)  # bumps its version: a concurrent withdraw cannot also win
    change.finish()
    result = rows.application_row(session, application.id, Role.INSTITUTE)
    change.commit(result)
    return result
