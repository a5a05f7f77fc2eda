"""The institute's extensions (延期) of its application window: list, grant to a firm or a CPA, revoke.

Each grant and revocation names the staff member and is recorded in the trail (on the CPA's application of
the year when it has one, else as an event of the institute); `institute_rules` applies them.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from firmdesk.domain.errors import InvalidInput, NotFound, TransitionRefused, VersionConflict
from firmdesk.domain.states import Action
from firmdesk.domain.transitions import require_reason
from firmdesk.domain.window import check_extension
from firmdesk.server.db.models import Application, Cpa, Extension, Firm, Institute
from firmdesk.server.services.actors import Actor
from firmdesk.server.services.changes import VERSION_CONFLICT, Change
from firmdesk.server.services.clock import china_today
from firmdesk.server.services.institute_rules import firms_to_tell
from firmdesk.server.services.institute_schemas import ExtensionCreate, ExtensionOut, ExtensionRevoke


def _out(extension: Extension, firm: Firm, cpa: Cpa | None) -> ExtensionOut:
    active = extension.revoked_at is None and extension.until >= china_today()
    return ExtensionOut(
        id=extension.id,
        year=extension.year,
        target="cpa" if cpa is not None else "firm",
        firm_number=firm.number,
        firm_name=firm.name,
        cert_no=cpa.cert_no if cpa is not None else None,
        cpa_name=cpa.name if cpa is not None else None,
        until=extension.until,
        reason=extension.reason,
        granted_at=extension.granted_at,
        granted_by=extension.granted_by_person,
        revoked_at=extension.revoked_at,
        revoked_by=extension.revoked_by_person,
        revoke_reason=extension.revoke_reason,
        active=active,
        version=extension.version,
    )


def to_out(session: Session, extension: Extension) -> ExtensionOut:
    cpa = session.get(Cpa, extension.cpa_id) if extension.cpa_id is not None else None
    firm_id = cpa.firm_id if cpa is not None else extension.firm_id
    return _out(extension, session.get_one(Firm, firm_id), cpa)


def list_extensions(
    session: Session, institute: Institute, *, year: int | None = None, active: bool | None = None
) -> list[ExtensionOut]:
    """The institute's extensions of `year` (default: the current one), newest first."""
    statement = (
        select(Extension)
        .where(Extension.institute_id == institute.id, Extension.year == (year or institute.current_year))
        .order_by(Extension.granted_at.desc(), Extension.id.desc())
    )
    found = [to_out(session, e) for e in session.scalars(statement)]
    return [e for e in found if active is None or e.active is active]


def in_force_for(in_force: list[ExtensionOut], cpa: Cpa, firm: Firm) -> list[ExtensionOut]:
    """Of the extensions in force (`list_extensions(..., active=True)`, read once), those for the CPA or its firm."""
    return [e for e in in_force if e.cert_no == cpa.cert_no or (e.target == "firm" and e.firm_number == firm.number)]


def _target(session: Session, institute: Institute, body: ExtensionCreate) -> tuple[Firm | None, Cpa | None]:
    firm_number = (body.firm_number or "").strip()
    cert_no = (body.cert_no or "").strip()
    if bool(firm_number) == bool(cert_no):
        raise InvalidInput("请填写事务所编号或注册会计师证书编号（二者选一）")
    if firm_number:
        firm = session.scalar(select(Firm).where(Firm.number == firm_number, Firm.institute_id == institute.id))
        if firm is None:
            raise NotFound(f"未找到事务所 {firm_number}", firm_number=firm_number)
        return firm, None
    cpa = session.scalar(
        select(Cpa).join(Firm, Firm.id == Cpa.firm_id).where(Cpa.cert_no == cert_no, Firm.institute_id == institute.id)
    )
    if cpa is None:
        raise NotFound(f"未找到注册会计师 {cert_no}", cert_no=cert_no)
    return None, cpa


def _this_years_application(session: Session, institute: Institute, cpa: Cpa | None) -> Application | None:
    if cpa is None:
        return None
    return session.scalar(
        select(Application).where(Application.cpa_id == cpa.id, Application.year == institute.current_year)
    )


def grant(session: Session, institute: Institute, actor: Actor, body: ExtensionCreate) -> ExtensionOut:
    """延期 for a firm (and its CPAs) or one CPA, until a day after the deadline, with a reason."""
    change = Change(session, actor)
    session.refresh(institute)
    request = check_extension(institute.deadline, china_today(), body.until, body.reason)
    firm, cpa = _target(session, institute, body)
    extension = Extension(
        institute_id=institute.id,
        year=institute.current_year,
        firm_id=firm.id if firm is not None else None,
        cpa_id=cpa.id if cpa is not None else None,
        until=request.until,
        reason=request.reason,
        granted_at=change.now,
        granted_by_account_id=actor.account_id,
        granted_by_person=actor.person_name,
    )
    session.add(extension)
    who = f"事务所 {firm.number}" if firm is not None else f"注册会计师 {cpa.cert_no}" if cpa else ""
    application = _this_years_application(session, institute, cpa)
    _tell(change, extension)
    change.event(
        Action.GRANT_EXTENSION,
        application=application,
        reason=f"{who} 延期至 {request.until.isoformat()}：{request.reason}",
    )
    change.finish()
    result = to_out(session, extension)
    change.commit()
    return result


def _tell(change: Change, extension: Extension) -> None:
    """Touch the CPA, or one of the firm's CPAs, in the change feed: the firm's client reads its window again."""
    if extension.cpa_id is not None:
        change.touch_cpa(extension.cpa_id)
    elif extension.firm_id is not None:
        for cpa_id in firms_to_tell(change.session, [extension.firm_id]):
            change.touch_cpa(cpa_id)


def find(session: Session, institute: Institute, extension_id: int) -> Extension:
    extension = session.get(Extension, extension_id)
    if extension is None or extension.institute_id != institute.id:
        raise NotFound("未找到该延期记录", extension_id=extension_id)
    return extension


def revoke(
    session: Session, institute: Institute, extension: Extension, actor: Actor, body: ExtensionRevoke
) -> ExtensionOut:
    """Revoke an extension (a reason is optional); a revoked one stays listed, with who revoked it."""
    change = Change(session, actor)
    session.refresh(extension, with_for_update=True)
    text = require_reason(body.reason, "撤销原因") if (body.reason or "").strip() else None
    if extension.revoked_at is not None:
        raise TransitionRefused("该延期已撤销", extension_id=extension.id)
    if body.version is not None and body.version != extension.version:
        raise VersionConflict(VERSION_CONFLICT, current_version=extension.version)
    extension.revoked_at = change.now
    extension.revoked_by_account_id = actor.account_id
    extension.revoked_by_person = actor.person_name
    extension.revoke_reason = text
    cpa = session.get(Cpa, extension.cpa_id) if extension.cpa_id is not None else None
    application = _this_years_application(session, institute, cpa)
    _tell(change, extension)
    change.event(Action.REVOKE_EXTENSION, application=application, reason=text or "撤销延期")
    change.finish()
    result = to_out(session, extension)
    change.commit()
    return result
