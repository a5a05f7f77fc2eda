"""Which ID documents face verification supports, and the manual's wording."""

from __future__ import annotations

import pytest

from firmdesk.domain.errors import TransitionRefused
from firmdesk.domain.face_verification import (
    FACE_VERIFICATION_WARNING,
    check_face_verification_supported,
    confirm_question,
    face_verification_supported,
)


@pytest.mark.parametrize("id_type", ["居民身份证", "港澳台居民居住证", " 居民身份证 "])
def test_the_two_supported_documents_pass(id_type: str) -> None:
    assert face_verification_supported(id_type)
    check_face_verification_supported(id_type)


@pytest.mark.parametrize("id_type", ["护照", "港澳居民来往内地通行证", "军官证", "外国人永久居留身份证", ""])
def test_other_documents_go_to_the_institute(id_type: str) -> None:
    assert not face_verification_supported(id_type)
    with pytest.raises(TransitionRefused, match="线下人工核验"):
        check_face_verification_supported(id_type)


def test_the_warning_is_the_manuals_text() -> None:
    assert FACE_VERIFICATION_WARNING.startswith(
        "您将进行人脸认证操作，人脸认证支持的身份证件类型为居民身份证和港澳台居民居住证。"
    )
    assert FACE_VERIFICATION_WARNING.endswith("到当地注协进行线下人工核验。")
    assert confirm_question(2025) == "确认要申请 2025 年度年检吗？"
