"""复检: the later outcome of a 暂缓年检 CPA (通过 / 不予通过), recorded by the institute. The deferral stays in
the trail beside it; the CPA's message and QR verification page show the final outcome."""

from __future__ import annotations

from sqlalchemy.orm import Session

from firmdesk.domain.states import ApplicationState, ReinspectionOutcome, Role
from firmdesk.domain.transitions import next_application_state, require_reason
from firmdesk.server.db.models import Application
from firmdesk.server.services import rows
from firmdesk.server.services.actors import Actor
from firmdesk.server.services.changes import Change, check_version
from firmdesk.server.services.idempotency import Operation, scope
from firmdesk.server.services.institute_schemas import ReinspectionBody
from firmdesk.server.services.messages import notify_decision
from firmdesk.server.services.schemas import CpaRow


def optional_note(text: str | None, what: str) -> str | None:
    """A note that may be left out, length-limited like a reason when given."""
    return require_reason(text, what) if (text or "").strip() else None


def reinspect(
    session: Session,
    application: Application,
    actor: Actor,
    body: ReinspectionBody,
    idempotency_key: str | None = None,
) -> CpaRow:
    """复检通过 (approved) or 复检不予通过 (failed, a reason required) for a deferred CPA."""
    outcome = ReinspectionOutcome(body.outcome)
    change = Change(
        session, actor, scope(actor, idempotency_key, Operation.INSTITUTE_REINSPECT, body, target=application.id)
    )
    what = "复检意见"
    reason = (
        require_reason(body.reason, what) if outcome is ReinspectionOutcome.FAIL else optional_note(body.reason, what)
    )
    session.refresh(application, with_for_update=True)  # a concurrent 复检 of the same CPA: one wins
    next_application_state(ApplicationState(application.state), outcome.action)  # deferred only: says why
    check_version(application, body.version)
    change.transition_application(application, outcome.action, reason=reason)
    application.decided_at = change.now
    application.last_reason = reason
    notify_decision(change, application, outcome.label, reason)
    change.finish()
    result = rows.application_row(session, application.id, Role.INSTITUTE)
    change.commit(result)
    return result
