"""年检代提请: the firm files a CPA's application for the CPA (2022 firm manual).

Only for a CPA with no application for the year; the materials of the status the firm declares plus the signed
授权委托书 (`materials.on_behalf_materials`); no face verification: the application goes straight to 待事务所审核
and stays marked 代提请, so that the institute can ask for its offline identity check (线下人工核验). Whether the
window is still open is the start rule every application obeys (the server's start use case).
"""

from __future__ import annotations

from firmdesk.domain.errors import TransitionRefused
from firmdesk.domain.states import NOT_APPLIED, status_label

#: What the tabs, the Excel export and the institute's rows call the mark.
ON_BEHALF_LABEL = "代提请"


def on_behalf_refusal(status: str) -> str | None:
    """Why the firm may not file for a CPA whose status this year is `status` (`NOT_APPLIED`: it may)."""
    if status == NOT_APPLIED:
        return None
    return f"该注册会计师本年度已有年检申请，不能代提请（当前状态：{status_label(status)}）"


def require_not_applied(status: str, year: int) -> None:
    why = on_behalf_refusal(status)
    if why is not None:
        raise TransitionRefused(why, year=year, state=status)


def filing_label(on_behalf: bool, applied: bool) -> str | None:
    """提请方式 of an application: 代提请 (the firm filed it) or 本人申请; None without an application."""
    if not applied:
        return None
    return ON_BEHALF_LABEL if on_behalf else "本人申请"
