"""Typed text as the rules compare it: what a Chinese input method types matches what the data holds."""

from __future__ import annotations

import pytest

from firmdesk.domain.text import folded, search_key


def test_full_width_digits_become_plain_digits() -> None:
    assert folded("５００１００２８") == "50010028"


def test_full_width_letters_and_punctuation_become_plain() -> None:
    assert folded("ＡＢｃ（１）") == "ABc(1)"


def test_blanks_around_the_text_including_ideographic_spaces_are_dropped() -> None:
    assert folded("\u3000 张三\u3000") == "张三"


def test_blanks_inside_the_text_are_kept_by_folding() -> None:
    assert folded("张　三") == "张 三"


def test_chinese_text_is_unchanged() -> None:
    assert folded("重庆山城会计师事务所") == "重庆山城会计师事务所"


@pytest.mark.parametrize("typed", ["５００１ 0028", "5001-0028", "５００１－００２８", " 50010028 ", "5001　0028"])
def test_a_certificate_number_typed_any_way_finds_the_certificate(typed: str) -> None:
    assert search_key(typed) == "50010028"
    assert search_key(typed) in search_key("500100280005")


def test_search_ignores_letter_case() -> None:
    assert search_key("ＡbＣ") == search_key("abc") == "abc"
