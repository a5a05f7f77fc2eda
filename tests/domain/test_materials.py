"""The materials rule, said once for the client and the server: names, counts, the required 社保证明材料."""

from __future__ import annotations

import pytest

from firmdesk.domain.errors import InvalidInput, LimitExceeded
from firmdesk.domain.limits import MAX_BATCH_FILES, SOCIAL_SECURITY_MATERIAL
from firmdesk.domain.materials import (
    MATERIAL_NAME_MAX_CHARS,
    check_batch_file_count,
    check_batch_file_room,
    check_file_count,
    material_name,
    require_batch_materials,
)


def test_a_material_name_is_trimmed_and_required_naming_the_file() -> None:
    assert material_name("  社保证明材料 ") == "社保证明材料"
    with pytest.raises(InvalidInput, match=r"请为文件“a\.pdf”选择材料名称"):
        material_name(" ", "a.pdf")
    with pytest.raises(InvalidInput, match="请为每个附件选择材料名称"):
        material_name(None)


def test_a_material_name_has_at_most_100_characters() -> None:
    assert material_name("材" * MATERIAL_NAME_MAX_CHARS)
    with pytest.raises(InvalidInput, match="材料名称不能超过 100 个字"):
        material_name("材" * (MATERIAL_NAME_MAX_CHARS + 1))


def test_a_batch_holds_at_most_ten_files_counting_the_kept_ones() -> None:
    check_batch_file_count(MAX_BATCH_FILES)
    with pytest.raises(LimitExceeded) as refused:
        check_batch_file_count(MAX_BATCH_FILES + 1)
    assert refused.value.message == "批次材料最多 10 个文件，当前共 11 个，请删减后再提交"
    with pytest.raises(LimitExceeded, match="附件最多 10 个（当前 11 个）"):
        check_file_count(11, 10)


def test_a_file_is_added_to_a_batch_only_while_there_is_room_or_in_place_of_another() -> None:
    check_batch_file_room(MAX_BATCH_FILES - 1)
    check_batch_file_room(MAX_BATCH_FILES, replacing=True)
    with pytest.raises(LimitExceeded) as refused:
        check_batch_file_room(MAX_BATCH_FILES)
    assert refused.value.message == "批次材料最多 10 个文件（已有 10 个），请先移除不需要的文件"


def test_a_batch_needs_the_social_security_proof() -> None:
    require_batch_materials(["其他材料", f" {SOCIAL_SECURITY_MATERIAL}"])
    with pytest.raises(InvalidInput) as refused:
        require_batch_materials(["其他材料"])
    assert refused.value.message == f"缺少必需的批次材料：{SOCIAL_SECURITY_MATERIAL}，请上传后再提交"
    assert refused.value.code == "invalid_input"
