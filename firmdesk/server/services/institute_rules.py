"""The institute's rules for the year, as every use case checks them: the application window with its
extensions (`firmdesk.domain.window`), and readiness on a batch submit (`firmdesk.domain.readiness`).

The CPA's use cases (API and portal), the firm's (API, desktop client) and the command line all call these;
nothing else decides whether it is too late or whether a batch may go.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from firmdesk.domain.readiness import FlaggedApplication, FlagLevel, ReadinessFlag, check_no_red_flags
from firmdesk.domain.states import Action
from firmdesk.domain.window import LateStep, Window, check_window, extension_note
from firmdesk.server.db.models import Application, BatchFlag, Cpa, Event, Extension, Firm, Institute
from firmdesk.server.services.changes import Change
from firmdesk.server.services.clock import china_today
from firmdesk.server.services.readiness import readiness_of


def active_extensions(institute: Institute, today: date | None = None) -> Select[Extension]:
    """The extensions of the institute's current year still in force today (not revoked, not ended)."""
    today = today or china_today()
    return select(Extension).where(
        Extension.institute_id == institute.id,
        Extension.year == institute.current_year,
        Extension.revoked_at.is_(None),
        Extension.until >= today,
    )


def _latest_until(session: Session, institute: Institute, *, firm_id: int | None, cpa_id: int | None) -> date | None:
    statement = active_extensions(institute).with_only_columns(func.max(Extension.until))
    if firm_id is not None:
        statement = statement.where(Extension.firm_id == firm_id)
    if cpa_id is not None:
        statement = statement.where(Extension.cpa_id == cpa_id)
    until: date | None = session.scalar(statement)
    return until


def firm_window(session: Session, firm: Firm) -> Window:
    """The window of the firm's institute, with the firm's own extension."""
    institute = session.get_one(Institute, firm.institute_id)
    until = _latest_until(session, institute, firm_id=firm.id, cpa_id=None)
    return Window(institute.current_year, institute.deadline, until)


def cpa_window(session: Session, cpa: Cpa) -> Window:
    """The window of the CPA's institute, with the latest of the CPA's and its firm's extensions."""
    firm = session.get_one(Firm, cpa.firm_id)
    institute = session.get_one(Institute, firm.institute_id)
    untils = [
        _latest_until(session, institute, firm_id=firm.id, cpa_id=None),
        _latest_until(session, institute, firm_id=None, cpa_id=cpa.id),
    ]
    found = [u for u in untils if u is not None]
    return Window(institute.current_year, institute.deadline, max(found) if found else None)


def require_cpa_window(session: Session, cpa: Cpa, step: LateStep) -> str | None:
    """Refuse a CPA's `step` after the deadline unless an extension covers the CPA (`WindowClosed`, 409).
    Returns the trail's note when only the extension let it through (else None)."""
    today = china_today()
    window = cpa_window(session, cpa)
    check_window(window, today, step)
    return extension_note(window.extended_until) if window.extended_until and window.extension_applies(today) else None


def require_batch_window(session: Session, firm: Firm, applications: Sequence[Application]) -> str | None:
    """Refuse a new batch after the deadline unless the firm has an extension, or every application in it
    that the institute never received belongs to a CPA with an extension. Returns the trail's note, if any."""
    today = china_today()
    window = firm_window(session, firm)
    if window.is_open(today):
        return (
            extension_note(window.extended_until) if window.extension_applies(today) and window.extended_until else None
        )
    sent_before = set(
        session.scalars(
            select(Event.application_id).where(
                Event.application_id.in_([a.id for a in applications]), Event.action == Action.SUBMIT_BATCH.value
            )
        )
    )
    late = [a for a in applications if a.id not in sent_before]
    if not late:
        return None  # a correction of what the institute received in time
    untils: list[date] = []
    for application in late:
        cpa_until = cpa_window(session, session.get_one(Cpa, application.cpa_id)).extended_until
        if cpa_until is None or cpa_until < today:
            check_window(window, today, LateStep.SUBMIT_BATCH)  # refused: this CPA has no extension
        assert cpa_until is not None
        untils.append(cpa_until)
    return extension_note(min(untils))


# --- readiness on a batch submit ---


def flagged(session: Session, applications: Sequence[Application]) -> list[FlaggedApplication]:
    """Each application's readiness flags, named by its CPA."""
    results = {r.application_id: r for r in readiness_of(session, applications)}
    names = dict(
        (cpa_id, (name, cert_no))
        for cpa_id, name, cert_no in session.execute(
            select(Cpa.id, Cpa.name, Cpa.cert_no).where(Cpa.id.in_([a.cpa_id for a in applications]))
        )
    )
    out = []
    for application in applications:
        name, cert_no = names[application.cpa_id]
        flags = tuple(ReadinessFlag(FlagLevel(f.level), f.code, f.message) for f in results[application.id].flags)
        out.append(FlaggedApplication(application.id, name, cert_no, flags))
    return out


def require_ready(session: Session, applications: Sequence[Application]) -> list[FlaggedApplication]:
    """Refuse (422 `red_flags`, listing each CPA and why) a batch with any red flag; the flags otherwise."""
    found = flagged(session, applications)
    check_no_red_flags(found)
    return found


def record_yellow_flags(change: Change, batch_id: int, found: Sequence[FlaggedApplication]) -> None:
    """Keep the yellow flags with the batch, as they were when it was submitted, for the institute."""
    for application in found:
        for flag in application.yellow:
            change.session.add(
                BatchFlag(
                    batch_id=batch_id,
                    application_id=application.application_id,
                    level=flag.level.value,
                    code=flag.code,
                    message=flag.message,
                    created_at=change.now,
                )
            )
