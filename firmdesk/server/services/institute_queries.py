"""What the institute reads: its review queue (oldest first, counts, yellow flags, search), a batch with each
CPA's application, and one CPA's application with everything needed to decide on it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.orm import Session

from firmdesk.domain.accounts import AccountRole
from firmdesk.domain.states import ApplicationState, BatchState, Role
from firmdesk.server.db.models import Account, Application, Batch, BatchFlag, BatchItem, Cpa, Firm, Institute
from firmdesk.server.services import rows
from firmdesk.server.services.cpa_actions import profile as cpa_profile
from firmdesk.server.services.firm_queries import parse_states
from firmdesk.server.services.institute_extensions import in_force_for, list_extensions
from firmdesk.server.services.institute_identity import list_checks
from firmdesk.server.services.institute_schemas import (
    ApplicationReview,
    BatchCounts,
    BatchQueue,
    InstituteBatchDetail,
    QueueBatch,
    RecordedFlag,
    StaffOut,
)
from firmdesk.server.services.readiness import readiness_of, required_materials
from firmdesk.server.services.schemas import ReadinessFlagOut

A = ApplicationState
#: Longest search text (a firm's name, a batch number, a CPA's name or certificate number).
MAX_SEARCH_CHARS = 50


def search_filter(q: str | None) -> Any:
    """Batches whose firm (number or name), number, or one of whose CPAs (name or certificate number) matches."""
    text = (q or "").strip()
    if not text:
        return None
    pattern = rows.like_pattern(text)
    member = exists().where(
        BatchItem.batch_id == Batch.id,
        Application.id == BatchItem.application_id,
        Cpa.id == Application.cpa_id,
        or_(Cpa.name.like(pattern, escape="\\"), Cpa.cert_no.like(pattern, escape="\\")),
    )
    return or_(
        Firm.number.like(pattern, escape="\\"),
        Firm.name.like(pattern, escape="\\"),
        Batch.number.like(pattern, escape="\\"),
        member,
    )


def _counts(session: Session, batch_ids: Sequence[int]) -> dict[int, BatchCounts]:
    """Each batch's CPAs by their state now (every CPA ever in it; a withdrawn one counts as waiting no more)."""
    tallies: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    statement = (
        select(BatchItem.batch_id, Application.state, Application.batch_id, func.count())
        .join(Application, Application.id == BatchItem.application_id)
        .where(BatchItem.batch_id.in_(list(batch_ids)))
        .group_by(BatchItem.batch_id, Application.state, Application.batch_id)
    )
    for batch_id, state, current_batch, count in session.execute(statement):
        tally = tallies[batch_id]
        tally["cpas"] += count
        if state == A.SUBMITTED and current_batch == batch_id:
            tally["waiting"] += count
        elif state in (A.APPROVED, A.DEFERRED, A.FAILED) and current_batch == batch_id:
            tally[{A.APPROVED: "approved", A.DEFERRED: "deferred", A.FAILED: "failed"}[ApplicationState(state)]] += (
                count
            )
        elif state == A.INSTITUTE_RETURNED:
            tally["returned"] += count
    fields = ("cpas", "waiting", "approved", "deferred", "failed", "returned")
    return {i: BatchCounts(**{f: tallies[i][f] for f in fields}) for i in batch_ids}


def recorded_flags(
    session: Session, *, batch_ids: Sequence[int] = (), application_id: int | None = None
) -> list[RecordedFlag]:
    statement = (
        select(BatchFlag, Cpa.cert_no, Cpa.name)
        .join(Application, Application.id == BatchFlag.application_id)
        .join(Cpa, Cpa.id == Application.cpa_id)
        .order_by(BatchFlag.batch_id, BatchFlag.id)
    )
    statement = (
        statement.where(BatchFlag.application_id == application_id)
        if application_id is not None
        else statement.where(BatchFlag.batch_id.in_(list(batch_ids)))
    )
    return [
        RecordedFlag(
            level=flag.level,
            code=flag.code,
            message=flag.message,
            batch_id=flag.batch_id,
            application_id=flag.application_id,
            cert_no=cert_no,
            name=name,
        )
        for flag, cert_no, name in session.execute(statement)
    ]


def _flags_by_batch(session: Session, batch_ids: Sequence[int]) -> dict[int, list[RecordedFlag]]:
    by_batch: dict[int, list[RecordedFlag]] = defaultdict(list)
    for flag in recorded_flags(session, batch_ids=batch_ids):
        by_batch[flag.batch_id].append(flag)
    return by_batch


def queue_rows(session: Session, statement: Select[Any]) -> list[QueueBatch]:
    plain = rows.batch_rows(session, statement, Role.INSTITUTE)
    ids = [b.id for b in plain]
    counts = _counts(session, ids)
    flags = _flags_by_batch(session, ids)
    return [
        QueueBatch(**b.model_dump(), counts=counts[b.id], yellow_flags=[f for f in flags[b.id] if f.level == "yellow"])
        for b in plain
    ]


