"""线下人工核验: the institute checked a CPA's identity in person; it counts as face verification passed.

For CPAs whose ID document face verification does not support (passports, 来往大陆通行证, ...) or who
cannot use it: the manual sends them to the local institute with a valid document. The record says who
checked (the signed-in staff member), on which day, which document, and an optional note.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from firmdesk.domain.errors import InvalidInput
from firmdesk.domain.limits import REASON_MAX_CHARS
from firmdesk.domain.text import clean_text

#: The documents the institute accepts for 线下人工核验 (the manual's list).
IDENTITY_DOCUMENT_TYPES = ("居民身份证", "军官证", "护照", "居民居住证", "来往大陆通行证", "外国人永久居留身份证")
#: A check is recorded soon after it happened: at most this many days back.
MAX_DAYS_BACK = 366


@dataclass(frozen=True)
class IdentityCheck:
    checked_on: date
    document_type: str
    note: str | None


def check_identity_check(checked_on: date, today: date, document_type: str, note: str | None) -> IdentityCheck:
    """The record as it may be stored, or `InvalidInput` (a day in the future or long ago, an unknown document)."""
    kind = clean_text(document_type or "").strip()
    if kind not in IDENTITY_DOCUMENT_TYPES:
        raise InvalidInput(f"核验证件类型应为：{'、'.join(IDENTITY_DOCUMENT_TYPES)}", document_type=kind)
    if checked_on > today:
        raise InvalidInput(f"核验日期（{checked_on.isoformat()}）不能晚于今天（{today.isoformat()}）")
    if checked_on < today - timedelta(days=MAX_DAYS_BACK):
        raise InvalidInput(f"核验日期（{checked_on.isoformat()}）不能早于一年前")
    text = clean_text(note or "", keep_line_breaks=True).strip()
    if len(text) > REASON_MAX_CHARS:
        raise InvalidInput(f"备注不能超过 {REASON_MAX_CHARS} 个字（当前 {len(text)} 个字）")
    return IdentityCheck(checked_on, kind, text or None)


def trail_note(check: IdentityCheck, person: str | None) -> str:
    """What the approval trail says of the check."""
    who = f"{person}，" if person else ""
    note = f"；{check.note}" if check.note else ""
    return f"线下人工核验（{who}{check.checked_on.isoformat()}，{check.document_type}）{note}"
