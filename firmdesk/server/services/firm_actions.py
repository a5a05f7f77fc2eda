"""The firm's use cases: return applications, submit a batch, withdraw it, resubmit it after a return.

Each one: load what the firm may see, let the domain check the transition, change, record the
events, commit once (a refusal anywhere leaves nothing half-done).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from firmdesk.domain.batches import batch_number
from firmdesk.domain.errors import InvalidInput, TransitionRefused
from firmdesk.domain.materials import check_batch_file_count, require_batch_materials
from firmdesk.domain.states import Action, ApplicationState, BatchState, Role
from firmdesk.domain.transitions import next_application_state, next_batch_state, require_reason
from firmdesk.server.db.models import Application, Attachment, Batch, BatchItem, Cpa, Firm
from firmdesk.server.services import access, rows
from firmdesk.server.services.actors import Actor
from firmdesk.server.services.batch_members import open_members
from firmdesk.server.services.changes import Change, check_version, lock_batch
from firmdesk.server.services.commands import ResubmitBatch, ReturnApplications, SubmitBatch, WithdrawBatch
from firmdesk.server.services.idempotency import Operation, scope
from firmdesk.server.services.institute_rules import record_yellow_flags, require_batch_window, require_ready
from firmdesk.server.services.messages import notify_return
from firmdesk.server.services.readiness import readiness_of
from firmdesk.server.services.schemas import (
    BatchWithApplications,
    ReadinessResult,
    ReadinessResults,
    ReturnResult,
)
from firmdesk.server.services.uploads import Upload, parse_ids, store_before_writing
from firmdesk.server.storage import AttachmentStore


def readiness(session: Session, applications: Sequence[Application]) -> list[ReadinessResult]:
    return readiness_of(session, applications)


def firm_readiness(session: Session, firm: Firm, application_ids: Sequence[int]) -> ReadinessResults:
    applications = [access.firm_application(session, firm, i) for i in dict.fromkeys(application_ids)]
    return ReadinessResults(results=readiness_of(session, applications))


def _check_each(session: Session, applications: Sequence[Application], action: Action) -> None:
    """Refuse the whole request, naming the CPA, if any application may not take `action`."""
    for application in applications:
        try:
            next_application_state(ApplicationState(application.state), action)
        except TransitionRefused as refused:
            cpa = session.get_one(Cpa, application.cpa_id)
            raise TransitionRefused(
                f"{cpa.name}（{cpa.cert_no}）：{refused.message}", application_id=application.id, **refused.extra
            ) from None


def return_applications(
    session: Session, firm: Firm, actor: Actor, command: ReturnApplications, idempotency_key: str | None = None
) -> ReturnResult:
    change = Change(session, actor, scope(actor, idempotency_key, Operation.FIRM_RETURN, command))
    reason = require_reason(command.reason)
    applications = []
    versions = []
    for application_id, version in command.items():
        application = access.firm_application(session, firm, application_id)
        versions.append((application, version))
        if application not in applications:
            applications.append(application)
    _check_each(session, applications, Action.FIRM_RETURN)  # the state rule first: its message says why
    for application, version in versions:
        check_version(application, version)
    for application in applications:
        change.transition_application(application, Action.FIRM_RETURN, reason=reason)
        application.last_reason = reason
        notify_return(change, application, Role.FIRM, reason)
    change.finish()
    result = ReturnResult(returned=rows.application_rows(session, [a.id for a in applications]))
    change.commit(result)
    return result


def _add_batch_attachments(change: Change, batch: Batch, uploads: Sequence[Upload]) -> None:
    for upload in uploads:
        change.session.add(
            Attachment(
                sha256=upload.stored.sha256,
                size=upload.stored.size,
                file_type=upload.stored.file_type,
                original_name=upload.stored.original_name,
                material=upload.material,
                uploaded_at=change.now,
                batch_id=batch.id,
            )
        )


def _batch_answer(session: Session, batch: Batch) -> BatchWithApplications:
    return BatchWithApplications(
        batch=rows.batch_row(session, batch.id), applications=rows.batch_applications(session, batch.id)
    )


def submit_batch(
    session: Session,
    storage: AttachmentStore,
    firm: Firm,
    actor: Actor,
    command: SubmitBatch,
    idempotency_key: str | None,
) -> BatchWithApplications:
    if not idempotency_key:
        raise InvalidInput("缺少 Idempotency-Key 请求头")
    year, files, materials = command.year, command.files, command.materials
    check_batch_file_count(len(files))
    uploads = store_before_writing(session, storage, files, materials)
    change = Change(session, actor, scope(actor, idempotency_key, Operation.FIRM_SUBMIT_BATCH, command))
    ids = parse_ids(command.application_ids, "年检申请编号")
    if not ids:
        raise InvalidInput("请选择要申请的注册会计师")
    # Before the applications are read: a concurrent submit of the same firm has then committed, and the
    # states read below are its result (its applications are refused as submitted already, not stale).
    lock_firm_batches(session, firm)
    applications = [access.firm_application(session, firm, i) for i in ids]
    for application in applications:
        if application.year != year:
            raise InvalidInput(f"所选年检申请不属于 {year} 年度", application_id=application.id)
    _check_each(session, applications, Action.SUBMIT_BATCH)
    late_note = require_batch_window(session, firm, applications)
    flags = require_ready(session, applications)
    require_batch_materials([u.material for u in uploads])

    seq = next_batch_seq(session, firm, year)
    batch = Batch(
        number=batch_number(firm.number, year, seq),
        firm_id=firm.id,
        year=year,
        seq=seq,
        state=BatchState.SUBMITTED.value,
        idempotency_key=idempotency_key,
        submitted_at=change.now,
        updated_at=change.now,
    )
    session.add(batch)
    session.flush()
    _add_batch_attachments(change, batch, uploads)
    for application in applications:
        session.add(BatchItem(batch_id=batch.id, application_id=application.id))
        change.transition_application(application, Action.SUBMIT_BATCH, batch=batch, reason=late_note)
        application.batch_id = batch.id
        application.last_reason = None
    record_yellow_flags(change, batch.id, flags)
    change.touch_batch(batch)
    change.event(
        Action.SUBMIT_BATCH, batch=batch, from_state=None, to_state=BatchState.SUBMITTED.value, reason=late_note
    )
    change.finish()
    result = _batch_answer(session, batch)
    change.commit(result, status_code=201)
    return result


def lock_firm_batches(session: Session, firm: Firm) -> None:
    """Take the firm's row lock (PostgreSQL `SELECT … FOR UPDATE`; SQLite's write transaction, begun with
    `BEGIN IMMEDIATE` by `take_write_turn`, is exclusive already) until the transaction ends: the firm's
    submits run one at a time."""
    session.execute(select(Firm.id).where(Firm.id == firm.id).with_for_update())


def next_batch_seq(session: Session, firm: Firm, year: int) -> int:
    """The firm's next batch number of `year` (1, 2, …): call it under `lock_firm_batches`, which makes
    the max+1 safe: no other transaction can number a batch of this firm until this one ends."""
    latest = session.scalar(select(func.max(Batch.seq)).where(Batch.firm_id == firm.id, Batch.year == year))
    return (latest or 0) + 1


def _check_batch(batch: Batch, action: Action, version: int | None) -> None:
    """Refuse `action` on a batch locked by `lock_batch`: the state rule first, then the client's version.

    A batch that moved to a state where `action` does not apply (e.g. the institute decided its CPAs
    meanwhile) is refused with the domain's message saying why, not with the generic version conflict;
    the version only decides when the action would otherwise be allowed. Both checks read the locked
    row, and the version column is still checked on flush, so two concurrent changes cannot both win.
    """
    next_batch_state(BatchState(batch.state), action)
    check_version(batch, version)


def withdraw_batch(
    session: Session, batch: Batch, actor: Actor, command: WithdrawBatch, idempotency_key: str | None = None
) -> BatchWithApplications:
    change = Change(session, actor, scope(actor, idempotency_key, Operation.FIRM_WITHDRAW, command, target=batch.id))
    lock_batch(session, batch)
    _check_batch(batch, Action.WITHDRAW_BATCH, command.version)
    change.transition_batch(batch, Action.WITHDRAW_BATCH)
    for application in open_members(session, batch):
        change.transition_application(application, Action.WITHDRAW_BATCH, batch=batch)
        application.batch_id = None
    change.finish()
    result = _batch_answer(session, batch)
    change.commit(result)
    return result


def resubmit_batch(
    session: Session,
    storage: AttachmentStore,
    batch: Batch,
    actor: Actor,
    command: ResubmitBatch,
    idempotency_key: str | None = None,
) -> BatchWithApplications:
    operation = Operation.FIRM_RESUBMIT_BATCH
    check_batch_file_count(len(command.files))
    uploads = store_before_writing(session, storage, command.files, command.materials)
    change = Change(session, actor, scope(actor, idempotency_key, operation, command, target=batch.id))
    lock_batch(session, batch)
    _check_batch(batch, Action.RESUBMIT_BATCH, command.version)
    change.transition_batch(batch, Action.RESUBMIT_BATCH)
    current = {
        a.id: a
        for a in session.scalars(
            select(Attachment).where(Attachment.batch_id == batch.id, Attachment.removed.is_(False))
        )
    }
    keep = parse_ids(command.keep_attachment_ids, "附件编号")
    unknown = [i for i in keep if i not in current]
    if unknown:
        raise InvalidInput(f"要保留的附件不属于该批次：{unknown[0]}", attachment_id=unknown[0])
    check_batch_file_count(len(keep) + len(uploads))
    require_batch_materials([current[i].material for i in keep] + [u.material for u in uploads])
    for attachment_id, attachment in current.items():
        if attachment_id not in keep:
            attachment.removed = True
    _add_batch_attachments(change, batch, uploads)
    batch.return_reason = None
    for application in open_members(session, batch):
        change.transition_application(application, Action.RESUBMIT_BATCH, batch=batch, reason=None)
    change.finish()
    result = _batch_answer(session, batch)
    change.commit(result)
    return result
