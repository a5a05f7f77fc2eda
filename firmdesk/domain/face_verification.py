"""Face verification (人脸认证): which ID documents it supports, and the manual's warning (seed 2.1.6 / 2.2.4).

The provider verifies a face against the photo of a 居民身份证 or a 港澳台居民居住证 only; a CPA whose valid
document is another one (passport, 来往大陆通行证, ...) goes to the local institute for an in-person check
(线下人工核验) instead. One wording for the server's refusal and the pages that warn before it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from firmdesk.domain.errors import TransitionRefused
from firmdesk.domain.identity_check import IDENTITY_DOCUMENT_TYPES

#: The ID documents the face-verification provider supports.
FACE_VERIFICATION_ID_TYPES = ("居民身份证", "港澳台居民居住证")
#: The documents the institute accepts for 线下人工核验, as the warning lists them.
OFFLINE_CHECK_DOCUMENTS = "、".join(IDENTITY_DOCUMENT_TYPES)

#: The manual's warning, shown before face verification starts (seed 2.2.4).
FACE_VERIFICATION_WARNING = (
    f"您将进行人脸认证操作，人脸认证支持的身份证件类型为{'和'.join(FACE_VERIFICATION_ID_TYPES)}。"
    "若您不愿进行线上人脸认证或有效证件非人脸认证支持证件，请携带与本系统内注册会计师基本信息相一致的有效身份证件"
    f"({OFFLINE_CHECK_DOCUMENTS})到当地注协进行线下人工核验。"
)


def confirm_question(year: int) -> str:
    """The question closing the warning: 确认要申请 2025 年度年检吗？"""
    return f"确认要申请 {year} 年度年检吗？"


def face_verification_supported(id_type: str) -> bool:
    return id_type.strip() in FACE_VERIFICATION_ID_TYPES


def unsupported_document_message(id_type: str) -> str:
    return (
        f"您的有效证件为“{id_type}”，人脸认证只支持{'和'.join(FACE_VERIFICATION_ID_TYPES)}。"
        f"请携带与本系统内注册会计师基本信息相一致的有效身份证件到当地注协进行线下人工核验"
    )


def check_face_verification_supported(id_type: str) -> None:
    """Refused (409) when the CPA's document is one the provider cannot verify: no session is spent on it."""
    if not face_verification_supported(id_type):
        raise TransitionRefused(unsupported_document_message(id_type), id_type=id_type)


class FaceSessionState(StrEnum):
    """A face-verification session: waiting for the phone, then passed, failed or expired (too old, or replaced
    by a newer session of the same application)."""

    PENDING = "pending"
    PASSED = "passed"
    FAILED = "failed"
    EXPIRED = "expired"

    @property
    def label(self) -> str:
        return FACE_SESSION_LABELS[self]


FACE_SESSION_LABELS = {
    FaceSessionState.PENDING: "待认证",
    FaceSessionState.PASSED: "认证通过",
    FaceSessionState.FAILED: "人脸认证未通过",
    FaceSessionState.EXPIRED: "已过期",
}

#: How long a session's link (the QR code) may be used.
FACE_SESSION_VALID_FOR = timedelta(minutes=15)

EXPIRED_MESSAGE = "该人脸认证已过期，请回到申请页面重新发起人脸认证"
FINISHED_MESSAGE = "该人脸认证已结束，不能再次提交结果"


def face_session_state(stored: str, created_at: datetime, now: datetime) -> FaceSessionState:
    """The state a session is in at `now`: a pending one older than `FACE_SESSION_VALID_FOR` has expired."""
    state = FaceSessionState(stored)
    if state is FaceSessionState.PENDING and now - created_at >= FACE_SESSION_VALID_FOR:
        return FaceSessionState.EXPIRED
    return state


def check_face_session_open(state: FaceSessionState) -> None:
    """Only a pending session takes a result (409 otherwise)."""
    if state is FaceSessionState.EXPIRED:
        raise TransitionRefused(EXPIRED_MESSAGE, status=state.value)
    if state is not FaceSessionState.PENDING:
        raise TransitionRefused(FINISHED_MESSAGE, status=state.value)
