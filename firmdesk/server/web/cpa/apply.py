"""申请年检 in the CPA portal (seed 2.2.2–2.2.4, 2.3.2): notice and 确认个人信息, 离退休/在职, the materials that
status requires (upload, remove), the check-your-answers page, and 再次申请 of a returned application.

Thin routes over `services/cpa_actions.py`, as `/api/v1/cpa` is: every rule (editable states, file type by
content, 5 MB, 10 files, required materials) is the use case's; a refusal is shown on the page it came from.
Uploads answer JSON to `static/apply.js` (`Accept: application/json`) and redirect a plain form back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlencode

from fastapi import File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from firmdesk.domain.errors import DomainError
from firmdesk.domain.face_verification import (
    FACE_VERIFICATION_WARNING,
    confirm_question,
    unsupported_document_message,
)
from firmdesk.domain.files import ALLOWED_TYPES_TEXT
from firmdesk.domain.limits import MAX_APPLICATION_FILES, MAX_ATTACHMENT_BYTES, human_size
from firmdesk.domain.states import ApplicationState
from firmdesk.server.api.deps import Context, PathId, SessionDep
from firmdesk.server.api.errors import status_of
from firmdesk.server.db.models import Application
from firmdesk.server.services import access, cpa_actions
from firmdesk.server.services.actors import Actor, cpa_actor
from firmdesk.server.services.commands import AddAttachment, StartApplication, UpdateApplication
from firmdesk.server.services.errors import IdempotencyKeyReused, Replay
from firmdesk.server.services.schemas import AttachmentPublic, CpaApplication, CpaProfile
from firmdesk.server.web.cpa.common import cpa_of, cpa_page, portal_router
from firmdesk.server.web.cpa.once import KEY_FIELD, STALE_PAGE, Done, form_key, sent_key, start_key
from firmdesk.server.web.pages import FormErrors
from firmdesk.server.web.session import WebCpa, WebUser

router = portal_router()

#: Where personal information is changed (seed 2.2.3).
MOF_PLATFORM_NAME = "注册会计师行业统一监管平台"
MOF_PLATFORM_URL = "https://acc.mof.gov.cn/"
FILE_RULES = (
    f"支持类型：{ALLOWED_TYPES_TEXT}（按文件内容判断）；单个文件不超过 {human_size(MAX_ATTACHMENT_BYTES)}；"
    f"每份申请最多 {MAX_APPLICATION_FILES} 个附件"
)
NO_FILE = "请选择要上传的文件"

KeyField = Annotated[str, Form(alias=KEY_FIELD, max_length=200)]
#: Returned by the firm or the institute: 再次申请, without face verification.
RETURNED_STATES = cpa_actions.EDITABLE_STATES - {ApplicationState.DRAFT}


def actor_of(user: WebUser) -> Actor:
    return cpa_actor(cpa_of(user), user.principal.account)


def apply_path(application_id: int, done: Done | None = None, anchor: str = "") -> str:
    query = f"?{urlencode({'done': done.value})}" if done else ""
    return f"/cpa/apply/{application_id}{query}{anchor}"


def _see_other(location: str) -> RedirectResponse:
    return RedirectResponse(location, status_code=303)


def _wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


# --- what the pages show ---


@dataclass(frozen=True)
class MaterialSlot:
    """One required material of the application's status, with its files and the key of its upload form."""

    index: int
    name: str
    files: list[AttachmentPublic]
    upload_key: str

    @property
    def field_id(self) -> str:
        return f"file-{self.index}"


def material_slots(view: CpaApplication) -> tuple[list[MaterialSlot], list[AttachmentPublic]]:
    """The slots of the required materials, and the files of other materials (e.g. kept from the other status)."""
    slots = [
        MaterialSlot(i, name, [a for a in view.attachments if a.material == name], upload_key(view, i))
        for i, name in enumerate(view.required_materials)
    ]
    others = [a for a in view.attachments if a.material not in view.required_materials]
    return slots, others


