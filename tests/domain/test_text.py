"""Typed text as the rules compare it: what a Chinese input method types matches what the data holds."""

from __future__ import annotations

import pytest

from firmdesk.domain.text import clean_text, folded, search_key


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


def test_clean_text_drops_bidi_overrides_and_invisible_characters_but_keeps_chinese() -> None:
    assert clean_text("\u202egpj.exe.pdf") == "gpj.exe.pdf"
    assert clean_text("社保\u200b证明\ufeff\u2066.pdf\u2069\u200e") == "社保证明.pdf"
    assert clean_text("张\x00三\x07") == "张三"
    assert clean_text("重庆（两江）会计师事务所，２０２５年") == "重庆（两江）会计师事务所，２０２５年"


def test_clean_text_turns_tabs_and_line_breaks_into_spaces_unless_line_breaks_are_kept() -> None:
    assert clean_text("a\tb\nc") == "a b c"
    assert clean_text("第一行\r\n第二行\t完", keep_line_breaks=True) == "第一行\n第二行 完"


def test_clean_text_keeps_the_joiners_that_shape_text() -> None:
    assert clean_text("👨\u200d💻") == "👨\u200d💻"
