"""待审核批次 (`/institute/batches`): the batches of the institute's firms, oldest first, with their CPAs' counts
and the yellow flags they carry; search and filters live in the URL (bookmarkable, the back button works)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import HTMLResponse

from firmdesk.domain.limits import MAX_PAGE
from firmdesk.domain.states import BatchState
from firmdesk.server.api.deps import SessionDep
from firmdesk.server.services import institute_queries
from firmdesk.server.services.institute_queries import MAX_SEARCH_CHARS
from firmdesk.server.web.institute.common import institute_of, workbench_page, workbench_router
from firmdesk.server.web.pages import FormErrors
from firmdesk.server.web.session import WebInstitute

router = workbench_router()

PAGE_SIZE = 20
#: The state filter's choices: (value, text); the first is the queue proper.
WAITING = f"{BatchState.SUBMITTED.value},{BatchState.REVIEWING.value}"
STATE_CHOICES = (
    (WAITING, "待审核和审核中"),
    ("", "全部状态"),
    *((s.value, s.label) for s in BatchState),
)


@router.get("/batches", response_class=HTMLResponse)
def queue(
    request: Request,
    session: SessionDep,
    user: WebInstitute,
    q: Annotated[str, Query(max_length=MAX_SEARCH_CHARS)] = "",
    state: Annotated[str, Query(max_length=60)] = WAITING,
    year: Annotated[str, Query(max_length=10)] = "",
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
) -> HTMLResponse:
    institute = institute_of(user)
    errors = FormErrors()
    year_value = _year(year, errors)
    found = institute_queries.queue(
        session,
        institute,
        year=year_value,
        state=state or None,
        firm=None,
        q=q,
        oldest_first=True,
        page=page,
        page_size=PAGE_SIZE,
    )
    pages = max(1, -(-found.total // PAGE_SIZE))
    return workbench_page(
        request,
        user,
        "institute/queue.html",
        active="queue",
        title="待审核批次",
        queue=found,
        q=q,
        state=state,
        year=year,
        errors=errors,
        pages=pages,
        state_choices=STATE_CHOICES,
        state_labels={s.value: s.label for s in BatchState},
        waiting=WAITING,
    )


def _year(text: str, errors: FormErrors) -> int | None:
    """The 年检年度 filter: empty (every year) or a year; anything else is said next to the field and ignored."""
    text = text.strip()
    if not text:
        return None
    if text.isdigit() and 2000 <= int(text) <= 2100:
        return int(text)
    errors.add("year", "年检年度应为 4 位数字，例如 2025")
    return None
