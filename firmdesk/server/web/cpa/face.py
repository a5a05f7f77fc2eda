"""人脸认证 in the CPA portal (seed 2.1.6–2.1.8, 2.2.4–2.2.7): the six tips and 今日剩余次数 before starting; on PC
the session's link as a QR code for a phone, the page refreshing itself when the phone passes (`static/face.js`
polls `…/status`; without scripts a 刷新 button); on a phone a button that opens the provider's page directly;
人脸认证未通过 with 返回 / 重试; the institute's success notice after a pass.

Thin routes over `services/face_sessions.py` (quota, start, status), as `/api/v1/cpa` is.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from firmdesk.domain.errors import DomainError, NotFound
from firmdesk.domain.face_verification import FaceSessionState
from firmdesk.domain.states import ApplicationState
from firmdesk.server.api.deps import Context, PathId, PublicBaseUrl, SessionDep
from firmdesk.server.api.errors import status_of
from firmdesk.server.db.models import Application, FaceSession
from firmdesk.server.services import access, cpa_actions, face_sessions
from firmdesk.server.services.errors import Replay
from firmdesk.server.web.cpa.apply import KeyField, actor_of, unsupported_document
from firmdesk.server.web.cpa.common import cpa_of, cpa_page, portal_router
from firmdesk.server.web.cpa.once import STALE_PAGE, form_key, sent_key
from firmdesk.server.web.pages import FormErrors
from firmdesk.server.web.qr_image import qr_svg
from firmdesk.server.web.session import WebCpa, WebUser

router = portal_router()

#: The manual's six tips (seed 2.2.5).
FACE_TIPS = (
    "请在光线均匀柔和的环境下操作，避免强光直射、逆光、阴暗角落操作。",
    "人脸正对屏幕摄像头，面部居中，距离屏幕 30-50cm 左右。",
    "人脸认证时摘除口罩、帽子、墨镜、头巾等全部面部遮挡物，露出完整五官。",
    "发型梳理整齐，勿遮挡眉毛、眼睛、耳朵及脸颊。",
    "请勿化浓妆、戴美瞳，面部特征与身份证照片保持一致。",
    "请确保网络连接稳定，避免在网络波动环境下进行人脸认证。",
)
#: A browser that says it is a phone gets the phone layout (no QR step); narrow windows get it by CSS too.
_PHONE_MARKERS = ("Mobile", "Android", "iPhone", "iPad", "MicroMessenger", "AlipayClient")


def is_phone(request: Request) -> bool:
    agent = request.headers.get("user-agent", "")
    return any(marker in agent for marker in _PHONE_MARKERS)


def face_path(application_id: int, session_id: int | None = None) -> str:
    return f"/cpa/apply/{application_id}/face" + (f"/{session_id}" if session_id else "")


def _face_key(session: Session, application: Application) -> str:
    """The key of 开始人脸认证 / 重试: new after each session, so a retry starts a new one and two tabs one."""
    latest = face_sessions.latest_session_id(session, application.id)
    return form_key("face", application.id, application.version, latest)


def _start_page(
    request: Request,
    session: Session,
    user: WebUser,
    application: Application,
    errors: FormErrors | None = None,
    status: int = 200,
) -> HTMLResponse:
    cpa = cpa_of(user)
    view = cpa_actions.application_view(session, application)
    profile = cpa_actions.profile(session, cpa)
    return cpa_page(
        request,
        session,
        user,
        "portal/face_start.html",
        active="applications",
        status=status,
        title=f"{view.year} 年度年检申请 · 人脸认证",
        view=view,
        tips=FACE_TIPS,
        quota=face_sessions.quota(session, cpa),
        unsupported=unsupported_document(profile),
        draft=view.status == ApplicationState.DRAFT,
        face_key=_face_key(session, application),
        errors=errors or FormErrors(),
    )


@router.get("/apply/{application_id}/face", response_class=HTMLResponse)
def face_start(request: Request, session: SessionDep, user: WebCpa, application_id: PathId) -> HTMLResponse:
    """Before starting: the tips and 今日剩余次数 (reading it uses none)."""
    application = access.cpa_application(session, cpa_of(user), application_id)
    return _start_page(request, session, user, application)


@router.post("/apply/{application_id}/face", response_class=HTMLResponse)
def face_begin(
    request: Request,
    session: SessionDep,
    context: Context,
    base_url: PublicBaseUrl,
    user: WebCpa,
    application_id: PathId,
    idempotency_key: KeyField = "",
) -> Response:
    """开始人脸认证 / 重试: a new session (the use case checks draft, materials, document, today's count)."""
    application = access.cpa_application(session, cpa_of(user), application_id)
    try:
        started = face_sessions.start(
            session, context.face, base_url, application, actor_of(user), sent_key(idempotency_key)
        )
    except Replay as replay:  # the same page sent twice (two tabs, a double click): its one session
        return RedirectResponse(face_path(application_id, int(replay.body["session_id"])), status_code=303)
    except DomainError as refused:
        session.rollback()
        session.refresh(application)
        message = STALE_PAGE if refused.code == "idempotency_key_reused" else refused.message
        return _start_page(request, session, user, application, FormErrors(general=[message]), status_of(refused))
    return RedirectResponse(face_path(application_id, started.session_id), status_code=303)


def _own_session(session: Session, application: Application, session_id: int) -> FaceSession:
    face = session.get(FaceSession, session_id)
    if face is None or face.application_id != application.id:
        raise NotFound("未找到该人脸认证", session_id=session_id)
    return face


@router.get("/apply/{application_id}/face/{session_id}", response_class=HTMLResponse)
def face_session_page(
    request: Request, session: SessionDep, context: Context, base_url: PublicBaseUrl, user: WebCpa,
    application_id: PathId, session_id: PathId,
) -> HTMLResponse:  # fmt: skip
    """The session: waiting (QR on PC, a button on a phone), 认证通过 with the institute's notice, 人脸认证未通过
    with 返回 / 重试, or 已过期."""
    cpa = cpa_of(user)
    application = access.cpa_application(session, cpa, application_id)
    face = _own_session(session, application, session_id)
    status = face_sessions.status(session, cpa, face.id)
    view = cpa_actions.application_view(session, application)
    url = context.face.session_url(face.token, base_url)
    phone = is_phone(request)
    state = FaceSessionState(status.status)
    return cpa_page(
        request,
        session,
        user,
        "portal/face_session.html",
        active="applications",
        title=f"{view.year} 年度年检申请 · {status.status_label}",
        view=view,
        face=status,
        state=state.value,
        url=url,
        qr=None if phone or state is not FaceSessionState.PENDING else qr_svg(url, label="人脸认证二维码"),
        phone=phone,
        status_url=f"{face_path(application_id, session_id)}/status",
        can_retry=view.status == ApplicationState.DRAFT and status.remaining_today > 0,
        face_key=_face_key(session, application),
    )


@router.get("/apply/{application_id}/face/{session_id}/status")
def face_session_status(session: SessionDep, user: WebCpa, application_id: PathId, session_id: PathId) -> JSONResponse:
    """What `static/face.js` polls: the session's state (the page reloads when it is no longer 待认证)."""
    cpa = cpa_of(user)
    application = access.cpa_application(session, cpa, application_id)
    face = _own_session(session, application, session_id)
    status = face_sessions.status(session, cpa, face.id)
    body = {
        "status": status.status,
        "status_label": status.status_label,
        "application_status": status.application_status,
    }
    return JSONResponse(body, headers={"Cache-Control": "no-store"})