def upload_key(view: CpaApplication, slot: int) -> str:
    return form_key("upload", view.id, view.version, slot)


def unsupported_document(profile: CpaProfile) -> str | None:
    """Why face verification cannot check the CPA's ID document (线下人工核验 instead), or None."""
    return None if profile.face_verification_supported else unsupported_document_message(profile.id_type)


def profile_rows(profile: CpaProfile, year: int) -> list[tuple[str, str]]:
    """确认个人信息 as the API returns it (seed 2.3.4's fields), plus the year's training hours."""
    hours = profile.training_hours.get(str(year))
    return [
        ("姓名", profile.name),
        ("证书编号", profile.cert_no),
        ("性别", profile.gender),
        ("民族", profile.ethnicity),
        ("出生日期", profile.birth_date.isoformat() if profile.birth_date else "—"),
        ("有效证件名称", profile.id_type),
        ("有效证件号码", profile.id_number),
        ("籍贯", profile.native_place or "—"),
        ("所在地区", profile.region or "—"),
        ("户口所在地", profile.hukou or "—"),
        ("政治面貌", profile.political_status),
        ("所在事务所", f"{profile.firm_name}（{profile.firm_number}）"),
        (f"{year} 年度培训学时", f"{hours:g} 学时" if hours is not None else "暂无记录"),
    ]


def _materials_page(
    request: Request,
    session: Session,
    user: WebUser,
    application: Application,
    *,
    errors: FormErrors | None = None,
    status: int = 200,
    done: Done | None = None,
) -> HTMLResponse:
    view = cpa_actions.application_view(session, application)
    slots, others = material_slots(view)
    editable = ApplicationState(view.status) in cpa_actions.EDITABLE_STATES
    return cpa_page(
        request,
        session,
        user,
        "portal/apply_materials.html",
        active="applications",
        status=status,
        title=f"{view.year} 年度年检申请 · 上传材料",
        view=view,
        slots=slots,
        others=others,
        editable=editable,
        returned=view.status in RETURNED_STATES,
        file_rules=FILE_RULES,
        human_size=human_size,
        max_files=MAX_APPLICATION_FILES,
        max_bytes=MAX_ATTACHMENT_BYTES,
        status_key=form_key("status", view.id, view.version),
        errors=errors or FormErrors(),
        done=done,
    )


def _refusal(error: DomainError) -> str:
    return STALE_PAGE if isinstance(error, IdempotencyKeyReused) else error.message


# --- 新建申请: the institute's notice, 确认个人信息, 申请年检 ---


def _current(session: Session, user: WebUser) -> tuple[int, CpaApplication | None]:
    cpa = cpa_of(user)
    year = cpa_actions.notice(session, cpa).year
    return year, next((a for a in cpa_actions.list_applications(session, cpa) if a.year == year), None)


@router.get("/apply", response_class=HTMLResponse)
def apply_entry(request: Request, session: SessionDep, user: WebCpa) -> Response:
    """新建申请: this year's application if there is one, else the notice and 确认个人信息 with 申请年检."""
    _year, current = _current(session, user)
    if current is not None:
        return _see_other(apply_path(current.id))
    return _start_page(request, session, user)


def _start_page(
    request: Request, session: Session, user: WebUser, errors: FormErrors | None = None, status: int = 200
) -> HTMLResponse:
    cpa = cpa_of(user)
    notice = cpa_actions.notice(session, cpa)
    profile = cpa_actions.profile(session, cpa)
    return cpa_page(
        request,
        session,
        user,
        "portal/apply_start.html",
        active="applications",
        status=status,
        title=f"{notice.year} 年度年检申请 · 确认信息",
        notice=notice,
        profile=profile,
        rows=profile_rows(profile, notice.year),
        mof_name=MOF_PLATFORM_NAME,
        mof_url=MOF_PLATFORM_URL,
        start_key=start_key(notice.year),
        errors=errors or FormErrors(),
    )


