"""The institute's rules for the year, as every use case checks them: the application window with its
extensions (`firmdesk.domain.window`), and readiness on a batch submit (`firmdesk.domain.readiness`).

The CPA's use cases (API and portal), the firm's (API, desktop client) and the command line all call these;
nothing else decides whether it is too late or whether a batch may go.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session

from firmdesk.domain.readiness import FlaggedApplication, FlagLevel, ReadinessFlag, check_no_red_flags
from firmdesk.domain.states import Action, ApplicationState
from firmdesk.domain.window import LateStep, Window, check_window, extension_note
from firmdesk.server.db.models import Application, BatchFlag, Cpa, Event, Extension, Firm, Institute
from firmdesk.server.services.changes import Change, next_change_seq
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


def _late_covered(
    session: Session, firm: Firm, applications: Sequence[Application], today: date
) -> dict[int, date | None]:
    """For a window closed to the firm: each application that may still go in a new batch, with the extension
    that lets it (None: the institute received it in time once, a correction). Two queries, however many."""
    ids = [a.id for a in applications]
    sent_before = set(
        session.scalars(
            select(Event.application_id).where(Event.application_id.in_(ids), Event.action == Action.SUBMIT_BATCH.value)
        )
    )
    institute = session.get_one(Institute, firm.institute_id)
    statement = (
        active_extensions(institute, today)
        .with_only_columns(Extension.cpa_id, func.max(Extension.until))
        .where(Extension.cpa_id.in_([a.cpa_id for a in applications]))
        .group_by(Extension.cpa_id)
    )
    extended: dict[int | None, date] = {cpa_id: until for cpa_id, until in session.execute(statement)}
    covered: dict[int, date | None] = {}
    for application in applications:
        if application.id in sent_before:
            covered[application.id] = None
        elif application.cpa_id in extended:
            covered[application.id] = extended[application.cpa_id]
    return covered


def require_batch_window(session: Session, firm: Firm, applications: Sequence[Application]) -> str | None:
    """Refuse a new batch after the deadline unless the firm has an extension, or every application in it
    that the institute never received belongs to a CPA with an extension. Returns the trail's note, if any."""
    today = china_today()
    window = firm_window(session, firm)
    if window.is_open(today):
        applies = window.extension_applies(today) and window.extended_until is not None
        return extension_note(window.extended_until) if applies and window.extended_until else None
    covered = _late_covered(session, firm, applications, today)
    if len(covered) < len(applications):
        check_window(window, today, LateStep.SUBMIT_BATCH)  # refused: an application no extension covers
    untils = [u for u in covered.values() if u is not None]
    return extension_note(min(untils)) if untils else None


def late_submittable(session: Session, firm: Firm, year: int) -> list[int] | None:
    """For the desktop client: None while the firm may submit any batch of `year`; once its window is closed,
    the firm's applications pending its review that may still go (corrections, CPAs with an extension)."""
    today = china_today()
    window = firm_window(session, firm)
    if year != window.year or window.is_open(today):
        return None
    pending = list(
        session.scalars(
            select(Application).where(
                Application.firm_id == firm.id,
                Application.year == year,
                Application.state == ApplicationState.PENDING_FIRM.value,
            )
        )
    )
    return sorted(_late_covered(session, firm, pending, today))


def firms_to_tell(session: Session, firm_ids: Sequence[int]) -> list[int]:
    """One CPA of each firm (its first): touched in the change feed when the window or an extension changes,
    so that the firm's desktop client, which reads the summary again whenever rows changed, learns of it."""
    if not firm_ids:
        return []
    return list(session.scalars(select(func.min(Cpa.id)).where(Cpa.firm_id.in_(list(firm_ids))).group_by(Cpa.firm_id)))


def tell_firms(session: Session, firm_ids: Sequence[int]) -> None:
    """`firms_to_tell`, for a use case without a `Change` (the institute's settings)."""
    cpa_ids = firms_to_tell(session, firm_ids)
    if cpa_ids:
        seq = next_change_seq(session)
        session.execute(
            update(Cpa).where(Cpa.id.in_(cpa_ids)).values(change_seq=seq),
            execution_options={"synchronize_session": False},
        )


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
