"""The CPA's use cases: profile and notice, start and edit the application, materials, resubmit, inbox, QR."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from firmdesk.domain.errors import InvalidInput, NotFound, TransitionRefused
from firmdesk.domain.limits import MAX_APPLICATION_FILES
from firmdesk.domain.materials import check_file_count
from firmdesk.domain.states import Action, ApplicationState, status_label
from firmdesk.domain.window import LateStep, window_refusal
from firmdesk.server.db.models import Application, Attachment, Batch, Cpa, Firm, Institute, Message, TrainingHours
from firmdesk.server.services import rows
from firmdesk.server.services.actors import Actor
from firmdesk.server.services.changes import Change, check_version, lock_cpa, take_write_turn
from firmdesk.server.services.clock import china_today, utcnow
from firmdesk.server.services.commands import AddAttachment, StartApplication, UpdateApplication
from firmdesk.server.services.firm_queries import profile_of
from firmdesk.server.services.idempotency import Operation, scope
from firmdesk.server.services.institute_rules import cpa_window, require_cpa_window
from firmdesk.server.services.readiness import required_materials
from firmdesk.server.services.schemas import (
    AttachmentPublic,
    CpaApplication,
    CpaProfile,
    MessageOut,
    Notice,
    QrOut,
)
from firmdesk.server.services.uploads import store_before_writing
from firmdesk.server.services.verification import verification_url
from firmdesk.server.storage import AttachmentStore

#: States in which the CPA may still change the application (its materials, retired or working).
EDITABLE_STATES = frozenset(
    {ApplicationState.DRAFT, ApplicationState.FIRM_RETURNED, ApplicationState.INSTITUTE_RETURNED}
)


def institute_of(session: Session, cpa: Cpa) -> Institute:
    firm = session.get_one(Firm, cpa.firm_id)
    return session.get_one(Institute, firm.institute_id)


def profile(session: Session, cpa: Cpa) -> CpaProfile:
    firm = session.get_one(Firm, cpa.firm_id)
    hours = session.execute(
        select(TrainingHours.year, TrainingHours.hours)
        .where(TrainingHours.cpa_id == cpa.id)
        .order_by(TrainingHours.year)
    )
    return CpaProfile(
        **profile_of(cpa).model_dump(),
        cert_no=cpa.cert_no,
        firm_number=firm.number,
        firm_name=firm.name,
        retired=cpa.retired,
        training_hours={str(year): value for year, value in hours},
    )


def notice(session: Session, cpa: Cpa) -> Notice:
    institute = institute_of(session, cpa)
    window = cpa_window(session, cpa)
    return Notice(
        year=institute.current_year,
        notice=institute.notice_start,
        materials_working=list(institute.materials_working),
        materials_retired=list(institute.materials_retired),
        deadline=window.deadline,
        extended_until=window.extended_until,
        window_refusal=window_refusal(window, china_today(), LateStep.START),
    )


def application_view(session: Session, application: Application) -> CpaApplication:
    institute = session.get_one(Institute, session.get_one(Firm, application.firm_id).institute_id)
    number = (
        session.scalar(select(Batch.number).where(Batch.id == application.batch_id)) if application.batch_id else None
    )
    return CpaApplication(
        id=application.id,
        year=application.year,
        status=application.state,
        status_label=status_label(application.state),
        retired=application.retired,
        reason=application.last_reason,
        version=application.version,
        batch_number=number,
        submitted_at=application.submitted_at,
        decided_at=application.decided_at,
        updated_at=application.updated_at,
        attachments=rows.attachments_of(session, application_id=application.id),
        required_materials=required_materials(institute, application.retired),
        events=rows.application_trail(session, application.id),
    )


def list_applications(
    session: Session, cpa: Cpa, year: int | None = None, state: ApplicationState | None = None
) -> list[CpaApplication]:
    """The CPA's applications, newest year first; only `year`'s and/or those in `state` when given."""
    statement = select(Application).where(Application.cpa_id == cpa.id)
    if year is not None:
        statement = statement.where(Application.year == year)
    if state is not None:
        statement = statement.where(Application.state == state.value)
    return [application_view(session, a) for a in session.scalars(statement.order_by(Application.year.desc()))]


def start_application(
    session: Session, cpa: Cpa, actor: Actor, command: StartApplication, idempotency_key: str | None = None
) -> CpaApplication:
    change = Change(session, actor, scope(actor, idempotency_key, Operation.CPA_START, command))
    institute = institute_of(session, cpa)
    year = command.year or institute.current_year
    if year != institute.current_year:
        raise TransitionRefused(f"只能申请当前年检年度（{institute.current_year} 年度）", year=year)
    late_note = require_cpa_window(session, cpa, LateStep.START)
    lock_cpa(session, cpa.id)  # a concurrent start then finds this one's application: refused, not a 500
    if session.scalar(select(Application.id).where(Application.cpa_id == cpa.id, Application.year == year)):
        raise TransitionRefused(f"{year} 年度的年检申请已存在", year=year)
    application = Application(
        cpa_id=cpa.id,
        firm_id=cpa.firm_id,
        year=year,
        state=ApplicationState.DRAFT.value,
        retired=cpa.retired,  # remembered from last year
        created_at=change.now,
        updated_at=change.now,
    )
    session.add(application)
    session.flush()
    change.touch_application(application)
    change.event(Action.START, application=application, to_state=ApplicationState.DRAFT.value, reason=late_note)
    change.finish()
    result = application_view(session, application)
    change.commit(result, status_code=201)
    return result


def _require_editable(application: Application) -> None:
    state = ApplicationState(application.state)
    if state not in EDITABLE_STATES:
        raise TransitionRefused(f"只有未提交或被退回的年检申请可以修改（当前状态：{state.label}）", state=state.value)


def update_application(
    session: Session, cpa: Cpa, application: Application, actor: Actor, command: UpdateApplication
) -> CpaApplication:
    change = Change(session, actor)
    check_version(application, command.version)
    _require_editable(application)
    application.retired = command.retired
    session.get_one(Cpa, cpa.id).retired = command.retired  # remembered and preset next year
    change.touch_application(application)
    change.finish()
    result = application_view(session, application)
    change.commit()
    return result


def add_attachment(
    session: Session,
    storage: AttachmentStore,
    application: Application,
    actor: Actor,
    command: AddAttachment,
    idempotency_key: str | None = None,
) -> AttachmentPublic:
    [stored] = store_before_writing(session, storage, [command.file], [command.material])
    change = Change(session, actor, scope(actor, idempotency_key, Operation.CPA_UPLOAD, command, target=application.id))
    _require_editable(application)
    current = len(rows.attachments_of(session, application_id=application.id))
    check_file_count(current + 1, MAX_APPLICATION_FILES)
    attachment = Attachment(
        sha256=stored.stored.sha256,
        size=stored.stored.size,
        file_type=stored.stored.file_type,
        original_name=stored.stored.original_name,
        material=stored.material,
        uploaded_at=change.now,
        application_id=application.id,
    )
    session.add(attachment)
    change.touch_application(application)
    change.finish()
    result = rows.to_attachment(attachment)
    change.commit(result, status_code=201)
    return result


def remove_attachment(session: Session, application: Application, actor: Actor, attachment_id: int) -> None:
    change = Change(session, actor)
    attachment = session.get(Attachment, attachment_id)
    if attachment is None or attachment.application_id != application.id or attachment.removed:
        raise NotFound("未找到该附件", attachment_id=attachment_id)
    _require_editable(application)
    attachment.removed = True
    change.touch_application(application)
    change.commit()


def missing_materials(session: Session, application: Application) -> list[str]:
    institute = session.get_one(Institute, session.get_one(Firm, application.firm_id).institute_id)
    uploaded = {a.material for a in rows.attachments_of(session, application_id=application.id)}
    return [m for m in required_materials(institute, application.retired) if m not in uploaded]


def require_materials(session: Session, application: Application) -> None:
    missing = missing_materials(session, application)
    if missing:
        raise InvalidInput(f"请先上传必需材料：{'、'.join(missing)}", missing=missing)


def resubmit(
    session: Session, application: Application, actor: Actor, idempotency_key: str | None = None
) -> CpaApplication:
    """After a return, the CPA sends the application to the firm again (no face verification)."""
    change = Change(session, actor, scope(actor, idempotency_key, Operation.CPA_RESUBMIT, target=application.id))
    change.transition_application(application, Action.RESUBMIT)  # refused unless returned
    require_materials(session, application)
    application.submitted_at = change.now
    application.last_reason = None
    change.finish()
    result = application_view(session, application)
    change.commit(result)
    return result


def messages(session: Session, cpa: Cpa) -> list[MessageOut]:
    statement = select(Message).where(Message.cpa_id == cpa.id).order_by(Message.created_at.desc(), Message.id.desc())
    return [
        MessageOut(
            id=m.id,
            title=m.title,
            body=m.body,
            created_at=m.created_at,
            read=m.read_at is not None,
            application_id=m.application_id,
        )
        for m in session.scalars(statement)
    ]


def mark_read(session: Session, cpa: Cpa, message_id: int) -> None:
    take_write_turn(session)
    message = session.get(Message, message_id)
    if message is None or message.cpa_id != cpa.id:
        raise NotFound("未找到该消息", message_id=message_id)
    if message.read_at is None:
        message.read_at = utcnow()
    session.commit()


def qr(cpa: Cpa, public_base_url: str) -> QrOut:
    return QrOut(token=cpa.qr_token, url=verification_url(public_base_url, cpa.qr_token))
