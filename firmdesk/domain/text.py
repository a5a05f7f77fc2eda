"""Typed text as the rules compare it: a Chinese input method's full-width forms folded to plain ones."""

from __future__ import annotations

import unicodedata

_SEPARATORS = str.maketrans("", "", " -")


def folded(text: str) -> str:
    """NFKC and stripped: full-width digits, letters and spaces (５００１００２８, 　) become 50010028 and ' '."""
    return unicodedata.normalize("NFKC", text).strip()


def search_key(text: str) -> str:
    """What a search compares: folded, case-insensitive, without spaces and dashes, so that a certificate
    number typed as ５００１ 0028 or 5001-0028 finds 500100280005."""
    return folded(text).casefold().translate(_SEPARATORS)