@router.post("/apply", response_class=HTMLResponse)
def apply_start(
    request: Request,
    session: SessionDep,
    user: WebCpa,
    year: Annotated[int, Form(ge=2000, le=2100)],
    idempotency_key: KeyField = "",
) -> Response:
    """申请年检: the draft of `year` (the year the page showed; the use case refuses any other)."""
    cpa = cpa_of(user)
    try:
        started = cpa_actions.start_application(
            session, cpa, actor_of(user), StartApplication(year=year), sent_key(idempotency_key)
        )
    except Replay as replay:
        return _see_other(apply_path(int(replay.body["id"]), Done.ALREADY_STARTED))
    except DomainError as refused:
        session.rollback()
        _year, current = _current(session, user)
        if current is not None:  # another tab started it first (without the same key)
            return _see_other(apply_path(current.id, Done.ALREADY_STARTED))
        return _start_page(request, session, user, FormErrors(general=[_refusal(refused)]), status_of(refused))
    return _see_other(apply_path(started.id, Done.STARTED))


# --- 上传材料 ---


@router.get("/apply/{application_id}", response_class=HTMLResponse)
def materials(
    request: Request, session: SessionDep, user: WebCpa, application_id: PathId, done: str | None = None
) -> HTMLResponse:
    application = access.cpa_application(session, cpa_of(user), application_id)
    return _materials_page(request, session, user, application, done=Done.of(done))


