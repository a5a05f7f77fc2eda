"""Face verification: start a session (≤20 per CPA per China calendar day), resolve it (pass or fail).

Passing submits the application to the firm; failing is recorded and the CPA may try again.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from firmdesk.domain.errors import NotFound, TransitionRefused
from firmdesk.domain.limits import FACE_SESSIONS_PER_DAY
from firmdesk.domain.states import Action, ApplicationState
from firmdesk.domain.transitions import next_application_state
from firmdesk.domain.window import LateStep
from firmdesk.server.db.models import Application, Cpa, FaceSession
from firmdesk.server.face import FaceProvider
from firmdesk.server.security import new_token
from firmdesk.server.services.actors import Actor, cpa_actor
from firmdesk.server.services.changes import Change, lock_cpa
from firmdesk.server.services.clock import start_of_china_day
from firmdesk.server.services.cpa_actions import institute_of, require_materials
from firmdesk.server.services.errors import FaceQuotaExhausted
from firmdesk.server.services.idempotency import Operation, scope
from firmdesk.server.services.institute_rules import require_cpa_window
from firmdesk.server.services.schemas import FaceResult, FaceSessionStarted, FaceSessionStatus


def sessions_today(session: Session, cpa_id: int) -> int:
    return (
        session.scalar(
            select(func.count(FaceSession.id)).where(
                FaceSession.cpa_id == cpa_id, FaceSession.created_at >= start_of_china_day()
            )
        )
        or 0
    )


def remaining_today(session: Session, cpa_id: int) -> int:
    return max(0, FACE_SESSIONS_PER_DAY - sessions_today(session, cpa_id))


def start(
    session: Session,
    provider: FaceProvider,
    public_base_url: str,
    application: Application,
    actor: Actor,
    idempotency_key: str | None = None,
) -> FaceSessionStarted:
    operation = Operation.CPA_FACE_SESSION
    change = Change(session, actor, scope(actor, idempotency_key, operation, target=application.id))
    next_application_state(ApplicationState(application.state), Action.FACE_PASSED)  # draft only
    require_materials(session, application)
    # Passing submits the application to the firm: after the deadline only an extension lets it start.
    require_cpa_window(session, session.get_one(Cpa, application.cpa_id), LateStep.SUBMIT_TO_FIRM)
    lock_cpa(session, application.cpa_id)  # concurrent starts count one after the other
    used = sessions_today(session, application.cpa_id)
    if used >= FACE_SESSIONS_PER_DAY:
        raise FaceQuotaExhausted(
            f"今日人脸认证次数已用完（每日最多 {FACE_SESSIONS_PER_DAY} 次），请明天再试", remaining=0
        )
    token = new_token()
    face = FaceSession(token=token, cpa_id=application.cpa_id, application_id=application.id, created_at=change.now)
    session.add(face)
    change.finish()
    result = FaceSessionStarted(
        session_id=face.id,
        token=token,
        url=provider.session_url(token, public_base_url),
        remaining_today=FACE_SESSIONS_PER_DAY - used - 1,
    )
    change.commit(result, status_code=201)
    return result


def status(session: Session, cpa: Cpa, session_id: int) -> FaceSessionStatus:
    face = session.get(FaceSession, session_id)
    if face is None or face.cpa_id != cpa.id:
        raise NotFound("未找到该人脸认证", session_id=session_id)
    return FaceSessionStatus(
        session_id=face.id,
        status=face.status,
        remaining_today=remaining_today(session, cpa.id),
    )


def find_by_token(session: Session, token: str) -> FaceSession:
    face = session.scalar(select(FaceSession).where(FaceSession.token == token))
    if face is None:
        raise NotFound("未找到该人脸认证")
    return face


def resolve(session: Session, token: str, passed: bool) -> FaceResult:
    """The provider's callback: the token is the secret, no sign-in."""
    face = find_by_token(session, token)
    cpa = session.get_one(Cpa, face.cpa_id)
    change = Change(session, cpa_actor(cpa))
    if face.status != "pending":  # read again under the write turn: a concurrent callback may have ended it
        raise TransitionRefused("该人脸认证已结束，不能再次提交结果", status=face.status)
    application = session.get_one(Application, face.application_id)
    face.resolved_at = change.now
    notice = None
    if passed:
        change.transition_application(application, Action.FACE_PASSED)
        application.submitted_at = change.now
        face.status = "passed"
        notice = institute_of(session, cpa).notice_success
    else:
        change.transition_application(application, Action.FACE_FAILED)
        face.status = "failed"
    change.finish()
    result = FaceResult(status=face.status, application_status=application.state, notice=notice)
    change.commit()
    return result
