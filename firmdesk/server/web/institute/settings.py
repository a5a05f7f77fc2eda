"""设置 (`/institute/settings`): the current year and its window, the notices shown to CPAs, the material lists
(在职 / 离退休) and the minimum training hours, as `PUT /api/v1/institute/config` (its schema checks the form)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from firmdesk.domain.errors import InvalidInput
from firmdesk.server.api.deps import SessionDep
from firmdesk.server.services import commands, institute_actions
from firmdesk.server.services.schemas import InstituteConfig
from firmdesk.server.web.institute.common import Short, institute_of, workbench_page, workbench_router
from firmdesk.server.web.pages import FormErrors
from firmdesk.server.web.session import WebInstitute, WebUser

router = workbench_router()

#: What a field says when the schema refuses its value.
FIELD_MESSAGES = {
    "current_year": "年检年度应为 2000 至 2100 之间的年份",
    "window_start": "请填写开始日期，格式如 2026-01-01",
    "deadline": "请填写截止日期，格式如 2026-04-30",
    "min_training_hours": "最低培训学时应为 0 至 1000 之间的数字",
    "materials_working": "在职人员材料最多 20 项",
    "materials_retired": "离退休人员材料最多 20 项",
}
Text = Annotated[str, Form(max_length=20_000)]


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _page(
    request: Request,
    user: WebUser,
    values: dict[str, object],
    *,
    status: int = 200,
    errors: FormErrors | None = None,
    saved: bool = False,
) -> HTMLResponse:
    return workbench_page(
        request,
        user,
        "institute/settings.html",
        active="settings",
        title="设置",
        status=status,
        values=values,
        errors=errors or FormErrors(),
        saved=saved,
    )


@router.get("/settings", response_class=HTMLResponse)
def settings_page(
    request: Request, user: WebInstitute, saved: Annotated[str | None, Query(max_length=2)] = None
) -> HTMLResponse:
    config = institute_actions.config(institute_of(user))
    values: dict[str, object] = {
        **config.model_dump(),
        "materials_working": "\n".join(config.materials_working),
        "materials_retired": "\n".join(config.materials_retired),
        "min_training_hours": f"{config.min_training_hours:g}",
    }
    return _page(request, user, values, saved=saved == "1")


@router.post("/settings", response_class=HTMLResponse)
def save_settings(
    request: Request,
    session: SessionDep,
    user: WebInstitute,
    current_year: Short = "",
    window_start: Short = "",
    deadline: Short = "",
    notice_start: Text = "",
    notice_success: Text = "",
    materials_working: Text = "",
    materials_retired: Text = "",
    min_training_hours: Short = "",
) -> Response:
    typed: dict[str, object] = {
        "current_year": current_year.strip(),
        "window_start": window_start.strip(),
        "deadline": deadline.strip(),
        "notice_start": notice_start,
        "notice_success": notice_success,
        "materials_working": materials_working,
        "materials_retired": materials_retired,
        "min_training_hours": min_training_hours.strip(),
    }
    errors = FormErrors()
    try:
        config = InstituteConfig.model_validate(
            {**typed, "materials_working": _lines(materials_working), "materials_retired": _lines(materials_retired)}
        )
    except ValidationError as invalid:
        for problem in invalid.errors():
            name = str(problem["loc"][0])
            errors.add(name, FIELD_MESSAGES.get(name, "内容无效"))
        return _page(request, user, typed, status=422, errors=errors)
    try:
        institute_actions.update_config(session, institute_of(user), commands.ConfigureInstitute(**config.model_dump()))
    except InvalidInput as refused:
        session.rollback()
        errors.add("deadline" if "截止" in refused.message else None, refused.message)
        return _page(request, user, typed, status=422, errors=errors)
    return RedirectResponse("/institute/settings?saved=1", status_code=303)