@router.post("/apply/{application_id}/status", response_class=HTMLResponse)
def choose_status(
    request: Request,
    session: SessionDep,
    user: WebCpa,
    application_id: PathId,
    version: Annotated[int, Form(ge=0)],
    retired: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """离退休 / 在职 (the version the page showed: a change made elsewhere meanwhile is refused)."""
    application = access.cpa_application(session, cpa_of(user), application_id)
    if retired not in {"yes", "no"}:
        errors = FormErrors(fields={"retired": "请选择是否离退休"})
        return _materials_page(request, session, user, application, errors=errors, status=422)
    command = UpdateApplication(retired=retired == "yes", version=version)
    try:
        cpa_actions.update_application(session, cpa_of(user), application, actor_of(user), command)
    except DomainError as refused:
        session.rollback()
        errors = FormErrors(general=[refused.message])
        return _materials_page(request, session, user, application, errors=errors, status=status_of(refused))
    return _see_other(apply_path(application_id, Done.STATUS_SAVED))


@router.post("/apply/{application_id}/attachments", response_class=HTMLResponse)
def upload(
    request: Request,
    session: SessionDep,
    context: Context,
    user: WebCpa,
    application_id: PathId,
    slot: Annotated[int, Form(ge=0, le=100)],
    file: Annotated[UploadFile | None, File()] = None,
    idempotency_key: KeyField = "",
) -> Response:
    """One file into a material slot; the use case judges it (content type, size, count, editable state)."""
    application = access.cpa_application(session, cpa_of(user), application_id)
    view = cpa_actions.application_view(session, application)
    field = f"file-{slot}"
    if slot >= len(view.required_materials):
        return _upload_refused(request, session, user, application, field, STALE_PAGE, 409)
    if file is None or not file.filename:
        return _upload_refused(request, session, user, application, field, NO_FILE, 422)
    command = AddAttachment(file=file, material=view.required_materials[slot])
    try:
        added = cpa_actions.add_attachment(
            session, context.storage, application, actor_of(user), command, sent_key(idempotency_key)
        )
    except Replay:
        return _uploaded(request, session, application_id, Done.ALREADY_UPLOADED)
    except DomainError as refused:
        session.rollback()
        return _upload_refused(request, session, user, application, field, _refusal(refused), status_of(refused))
    return _uploaded(request, session, application_id, Done.UPLOADED, added)


def _uploaded(
    request: Request, session: Session, application_id: int, done: Done, added: AttachmentPublic | None = None
) -> Response:
    if not _wants_json(request):
        return _see_other(apply_path(application_id, done, "#materials"))
    application = session.get_one(Application, application_id)
    session.refresh(application)
    view = cpa_actions.application_view(session, application)
    body = {
        "done": done.value,
        "message": done.message,
        "location": apply_path(application_id, done, "#materials"),
        "attachment": added.model_dump(mode="json") if added else None,
        "upload_keys": [upload_key(view, i) for i in range(len(view.required_materials))],
    }
    return JSONResponse(body, status_code=201 if added else 200)


def _upload_refused(
    request: Request, session: Session, user: WebUser, application: Application, field: str, message: str, status: int
) -> Response:
    if _wants_json(request):
        return JSONResponse({"detail": message, "field": field}, status_code=status)
    session.refresh(application)
    errors = FormErrors(fields={field: message})
    return _materials_page(request, session, user, application, errors=errors, status=status)


@router.post("/apply/{application_id}/attachments/{attachment_id}/remove", response_class=HTMLResponse)
def remove(
    request: Request, session: SessionDep, user: WebCpa, application_id: PathId, attachment_id: PathId
) -> Response:
    application = access.cpa_application(session, cpa_of(user), application_id)
    try:
        cpa_actions.remove_attachment(session, application, actor_of(user), attachment_id)
    except DomainError as refused:
        session.rollback()
        session.refresh(application)
        errors = FormErrors(general=[refused.message])
        return _materials_page(request, session, user, application, errors=errors, status=status_of(refused))
    return _see_other(apply_path(application_id, Done.REMOVED, "#materials"))


# --- check your answers, then face verification (draft) or 再次申请 (returned) ---


def _check_page(
    request: Request,
    session: Session,
    user: WebUser,
    application: Application,
    errors: FormErrors | None = None,
    status: int = 200,
) -> HTMLResponse:
    cpa = cpa_of(user)
    view = cpa_actions.application_view(session, application)
    profile = cpa_actions.profile(session, cpa)
    slots, others = material_slots(view)
    missing = cpa_actions.missing_materials(session, application)
    errors = errors or FormErrors()
    for slot in slots:
        if slot.name in missing:
            errors.add(None, f"请上传必需材料：{slot.name}")
    state = ApplicationState(view.status)
    return cpa_page(
        request,
        session,
        user,
        "portal/apply_check.html",
        active="applications",
        status=status,
        title=f"{view.year} 年度年检申请 · 确认申请",
        view=view,
        profile=profile,
        slots=slots,
        others=others,
        missing=missing,
        human_size=human_size,
        draft=state is ApplicationState.DRAFT,
        returned=state in RETURNED_STATES,
        warning=FACE_VERIFICATION_WARNING,
        question=confirm_question(view.year),
        unsupported=unsupported_document(profile),
        resubmit_key=form_key("resubmit", view.id, view.version),
        errors=errors,
    )


@router.get("/apply/{application_id}/check", response_class=HTMLResponse)
def check(request: Request, session: SessionDep, user: WebCpa, application_id: PathId) -> HTMLResponse:
    """确认申请: everything the CPA declared, what is missing, and the manual's warning before face verification."""
    application = access.cpa_application(session, cpa_of(user), application_id)
    return _check_page(request, session, user, application)


@router.post("/apply/{application_id}/resubmit", response_class=HTMLResponse)
def resubmit(
    request: Request, session: SessionDep, user: WebCpa, application_id: PathId, idempotency_key: KeyField = ""
) -> Response:
    """再次申请 after a return: to the firm again, without face verification."""
    application = access.cpa_application(session, cpa_of(user), application_id)
    try:
        cpa_actions.resubmit(session, application, actor_of(user), sent_key(idempotency_key))
    except Replay:
        return _see_other(apply_path(application_id, Done.ALREADY_RESUBMITTED))
    except DomainError as refused:
        session.rollback()
        session.refresh(application)
        errors = FormErrors(general=[_refusal(refused)])
        return _check_page(request, session, user, application, errors, status_of(refused))
    return _see_other(apply_path(application_id, Done.RESUBMITTED))
