"""Readiness check per application: gathers the facts in a few queries, the domain decides the flags."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from firmdesk.domain.readiness import ApplicationFacts, readiness_flags
from firmdesk.server.db.models import Application, Attachment, Cpa, Firm, Institute, TrainingHours
from firmdesk.server.services.schemas import ReadinessFlagOut, ReadinessResult


def required_materials(institute: Institute, retired: bool) -> list[str]:
    return list(institute.materials_retired if retired else institute.materials_working)


def readiness_of(session: Session, applications: Sequence[Application]) -> list[ReadinessResult]:
    """Flags of each application (the caller checked that they are visible to it)."""
    if not applications:
        return []
    ids = [a.id for a in applications]
    rows = session.execute(
        select(
            Application.id,
            Application.year,
            Application.retired,
            Cpa.birth_date,
            Cpa.joined_firm_on,
            TrainingHours.hours,
            Institute,
        )
        .join(Cpa, Cpa.id == Application.cpa_id)
        .join(Firm, Firm.id == Application.firm_id)
        .join(Institute, Institute.id == Firm.institute_id)
        .outerjoin(TrainingHours, and_(TrainingHours.cpa_id == Cpa.id, TrainingHours.year == Application.year))
        .where(Application.id.in_(ids))
    ).all()
    uploaded: dict[int | None, set[str]] = defaultdict(set)  # the column is nullable; the filter makes it set
    for application_id, material in session.execute(
        select(Attachment.application_id, Attachment.material).where(
            Attachment.application_id.in_(ids), Attachment.removed.is_(False)
        )
    ):
        uploaded[application_id].add(material)
    by_id = {}
    for app_id, year, retired, birth_date, joined_on, hours, institute in rows:
        facts = ApplicationFacts(
            year=year,
            retired=retired,
            birth_date=birth_date,
            training_hours=hours or 0.0,
            uploaded_materials=frozenset(uploaded[app_id]),
            required_materials=tuple(required_materials(institute, retired)),
            min_training_hours=institute.min_training_hours,
            moved_in_year=joined_on is not None and joined_on.year == year,
        )
        by_id[app_id] = ReadinessResult(
            application_id=app_id,
            flags=[
                ReadinessFlagOut(level=f.level.value, code=f.code, message=f.message) for f in readiness_flags(facts)
            ],
        )
    return [by_id[i] for i in ids if i in by_id]
