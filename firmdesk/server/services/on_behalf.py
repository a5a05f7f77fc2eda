"""年检代提请: the firm files a CPA's application for them (rules: `firmdesk.domain.on_behalf`).

One transaction: the application is opened by the same use-case path as the CPA's own start (`open_application`:
its year, window and one-per-year rules), gets the materials, and goes to 待事务所审核 without face verification,
marked `on_behalf`. The CPA is told in their inbox. An Idempotency-Key is required: a retry files once.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from firmdesk.domain.errors import InvalidInput
from firmdesk.domain.limits import MAX_APPLICATION_FILES
from firmdesk.domain.materials import check_file_count, require_on_behalf_materials
from firmdesk.domain.on_behalf import require_not_applied
from firmdesk.domain.states import NOT_APPLIED, Action
from firmdesk.server.db.models import Application, Cpa, Firm
from firmdesk.server.services import access, rows
from firmdesk.server.services.actors import Actor
from firmdesk.server.services.changes import Change, lock_cpa
from firmdesk.server.services.commands import FileOnBehalf
from firmdesk.server.services.cpa_actions import institute_of, open_application
from firmdesk.server.services.idempotency import Operation, scope
from firmdesk.server.services.messages import notify_on_behalf
from firmdesk.server.services.readiness import required_materials
from firmdesk.server.services.schemas import CpaRow
from firmdesk.server.services.uploads import store_before_writing
from firmdesk.server.storage import AttachmentStore


def _status_this_year(session: Session, cpa: Cpa, year: int) -> str:
    state = session.scalar(select(Application.state).where(Application.cpa_id == cpa.id, Application.year == year))
    return state or NOT_APPLIED


def file_on_behalf(
    session: Session,
    storage: AttachmentStore,
    firm: Firm,
    actor: Actor,
    command: FileOnBehalf,
    idempotency_key: str | None,
) -> CpaRow:
    if not idempotency_key:
        raise InvalidInput("缺少 Idempotency-Key 请求头")
    check_file_count(len(command.files), MAX_APPLICATION_FILES)
    uploads = store_before_writing(session, storage, command.files, command.materials)
    change = Change(session, actor, scope(actor, idempotency_key, Operation.FIRM_ON_BEHALF, command))
    cpa = access.firm_cpa(session, firm, command.cpa_id)
    institute = institute_of(session, cpa)
    year = command.year or institute.current_year
    lock_cpa(session, cpa.id)
    require_not_applied(_status_this_year(session, cpa, year), year)  # its own words before the generic rule
    require_on_behalf_materials(required_materials(institute, command.retired), [u.material for u in uploads])
    application = open_application(change, cpa, year)
    application.retired = command.retired
    application.on_behalf = True
    cpa.retired = command.retired  # remembered and preset next year, as when the CPA declares it
    session.add_all(upload.attachment(change.now, application_id=application.id) for upload in uploads)
    change.transition_application(application, Action.ON_BEHALF)
    application.submitted_at = change.now
    notify_on_behalf(change, application, firm.name)
    change.finish()
    result = rows.application_row(session, application.id)
    change.commit(result, status_code=201)
    return result