def queue(
    session: Session,
    institute: Institute,
    *,
    year: int | None,
    state: str | None,
    firm: str | None,
    q: str | None,
    oldest_first: bool,
    page: int,
    page_size: int,
) -> BatchQueue:
    """The batches of the institute's firms (待审核批次: `state=submitted,reviewing`), oldest first by default."""
    statement = rows.batch_select().where(Firm.institute_id == institute.id)
    if year is not None:
        statement = statement.where(Batch.year == year)
    if firm:
        statement = statement.where(Firm.number == firm.strip())
    condition = search_filter(q)
    if condition is not None:
        statement = statement.where(condition)
    by_state = {s.value: 0 for s in BatchState}
    for found_state, count in session.execute(
        statement.with_only_columns(Batch.state, func.count(Batch.id)).group_by(Batch.state)
    ):
        by_state[found_state] = count
    states = parse_states(state)
    if states:
        statement = statement.where(Batch.state.in_(states))
    total = sum(by_state[s] for s in states) if states else sum(by_state.values())
    order = (Batch.submitted_at.asc(), Batch.id.asc()) if oldest_first else (Batch.submitted_at.desc(), Batch.id.desc())
    statement = statement.order_by(*order).offset((page - 1) * page_size).limit(page_size)
    return BatchQueue(
        items=queue_rows(session, statement), total=total, page=page, page_size=page_size, by_state=by_state
    )


def queue_batch(session: Session, batch: Batch) -> QueueBatch:
    return queue_rows(session, rows.batch_select().where(Batch.id == batch.id))[0]


def _flag_outs(flags: Sequence[RecordedFlag]) -> list[ReadinessFlagOut]:
    return [ReadinessFlagOut(level=f.level, code=f.code, message=f.message) for f in flags]


def application_reviews(
    session: Session, institute: Institute, applications: Sequence[Application]
) -> list[ApplicationReview]:
    """Each application with everything the institute needs to decide on it."""
    live = {r.application_id: r.flags for r in readiness_of(session, applications)}
    in_force = list_extensions(session, institute, active=True)
    found_rows = {
        r.application_id: r for r in rows.application_rows(session, [a.id for a in applications], Role.INSTITUTE)
    }
    reviews = []
    for application in applications:
        cpa = session.get_one(Cpa, application.cpa_id)
        firm = session.get_one(Firm, application.firm_id)
        batch_ids = select(BatchItem.batch_id).where(BatchItem.application_id == application.id)
        reviews.append(
            ApplicationReview(
                row=found_rows[application.id],
                profile=cpa_profile(session, cpa),
                firm_number=firm.number,
                firm_name=firm.name,
                attachments=rows.attachments_of(session, application_id=application.id),
                required_materials=required_materials(institute, application.retired),
                flags=live.get(application.id, []),
                recorded_flags=_flag_outs(recorded_flags(session, application_id=application.id)),
                trail=rows.application_trail(session, application.id),
                identity_checks=list_checks(session, institute, application_id=application.id),
                extensions=in_force_for(in_force, cpa, firm),
                batches=rows.batch_rows(
                    session, rows.batch_select().where(Batch.id.in_(batch_ids)).order_by(Batch.id), Role.INSTITUTE
                ),
            )
        )
    return reviews


def application_review(session: Session, institute: Institute, application: Application) -> ApplicationReview:
    return application_reviews(session, institute, [application])[0]


def batch_review(session: Session, institute: Institute, batch: Batch) -> InstituteBatchDetail:
    """The batch: the firm's materials, its events, and each CPA's application (profile, materials, flags, trail)."""
    ids = list(
        session.scalars(select(BatchItem.application_id).where(BatchItem.batch_id == batch.id).order_by(BatchItem.id))
    )
    applications = [session.get_one(Application, i) for i in ids]
    reviews = application_reviews(session, institute, applications)
    return InstituteBatchDetail(
        batch=queue_batch(session, batch),
        applications=[r.row for r in reviews],
        attachments=rows.attachments_of(session, batch_id=batch.id),
        events=rows.batch_events(session, batch.id),
        reviews=reviews,
    )


def staff(session: Session, institute: Institute) -> list[StaffOut]:
    """The institute's named staff accounts (主管理员 first)."""
    accounts = session.scalars(select(Account).where(Account.institute_id == institute.id).order_by(Account.id))
    return [
        StaffOut(
            login=a.login,
            person_name=a.person_name,
            org_role=a.org_role,
            org_role_label=AccountRole(a.org_role).label,
            disabled=a.disabled,
        )
        for a in accounts
    ]
