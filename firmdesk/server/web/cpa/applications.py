"""注册会计师年检申请 (`/cpa/applications`): the CPA's applications filtered by 年检年度 and 审核状态 (in the URL),
and one application with its 审批信息 (the approval trail, 查看详情 per node)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import HTMLResponse

from firmdesk.domain.states import ApplicationState
from firmdesk.server.api.deps import PathId, SessionDep
from firmdesk.server.services import access, cpa_actions
from firmdesk.server.web.cpa.common import cpa_of, cpa_page, portal_router
from firmdesk.server.web.pages import FormErrors
from firmdesk.server.web.session import WebCpa

router = portal_router()

#: The 审核状态 choices of the filter: every application state with its label.
STATE_CHOICES = [(state.value, state.label) for state in ApplicationState]
_FILTER = Query(max_length=20)


@router.get("/applications", response_class=HTMLResponse)
def applications(
    request: Request,
    session: SessionDep,
    user: WebCpa,
    year: Annotated[str, _FILTER] = "",
    state: Annotated[str, _FILTER] = "",
) -> HTMLResponse:
    """The list; `year` and `state` empty mean all (the filter form's 全部)."""
    cpa = cpa_of(user)
    errors = FormErrors()
    chosen_year = int(year) if year.isdigit() else None
    if year and chosen_year is None:
        errors.add("year", "年检年度应为四位数字，例如 2025")
    chosen_state = next((s for s in ApplicationState if s.value == state), None)
    if state and chosen_state is None:
        errors.add("state", "请选择列表中的审核状态")
    every = cpa_actions.list_applications(session, cpa)
    current_year = cpa_actions.notice(session, cpa).year
    years = sorted({a.year for a in every} | {current_year}, reverse=True)
    shown = every if errors else cpa_actions.list_applications(session, cpa, chosen_year, chosen_state)
    return cpa_page(
        request,
        session,
        user,
        "portal/applications.html",
        active="applications",
        title="注册会计师年检申请",
        errors=errors,
        applications=shown,
        years=years,
        states=STATE_CHOICES,
        year=year,
        state=state,
        filtered=bool(year or state),
        editable={s.value for s in cpa_actions.EDITABLE_STATES},
    )


@router.get("/applications/{application_id}", response_class=HTMLResponse)
def application(request: Request, session: SessionDep, user: WebCpa, application_id: PathId) -> HTMLResponse:
    """One application: its facts, its materials and its 审批信息."""
    found = access.cpa_application(session, cpa_of(user), application_id)
    view = cpa_actions.application_view(session, found)
    return cpa_page(
        request,
        session,
        user,
        "portal/application.html",
        active="applications",
        title=f"{view.year}年度年检申请",
        application=view,
        editable=ApplicationState(view.status) in cpa_actions.EDITABLE_STATES,
    )
