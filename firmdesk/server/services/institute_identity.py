"""线下人工核验: the institute records that it checked a CPA's identity in person; the CPA's draft then goes
to the firm as if face verification had passed, and the trail names who checked, when and which document."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from firmdesk.domain.identity_check import check_identity_check, trail_note
from firmdesk.domain.states import Action, ApplicationState, Role
from firmdesk.domain.transitions import next_application_state
from firmdesk.server.db.models import Application, Cpa, Firm, IdentityCheckRecord, Institute
from firmdesk.server.services import rows
from firmdesk.server.services.actors import Actor
from firmdesk.server.services.changes import Change, check_version, lock_cpa
from firmdesk.server.services.clock import china_today
from firmdesk.server.services.cpa_actions import require_materials
from firmdesk.server.services.idempotency import Operation, scope
from firmdesk.server.services.institute_schemas import IdentityCheckCreate, IdentityCheckOut, IdentityCheckResult


def to_out(record: IdentityCheckRecord, application: Application, cpa: Cpa, firm: Firm) -> IdentityCheckOut:
    return IdentityCheckOut(
        id=record.id,
        application_id=record.application_id,
        year=application.year,
        cert_no=cpa.cert_no,
        name=cpa.name,
        firm_number=firm.number,
        firm_name=firm.name,
        checked_on=record.checked_on,
        document_type=record.document_type,
        note=record.note,
        checked_by=record.checked_by_person,
        created_at=record.created_at,
    )


def list_checks(
    session: Session, institute: Institute, *, year: int | None = None, application_id: int | None = None
) -> list[IdentityCheckOut]:
    """The institute's 线下人工核验 records of a year (default: the current one), newest first."""
    statement = (
        select(IdentityCheckRecord, Application, Cpa, Firm)
        .join(Application, Application.id == IdentityCheckRecord.application_id)
        .join(Cpa, Cpa.id == IdentityCheckRecord.cpa_id)
        .join(Firm, Firm.id == Application.firm_id)
        .where(IdentityCheckRecord.institute_id == institute.id)
        .order_by(IdentityCheckRecord.created_at.desc(), IdentityCheckRecord.id.desc())
    )
    if application_id is not None:
        statement = statement.where(IdentityCheckRecord.application_id == application_id)
    else:
        statement = statement.where(Application.year == (year or institute.current_year))
    return [to_out(*found) for found in session.execute(statement)]


def record_check(
    session: Session,
    institute: Institute,
    application: Application,
    actor: Actor,
    body: IdentityCheckCreate,
    idempotency_key: str | None = None,
) -> IdentityCheckResult:
    """Record the check and send the draft to the firm (counts as face verification passed)."""
    operation = Operation.INSTITUTE_IDENTITY_CHECK
    change = Change(session, actor, scope(actor, idempotency_key, operation, body, target=application.id))
    check = check_identity_check(body.checked_on, china_today(), body.document_type, body.note)
    lock_cpa(session, application.cpa_id)  # a concurrent face verification or check of this CPA waits
    session.refresh(application)
    next_application_state(ApplicationState(application.state), Action.OFFLINE_VERIFIED)  # drafts only: says why
    check_version(application, body.version)
    require_materials(session, application)
    note = trail_note(check, actor.person_name)
    change.transition_application(application, Action.OFFLINE_VERIFIED, reason=note)
    application.submitted_at = change.now
    record = IdentityCheckRecord(
        institute_id=institute.id,
        application_id=application.id,
        cpa_id=application.cpa_id,
        checked_on=check.checked_on,
        document_type=check.document_type,
        note=check.note,
        checked_by_account_id=actor.account_id,
        checked_by_person=actor.person_name,
        created_at=change.now,
    )
    session.add(record)
    change.finish()
    cpa = session.get_one(Cpa, application.cpa_id)
    result = IdentityCheckResult(
        check=to_out(record, application, cpa, session.get_one(Firm, application.firm_id)),
        row=rows.application_row(session, application.id, Role.INSTITUTE),
    )
    change.commit(result, status_code=201)
    return result
