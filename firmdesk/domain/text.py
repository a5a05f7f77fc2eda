"""Typed text as the rules compare it: a Chinese input method's full-width forms folded to plain ones."""

from __future__ import annotations

import unicodedata

_SEPARATORS = str.maketrans("", "", " -")

#: Format characters a name may need: zero-width (non-)joiners shape some scripts and emoji. Every other
#: format character (bidi overrides and isolates such as U+202E, zero-width space, BOM, soft hyphen) goes.
_KEPT_FORMAT = frozenset("\u200c\u200d")
_LINE_BREAKS = frozenset("\n\r")


def clean_text(text: str, *, keep_line_breaks: bool = False) -> str:
    """User-typed text as it may be stored and shown: NFC, without control and invisible format characters
    (Unicode categories Cc and Cf), so that "U+202E gpj.exe.pdf" cannot pose as "fdp.exe.jpg" and a name cannot
    hide characters. Tabs and (unless kept) line breaks become spaces; Chinese text is untouched."""
    out: list[str] = []
    for ch in unicodedata.normalize("NFC", text):
        category = unicodedata.category(ch)
        if category == "Cc":
            if keep_line_breaks and ch in _LINE_BREAKS:
                out.append(ch)
            elif ch.isspace():
                out.append(" ")
        elif category != "Cf" or ch in _KEPT_FORMAT:
            out.append(ch)
    return "".join(out).replace("\r\n", "\n") if keep_line_breaks else "".join(out)


def folded(text: str) -> str:
    """NFKC and stripped: full-width digits, letters and spaces (５００１００２８, 　) become 50010028 and ' '."""
    return unicodedata.normalize("NFKC", text).strip()


def search_key(text: str) -> str:
    """What a search compares: folded, case-insensitive, without spaces and dashes, so that a certificate
    number typed as ５００１ 0028 or 5001-0028 finds 500100280005."""
    return folded(text).casefold().translate(_SEPARATORS)
