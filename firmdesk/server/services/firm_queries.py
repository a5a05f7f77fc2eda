"""What a firm reads: its info, the year's summary, CPA rows with filters and paging, batches, the change feed."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from firmdesk.domain.errors import InvalidInput
from firmdesk.domain.states import NOT_APPLIED, ApplicationState, BatchState, FirmTab, Role
from firmdesk.domain.tabs import TAB_SCOPES
from firmdesk.server.db.models import Application, Batch, BatchItem, Cpa, Firm, Institute
from firmdesk.server.services import institute_rules, rows
from firmdesk.server.services.changes import current_change_seq
from firmdesk.server.services.clock import china_today
from firmdesk.server.services.schemas import (
    ApplicationDetail,
    BatchDetail,
    BatchRow,
    ChangeSet,
    CpaRow,
    EventPublic,
    FirmInfo,
    FirmSummary,
    Page,
    Profile,
)

MAX_PAGE_SIZE = 10000


def firm_info(session: Session, firm: Firm) -> FirmInfo:
    institute = session.get_one(Institute, firm.institute_id)
    years = set(session.scalars(select(Application.year).where(Application.firm_id == firm.id).distinct()))
    years.add(institute.current_year)
    return FirmInfo(
        number=firm.number,
        name=firm.name,
        institute_code=institute.code,
        institute_name=institute.name,
        current_year=institute.current_year,
        window_start=institute.window_start,
        deadline=institute.deadline,
        years=sorted(years),
    )


def default_year(session: Session, firm: Firm, year: int | None) -> int:
    if year is not None:
        return year
    return session.get_one(Institute, firm.institute_id).current_year


def summary(session: Session, firm: Firm, year: int | None) -> FirmSummary:
    year = default_year(session, firm, year)
    institute = session.get_one(Institute, firm.institute_id)
    by_status = {NOT_APPLIED: 0, **{s.value: 0 for s in ApplicationState}}
    statement = (
        select(Application.state, func.count(Cpa.id))
        .select_from(Cpa)
        .outerjoin(Application, (Application.cpa_id == Cpa.id) & (Application.year == year))
        .where(Cpa.firm_id == firm.id)
        .group_by(Application.state)
    )
    for state, count in session.execute(statement):
        by_status[state or NOT_APPLIED] += count
    returned_tab = TAB_SCOPES[FirmTab.RETURNED]
    returned = session.scalar(
        select(func.count(Application.id))
        .join(Batch, Batch.id == Application.batch_id)
        .join(Cpa, Cpa.id == Application.cpa_id)
        .where(
            Cpa.firm_id == firm.id,
            Application.year == year,
            Batch.state.in_(sorted(returned_tab.row_batch_states or ())),
        )
    )
    returned_batches = session.scalar(
        select(func.count(Batch.id)).where(
            Batch.firm_id == firm.id, Batch.year == year, Batch.state.in_(sorted(returned_tab.batch_states or ()))
        )
    )
    deadline = institute.deadline if institute.current_year == year else None
    return FirmSummary(
        year=year,
        deadline=deadline,
        days_left=(deadline - china_today()).days if deadline else None,
        total=sum(by_status.values()),
        approved=by_status[ApplicationState.APPROVED.value],
        submitted=_tab_count(by_status, FirmTab.SUBMITTED),
        pending=_tab_count(by_status, FirmTab.PENDING_REVIEW),
        not_applied=_tab_count(by_status, FirmTab.NOT_APPLIED),
        returned=returned or 0,
        returned_batches=returned_batches or 0,
        deferred=by_status[ApplicationState.DEFERRED.value],
        failed=by_status[ApplicationState.FAILED.value],
        by_status=by_status,
        extended_until=institute_rules.firm_window(session, firm).extended_until if deadline else None,
        late_submittable=institute_rules.late_submittable(session, firm, year),
    )


def _tab_count(by_status: dict[str, int], tab: FirmTab) -> int:
    """How many CPAs a tab that selects by status lists (`domain.tabs.TAB_SCOPES`)."""
    statuses = TAB_SCOPES[tab].statuses
    assert statuses is not None, tab
    return sum(count for status, count in by_status.items() if status in statuses)


def _check_choice(value: str | None, allowed: Sequence[str], what: str) -> None:
    if value and value not in allowed:
        raise InvalidInput(f"{what}无效：{value}")


def list_cpas(
    session: Session,
    firm: Firm,
    *,
    year: int | None,
    tab: str | None = None,
    status: str | None = None,
    q: str | None = None,
    page: int = 1,
    page_size: int = 50,
    sort: str | None = None,
) -> Page[CpaRow]:
    year = default_year(session, firm, year)
    _check_choice(tab, [t.value for t in FirmTab], "页签")
    _check_choice(status, [NOT_APPLIED, *(s.value for s in ApplicationState)], "状态")
    _check_choice((sort or "").lstrip("-"), list(rows.SORTS), "排序")
    statement = rows.firm_year_select(firm.id, year)
    for condition in (rows.tab_filter(tab), rows.status_filter(status), rows.text_filter(q)):
        if condition is not None:
            statement = statement.where(condition)
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    statement = statement.order_by(*rows.order_by(sort)).offset((page - 1) * page_size).limit(page_size)
    return Page[CpaRow](items=rows.rows_of(session, statement), total=total, page=page, page_size=page_size)


def application_detail(session: Session, application: Application) -> ApplicationDetail:
    cpa = session.get_one(Cpa, application.cpa_id)
    batch_ids = select(BatchItem.batch_id).where(BatchItem.application_id == application.id)
    return ApplicationDetail(
        row=rows.application_row(session, application.id),
        profile=profile_of(cpa),
        attachments=rows.attachments_of(session, application_id=application.id),
        batches=rows.batch_rows(session, rows.batch_select().where(Batch.id.in_(batch_ids)).order_by(Batch.id)),
    )


def profile_of(cpa: Cpa) -> Profile:
    return Profile(
        name=cpa.name,
        ethnicity=cpa.ethnicity,
        gender=cpa.gender,
        birth_date=cpa.birth_date,
        id_type=cpa.id_type,
        id_number=cpa.id_number,
        native_place=cpa.native_place,
        region=cpa.region,
        hukou=cpa.hukou,
        political_status=cpa.political_status,
    )


def trail(session: Session, application: Application) -> list[EventPublic]:
    return rows.application_trail(session, application.id)


def parse_states(state: str | None) -> list[str] | None:
    if not state:
        return None
    states = [s.strip() for s in state.split(",") if s.strip()]
    for s in states:
        _check_choice(s, [b.value for b in BatchState], "批次状态")
    return states


def list_batches(
    session: Session,
    *,
    firm_ids: Sequence[int] | None,
    year: int | None,
    state: str | None,
    page: int = 1,
    page_size: int = 50,
    role: Role = Role.FIRM,
) -> Page[BatchRow]:
    """Batches, newest first; their `actions` are what `role` may do with them."""
    statement = rows.batch_select()
    if firm_ids is not None:
        statement = statement.where(Batch.firm_id.in_(list(firm_ids)))
    if year is not None:
        statement = statement.where(Batch.year == year)
    states = parse_states(state)
    if states:
        statement = statement.where(Batch.state.in_(states))
    total = session.scalar(select(func.count()).select_from(statement.with_only_columns(Batch.id).subquery())) or 0
    statement = statement.order_by(Batch.submitted_at.desc(), Batch.id.desc()).offset((page - 1) * page_size)
    return Page[BatchRow](
        items=rows.batch_rows(session, statement.limit(page_size), role), total=total, page=page, page_size=page_size
    )


def batch_detail(session: Session, batch: Batch, role: Role = Role.FIRM) -> BatchDetail:
    """The batch with its CPAs, materials and events; `actions` are what `role` may do with each."""
    return BatchDetail(
        batch=rows.batch_row(session, batch.id, role),
        applications=rows.batch_applications(session, batch.id, role),
        attachments=rows.attachments_of(session, batch_id=batch.id),
        events=rows.batch_events(session, batch.id),
    )


def changes(session: Session, firm: Firm, *, year: int | None, since: int) -> ChangeSet:
    """Rows changed after `since` (all of the year when `since` is 0); the cursor to ask with next."""
    cursor = current_change_seq(session)
    if 0 < cursor <= since:
        # Nothing in the whole database changed after `since` (every change takes a position of the one
        # counter, in the same transaction): the common poll answers without building or running row queries.
        return ChangeSet(cursor=cursor, full=False, cpas=[], batches=[])
    year = default_year(session, firm, year)
    cpa_statement = rows.firm_year_select(firm.id, year).order_by(Cpa.cert_no)
    batch_statement = rows.batch_select().where(Batch.firm_id == firm.id, Batch.year == year).order_by(Batch.id)
    full = since <= 0
    if not full:
        cpa_statement = cpa_statement.where(Cpa.change_seq > since)
        batch_statement = batch_statement.where(Batch.change_seq > since)
    return ChangeSet(
        cursor=cursor,
        full=full,
        cpas=rows.rows_of(session, cpa_statement),
        batches=rows.batch_rows(session, batch_statement),
    )
