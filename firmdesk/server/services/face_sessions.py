"""Face verification: start a session (≤20 per CPA per China calendar day), resolve it (pass or fail).

Passing submits the application to the firm; failing is recorded and the CPA may try again. A session's link
expires after `FACE_SESSION_VALID_FOR`, and starting a new one for the application expires the older ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from firmdesk.domain.errors import NotFound
from firmdesk.domain.face_verification import (
    FACE_SESSION_VALID_FOR,
    FaceSessionState,
    check_face_session_open,
    check_face_verification_supported,
    face_session_state,
)
from firmdesk.domain.limits import FACE_SESSIONS_PER_DAY
from firmdesk.domain.states import Action, ApplicationState
from firmdesk.domain.transitions import next_application_state
from firmdesk.domain.window import LateStep
from firmdesk.server.db.models import Application, Cpa, FaceSession
from firmdesk.server.face import FaceProvider
from firmdesk.server.security import new_token
from firmdesk.server.services.actors import Actor, cpa_actor
from firmdesk.server.services.changes import Change, lock_cpa
from firmdesk.server.services.clock import start_of_china_day, start_of_next_china_day, utcnow
from firmdesk.server.services.cpa_actions import institute_of, require_materials
from firmdesk.server.services.errors import FaceQuotaExhausted
from firmdesk.server.services.idempotency import Operation, scope
from firmdesk.server.services.institute_rules import require_cpa_window
from firmdesk.server.services.schemas import FaceQuota, FaceResult, FaceSessionStarted, FaceSessionStatus

QUOTA_EXHAUSTED = f"今日人脸认证次数已用完（每日最多 {FACE_SESSIONS_PER_DAY} 次），请明天再试"


def sessions_today(session: Session, cpa_id: int) -> int:
    """The one count of the daily quota: sessions the CPA started since today began (China calendar day)."""
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


def quota(session: Session, cpa: Cpa) -> FaceQuota:
    """今日剩余次数, read-only: what `start` would still allow today, and when the count starts again."""
    return FaceQuota(
        remaining=remaining_today(session, cpa.id),
        limit=FACE_SESSIONS_PER_DAY,
        resets_at=start_of_next_china_day(utcnow()),
    )


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
    cpa = session.get_one(Cpa, application.cpa_id)
    check_face_verification_supported(cpa.id_type)
    # Passing submits the application to the firm: after the deadline only an extension lets it start.
    require_cpa_window(session, cpa, LateStep.SUBMIT_TO_FIRM)
    lock_cpa(session, application.cpa_id)  # concurrent starts count one after the other
    used = sessions_today(session, application.cpa_id)
    if used >= FACE_SESSIONS_PER_DAY:
        raise FaceQuotaExhausted(QUOTA_EXHAUSTED, remaining=0)
    _expire_pending(session, application.id)  # the newest link is the one that counts
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


def latest_session_id(session: Session, application_id: int) -> int:
    """The id of the application's newest face session (0: none yet)."""
    return session.scalar(select(func.max(FaceSession.id)).where(FaceSession.application_id == application_id)) or 0


def _expire_pending(session: Session, application_id: int) -> None:
    session.execute(
        update(FaceSession)
        .where(FaceSession.application_id == application_id, FaceSession.status == FaceSessionState.PENDING.value)
        .values(status=FaceSessionState.EXPIRED.value),
        execution_options={"synchronize_session": False},
    )


def state_of(face: FaceSession, now: datetime | None = None) -> FaceSessionState:
    return face_session_state(face.status, face.created_at, now or utcnow())


def status(session: Session, cpa: Cpa, session_id: int) -> FaceSessionStatus:
    """What the CPA's page polls: the session's state, the application's, and after a pass the institute's
    success notice."""
    face = session.get(FaceSession, session_id)
    if face is None or face.cpa_id != cpa.id:
        raise NotFound("未找到该人脸认证", session_id=session_id)
    state = state_of(face)
    application = session.get_one(Application, face.application_id)
    return FaceSessionStatus(
        session_id=face.id,
        application_id=application.id,
        status=state.value,
        status_label=state.label,
        application_status=application.state,
        expires_at=face.created_at + FACE_SESSION_VALID_FOR,
        remaining_today=remaining_today(session, cpa.id),
        notice=institute_of(session, cpa).notice_success if state is FaceSessionState.PASSED else None,
    )


def find_by_token(session: Session, token: str) -> FaceSession:
    face = session.scalar(select(FaceSession).where(FaceSession.token == token))
    if face is None:
        raise NotFound("未找到该人脸认证")
    return face


@dataclass(frozen=True)
class ProviderView:
    """What the simulated provider's page shows about a session (the token is the secret: no private data)."""

    state: FaceSessionState
    year: int
    masked_name: str
    expires_at: datetime


def masked_name(name: str) -> str:
    """张三丰 → 张**: enough for the CPA to recognise the session, nothing for someone looking over a shoulder."""
    return name[:1] + "*" * max(1, len(name) - 1)


def provider_view(session: Session, token: str) -> ProviderView:
    face = find_by_token(session, token)
    application = session.get_one(Application, face.application_id)
    return ProviderView(
        state=state_of(face),
        year=application.year,
        masked_name=masked_name(session.get_one(Cpa, face.cpa_id).name),
        expires_at=face.created_at + FACE_SESSION_VALID_FOR,
    )


def resolve(session: Session, token: str, passed: bool) -> FaceResult:
    """The provider's callback: the token is the secret, no sign-in."""
    face = find_by_token(session, token)
    cpa = session.get_one(Cpa, face.cpa_id)
    change = Change(session, cpa_actor(cpa))
    session.refresh(face)  # read again under the write turn: a concurrent callback or a newer session may have ended it
    check_face_session_open(state_of(face, change.now))
    application = session.get_one(Application, face.application_id)
    face.resolved_at = change.now
    notice = None
    if passed:
        change.transition_application(application, Action.FACE_PASSED)
        application.submitted_at = change.now
        face.status = FaceSessionState.PASSED.value
        notice = institute_of(session, cpa).notice_success
    else:
        change.transition_application(application, Action.FACE_FAILED)
        face.status = FaceSessionState.FAILED.value
    change.finish()
    result = FaceResult(status=face.status, application_status=application.state, notice=notice)
    change.commit()
    return result
