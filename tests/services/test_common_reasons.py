"""常用退回原因: defaults, changes kept between runs, rules on each reason, a damaged file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from firmdesk.services.common_reasons import DEFAULT_REASONS, CommonReasons, ReasonRejected


def test_a_new_user_gets_the_chinese_defaults(tmp_path: Path) -> None:
    reasons = CommonReasons(tmp_path / "r.json")
    assert reasons.all() == list(DEFAULT_REASONS)
    assert "社保证明材料不清晰，请重新上传" in reasons.all()
    assert not (tmp_path / "r.json").exists()  # nothing written until the user changes something


def test_added_edited_deleted_reasons_are_kept_between_runs(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "r.json"
    reasons = CommonReasons(path)
    i = reasons.add("  学时证明不清晰\r\n请重新扫描  ")
    reasons.replace(0, "社保证明材料不清晰，请上传盖章版本")
    reasons.remove(1)
    again = CommonReasons(path).all()
    assert again[i - 1] == "学时证明不清晰\n请重新扫描"  # line break kept, blanks trimmed
    assert again[0] == "社保证明材料不清晰，请上传盖章版本"
    assert DEFAULT_REASONS[1] not in again
    assert json.loads(path.read_text(encoding="utf-8"))["version"] == 1


@pytest.mark.parametrize(
    ("text", "message"),
    [("   ", "不能为空"), ("字" * 501, "不能超过 500 字"), (DEFAULT_REASONS[0], "已在常用列表中")],
)
def test_empty_too_long_or_duplicate_reasons_are_refused(tmp_path: Path, text: str, message: str) -> None:
    reasons = CommonReasons(tmp_path / "r.json")
    with pytest.raises(ReasonRejected) as e:
        reasons.add(text)
    assert message in e.value.message
    assert reasons.all() == list(DEFAULT_REASONS)


def test_editing_a_reason_to_its_own_text_is_allowed(tmp_path: Path) -> None:
    reasons = CommonReasons(tmp_path / "r.json")
    reasons.replace(0, DEFAULT_REASONS[0] + "\n")
    assert reasons.all()[0] == DEFAULT_REASONS[0]


def test_a_damaged_file_is_set_aside_and_the_defaults_used(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    path.write_text("{not json", encoding="utf-8")
    assert CommonReasons(path).all() == list(DEFAULT_REASONS)
    assert (tmp_path / "r.json.bad").read_text(encoding="utf-8") == "{not json"


def test_move_reorders(tmp_path: Path) -> None:
    reasons = CommonReasons(tmp_path / "r.json")
    reasons.move(2, 0)
    assert CommonReasons(tmp_path / "r.json").all()[0] == DEFAULT_REASONS[2]
