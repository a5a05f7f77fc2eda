"""One CPA's application (`/institute/applications/{id}`): profile, materials previewed, flags, 线下人工核验
records, extensions and the whole trail, as `GET /api/v1/institute/applications/{id}`; decisions are made on its
batch's page (linked)."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse

from firmdesk.domain.states import Decision
from firmdesk.server.api.deps import SessionDep
from firmdesk.server.services import institute_queries
from firmdesk.server.web.institute.common import (
    WebApplication,
    institute_of,
    once_key,
    workbench_page,
    workbench_router,
)
from firmdesk.server.web.session import WebInstitute

router = workbench_router()


@router.get("/applications/{application_id}", response_class=HTMLResponse)
def application_page(
    request: Request, session: SessionDep, user: WebInstitute, application: WebApplication
) -> HTMLResponse:
    institute = institute_of(user)
    review = institute_queries.application_review(session, institute, application)
    batch = review.batches[-1] if review.batches else None
    return workbench_page(
        request,
        user,
        "institute/application.html",
        active="queue",
        title=f"{review.row.name}的年检申请",
        a=review,
        batch=batch,
        kept=None,
        decisions=[(d.value, d.label) for d in Decision],
        min_hours=institute.min_training_hours,
        once_key=once_key,
    )
