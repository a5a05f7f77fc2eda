"""Ownership lookups: a record is found only for the principal it belongs to, else `NotFound` (404).

A firm sees applications filed while its CPA was with it, its batches and their attachments; an
institute sees what belongs to its firms; a CPA sees only itself.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from firmdesk.domain.errors import NotFound
from firmdesk.server.db.models import Application, Attachment, Batch, Cpa, Firm, Institute


def _application_not_found(application_id: int) -> NotFound:
    return NotFound("未找到该年检申请", application_id=application_id)


def _batch_not_found(batch_id: int) -> NotFound:
    return NotFound("未找到该年检批次", batch_id=batch_id)


def _attachment_not_found(attachment_id: int) -> NotFound:
    return NotFound("未找到该附件", attachment_id=attachment_id)


def firm_application(session: Session, firm: Firm, application_id: int) -> Application:
    application = session.get(Application, application_id)
    if application is None or application.firm_id != firm.id:
        raise _application_not_found(application_id)
    return application


def firm_batch(session: Session, firm: Firm, batch_id: int) -> Batch:
    batch = session.get(Batch, batch_id)
    if batch is None or batch.firm_id != firm.id:
        raise _batch_not_found(batch_id)
    return batch


def _attachment_firm_id(session: Session, attachment: Attachment) -> int | None:
    if attachment.batch_id is not None:
        return session.scalar(select(Batch.firm_id).where(Batch.id == attachment.batch_id))
    if attachment.application_id is not None:
        return session.scalar(select(Application.firm_id).where(Application.id == attachment.application_id))
    return None


def firm_attachment(session: Session, firm: Firm, attachment_id: int) -> Attachment:
    attachment = session.get(Attachment, attachment_id)
    if attachment is None or _attachment_firm_id(session, attachment) != firm.id:
        raise _attachment_not_found(attachment_id)
    return attachment


def cpa_application(session: Session, cpa: Cpa, application_id: int) -> Application:
    application = session.get(Application, application_id)
    if application is None or application.cpa_id != cpa.id:
        raise _application_not_found(application_id)
    return application


def _institute_of_firm(session: Session, firm_id: int | None) -> int | None:
    if firm_id is None:
        return None
    return session.scalar(select(Firm.institute_id).where(Firm.id == firm_id))


def institute_batch(session: Session, institute: Institute, batch_id: int) -> Batch:
    batch = session.get(Batch, batch_id)
    if batch is None or _institute_of_firm(session, batch.firm_id) != institute.id:
        raise _batch_not_found(batch_id)
    return batch


def institute_application(session: Session, institute: Institute, application_id: int) -> Application:
    application = session.get(Application, application_id)
    if application is None or _institute_of_firm(session, application.firm_id) != institute.id:
        raise _application_not_found(application_id)
    return application


def institute_attachment(session: Session, institute: Institute, attachment_id: int) -> Attachment:
    attachment = session.get(Attachment, attachment_id)
    if attachment is None or _institute_of_firm(session, _attachment_firm_id(session, attachment)) != institute.id:
        raise _attachment_not_found(attachment_id)
    return attachment


def firm_cpa(session: Session, firm: Firm, cpa_id: int) -> Cpa:
    """One of the firm's CPAs (another firm's: 404)."""
    cpa = session.get(Cpa, cpa_id)
    if cpa is None or cpa.firm_id != firm.id:
        raise NotFound("未找到该注册会计师", cpa_id=cpa_id)
    return cpa
