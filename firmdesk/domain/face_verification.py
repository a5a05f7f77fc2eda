"""Face verification (人脸认证): which ID documents it supports, and the manual's warning (seed 2.1.6 / 2.2.4).

The provider verifies a face against the photo of a 居民身份证 or a 港澳台居民居住证 only; a CPA whose valid
document is another one (passport, 来往大陆通行证, ...) goes to the local institute for an in-person check
(线下人工核验) instead. One wording for the server's refusal and the pages that warn before it.
"""

from __future__ import annotations

from firmdesk.domain.errors import TransitionRefused

#: The ID documents the face-verification provider supports.
FACE_VERIFICATION_ID_TYPES = ("居民身份证", "港澳台居民居住证")
#: The documents the institute accepts for 线下人工核验 (the manual's list).
OFFLINE_CHECK_DOCUMENTS = "身份证、军官证、护照、居民居住证、来往大陆通行证、外国人永久居留身份证"

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
